"""Analyst overrides, one function each, used by the CLI and the dashboard alike.

Each records the action (with its note) in one transaction and then recomputes the
indicator's status in another, exactly as ``watchlist evidence dismiss`` always has; the
returned change (or None) is what the caller reports.
"""

from __future__ import annotations

from datetime import datetime

from monitor.status import decide
from monitor.storage import evidence as evidence_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database
from monitor.storage.evidence import ChangeInfo


def recompute(db: Database, indicator_id: int, now: datetime) -> ChangeInfo | None:
    with db.write() as session:
        return evidence_repo.apply_decision(session, indicator_id, decide, now, "analyst")


def set_dismissed(
    db: Database, evidence_id: int, dismissed: bool, note: str, now: datetime
) -> ChangeInfo | None:
    """Dismiss (or restore) one piece of evidence, then recompute its indicator."""
    with db.write() as session:
        indicator_id = evidence_repo.set_dismissed(session, evidence_id, dismissed, note, now)
    return recompute(db, indicator_id, now)


def set_pin(
    db: Database, indicator: str, status: str | None, note: str, now: datetime
) -> ChangeInfo | None:
    """Pin ``indicator`` (KEY or WATCHLIST/KEY) to ``status``, or unpin it with None."""
    with db.write() as session:
        db_id = indicators_repo.find_indicator(session, indicator).db_id
        evidence_repo.set_pin(session, db_id, status, note, now)
    return recompute(db, db_id, now)

"""Analyst overrides, one function each, used by the CLI and the dashboard alike.

Each is one transaction: the action is recorded (with its note, in the audit trail) and
the indicator's status decided again by ``monitor.decisions.record_decision`` in the same
transaction, so a change it causes is recorded with its alerts (marked as a correction) or
nothing is (issue 14, item 3). Pass ``alerts`` (``monitor.app.alert_sink(settings)``) for
the change to be delivered; the returned change (or None) is what the caller reports.
"""

from __future__ import annotations

from datetime import datetime

from monitor.alerts.outbox import AlertSink, NoAlerts
from monitor.decisions import record_decision
from monitor.model import Cause, ChangeInfo
from monitor.storage import actions
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database


def set_dismissed(
    db: Database,
    evidence_id: int,
    dismissed: bool,
    note: str,
    now: datetime,
    alerts: AlertSink | None = None,
) -> ChangeInfo | None:
    """Dismiss (a false positive) or restore one piece of evidence, and decide again."""
    with db.write() as session:
        indicator_id = actions.set_dismissed(session, evidence_id, dismissed, note, now)
        return record_decision(session, indicator_id, now, Cause.ANALYST, alerts or NoAlerts())


def set_pin(
    db: Database,
    indicator: str,
    status: str | None,
    note: str,
    now: datetime,
    alerts: AlertSink | None = None,
) -> ChangeInfo | None:
    """Pin ``indicator`` (KEY or WATCHLIST/KEY) to ``status``, or unpin it with None."""
    with db.write() as session:
        db_id = indicators_repo.find_indicator(session, indicator).db_id
        actions.set_pin(session, db_id, status, note, now)
        return record_decision(session, db_id, now, Cause.ANALYST, alerts or NoAlerts())

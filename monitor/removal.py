"""Removing feeds and watch lists without leaving ghosts (issue 16).

``feeds remove`` used to delete a feed's entries and their evidence and stop there: the
indicators that evidence had moved kept their status (``confirmed`` with no evidence) and
a history citing deleted rows. Now the evidence is archived (``storage.archive``: the
history still resolves), the feed is deleted, and every indicator it was evidence for is
decided again in the same transaction, its change recorded with cause ``removal`` and its
alerts queued like any other change.

Removing a watch list retires its indicators (kept with their history, as when a reload
drops them; loading the file again brings them back). Evidence belongs to one indicator,
so no other indicator's status depends on them: nothing else is decided again.
"""

from __future__ import annotations

from datetime import datetime

from monitor.alerts.outbox import AlertSink
from monitor.decisions import record_decision
from monitor.model import Cause, ChangeInfo
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.archive import archive_feed_evidence
from monitor.storage.db import Database


def remove_feed(db: Database, feed_id: int, sink: AlertSink, now: datetime) -> list[ChangeInfo]:
    """Remove one feed; returns the status changes it caused (their alerts are queued)."""
    changes: list[ChangeInfo] = []
    with db.write() as session:
        touched = archive_feed_evidence(session, feed_id, now)
        feeds_repo.remove_feed(session, feed_id)
        for indicator_id in sorted(touched):
            change = record_decision(session, indicator_id, now, Cause.REMOVAL, sink)
            if change is not None:
                changes.append(change)
    return changes


def remove_watchlist(db: Database, watchlist_id: str) -> int:
    """Retire every indicator of a watch list; returns how many were active."""
    with db.write() as session:
        return indicators_repo.retire_watchlist(session, watchlist_id)

"""The one owner of status changes: load the facts, ``decide``, record, queue the alerts.

Every status change goes through ``record_decision``, in the caller's transaction, whoever
causes it: the pipeline (new evidence), deadlines (every poll, and the daemon's check),
analysts (dismiss/restore, pin/unpin: one transaction each, in ``monitor.overrides``) and
replay. So a change is never recorded without its alerts, nor alerts queued for a change
that was rolled back (issue 14). Storage only reads and writes; ``decide`` only decides.
"""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.alerts.outbox import AlertSink
from monitor.model import Cause, ChangeInfo
from monitor.status import Decision, Status, decide
from monitor.storage import evidence as evidence_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Session

# A deadline cannot change these: they rest on occurred evidence (or are overdue already).
SETTLED = (Status.OBSERVED, Status.CONFIRMED, Status.OVERDUE, Status.REVERSED)


def record_decision(
    session: Session, indicator_id: int, now: datetime, cause: Cause, alerts: AlertSink
) -> ChangeInfo | None:
    """Decide ``indicator_id``'s status now; record the change and queue its alerts."""
    return decide_and_record(session, indicator_id, now, cause, alerts)[1]


def decide_and_record(
    session: Session, indicator_id: int, now: datetime, cause: Cause, alerts: AlertSink
) -> tuple[Decision, ChangeInfo | None]:
    """``record_decision``, with the decision itself (a replay reports its reason even
    when the status stays)."""
    settings = evidence_repo.lock_for_decision(session, indicator_id)
    facts = evidence_repo.load_decision_facts(session, indicator_id, settings, now)
    decision = decide(settings, facts, now)
    change = evidence_repo.record_status_change(session, indicator_id, decision, cause, now)
    if change is not None:
        alerts.enqueue(session, change, now)
    return decision, change


def deadlines_due(session: Session, now: datetime) -> list[int]:
    """Indicators whose deadline has passed and whose status it may change."""
    # ``status.deadline_passed``: the whole ``expected_by`` day (UTC) is over.
    return indicators_repo.due_for_deadline(session, now.astimezone(UTC).date(), SETTLED)


def record_deadlines(session: Session, now: datetime, alerts: AlertSink) -> list[ChangeInfo]:
    """Decide again every indicator whose deadline has passed (``overdue``)."""
    changes = []
    for indicator_id in deadlines_due(session, now):
        change = record_decision(session, indicator_id, now, Cause.DEADLINE, alerts)
        if change is not None:
            changes.append(change)
    return changes

"""Analyst actions on evidence and statuses, recorded with their notes (the audit trail).

``monitor.overrides`` calls these and then decides the status again, in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.errors import StorageError
from monitor.storage.indicators import lock_indicator
from monitor.storage.models import AnalystAction, EvidenceRow
from monitor.storage.removals import release_evidence


def set_dismissed(
    session: Session, evidence_id: int, dismissed: bool, note: str, now: datetime
) -> int:
    """Dismiss or restore one piece of evidence; returns its indicator id."""
    row = session.get(EvidenceRow, evidence_id)
    if row is None:
        raise StorageError(f"no evidence with id {evidence_id}")
    if row.dismissed != dismissed:
        # Dismissed: what it joined may split. Restored: unplaced, so placed again.
        release_evidence(session, [evidence_id])
        session.refresh(row)
    row.dismissed = dismissed
    row.dismissed_at = now if dismissed else None
    row.dismiss_note = note if dismissed else None
    session.add(
        AnalystAction(
            action="dismiss" if dismissed else "restore",
            indicator_id=row.indicator_id,
            evidence_id=evidence_id,
            note=note,
            at=now,
        )
    )
    return row.indicator_id


def set_pin(
    session: Session, indicator_id: int, status: str | None, note: str, now: datetime
) -> None:
    row = lock_indicator(session, indicator_id)
    row.pinned_status = status
    row.pin_note = note if status else None
    row.pinned_at = now if status else None
    session.add(
        AnalystAction(
            action="pin" if status else "unpin",
            indicator_id=indicator_id,
            status=status,
            note=note,
            at=now,
        )
    )

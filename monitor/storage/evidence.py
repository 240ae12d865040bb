"""Evidence and the status log: what the status engine reads and what it writes.

``apply_decision`` is the one place a status change is recorded: it locks the indicator
(serialising decisions across workers on PostgreSQL), compares, appends to the log and
returns the change so the caller can queue its alerts in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from indicators.model import Evidence, Modality
from indicators.similarity import sketch
from monitor.errors import StorageError
from monitor.status import Decision, EvidenceFact, Settings, Status, source_groups
from monitor.storage.entries import StoredEntry
from monitor.storage.indicators import lock_indicator
from monitor.storage.models import AnalystAction, Entry, EvidenceRow, IndicatorRow, StatusChange

# The status engine's ``decide``: passed in so storage never imports a decision policy.
DecideFn = Callable[[Settings, Sequence[EvidenceFact], datetime], Decision]


@dataclass(frozen=True)
class ChangeInfo:
    """A recorded status change, as alerts and reports need it."""

    id: int
    indicator_id: int
    indicator: str  # "watchlist/key"
    from_status: str
    to_status: str
    at: datetime
    reason: str
    cause: str
    evidence_ids: tuple[int, ...]


def _entry_sketch(session: Session, entry_id: int) -> tuple[int, ...]:
    row = session.get(Entry, entry_id)
    if row is None:
        return ()
    if row.sketch is None:  # computed lazily: only entries that are evidence need one
        row.sketch = list(sketch(f"{row.title}\n{row.summary}"))
    return tuple(row.sketch)


def replace_evidence(
    session: Session,
    entry: StoredEntry,
    indicator_id: int,
    version: str,
    found: Sequence[Evidence],
    now: datetime,
) -> list[int]:
    """Store an entry's evidence for one indicator, replacing what an older text gave.

    An analyst's dismissal survives the replacement when the same sentence comes back.
    """
    dismissed: dict[str, tuple[datetime | None, str | None]] = {}
    if not entry.is_new:  # an entry inserted in this transaction has nothing to replace
        dismissed = {
            row.sentence: (row.dismissed_at, row.dismiss_note)
            for row in session.scalars(
                select(EvidenceRow).where(
                    EvidenceRow.entry_id == entry.id,
                    EvidenceRow.indicator_id == indicator_id,
                    EvidenceRow.dismissed.is_(True),
                )
            )
        }
        session.execute(
            delete(EvidenceRow).where(
                EvidenceRow.entry_id == entry.id, EvidenceRow.indicator_id == indicator_id
            )
        )
    rows = []
    for position, ev in enumerate(found):
        row = EvidenceRow(
            entry_id=entry.id,
            indicator_id=indicator_id,
            indicator_version=version,
            position=position,
            modality=ev.modality.value,
            sentence=ev.sentence[:4000],
            terms=list(ev.terms),
            publisher=entry.publisher,
            published_at=entry.published_at,
            created_at=now,
            dismissed=ev.sentence[:4000] in dismissed,
        )
        if row.dismissed:
            row.dismissed_at, row.dismiss_note = dismissed[row.sentence]
        rows.append(row)
    session.add_all(rows)
    session.flush()  # one flush for the entry's rows: their ids
    ids = [row.id for row in rows]
    if found:
        _entry_sketch(session, entry.id)
    return ids


def indicators_by_entry(session: Session, entry_ids: Sequence[int]) -> dict[int, set[int]]:
    """For each entry, the indicators it has evidence for (dismissed or not)."""
    found: dict[int, set[int]] = {}
    for start in range(0, len(entry_ids), 500):  # stay under bound-parameter limits
        rows = session.execute(
            select(EvidenceRow.entry_id, EvidenceRow.indicator_id)
            .where(EvidenceRow.entry_id.in_(entry_ids[start : start + 500]))
            .distinct()
        )
        for entry_id, indicator_id in rows:
            found.setdefault(entry_id, set()).add(indicator_id)
    return found


def evidence_facts(session: Session, indicator_id: int) -> list[EvidenceFact]:
    return [fact for fact, _ in _facts_and_clusters(session, indicator_id)]


def _facts_and_clusters(
    session: Session, indicator_id: int
) -> list[tuple[EvidenceFact, int | None]]:
    """The indicator's live evidence, with each row's stored cluster id.

    Columns, not ORM objects: every decision reads all of an indicator's evidence, and
    building an object per row was most of ``apply_decision`` in a busy poll.
    """
    rows = session.execute(
        select(
            EvidenceRow.id,
            EvidenceRow.modality,
            EvidenceRow.publisher,
            EvidenceRow.published_at,
            EvidenceRow.sentence,
            EvidenceRow.cluster_id,
            Entry.sketch,
        )
        .join(Entry, Entry.id == EvidenceRow.entry_id)
        .where(EvidenceRow.indicator_id == indicator_id, EvidenceRow.dismissed.is_(False))
    ).all()
    return [
        (
            EvidenceFact(
                id=row.id,
                modality=Modality(row.modality),
                publisher=row.publisher,
                published_at=row.published_at,
                sketch=tuple(row.sketch or ()),
                sentence=row.sentence,
            ),
            row.cluster_id,
        )
        for row in rows
    ]


def _record_clusters(session: Session, facts: Sequence[tuple[EvidenceFact, int | None]]) -> None:
    """Store each piece of evidence's syndication cluster (its first member's id).

    Only rows whose cluster changed are written, one UPDATE per cluster: rewriting every
    row, or loading each (once one ``session.get`` per row), made every decision
    O(evidence) queries, and 300 feeds on three workers outlived their leases (issue 7).
    """
    stored = {fact.id: cluster for fact, cluster in facts}
    for group in source_groups([fact for fact, _ in facts], by_publisher=False):
        cluster = min(f.id for f in group)
        stale = [f.id for f in group if stored[f.id] != cluster]
        for start in range(0, len(stale), 500):  # stay under bound-parameter limits
            session.execute(
                update(EvidenceRow)
                .where(EvidenceRow.id.in_(stale[start : start + 500]))
                .values(cluster_id=cluster)
            )


def settings_of(row: IndicatorRow) -> Settings:
    return Settings(
        corroboration=row.corroboration,
        expected_by=row.expected_by,
        pinned=Status(row.pinned_status) if row.pinned_status else None,
        pin_note=row.pin_note or "",
    )


def apply_decision(
    session: Session,
    indicator_id: int,
    decide: DecideFn,
    now: datetime,
    cause: str,
) -> ChangeInfo | None:
    """Lock the indicator, decide its status, and record a change if there is one."""
    row = lock_indicator(session, indicator_id)
    with_clusters = _facts_and_clusters(session, indicator_id)
    _record_clusters(session, with_clusters)
    facts = [fact for fact, _ in with_clusters]
    decision = decide(settings_of(row), facts, now)
    if decision.status.value == row.status:
        return None
    change = StatusChange(
        indicator_id=indicator_id,
        from_status=row.status,
        to_status=decision.status.value,
        at=now,
        reason=decision.reason,
        cause=cause,
        evidence_ids=list(decision.evidence_ids),
    )
    session.add(change)
    row.status = decision.status.value
    row.status_since = now
    session.flush()
    return ChangeInfo(
        change.id,
        indicator_id,
        f"{row.watchlist_id}/{row.key}",
        change.from_status,
        change.to_status,
        now,
        decision.reason,
        cause,
        decision.evidence_ids,
    )


def set_dismissed(
    session: Session, evidence_id: int, dismissed: bool, note: str, now: datetime
) -> int:
    """Dismiss or restore one piece of evidence; returns its indicator id."""
    row = session.get(EvidenceRow, evidence_id)
    if row is None:
        raise StorageError(f"no evidence with id {evidence_id}")
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


def delete_evidence(session: Session, entry_id: int, indicator_id: int) -> None:
    session.execute(
        delete(EvidenceRow).where(
            EvidenceRow.entry_id == entry_id, EvidenceRow.indicator_id == indicator_id
        )
    )

"""Evidence and the status log: what the status engine reads and what it writes.

Persistence only; the one owner of a status change is ``monitor.decisions``, which calls,
in the caller's transaction: ``lock_for_decision`` (locks the indicator, serialising
decisions across workers on PostgreSQL, and places new evidence in its clusters with
``assign_clusters``), ``load_decision_facts`` (a few indexed rows, whatever the history),
then ``record_status_change`` (appends the decided change to the log, if it is one).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from indicators.model import Evidence, Modality
from monitor.errors import StorageError
from monitor.model import ChangeInfo, StoredEntry, entry_sketch
from monitor.status import (
    Decision,
    DecisionFacts,
    EvidenceFact,
    Settings,
    Status,
    deadline_passed,
    order_key,
)
from monitor.storage.archive import SUPERSEDED, archive_rows
from monitor.storage.arrivals import insert_placed
from monitor.storage.candidates import entry_units, post_units
from monitor.storage.clusters import assign_clusters
from monitor.storage.indicators import lock_indicator
from monitor.storage.models import Base, Entry, EvidenceRow, IndicatorRow, StatusChange
from monitor.storage.pieces import FACT_COLUMNS
from monitor.storage.raw import Raw, insert_rows
from monitor.storage.removals import release_evidence
from monitor.storage.sources import source_members

# The status owner's building blocks (monitor.decisions).
__all__ = ["assign_clusters", "load_decision_facts", "lock_for_decision", "record_status_change"]


@functools.lru_cache(maxsize=256)  # an entry with evidence for several indicators
def _sketch_of(title: str, summary: str) -> list[int]:
    return list(entry_sketch(title, summary))


def _store_sketch(session: Session, entry: StoredEntry) -> None:
    """The entry's sketch, computed once: only entries that are evidence need one."""
    entries = Base.metadata.tables["entries"]
    session.execute(
        update(entries)
        .where(entries.c.id == entry.id, entries.c.sketch.is_(None))
        .values(sketch=_sketch_of(entry.title, entry.summary))
    )


def _keep(session: Session, entry: StoredEntry, kept: list[int], version: str) -> None:
    """Rows that the entry's new text (or the new rules) give again: they keep their ids.

    If the entry was rewritten (``entries._update`` cleared its sketch), they had been
    placed in clusters by its old text: its new text is sketched and they are placed
    again, so the stored clusters still equal the full computation, which reads the
    entry's current sketch."""
    session.execute(
        update(EvidenceRow).where(EvidenceRow.id.in_(kept)).values(indicator_version=version)
    )
    # None for SQL NULL and for the JSON ``null`` that rows rewritten before the column
    # stored NULL hold (``models.Entry.sketch``).
    if session.scalar(select(Entry.sketch).where(Entry.id == entry.id)) is None:
        release_evidence(session, kept)
        entries = Base.metadata.tables["entries"]
        session.execute(
            update(entries)
            .where(entries.c.id == entry.id)
            .values(sketch=_sketch_of(entry.title, entry.summary))
        )


NewEvidence = tuple[StoredEntry, int, str, Sequence[Evidence]]  # entry, indicator, version


def _rows(
    entry: StoredEntry,
    indicator_id: int,
    version: str,
    found: Sequence[Evidence],
    now: datetime,
    dismissed: dict[str, tuple[datetime | None, str | None]],
) -> list[dict[str, Any]]:
    rows = []
    for position, ev in enumerate(found):
        sentence = ev.sentence[:4000]
        gone_at, note = dismissed.get(sentence, (None, None))
        rows.append(
            {
                "entry_id": entry.id,
                "indicator_id": indicator_id,
                "indicator_version": version,
                "position": position,
                "modality": ev.modality.value,
                "sentence": sentence,
                "terms": list(ev.terms),
                "publisher": entry.publisher,
                "published_at": entry.published_at,
                "created_at": now,
                "undone": ev.undone,
                "dismissed": sentence in dismissed,
                "dismissed_at": gone_at,
                "dismiss_note": note,
            }
        )
    return rows


def add_evidence(
    session: Session,
    found: Sequence[NewEvidence],
    now: datetime,
    sketches: Mapping[int, Sequence[int]] | None = None,
    *,
    stored: Collection[int] = (),
    placed: bool = False,
) -> None:
    """Store the evidence of entries inserted in this transaction (nothing to replace),
    the entries' sketches (the parse workers', else computed; ``stored``: entries
    inserted with theirs) and their units' bands. ``placed``: the caller holds the
    locks of the evidence's indicators, and the rows are written in their clusters
    (``arrivals``); else ``assign_clusters`` places them when each is decided."""
    known = sketches or {}
    rows = [row for e, ind, version, evs in found for row in _rows(e, ind, version, evs, now, {})]
    if not rows:
        return
    raw = Raw(session)  # driver-level: through Core, each row cost ~60 µs
    with_evidence = {e.id: e for e, _, _, evs in found if evs}
    drawn = {
        i: tuple(known.get(i) or _sketch_of(e.title, e.summary)) for i, e in with_evidence.items()
    }
    pack = raw.writer(Entry.__table__.c.sketch)
    raw.set_each(
        "entries",
        "sketch",
        [(pack(sk), entry_id) for entry_id, sk in drawn.items() if entry_id not in stored],
        array_type="bytea",
        only_unset=True,
    )
    # Every unit of the batch is posted before any indicator is placed, so the copies
    # found for a unit hold for all the batch's decisions (``candidates``).
    post_units(session, entry_units([(e, i) for e, i, _, evs in found if evs], drawn))
    if placed:
        insert_placed(session, rows, drawn)
    else:
        insert_rows(raw, Base.metadata.tables["evidence"], rows)


def replace_evidence(
    session: Session,
    entry: StoredEntry,
    indicator_id: int,
    version: str,
    found: Sequence[Evidence],
    now: datetime,
) -> list[int]:
    """Store an entry's evidence for one indicator, replacing what an older text gave.

    Evidence the new text gives again (same place, sentence and modality) keeps its row and
    id; the rest of the old evidence is archived as superseded (``storage.archive``), so
    the status log never cites a row that is gone. An analyst's dismissal survives the
    replacement when the same sentence comes back.
    """
    dismissed: dict[str, tuple[datetime | None, str | None]] = {}
    kept: dict[int, int] = {}  # position -> id of a row the new text gives again
    if not entry.is_new:  # an entry inserted in this transaction has nothing to replace
        wanted = {(n, ev.modality.value, ev.sentence[:4000]) for n, ev in enumerate(found)}
        old = session.execute(
            select(
                EvidenceRow.id,
                EvidenceRow.position,
                EvidenceRow.modality,
                EvidenceRow.sentence,
                EvidenceRow.dismissed,
                EvidenceRow.dismissed_at,
                EvidenceRow.dismiss_note,
            ).where(EvidenceRow.entry_id == entry.id, EvidenceRow.indicator_id == indicator_id)
        ).all()
        gone: list[int] = []
        for row in old:
            if (row.position, row.modality, row.sentence) in wanted:
                kept[row.position] = row.id
            else:
                if row.dismissed:
                    dismissed[row.sentence] = (row.dismissed_at, row.dismiss_note)
                gone.append(row.id)
        archive_rows(session, gone, SUPERSEDED, now)  # releases their clusters first
        if kept:
            _keep(session, entry, list(kept.values()), version)
    rows = [
        r
        for r in _rows(entry, indicator_id, version, found, now, dismissed)
        if r["position"] not in kept
    ]
    ids = list(kept.values())
    if rows:
        # Core, not the unit of work: an ORM object and a flush per entry were a third of a
        # poll whose entries are mostly evidence.
        table = Base.metadata.tables["evidence"]
        ids += session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        _store_sketch(session, entry)
    return sorted(ids)


def _ids_of(session: Session, entry_id: int, indicator_id: int) -> list[int]:
    return list(
        session.scalars(
            select(EvidenceRow.id).where(
                EvidenceRow.entry_id == entry_id, EvidenceRow.indicator_id == indicator_id
            )
        )
    )


_FACT_COLUMNS = (*FACT_COLUMNS, EvidenceRow.undone)  # undone: migration 0004


def _facts(session: Session, *where: Any) -> list[EvidenceFact]:
    """Evidence facts as columns, not ORM objects (an object per row was most of a poll)."""
    rows = session.execute(
        select(*_FACT_COLUMNS).join(Entry, Entry.id == EvidenceRow.entry_id).where(*where)
    )
    return [
        EvidenceFact(
            id=row.id,
            modality=Modality(row.modality),
            publisher=row.publisher,
            published_at=row.published_at,
            sketch=tuple(row.sketch or ()),
            sentence=row.sentence,
            undone=bool(row.undone),
        )
        for row in rows
    ]


def evidence_facts(session: Session, indicator_id: int) -> list[EvidenceFact]:
    """Every piece of the indicator's live evidence (reports; ``status.summarize``)."""
    return _facts(
        session, EvidenceRow.indicator_id == indicator_id, EvidenceRow.dismissed.is_(False)
    )


def _newest(session: Session, indicator_id: int, occurred: bool) -> EvidenceFact | None:
    """The newest live piece (of occurred evidence not undone, if ``occurred``): the rows
    at the latest time (an indexed MAX), then ``order_key`` among them."""
    where = [EvidenceRow.indicator_id == indicator_id, EvidenceRow.dismissed.is_(False)]
    if occurred:
        where.append(EvidenceRow.modality == Modality.OCCURRED.value)
        where.append(EvidenceRow.undone.is_(False))
    latest = select(func.max(EvidenceRow.published_at)).where(*where).scalar_subquery()
    return max(
        _facts(session, *where, EvidenceRow.published_at == latest), key=order_key, default=None
    )


def load_decision_facts(
    session: Session, indicator_id: int, settings: Settings, now: datetime
) -> DecisionFacts:
    """What ``decide`` needs of an indicator, read from aggregates and indexed rows.

    Call ``assign_clusters`` first (under the indicator's lock) so new evidence counts.
    Reads the first piece of each independent source (a few rows per publisher), the
    newest piece and the newest occurred piece; every live id only when nothing occurred
    and the deadline has passed (an overdue decision names them all).
    """
    sources = tuple(
        EvidenceFact(
            id=p.id,
            modality=Modality.OCCURRED,
            publisher=p.publisher,
            published_at=p.published_at,
            sketch=(),
            sentence=p.sentence,
        )
        for p in (group[0] for group in source_members(session, indicator_id))
    )
    ids: tuple[int, ...] = ()
    if not sources and deadline_passed(settings.expected_by, now):
        ids = tuple(
            session.scalars(
                select(EvidenceRow.id)
                .where(EvidenceRow.indicator_id == indicator_id, EvidenceRow.dismissed.is_(False))
                .order_by(EvidenceRow.id)
            )
        )
    return DecisionFacts(
        sources=sources,
        newest=_newest(session, indicator_id, occurred=False),
        last_occurred=_newest(session, indicator_id, occurred=True) if sources else None,
        evidence_ids=ids,
    )


def settings_of(row: IndicatorRow) -> Settings:
    return Settings(
        corroboration=row.corroboration,
        expected_by=row.expected_by,
        pinned=Status(row.pinned_status) if row.pinned_status else None,
        pin_note=row.pin_note or "",
    )


def lock_for_decision(session: Session, indicator_id: int) -> Settings:
    """Lock the indicator, place its new evidence in clusters; its decision settings."""
    row = lock_indicator(session, indicator_id)
    assign_clusters(session, indicator_id)
    return settings_of(row)


def decision_settings(session: Session, indicator_id: int) -> Settings:
    """The indicator's decision settings, read without a lock (replay's dry run)."""
    row = session.get(IndicatorRow, indicator_id)
    if row is None:
        raise StorageError(f"no indicator with id {indicator_id}")
    return settings_of(row)


def record_status_change(
    session: Session, indicator_id: int, decision: Decision, cause: str, now: datetime
) -> ChangeInfo | None:
    """Append ``decision`` to the status log if it changes the indicator's status."""
    row = lock_indicator(session, indicator_id)
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


def delete_evidence(session: Session, entry_id: int, indicator_id: int, now: datetime) -> None:
    """An entry's evidence for an indicator no longer counts: archived as superseded."""
    archive_rows(session, _ids_of(session, entry_id, indicator_id), SUPERSEDED, now)


EvidenceKey = tuple[int, str, str]  # (entry id, modality, sentence)


def evidence_pairs(session: Session) -> set[tuple[int, int]]:
    """(entry id, indicator id) of each pair with evidence stored: replay replaces these."""
    pairs = select(EvidenceRow.entry_id, EvidenceRow.indicator_id).distinct()
    return {(entry_id, indicator_id) for entry_id, indicator_id in session.execute(pairs)}


def evidence_keys(session: Session) -> dict[int, dict[EvidenceKey, bool]]:
    """Every indicator's stored evidence by key, with whether it is dismissed (replay)."""
    out: dict[int, dict[EvidenceKey, bool]] = {}
    rows = session.execute(
        select(
            EvidenceRow.indicator_id,
            EvidenceRow.entry_id,
            EvidenceRow.modality,
            EvidenceRow.sentence,
            EvidenceRow.dismissed,
        )
    )
    for indicator_id, entry_id, modality, sentence, dismissed in rows:
        out.setdefault(indicator_id, {})[(entry_id, modality, sentence)] = bool(dismissed)
    return out

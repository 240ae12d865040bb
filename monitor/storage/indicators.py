"""Indicator repository: watch lists in the database, versioned by definition hash."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.event_block import classes_to_data, event_from_data, event_to_data
from indicators.events import parse_classes
from indicators.model import CueLists, Indicator, Severity, Watchlist
from monitor.errors import StorageError
from monitor.storage.candidates import new_lock
from monitor.storage.models import IndicatorRow, IndicatorVersion, WatchlistRow


@dataclass(frozen=True)
class StoredIndicator:
    """An indicator with its database id and current status (``indicator.id`` is its key)."""

    db_id: int
    indicator: Indicator
    status: str
    status_since: datetime
    pinned_status: str | None
    pin_note: str | None
    active: bool

    @property
    def ref(self) -> str:
        return f"{self.indicator.watchlist_id}/{self.indicator.id}"


@dataclass(frozen=True)
class SyncResult:
    watchlist_id: str
    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    retired: tuple[str, ...]


def _to_value(row: IndicatorRow) -> StoredIndicator:
    cues = row.cues or {}
    indicator = Indicator(
        id=row.key,
        title=row.title,
        query=row.query,
        watchlist_id=row.watchlist_id,
        description=row.description,
        expected_by=row.expected_by,
        corroboration=row.corroboration,
        severity=Severity(row.severity),
        tags=tuple(row.tags or ()),
        cues=CueLists(
            occurred=tuple(cues.get("occurred", ())),
            anticipated=tuple(cues.get("anticipated", ())),
            negated=tuple(cues.get("negated", ())),
        ),
        # the event and the watch list's event classes ride with the cues: the rule's
        # extras, in the same JSON column (no schema change for older databases)
        event=event_from_data(cues.get("event")),
        event_classes=tuple(parse_classes(cues.get("events") or {}).values()),
    )
    return StoredIndicator(
        db_id=row.id,
        indicator=indicator,
        status=row.status,
        status_since=row.status_since,
        pinned_status=row.pinned_status,
        pin_note=row.pin_note,
        active=row.active,
    )


def _apply(row: IndicatorRow, ind: Indicator) -> None:
    row.title = ind.title
    row.query = ind.query
    row.description = ind.description
    row.expected_by = ind.expected_by
    row.corroboration = ind.corroboration
    row.severity = ind.severity.value
    row.tags = list(ind.tags)
    row.cues = {
        "occurred": list(ind.cues.occurred),
        "anticipated": list(ind.cues.anticipated),
        "negated": list(ind.cues.negated),
    }
    if ind.event is not None:
        row.cues["event"] = event_to_data(ind.event)
    if ind.event_classes:
        row.cues["events"] = classes_to_data(ind.event_classes)
    row.version = ind.version
    row.active = True


def sync_watchlist(session: Session, watchlist: Watchlist, now: datetime) -> SyncResult:
    """Make the database hold exactly this watch list's indicators (others retired)."""
    wl = session.get(WatchlistRow, watchlist.id)
    if wl is None:
        wl = WatchlistRow(id=watchlist.id, loaded_at=now)
        session.add(wl)
    wl.title, wl.source, wl.path = watchlist.title, watchlist.source, watchlist.path
    wl.expected_by, wl.loaded_at = watchlist.expected_by, now
    rows = {
        r.key: r
        for r in session.scalars(
            select(IndicatorRow).where(IndicatorRow.watchlist_id == watchlist.id)
        )
    }
    added: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    for ind in watchlist.indicators:
        row = rows.pop(ind.id, None)
        if row is None:
            row = IndicatorRow(
                watchlist_id=watchlist.id, key=ind.id, status="watching", status_since=now
            )
            _apply(row, ind)
            session.add(row)
            session.flush()
            added.append(ind.id)
        elif row.version != ind.version or not row.active or row.title != ind.title:
            _apply(row, ind)
            changed.append(ind.id)
        else:
            _apply(row, ind)  # description, tags and severity do not change the version
            unchanged.append(ind.id)
        known = session.scalar(
            select(IndicatorVersion.id).where(
                IndicatorVersion.indicator_id == row.id, IndicatorVersion.version == ind.version
            )
        )
        if known is None:
            session.add(
                IndicatorVersion(
                    indicator_id=row.id, version=ind.version, query=ind.query, created_at=now
                )
            )
    retired = []
    for key, row in rows.items():
        if row.active:
            row.active = False
            retired.append(key)
    session.flush()
    return SyncResult(watchlist.id, tuple(added), tuple(changed), tuple(unchanged), tuple(retired))


def retire_watchlist(session: Session, watchlist_id: str) -> int:
    """Mark every indicator of a watch list inactive; returns how many were active."""
    if session.get(WatchlistRow, watchlist_id) is None:
        raise StorageError(f"no watch list '{watchlist_id}' (see `watchlist watchlists list`)")
    rows = session.scalars(
        select(IndicatorRow).where(
            IndicatorRow.watchlist_id == watchlist_id, IndicatorRow.active.is_(True)
        )
    ).all()
    for row in rows:
        row.active = False
    return len(rows)


def active_indicators(session: Session) -> list[StoredIndicator]:
    rows = session.scalars(
        select(IndicatorRow).where(IndicatorRow.active.is_(True)).order_by(IndicatorRow.id)
    )
    return [_to_value(r) for r in rows]


def all_indicators(session: Session, watchlist: str | None = None) -> list[StoredIndicator]:
    stmt = select(IndicatorRow).order_by(IndicatorRow.watchlist_id, IndicatorRow.id)
    if watchlist:
        stmt = stmt.where(IndicatorRow.watchlist_id == watchlist)
    return [_to_value(r) for r in session.scalars(stmt)]


def due_for_deadline(session: Session, before: date, settled: Collection[str]) -> list[int]:
    """Active, unpinned indicators whose ``expected_by`` is before ``before`` and whose
    status is not one of ``settled`` (a deadline cannot change those): to decide again."""
    stmt = (
        select(IndicatorRow.id)
        .where(
            IndicatorRow.active.is_(True),
            IndicatorRow.expected_by.is_not(None),
            IndicatorRow.expected_by < before,
            IndicatorRow.status.not_in(list(settled)),
            IndicatorRow.pinned_status.is_(None),  # a pin holds the status, deadline or not
        )
        .order_by(IndicatorRow.id)
    )
    return list(session.scalars(stmt))


def watchlist_ids(session: Session) -> list[str]:
    return list(session.scalars(select(WatchlistRow.id).order_by(WatchlistRow.id)))


def find_indicator(session: Session, ref: str) -> StoredIndicator:
    """Look up ``KEY`` or ``WATCHLIST/KEY``; an ambiguous bare key is an error."""
    stmt = select(IndicatorRow)
    if "/" in ref:
        wl, key = ref.split("/", 1)
        stmt = stmt.where(IndicatorRow.watchlist_id == wl, IndicatorRow.key == key)
    else:
        stmt = stmt.where(IndicatorRow.key == ref)
    rows = list(session.scalars(stmt))
    if not rows:
        raise StorageError(f"no indicator '{ref}' (see `watchlist status` for the ids)")
    if len(rows) > 1:
        options = ", ".join(f"{r.watchlist_id}/{r.key}" for r in rows)
        raise StorageError(f"indicator '{ref}' is in several watch lists; say which: {options}")
    return _to_value(rows[0])


def lock_indicator(session: Session, db_id: int) -> IndicatorRow:
    """The indicator row, locked on PostgreSQL so status decisions are serialised.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: the transaction deciding has already
    inserted evidence rows whose foreign key holds a ``FOR KEY SHARE`` lock on this row,
    and so has another worker's; ``FOR UPDATE`` conflicts with those, and two workers
    deciding one indicator deadlocked (issue 7, item 4). ``NO KEY UPDATE`` conflicts
    with itself, so decisions still wait for each other, but not with key-share locks.
    """
    stmt = select(IndicatorRow).where(IndicatorRow.id == db_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    row = session.scalar(stmt)
    if row is None:
        raise StorageError(f"no indicator with id {db_id}")
    new_lock(session, [db_id])
    return row


def lock_indicators(session: Session, db_ids: Iterable[int]) -> None:
    """Lock several indicators, in id order (every worker's order: no lock cycles), before
    deciding each: the copies of new evidence found after all are held serve them all
    (``candidates.new_lock``)."""
    for db_id in sorted(db_ids):
        lock_indicator(session, db_id)

"""Read models for the dashboard and the brief: aggregates in SQL, never every row.

Every query here is bounded by an index or a limit: counts by modality are one ``GROUP BY``
over ``ix_evidence_modality``; independent sources come from the distinct (publisher,
syndication cluster) pairs of occurred evidence, joined in Python the way
``monitor.status.source_groups`` joins them (one publisher, or copies of one story recorded
as one ``cluster_id``, is one source); evidence trails and the alert list are cut to a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from monitor.storage.indicators import StoredIndicator, find_indicator
from monitor.storage.models import (
    AnalystAction,
    Entry,
    EvidenceRow,
    Feed,
    IndicatorRow,
    StatusChange,
    WatchlistRow,
)


@dataclass(frozen=True)
class BoardRow:
    db_id: int
    ref: str  # "watchlist/key"
    watchlist: str
    title: str
    status: str
    since: datetime
    pinned: bool
    occurred: int
    anticipated: int
    negated: int
    sources: int
    corroboration: int
    expected_by: date | None
    newest_at: datetime | None
    newest_sentence: str | None


@dataclass(frozen=True)
class TrailItem:
    id: int
    published: datetime
    modality: str
    sentence: str
    terms: tuple[str, ...]
    source: str | None
    title: str
    link: str | None
    cluster: int | None
    dismissed: bool
    dismiss_note: str | None


@dataclass(frozen=True)
class Mark:
    """One piece of evidence on the timeline."""

    at: datetime
    modality: str
    dismissed: bool


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    from_status: str
    to_status: str
    cause: str
    reason: str
    indicator: str = ""


@dataclass(frozen=True)
class ActionItem:
    at: datetime
    action: str
    evidence: int | None
    status: str | None
    note: str


@dataclass(frozen=True)
class IndicatorView:
    stored: StoredIndicator
    trail: tuple[TrailItem, ...]
    trail_total: int
    marks: tuple[Mark, ...]
    history: tuple[HistoryItem, ...]
    actions: tuple[ActionItem, ...]


def watchlist_titles(session: Session) -> dict[str, str]:
    rows = session.execute(select(WatchlistRow.id, WatchlistRow.title).order_by(WatchlistRow.id))
    return {str(wid): str(title) for wid, title in rows}


def _count_sources(pairs: list[tuple[str | None, int]]) -> int:
    """Connected components of evidence linked by publisher or by syndication cluster."""
    parent: dict[tuple[str, object], tuple[str, object]] = {}

    def find(node: tuple[str, object]) -> tuple[str, object]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for publisher, cluster in pairs:
        a = find(("cluster", cluster))
        if publisher:
            b = find(("publisher", publisher))
            if a != b:
                parent[a] = b
    return len({find(("cluster", cluster)) for _, cluster in pairs})


def board(
    session: Session, *, watchlist: str | None = None, status: str | None = None
) -> list[BoardRow]:
    """Active indicators with their evidence aggregates, the most recent change first."""
    stmt = select(IndicatorRow).where(IndicatorRow.active.is_(True))
    if watchlist:
        stmt = stmt.where(IndicatorRow.watchlist_id == watchlist)
    if status:
        stmt = stmt.where(IndicatorRow.status == status)
    rows = list(session.scalars(stmt.order_by(IndicatorRow.status_since.desc(), IndicatorRow.id)))
    ids = [row.id for row in rows]
    counts: dict[int, dict[str, int]] = {}
    pairs: dict[int, list[tuple[str | None, int]]] = {}
    newest: dict[int, tuple[datetime, str]] = {}
    for chunk in _chunks(ids):
        live = and_(EvidenceRow.indicator_id.in_(chunk), EvidenceRow.dismissed.is_(False))
        for ind, modality, n in session.execute(
            select(EvidenceRow.indicator_id, EvidenceRow.modality, func.count())
            .where(live)
            .group_by(EvidenceRow.indicator_id, EvidenceRow.modality)
        ):
            counts.setdefault(ind, {})[modality] = int(n)
        cluster = func.coalesce(EvidenceRow.cluster_id, -EvidenceRow.id)
        for ind, publisher, group in session.execute(
            select(EvidenceRow.indicator_id, EvidenceRow.publisher, cluster)
            .where(live, EvidenceRow.modality == "occurred")
            .distinct()
        ):
            pairs.setdefault(ind, []).append((publisher, int(group)))
        latest = (
            select(EvidenceRow.indicator_id, func.max(EvidenceRow.published_at).label("at"))
            .where(live)
            .group_by(EvidenceRow.indicator_id)
            .subquery()
        )
        for ind, at, sentence in session.execute(
            select(EvidenceRow.indicator_id, EvidenceRow.published_at, EvidenceRow.sentence)
            .join(
                latest,
                and_(
                    latest.c.indicator_id == EvidenceRow.indicator_id,
                    latest.c.at == EvidenceRow.published_at,
                ),
            )
            .where(EvidenceRow.dismissed.is_(False))
            .order_by(EvidenceRow.id)
        ):
            newest.setdefault(ind, (at, sentence))
    return [_board_row(row, counts, pairs, newest) for row in rows]


def _board_row(
    row: IndicatorRow,
    counts: dict[int, dict[str, int]],
    pairs: dict[int, list[tuple[str | None, int]]],
    newest: dict[int, tuple[datetime, str]],
) -> BoardRow:
    mine = counts.get(row.id, {})
    latest = newest.get(row.id)
    return BoardRow(
        db_id=row.id,
        ref=f"{row.watchlist_id}/{row.key}",
        watchlist=row.watchlist_id,
        title=row.title,
        status=row.status,
        since=row.status_since,
        pinned=row.pinned_status is not None,
        occurred=mine.get("occurred", 0),
        anticipated=mine.get("anticipated", 0),
        negated=mine.get("negated", 0),
        sources=_count_sources(pairs.get(row.id, [])),
        corroboration=row.corroboration,
        expected_by=row.expected_by,
        newest_at=latest[0] if latest else None,
        newest_sentence=latest[1] if latest else None,
    )


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):  # stay under bound-parameter limits
        yield ids[start : start + size]


def indicator_view(
    session: Session, ref: str, *, limit: int = 100, offset: int = 0
) -> IndicatorView:
    """One indicator: ``limit`` pieces of evidence, newest first from ``offset``, every
    mark, the history."""
    stored = find_indicator(session, ref)
    db_id = stored.db_id
    total = session.scalar(
        select(func.count()).select_from(EvidenceRow).where(EvidenceRow.indicator_id == db_id)
    )
    trail = [
        TrailItem(
            id=ev.id,
            published=ev.published_at,
            modality=ev.modality,
            sentence=ev.sentence,
            terms=tuple(str(t) for t in ev.terms or ()),
            source=ev.publisher,
            title=title,
            link=link,
            cluster=ev.cluster_id,
            dismissed=ev.dismissed,
            dismiss_note=ev.dismiss_note,
        )
        for ev, title, link in session.execute(
            select(EvidenceRow, Entry.title, Entry.link)
            .join(Entry, Entry.id == EvidenceRow.entry_id)
            .where(EvidenceRow.indicator_id == db_id)
            .order_by(EvidenceRow.published_at.desc(), EvidenceRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ]
    marks = [
        Mark(at, modality, dismissed)
        for at, modality, dismissed in session.execute(
            select(EvidenceRow.published_at, EvidenceRow.modality, EvidenceRow.dismissed)
            .where(EvidenceRow.indicator_id == db_id)
            .order_by(EvidenceRow.published_at)
        )
    ]
    return IndicatorView(
        stored=stored,
        trail=tuple(trail),
        trail_total=int(total or 0),
        marks=tuple(marks),
        history=tuple(history(session, indicator_id=db_id)),
        actions=tuple(
            ActionItem(a.at, a.action, a.evidence_id, a.status, a.note)
            for a in session.scalars(
                select(AnalystAction)
                .where(AnalystAction.indicator_id == db_id)
                .order_by(AnalystAction.at, AnalystAction.id)
            )
        ),
    )


def history(
    session: Session,
    *,
    indicator_id: int | None = None,
    watchlist: str | None = None,
    since: datetime | None = None,
) -> list[HistoryItem]:
    """Status changes, oldest first (indexed by indicator and by time)."""
    stmt = (
        select(StatusChange, IndicatorRow.watchlist_id, IndicatorRow.key)
        .join(IndicatorRow, IndicatorRow.id == StatusChange.indicator_id)
        .order_by(StatusChange.at, StatusChange.id)
    )
    if indicator_id is not None:
        stmt = stmt.where(StatusChange.indicator_id == indicator_id)
    if watchlist:
        stmt = stmt.where(IndicatorRow.watchlist_id == watchlist)
    if since is not None:
        stmt = stmt.where(StatusChange.at >= since)
    return [
        HistoryItem(c.at, c.from_status, c.to_status, c.cause, c.reason, f"{wl}/{key}")
        for c, wl, key in session.execute(stmt)
    ]


@dataclass(frozen=True)
class NewEvidence:
    """Evidence first seen in a period, per indicator: counts and the newest sentences."""

    indicator: str
    title: str
    occurred: int
    anticipated: int
    negated: int
    sentences: tuple[tuple[str, str, str | None], ...]  # (modality, sentence, publisher)


def new_evidence(
    session: Session, since: datetime, *, watchlist: str | None = None, per_indicator: int = 3
) -> list[NewEvidence]:
    """Live evidence recorded since ``since``, grouped by indicator."""
    stmt = (
        select(
            IndicatorRow.watchlist_id,
            IndicatorRow.key,
            IndicatorRow.title,
            EvidenceRow.modality,
            EvidenceRow.sentence,
            EvidenceRow.publisher,
        )
        .join(IndicatorRow, IndicatorRow.id == EvidenceRow.indicator_id)
        .where(EvidenceRow.created_at >= since, EvidenceRow.dismissed.is_(False))
        .order_by(IndicatorRow.watchlist_id, IndicatorRow.key, EvidenceRow.published_at.desc())
    )
    if watchlist:
        stmt = stmt.where(IndicatorRow.watchlist_id == watchlist)
    counts: dict[str, dict[str, int]] = {}
    titles: dict[str, str] = {}
    quotes: dict[str, list[tuple[str, str, str | None]]] = {}
    for wl, key, title, modality, sentence, publisher in session.execute(stmt):
        ref = f"{wl}/{key}"
        titles[ref] = title
        mine = counts.setdefault(ref, {})
        mine[modality] = mine.get(modality, 0) + 1
        quoted = quotes.setdefault(ref, [])
        if len(quoted) < per_indicator:
            quoted.append((modality, sentence, publisher))
    return [
        NewEvidence(
            ref,
            titles[ref],
            n.get("occurred", 0),
            n.get("anticipated", 0),
            n.get("negated", 0),
            tuple(quotes[ref]),
        )
        for ref, n in counts.items()
    ]


@dataclass(frozen=True)
class Deadline:
    indicator: str
    title: str
    status: str
    expected_by: date


def deadlines_between(
    session: Session, start: date, end: date, *, watchlist: str | None = None
) -> list[Deadline]:
    """Active indicators due in [start, end] and not yet observed or confirmed."""
    stmt = (
        select(IndicatorRow)
        .where(
            IndicatorRow.active.is_(True),
            IndicatorRow.expected_by >= start,
            IndicatorRow.expected_by <= end,
            IndicatorRow.status.not_in(("observed", "confirmed")),
        )
        .order_by(IndicatorRow.expected_by, IndicatorRow.watchlist_id, IndicatorRow.key)
    )
    if watchlist:
        stmt = stmt.where(IndicatorRow.watchlist_id == watchlist)
    return [
        Deadline(f"{r.watchlist_id}/{r.key}", r.title, r.status, r.expected_by)
        for r in session.scalars(stmt)
        if r.expected_by is not None
    ]


@dataclass(frozen=True)
class FailingFeed:
    url: str
    title: str | None
    error_kind: str | None
    error: str | None
    failures: int
    last_polled_at: datetime | None


def failing_feeds(session: Session) -> list[FailingFeed]:
    """Feeds whose last poll failed (consecutive failures > 0), worst first."""
    rows = session.scalars(
        select(Feed).where(Feed.error_count > 0).order_by(Feed.error_count.desc(), Feed.url)
    )
    return [
        FailingFeed(
            f.url, f.title, f.last_error_kind, f.last_error, f.error_count, f.last_polled_at
        )
        for f in rows
    ]

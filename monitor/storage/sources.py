"""Independent sources of an indicator's occurred evidence, kept as rows (``clusters``).

Independent sources are the occurred side's syndication clusters joined by publisher.
They are kept as ``SourceKey`` rows (a publisher, or one piece without one, with its
first piece) and ``SourceLink`` rows (two keys sharing a cluster), so a decision reads a
few rows per publisher, not every piece (issue 15).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from monitor.storage.models import EvidenceRow, SourceKey, SourceLink
from monitor.storage.pieces import OCCURRED, Joined, Piece, UnionFind
from monitor.storage.raw import Raw

# What a source key's first piece is read with: no sketch (a decision does not compare it).
_FIRST = (
    EvidenceRow.id,
    EvidenceRow.publisher,
    EvidenceRow.published_at,
    EvidenceRow.sentence,
    EvidenceRow.cluster_id,
)


def _firsts(session: Session, indicator_id: int, keys: Iterable[str]) -> dict[str, Piece]:
    """The stored first piece of each of these source keys."""
    rows = session.execute(
        select(SourceKey.key, *_FIRST)
        .join(EvidenceRow, EvidenceRow.id == SourceKey.first_id)
        .where(SourceKey.indicator_id == indicator_id, SourceKey.key.in_(sorted(set(keys))))
    )
    return {
        r.key: Piece(r.id, True, r.publisher, r.published_at, r.sentence, (), r.cluster_id)
        for r in rows
    }


def add_sources(session: Session, indicator_id: int, joined: Sequence[Joined]) -> None:
    """New occurred pieces: keep each key's first piece, and link the keys of a cluster."""
    keys = {p.key for group in joined for p in (*group.new, *group.met)}
    firsts = _firsts(session, indicator_id, keys)
    changed: dict[str, Piece] = {}
    for group in joined:
        for piece in group.new:
            first = changed.get(piece.key) or firsts.get(piece.key)
            if first is None or piece.order() < first.order():
                changed[piece.key] = piece
    rows = [{"indicator_id": indicator_id, "key": k, "first_id": p.id} for k, p in changed.items()]
    new_keys = [row for row in rows if row["key"] not in firsts]
    if new_keys:
        session.execute(insert(SourceKey), new_keys)
    moved = [row for row in rows if row["key"] in firsts]
    if moved:
        session.execute(update(SourceKey), moved)  # bulk UPDATE by primary key
    pairs = {pair for group in joined for pair in _star({p.key for p in (*group.new, *group.met)})}
    _insert_links(session, indicator_id, pairs)


def _star(keys: set[str]) -> list[tuple[str, str]]:
    """Links that connect all of ``keys`` (each to the smallest): one cluster, one source."""
    ordered = sorted(keys)
    return [(ordered[0], k) for k in ordered[1:]]


def _insert_links(session: Session, indicator_id: int, pairs: set[tuple[str, str]]) -> None:
    if not pairs:
        return
    known = set(
        session.execute(
            select(SourceLink.key_a, SourceLink.key_b).where(
                SourceLink.indicator_id == indicator_id,
                SourceLink.key_a.in_(sorted({a for a, _ in pairs})),
            )
        )
    )
    fresh = sorted(pairs - known)
    if fresh:
        session.execute(
            insert(SourceLink),
            [{"indicator_id": indicator_id, "key_a": a, "key_b": b} for a, b in fresh],
        )


def rebuild_sources(session: Session, indicator_id: int) -> None:
    """Source keys and links from every placed occurred piece (after a removal)."""
    session.execute(delete(SourceKey).where(SourceKey.indicator_id == indicator_id))
    session.execute(delete(SourceLink).where(SourceLink.indicator_id == indicator_id))
    rows = session.execute(
        select(
            EvidenceRow.id,
            EvidenceRow.publisher,
            EvidenceRow.published_at,
            EvidenceRow.sentence,
            EvidenceRow.cluster_id,
        ).where(
            EvidenceRow.indicator_id == indicator_id,
            EvidenceRow.dismissed.is_(False),
            EvidenceRow.modality == OCCURRED,
        )
    )
    firsts: dict[str, Piece] = {}
    by_cluster: dict[int | None, set[str]] = {}
    for r in rows:
        piece = Piece(r.id, True, r.publisher, r.published_at, r.sentence, (), r.cluster_id)
        if piece.key not in firsts or piece.order() < firsts[piece.key].order():
            firsts[piece.key] = piece
        by_cluster.setdefault(r.cluster_id, set()).add(piece.key)
    if firsts:
        session.execute(
            insert(SourceKey),
            [
                {"indicator_id": indicator_id, "key": k, "first_id": p.id}
                for k, p in sorted(firsts.items())
            ],
        )
    _insert_links(
        session, indicator_id, {pair for keys in by_cluster.values() for pair in _star(keys)}
    )


def source_members(session: Session, indicator_id: int) -> list[list[Piece]]:
    """The independent sources: each a list of its keys' first pieces, oldest first.

    Read through the driver (``Raw``): every decision reads every key of its indicator,
    one per publisher, and SQLAlchemy's rows were most of that (at 60,000 stored entries,
    ~750 keys an indicator: 71 ms for a batch's nine decisions, 49 ms so)."""
    raw = Raw(session)
    read_time = raw.reader(EvidenceRow.__table__.c.published_at)
    firsts = raw.execute(
        'SELECT k."key", e.id, e.publisher, e.published_at, e.sentence, e.cluster_id'
        " FROM source_keys AS k JOIN evidence AS e ON e.id = k.first_id"
        " WHERE k.indicator_id = ?",
        (indicator_id,),
    )
    links = raw.execute(
        "SELECT key_a, key_b FROM source_links WHERE indicator_id = ?", (indicator_id,)
    )
    names = {row[0]: n for n, row in enumerate(firsts)}
    sets = UnionFind()
    for a, b in links:
        if a in names and b in names:
            sets.union(("k", names[a]), ("k", names[b]))
    groups: dict[tuple[str, int], list[Piece]] = {}
    for key, piece_id, publisher, published_at, sentence, cluster in firsts:
        piece = Piece(piece_id, True, publisher, read_time(published_at), sentence, (), cluster)
        groups.setdefault(sets.find(("k", names[key])), []).append(piece)
    ordered = [sorted(group, key=Piece.order) for group in groups.values()]
    return sorted(ordered, key=lambda group: group[0].order())

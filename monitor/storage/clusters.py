"""Syndication clusters and independent sources, kept per indicator as evidence arrives.

A decision used to re-cluster all of an indicator's evidence pair by pair (issue 15: 82 of
98 s of a poll). Now each piece is placed once, when it arrives (``assign_clusters``):
it is compared only with the stored pieces that share a band of its sketch
(``EvidencePosting``, see ``similarity.bands``) inside ``SYNDICATION_WINDOW``, and joins
or merges their clusters. The reference computation counts a pair only when it shares a
band too, so nothing is lost by looking only there. A cluster's id is its
first member's id, so the stored clusters equal the full computation
(``status.source_groups(..., by_publisher=False)``) whatever the arrival order.

Clusters are kept per side: occurred evidence, and the rest. Independent sources are the
occurred side's clusters joined by publisher; they are kept as ``SourceKey`` rows (a
publisher, or one piece without one, with its first piece) and ``SourceLink`` rows (two
keys sharing a cluster), so a decision reads a few rows per publisher, not every piece.

Removing a piece (dismissed, or replaced by a new text) can split what it joined: its
cluster's other members are unassigned and placed again, and the indicator's source keys
are rebuilt from its rows at the next ``assign_clusters`` (rare: analyst actions and
revised stories; ``monitor.storage.removals``). Everything lives in the database and is
changed under the indicator's lock, so several workers (PostgreSQL) see one consistent
state.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from indicators.model import Modality
from indicators.similarity import bands, may_be_syndicated, syndicated
from monitor.status import SYNDICATION_WINDOW
from monitor.storage.models import (
    Base,
    Entry,
    EvidencePosting,
    EvidenceRow,
    SourceKey,
    SourceLink,
)

OCCURRED = Modality.OCCURRED.value
CHUNK = 40  # pieces placed per candidate query (16 band keys each: bound parameters)


@dataclass(frozen=True)
class Piece:
    """One piece of live evidence as clustering sees it."""

    id: int
    occurred: bool
    publisher: str | None
    published_at: datetime
    sentence: str
    sketch: tuple[int, ...]
    cluster: int | None = None

    @functools.cached_property
    def hashes(self) -> frozenset[int]:
        return frozenset(self.sketch)

    @property
    def key(self) -> str:
        """Its source key: the publisher, or the piece itself when it has none."""
        return self.publisher or f"#{self.id}"

    def order(self) -> tuple[datetime, str, int]:
        # ``status.order_key`` within one side of one indicator (the modality is the same).
        return (self.published_at, self.sentence, self.id)


_COLUMNS = (
    EvidenceRow.id,
    EvidenceRow.modality,
    EvidenceRow.publisher,
    EvidenceRow.published_at,
    EvidenceRow.sentence,
    Entry.sketch,
    EvidenceRow.cluster_id,
)


def _pieces(session: Session, *where: Any) -> list[Piece]:
    rows = session.execute(
        select(*_COLUMNS).join(Entry, Entry.id == EvidenceRow.entry_id).where(*where)
    )
    return [
        Piece(
            r.id,
            r.modality == OCCURRED,
            r.publisher,
            r.published_at,
            r.sentence,
            tuple(r.sketch or ()),
            r.cluster_id,
        )
        for r in rows
    ]


def assign_clusters(session: Session, indicator_id: int) -> int:
    """Place every live piece of the indicator without a cluster; keep its sources.

    Call under the indicator's lock, before reading decision facts. Returns how many
    pieces were placed.
    """
    stale = _sources_stale(session, indicator_id)
    pending = _pieces(
        session,
        EvidenceRow.indicator_id == indicator_id,
        EvidenceRow.cluster_id.is_(None),
        EvidenceRow.dismissed.is_(False),
    )
    for side in (True, False):
        pieces = sorted((p for p in pending if p.occurred is side), key=Piece.order)
        for start in range(0, len(pieces), CHUNK):
            joined = _place(session, indicator_id, side, pieces[start : start + CHUNK])
            if side and not stale:
                _add_sources(session, indicator_id, joined)
    if stale:
        rebuild_sources(session, indicator_id)
    return len(pending)


def _sources_stale(session: Session, indicator_id: int) -> bool:
    """No source keys, yet placed occurred evidence: a removal cleared them."""
    live_occurred = exists().where(
        EvidenceRow.indicator_id == indicator_id,
        EvidenceRow.dismissed.is_(False),
        EvidenceRow.modality == OCCURRED,
        EvidenceRow.cluster_id.is_not(None),
    )
    keys = exists().where(SourceKey.indicator_id == indicator_id)
    placed, kept = session.execute(select(live_occurred, keys)).one()
    return bool(placed) and not kept


def _candidates(
    session: Session, indicator_id: int, occurred: bool, chunk: Sequence[Piece]
) -> list[Piece]:
    """Placed pieces that share a band with the chunk, inside its window."""
    hashes = {h for piece in chunk for h in bands(piece.sketch)}
    if not hashes:
        return []
    lo = min(p.published_at for p in chunk) - SYNDICATION_WINDOW
    hi = max(p.published_at for p in chunk) + SYNDICATION_WINDOW
    ids = select(EvidencePosting.evidence_id).where(
        EvidencePosting.indicator_id == indicator_id,
        EvidencePosting.occurred.is_(occurred),
        EvidencePosting.hash.in_(sorted(hashes)),
        EvidencePosting.published_at.between(lo, hi),
    )
    return _pieces(session, EvidenceRow.id.in_(ids))


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(self, node: tuple[str, int]) -> tuple[str, int]:
        parent = self.parent.setdefault(node, node)
        if parent != node:
            parent = self.parent[node] = self.find(parent)
        return parent

    def union(self, a: tuple[str, int], b: tuple[str, int]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class _Joined:
    """A cluster after placing a chunk: its id, the new pieces, the stored pieces they met."""

    cluster: int
    new: list[Piece]
    met: list[Piece]


def _place(
    session: Session, indicator_id: int, occurred: bool, chunk: Sequence[Piece]
) -> list[_Joined]:
    found = _candidates(session, indicator_id, occurred, chunk)
    index: dict[int, list[Piece]] = {}
    for piece in found:
        for h in bands(piece.sketch):
            index.setdefault(h, []).append(piece)

    def node(p: Piece) -> tuple[str, int]:
        # A stored piece stands for its whole cluster; a new one for itself.
        return ("c", p.cluster) if p.cluster is not None else ("p", p.id)

    sets = _UnionFind()
    met: dict[int, Piece] = {}
    for piece in chunk:
        sets.find(node(piece))
        seen: set[int] = set()
        for h in bands(piece.sketch):
            for other in index.get(h, ()):
                if other.id in seen:
                    continue
                seen.add(other.id)
                if (
                    abs(other.published_at - piece.published_at) <= SYNDICATION_WINDOW
                    and may_be_syndicated(piece.hashes, other.hashes)
                    and syndicated(piece.sketch, other.sketch)
                ):
                    sets.union(node(piece), node(other))
                    if other.cluster is not None:
                        met[other.id] = other
            index.setdefault(h, []).append(piece)
    groups: dict[tuple[str, int], _Joined] = {}
    for piece in chunk:
        group = groups.setdefault(sets.find(node(piece)), _Joined(0, [], []))
        group.new.append(piece)
    for other in met.values():
        groups[sets.find(node(other))].met.append(other)
    joined = list(groups.values())
    for group in joined:
        old = {p.cluster for p in group.met if p.cluster is not None}
        group.cluster = min(old | {p.id for p in group.new})
        _relabel(session, indicator_id, old - {group.cluster}, group.cluster)
    _write_placed(session, indicator_id, occurred, joined)
    return joined


def _relabel(session: Session, indicator_id: int, clusters: set[int], to: int) -> None:
    """Merge stored clusters into ``to`` (a new piece joined them)."""
    if clusters:
        session.execute(
            update(EvidenceRow)
            .where(EvidenceRow.indicator_id == indicator_id, EvidenceRow.cluster_id.in_(clusters))
            .values(cluster_id=to)
            .execution_options(synchronize_session=False)
        )


def _write_placed(
    session: Session, indicator_id: int, occurred: bool, joined: Sequence[_Joined]
) -> None:
    """The new pieces' clusters and postings, as two Core executemany statements."""
    placed = [(piece, group.cluster) for group in joined for piece in group.new]
    rows = Base.metadata.tables["evidence"]
    session.execute(
        update(rows).where(rows.c.id == bindparam("piece")).values(cluster_id=bindparam("to")),
        [{"piece": piece.id, "to": cluster} for piece, cluster in placed],
    )
    postings = [
        {
            "evidence_id": piece.id,
            "hash": h,
            "indicator_id": indicator_id,
            "occurred": occurred,
            "published_at": piece.published_at,
        }
        for piece, _ in placed
        for h in bands(piece.sketch)
    ]
    if postings:
        session.execute(insert(Base.metadata.tables["evidence_postings"]), postings)


# -- independent sources ------------------------------------------------------------------


def _firsts(session: Session, indicator_id: int, keys: Iterable[str]) -> dict[str, Piece]:
    """The stored first piece of each of these source keys."""
    rows = session.execute(
        select(SourceKey.key, *_COLUMNS)
        .join(EvidenceRow, EvidenceRow.id == SourceKey.first_id)
        .join(Entry, Entry.id == EvidenceRow.entry_id)
        .where(SourceKey.indicator_id == indicator_id, SourceKey.key.in_(sorted(set(keys))))
    )
    return {
        r.key: Piece(r.id, True, r.publisher, r.published_at, r.sentence, (), r.cluster_id)
        for r in rows
    }


def _add_sources(session: Session, indicator_id: int, joined: Sequence[_Joined]) -> None:
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
    """The independent sources: each a list of its keys' first pieces, oldest first."""
    firsts = list(
        session.execute(
            select(SourceKey.key, *_COLUMNS)
            .join(EvidenceRow, EvidenceRow.id == SourceKey.first_id)
            .join(Entry, Entry.id == EvidenceRow.entry_id)
            .where(SourceKey.indicator_id == indicator_id)
        )
    )
    links = session.execute(
        select(SourceLink.key_a, SourceLink.key_b).where(SourceLink.indicator_id == indicator_id)
    )
    names = {r.key: n for n, r in enumerate(firsts)}
    sets = _UnionFind()
    for a, b in links:
        if a in names and b in names:
            sets.union(("k", names[a]), ("k", names[b]))
    groups: dict[tuple[str, int], list[Piece]] = {}
    for r in firsts:
        piece = Piece(r.id, True, r.publisher, r.published_at, r.sentence, (), r.cluster_id)
        groups.setdefault(sets.find(("k", names[r.key])), []).append(piece)
    ordered = [sorted(group, key=Piece.order) for group in groups.values()]
    return sorted(ordered, key=lambda group: group[0].order())

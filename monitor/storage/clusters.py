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
occurred side's clusters joined by publisher (``monitor.storage.sources``).

Pieces of one entry at one time share its sketch, so they always fall in one cluster:
only the first of them is compared and posted (``Piece.unit``), which cut the postings
written and the candidates read by the pieces per entry (issue 15).

Removing a piece (dismissed, or replaced by a new text) can split what it joined: its
cluster's other members are unassigned and placed again, and the indicator's source keys
are rebuilt from its rows at the next ``assign_clusters`` (rare: analyst actions and
revised stories; ``monitor.storage.removals``). Everything lives in the database and is
changed under the indicator's lock, so several workers (PostgreSQL) see one consistent
state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from indicators.similarity import bands, may_be_syndicated, syndicated
from monitor.status import SYNDICATION_WINDOW
from monitor.storage.candidates import Seen, candidates, copies
from monitor.storage.models import EvidencePosting, EvidenceRow, SourceKey
from monitor.storage.pieces import OCCURRED, Joined, Piece, UnionFind
from monitor.storage.pieces import pieces as read_pieces
from monitor.storage.raw import Raw
from monitor.storage.sources import add_sources, rebuild_sources

__all__ = ["OCCURRED", "Piece", "assign_clusters"]

CHUNK = 400  # pieces placed per candidate query (sorted by time: band keys are parameters)


def assign_clusters(session: Session, indicator_id: int) -> int:
    """Place every live piece of the indicator without a cluster; keep its sources.

    Call under the indicator's lock, before reading decision facts. Returns how many
    pieces were placed.
    """
    stale = _sources_stale(session, indicator_id)
    pending = read_pieces(
        session,
        EvidenceRow.indicator_id == indicator_id,
        EvidenceRow.cluster_id.is_(None),
        EvidenceRow.dismissed.is_(False),
    )
    seen = Seen(session, pending)
    for side in (True, False):
        pieces = sorted((p for p in pending if p.occurred is side), key=Piece.order)
        for start in range(0, len(pieces), CHUNK):
            chunk = pieces[start : start + CHUNK]
            joined = _place(session, indicator_id, side, chunk, seen)
            if side and not stale:
                add_sources(session, indicator_id, joined)
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


def _place(
    session: Session,
    indicator_id: int,
    occurred: bool,
    chunk: Sequence[Piece],
    seen: Seen,
) -> list[Joined]:
    raw = Raw(session)
    index = candidates(raw, indicator_id, occurred, chunk, seen)
    sets = UnionFind()
    edges: list[tuple[Piece, int]] = []  # a new piece and a stored piece it copies
    leaders: dict[tuple[int, datetime], Piece] = {}  # the first new piece of each unit
    fresh: dict[int, list[Piece]] = {}  # the chunk's pieces compared so far, by band
    for piece in chunk:
        sets.find(_node(piece))
        keys = bands(piece.sketch)
        leader = leaders.get(piece.unit) if keys else None
        if leader is not None:
            # A sibling (same entry, same time, same sketch) meets exactly what its leader
            # met, and the leader: comparing it again was most of the placing.
            sets.union(_node(piece), _node(leader))
            continue
        leaders[piece.unit] = piece
        looked: set[int] = set()
        for h in keys:
            for stored in index.get(h, ()):
                if stored.id not in looked:
                    looked.add(stored.id)
                    if _copies(piece, stored.published_at, stored.sketch):
                        edges.append((piece, stored.id))
            for other in fresh.get(h, ()):
                if other.id not in looked:
                    looked.add(other.id)
                    if _copies(piece, other.published_at, other.sketch):
                        sets.union(_node(piece), _node(other))
            fresh.setdefault(h, []).append(piece)
    met = copies(raw, occurred, sorted({stored_id for _, stored_id in edges}), seen)
    for piece, stored_id in edges:
        sets.union(_node(piece), _node(met[stored_id]))
    joined = _groups(sets, chunk, met.values())
    for group in joined:
        old = {p.cluster for p in group.met if p.cluster is not None}
        group.cluster = min(old | {p.id for p in group.new})
        _relabel(session, indicator_id, old - {group.cluster}, group.cluster)
    posted = {piece.id for piece in leaders.values()}
    _write_placed(session, indicator_id, occurred, joined, posted)
    return joined


def _node(p: Piece) -> tuple[str, int]:
    # A stored piece stands for its whole cluster; a new one for itself.
    return ("c", p.cluster) if p.cluster is not None else ("p", p.id)


def _copies(piece: Piece, at: datetime, sketch: tuple[int, ...]) -> bool:
    return (
        abs(at - piece.published_at) <= SYNDICATION_WINDOW
        and may_be_syndicated(piece.hashes, sketch)
        and syndicated(piece.sketch, sketch)
    )


def _groups(sets: UnionFind, chunk: Sequence[Piece], met: Iterable[Piece]) -> list[Joined]:
    """The chunk's pieces by cluster after the unions, with the stored pieces they met."""
    groups: dict[tuple[str, int], Joined] = {}
    for piece in chunk:
        group = groups.setdefault(sets.find(_node(piece)), Joined(0, [], []))
        group.new.append(piece)
    for other in met:
        groups[sets.find(_node(other))].met.append(other)
    return list(groups.values())


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
    session: Session,
    indicator_id: int,
    occurred: bool,
    joined: Sequence[Joined],
    posted: set[int],
) -> None:
    """The new pieces' clusters and the postings of the ``posted`` ones (a unit's first
    piece: its siblings are in its cluster and found through it), as two driver-level
    executemany statements (``raw``: ~25 postings a piece, ~300,000 rows at 200 feeds)."""
    raw = Raw(session)
    placed = [(piece, group.cluster) for group in joined for piece in group.new]
    raw.executemany(
        "UPDATE evidence SET cluster_id = ? WHERE id = ?",
        [(cluster, piece.id) for piece, cluster in placed],
    )
    when = raw.writer(EvidencePosting.__table__.c.published_at)
    raw.executemany(
        "INSERT INTO evidence_postings"
        " (evidence_id, hash, indicator_id, occurred, published_at, entry_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (piece.id, h, indicator_id, occurred, at, piece.entry_id)
            for piece, _ in placed
            if piece.id in posted
            for at in (when(piece.published_at),)
            for h in bands(piece.sketch)
        ],
    )

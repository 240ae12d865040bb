"""Syndication clusters and independent sources, kept per indicator as evidence arrives.

A decision used to re-cluster all of an indicator's evidence pair by pair (issue 15: 82 of
98 s of a poll). Now each piece is placed once, when it arrives (``assign_clusters``): it
joins or merges the clusters of the stored pieces (of its indicator and side) whose units
are copies of its unit, and of the new pieces beside it. A unit is an entry at one time
(``Piece.unit``); its copies are the posted units that share a band of its sketch inside
``SYNDICATION_WINDOW`` and are syndicated (``candidates.unit_copies``, found once per unit
for every indicator). The reference computation counts a pair only when it shares a band
too, so nothing is lost by looking only there. A cluster's id is its first member's id,
so the stored clusters equal the full computation (``status.source_groups(...,
by_publisher=False)``) whatever the arrival order.

Clusters are kept per side: occurred evidence, and the rest. Independent sources are the
occurred side's clusters joined by publisher (``monitor.storage.sources``).

Removing a piece (dismissed, or replaced by a new text) can split what it joined: its
cluster's other members are unassigned and placed again, and the indicator's source keys
are rebuilt from its rows at the next ``assign_clusters`` (rare: analyst actions and
revised stories; ``monitor.storage.removals``). Everything lives in the database and is
changed under the indicator's lock, so several workers (PostgreSQL) see one consistent
state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from monitor.storage.candidates import Unit, bit, new_lock, post_units, unit_copies
from monitor.storage.models import EvidenceRow, SourceKey
from monitor.storage.pieces import OCCURRED, Joined, Piece, UnionFind
from monitor.storage.pieces import pending as read_pending
from monitor.storage.raw import Raw
from monitor.storage.sources import add_sources, rebuild_sources

__all__ = ["OCCURRED", "Piece", "Placed", "assign_clusters", "finish_sources", "place_new"]

CHUNK = 400  # pieces placed together, in time order (their copies: ``unit_copies``)


def assign_clusters(session: Session, indicator_id: int) -> int:
    """Place every live piece of the indicator without a cluster; keep its sources.

    Call under the indicator's lock, before reading decision facts. Returns how many
    pieces were placed.
    """
    stale = _sources_stale(session, indicator_id)
    pending = read_pending(session, indicator_id)
    new_lock(session, [indicator_id])  # taken by the caller (a no-op if recorded)
    # Units posted by the evidence's writer (``evidence.add_evidence``); any other path
    # (a restored or re-sketched piece) is posted here, before anything is compared.
    post_units(session, [(p.unit, p.sketch, bit(indicator_id)) for p in pending if p.sketch])
    for side in (True, False):
        pieces = sorted((p for p in pending if p.occurred is side), key=Piece.order)
        for start in range(0, len(pieces), CHUNK):
            chunk = pieces[start : start + CHUNK]
            joined = _place(session, indicator_id, side, chunk)
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


@dataclass
class Placed:
    """New pieces of one indicator placed before their rows are written (``place_new``)."""

    clusters: dict[int, int]  # piece id → its cluster
    occurred: list[Joined]  # the occurred side's clusters, for its sources
    stale: bool  # the sources are rebuilt instead (``_sources_stale``)


def place_new(session: Session, indicator_id: int, pieces: Sequence[Piece]) -> Placed:
    """Place pieces whose rows are not written yet (their ids allocated, their units
    posted, the indicator locked): each one's cluster, written with its row, so no row is
    written twice (issue 15: on PostgreSQL, updating a poll's 30,000 new rows with their
    clusters was a tenth of the poll, every index of each row rewritten). Stored clusters
    they merge are relabelled now; ``finish_sources`` follows the rows."""
    stale = _sources_stale(session, indicator_id)
    new_lock(session, [indicator_id])  # taken by the caller (a no-op if recorded)
    placed = Placed({}, [], stale)
    for side in (True, False):
        chunk = sorted((p for p in pieces if p.occurred is side), key=Piece.order)
        if not chunk:
            continue
        # One chunk, not CHUNK at a time: the next chunk would have to see this one's
        # pieces, which are not stored yet (a poll's batch holds a few thousand at most).
        joined = _join(session, indicator_id, side, chunk)
        placed.clusters.update((p.id, group.cluster) for group in joined for p in group.new)
        if side:
            placed.occurred = joined
    return placed


def finish_sources(session: Session, indicator_id: int, placed: Placed) -> None:
    """The sources of pieces placed by ``place_new``, once their rows are written."""
    if placed.stale:
        rebuild_sources(session, indicator_id)
    elif placed.occurred:
        add_sources(session, indicator_id, placed.occurred)


def _place(
    session: Session, indicator_id: int, occurred: bool, chunk: Sequence[Piece]
) -> list[Joined]:
    """Place stored pieces without a cluster: join, then write their clusters."""
    joined = _join(session, indicator_id, occurred, chunk)
    Raw(session).set_each(
        "evidence",
        "cluster_id",
        [(group.cluster, piece.id) for group in joined for piece in group.new],
        array_type="integer",
    )
    return joined


def _join(
    session: Session, indicator_id: int, occurred: bool, chunk: Sequence[Piece]
) -> list[Joined]:
    """The chunk's pieces joined with each other and with the stored pieces of their
    copies; each group's cluster is its smallest id, and stored clusters it merges are
    relabelled (the chunk's own pieces are written by the caller)."""
    units = {p.unit: p.sketch for p in chunk if p.sketch}  # no sketch: copies of nothing
    copies = unit_copies(session, list(units.items()))
    # Stored pieces of the units' copies, and of the units themselves (a restored piece
    # meets its placed siblings).
    met = _stored(
        session, indicator_id, occurred, {*units, *(u for c in copies.values() for u in c)}
    )
    sets = UnionFind()
    by_unit: dict[Unit, list[Piece]] = {}
    for piece in chunk:
        sets.find(_node(piece))
        if piece.unit in units:
            by_unit.setdefault(piece.unit, []).append(piece)
    for unit, mine in by_unit.items():
        for piece in (*mine[1:], *met.get(unit, ())):  # one unit, one sketch: copies
            sets.union(_node(piece), _node(mine[0]))
        for other in copies[unit]:
            for piece in (*met.get(other, ()), *by_unit.get(other, ())):
                sets.union(_node(mine[0]), _node(piece))
    joined = _groups(sets, chunk, [p for stored in met.values() for p in stored])
    for group in joined:
        old = {p.cluster for p in group.met if p.cluster is not None}
        group.cluster = min(old | {p.id for p in group.new})
        _relabel(session, indicator_id, old - {group.cluster}, group.cluster)
    return joined


def _stored(
    session: Session, indicator_id: int, occurred: bool, units: set[Unit]
) -> dict[Unit, list[Piece]]:
    """The placed, live pieces of the indicator's side in ``units``, with their clusters
    as they are now, read by entry: ``uq_evidence_entry_ind_pos`` starts there. The unary
    ``+`` keeps SQLite's planner off ``ix_evidence_cluster`` (indicator, cluster), which
    it preferred and which walks every placed piece of the indicator: 20 ms a call at
    150,000 pieces of evidence, against 3 ms by entry."""
    raw = Raw(session)
    read_time = raw.reader(EvidenceRow.__table__.c.published_at)
    entries = sorted({entry for entry, _ in units})
    # PostgreSQL's planner takes the key's first two columns by itself.
    indicator = "+indicator_id" if raw.dialect.name == "sqlite" else "indicator_id"
    out: dict[Unit, list[Piece]] = {}
    for start in range(0, len(entries), 4_000):
        part = entries[start : start + 4_000]
        where, params = raw.one_of("entry_id", part)
        for piece_id, publisher, at, cluster, entry_id, modality in raw.execute(
            "SELECT id, publisher, published_at, cluster_id, entry_id, modality FROM evidence"
            f" WHERE {where} AND {indicator} = ? AND cluster_id IS NOT NULL AND dismissed = ?",
            (*params, indicator_id, False),
        ):
            unit = (entry_id, read_time(at))
            if (modality == OCCURRED) is occurred and unit in units:
                # The sentence is not read: a stored piece is never a source key's new
                # first piece. Nor the sketch: it is never compared again.
                piece = Piece(piece_id, occurred, publisher, unit[1], "", (), cluster, entry_id)
                out.setdefault(unit, []).append(piece)
    return out


def _node(p: Piece) -> tuple[str, int]:
    # A stored piece stands for its whole cluster; a new one for itself.
    return ("c", p.cluster) if p.cluster is not None else ("p", p.id)


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

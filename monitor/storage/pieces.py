"""Evidence as syndication clusters and independent sources see it (``clusters``, ``sources``).

A ``Piece`` is one live piece of an indicator's evidence with what placing it needs: its
side (occurred or not), publisher, time, sentence, its entry's sketch and its cluster.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from indicators.model import Modality
from monitor.storage.models import Entry, EvidenceRow

OCCURRED = Modality.OCCURRED.value


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
    entry_id: int = 0

    @functools.cached_property
    def hashes(self) -> frozenset[int]:
        return frozenset(self.sketch)

    @property
    def unit(self) -> tuple[int, datetime]:
        """Pieces of one entry at one time share its sketch, so they are copies of each
        other: one cluster, found and posted through one of them (see ``_place``)."""
        return (self.entry_id, self.published_at)

    @property
    def key(self) -> str:
        """Its source key: the publisher, or the piece itself when it has none."""
        return self.publisher or f"#{self.id}"

    def order(self) -> tuple[datetime, str, int]:
        # ``status.order_key`` within one side of one indicator (the modality is the same).
        return (self.published_at, self.sentence, self.id)


# A piece of evidence with its entry's sketch (also what a decision fact reads of a row).
FACT_COLUMNS = (
    EvidenceRow.id,
    EvidenceRow.modality,
    EvidenceRow.publisher,
    EvidenceRow.published_at,
    EvidenceRow.sentence,
    Entry.sketch,
)
COLUMNS = (*FACT_COLUMNS, EvidenceRow.cluster_id, EvidenceRow.entry_id)


def pieces(session: Session, *where: Any) -> list[Piece]:
    rows = session.execute(
        select(*COLUMNS).join(Entry, Entry.id == EvidenceRow.entry_id).where(*where)
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
            r.entry_id,
        )
        for r in rows
    ]


class UnionFind:
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
class Joined:
    """A cluster after placing a chunk: its id, the new pieces, the stored pieces they met."""

    cluster: int
    new: list[Piece]
    met: list[Piece]


class Known:
    """The pieces one ``assign_clusters`` call has seen, kept as its own writes change them.

    The windows of neighbouring chunks overlap, so a stored piece is a candidate of
    several chunks: it is read once (issue 15: reading it again for each was most of
    placing at 100,000 pieces of evidence). The call holds the indicator's lock, so the
    only changes to these pieces' clusters are the call's own merges (``relabel``) and
    placings (``add``).
    """

    def __init__(self, pending: Sequence[Piece]) -> None:
        self.sketches: dict[int, tuple[int, ...]] = {p.entry_id: p.sketch for p in pending}
        self.pieces: dict[int, Piece] = {}
        self._members: dict[int, set[int]] = {}  # cluster → the known pieces in it

    def missing(self, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if i not in self.pieces]

    def add(self, piece: Piece) -> None:
        """A piece as stored now (its cluster set)."""
        self.pieces[piece.id] = piece
        if piece.cluster is not None:
            self._members.setdefault(piece.cluster, set()).add(piece.id)

    def relabel(self, clusters: set[int], to: int) -> None:
        """Stored clusters merged into ``to``."""
        for cluster in clusters:
            for piece_id in self._members.pop(cluster, set()):
                self.add(dataclasses.replace(self.pieces[piece_id], cluster=to))

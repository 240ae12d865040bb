"""Evidence as syndication clusters and independent sources see it (``clusters``, ``sources``).

A ``Piece`` is one live piece of an indicator's evidence with what placing it needs: its
side (occurred or not), publisher, time, sentence, its entry's sketch and its cluster.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from indicators.model import Modality
from monitor.storage.models import Entry, EvidenceRow
from monitor.storage.raw import Raw

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


def pending(session: Session, indicator_id: int) -> list[Piece]:
    """The indicator's live pieces without a cluster, read through the driver: a replay
    places ~250,000 at once: ~12–16 µs a piece through SQLAlchemy's rows, ~7 µs so."""
    raw = Raw(session)
    read_time = raw.reader(EvidenceRow.__table__.c.published_at)
    read_sketch = raw.reader(Entry.__table__.c.sketch)
    rows = raw.execute(
        "SELECT e.id, e.modality, e.publisher, e.published_at, e.sentence, n.sketch,"
        " e.entry_id FROM evidence e JOIN entries n ON n.id = e.entry_id"
        " WHERE e.indicator_id = ? AND e.cluster_id IS NULL AND e.dismissed = ?",
        (indicator_id, False),
    )
    return [
        Piece(
            piece_id,
            modality == OCCURRED,
            publisher,
            read_time(at),
            sentence,
            read_sketch(sketch) or (),
            None,
            entry_id,
        )
        for piece_id, modality, publisher, at, sentence, sketch, entry_id in rows
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

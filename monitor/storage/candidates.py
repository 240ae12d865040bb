"""The stored pieces a chunk of new evidence may be a copy of (``clusters``): they share
a band of a new piece's sketch (``similarity.bands``) inside the chunk's window.

A posting carries what the comparison needs (the piece, its entry and its time), so a
candidate costs one narrow row and its entry's sketch, read once per placing call: most
candidates are not copies (on a topic's news, stories share stock sentences), and
reading each one's evidence row was most of placing at 100,000 pieces of evidence (issue
15). Only the candidates found to be copies are read whole (``copies``: their clusters,
as they are now, and publishers). A window of its own for each new piece was tried (a
JSON array of (band, from, to) unpacked by ``json_each``): it read 10 % fewer candidates
but took 1.7x as long as the chunk's window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from indicators.similarity import bands
from monitor.status import SYNDICATION_WINDOW
from monitor.storage.models import Entry, EvidencePosting, EvidenceRow
from monitor.storage.pieces import Piece
from monitor.storage.raw import Raw, marks


class Stored(NamedTuple):
    """A placed piece as a candidate: enough to compare it, not to join it."""

    id: int
    published_at: datetime
    sketch: tuple[int, ...]


class Seen:
    """What one placing call has read: candidates (their time does not change while the
    call holds the indicator's lock), and entries' sketches, kept for the whole
    transaction (``sketches``): the indicators decided after a batch of feeds meet the
    same entries (reading them again for each was a fifth of placing at 100,000 pieces)."""

    def __init__(self, session: Session, pending: Sequence[Piece]) -> None:
        self.sketches = sketches(session)
        self.sketches.update((p.entry_id, p.sketch) for p in pending if p.sketch)
        self.stored: dict[int, Stored] = {}


_SKETCHES = "watchlist.sketches"


def sketches(session: Session) -> dict[int, tuple[int, ...]]:
    """Entries' computed sketches read in this transaction (``Session.info`` lives as long
    as the session: one transaction). A sketch changes only when its entry is rewritten,
    which clears it (``forget_sketch``); a cleared one is never kept."""
    kept: dict[int, tuple[int, ...]] = session.info.setdefault(_SKETCHES, {})
    return kept


def forget_sketch(session: Session, entry_id: int) -> None:
    session.info.get(_SKETCHES, {}).pop(entry_id, None)


def candidates(
    raw: Raw, indicator_id: int, occurred: bool, chunk: Sequence[Piece], seen: Seen
) -> dict[int, list[Stored]]:
    """Placed pieces that share a band with the chunk (sorted by time), inside its window,
    by band."""
    hashes = sorted({h for piece in chunk for h in bands(piece.sketch)})
    if not hashes:
        return {}
    when = raw.writer(EvidencePosting.__table__.c.published_at)
    lo = min(p.published_at for p in chunk) - SYNDICATION_WINDOW
    hi = max(p.published_at for p in chunk) + SYNDICATION_WINDOW
    postings = raw.execute(
        "SELECT hash, evidence_id, entry_id, published_at FROM evidence_postings"
        " WHERE indicator_id = ? AND occurred = ? AND published_at BETWEEN ? AND ?"
        f" AND hash IN ({marks(len(hashes))})",
        (indicator_id, occurred, when(lo), when(hi), *hashes),
    )
    _read_sketches(raw, {row[2] for row in postings} - seen.sketches.keys(), seen)
    read_time = raw.reader(EvidencePosting.__table__.c.published_at)
    index: dict[int, list[Stored]] = {}
    for h, piece_id, entry_id, at in postings:
        stored = seen.stored.get(piece_id)
        if stored is None:
            stored = Stored(piece_id, read_time(at), seen.sketches.get(entry_id, ()))
            seen.stored[piece_id] = stored
        index.setdefault(h, []).append(stored)
    return index


def copies(raw: Raw, occurred: bool, ids: Sequence[int], seen: Seen) -> dict[int, Piece]:
    """The stored pieces ``ids`` whole, with their clusters as they are now."""
    read_time = raw.reader(EvidenceRow.__table__.c.published_at)
    found: dict[int, Piece] = {}
    for part in _parts(ids):
        for piece_id, publisher, at, cluster, entry_id in raw.execute(
            "SELECT id, publisher, published_at, cluster_id, entry_id FROM evidence"
            f" WHERE id IN ({marks(len(part))})",
            part,
        ):
            sentence = ""  # not read: a stored piece is never a source key's new first piece
            sketch = seen.sketches.get(entry_id, ())
            time = read_time(at)
            found[piece_id] = Piece(
                piece_id, occurred, publisher, time, sentence, sketch, cluster, entry_id
            )
    return found


def _read_sketches(raw: Raw, entry_ids: set[int], seen: Seen) -> None:
    read_sketch = raw.reader(Entry.__table__.c.sketch)
    for part in _parts(sorted(entry_ids)):
        for entry_id, sketch in raw.execute(
            f"SELECT id, sketch FROM entries WHERE id IN ({marks(len(part))})", part
        ):
            if sketch is not None:  # not computed (a rewritten entry): never kept
                seen.sketches[entry_id] = read_sketch(sketch)


def _parts(ids: Sequence[int], size: int = 4_000) -> list[Sequence[int]]:
    """``ids`` in parts small enough for one statement's bound parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]

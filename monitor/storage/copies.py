"""What one transaction has found of units and their copies, and how a unit's sketch is
compared with its candidates' (``candidates``): signatures first, hashes only for the few
pairs whose signatures pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from indicators.similarity import (
    Signature,
    may_be_syndicated,
    may_share_enough,
    signature,
    syndicated,
)
from monitor.storage.columns import read_signature, unpack_sketch
from monitor.storage.raw import Raw

Unit = tuple[int, datetime]  # (entry id, time)


@dataclass
class Found:
    """What one transaction has read and found (kept in ``Session.info``)."""

    sketches: dict[int, tuple[int, ...]] = field(default_factory=dict)  # posted units' sketches
    signatures: dict[int, Signature] = field(default_factory=dict)  # of those, once compared
    posted: dict[Unit, int] = field(default_factory=dict)  # units known posted → mask
    copies: dict[Unit, frozenset[Unit]] = field(default_factory=dict)  # unit → its copies
    fresh: set[Unit] = field(default_factory=set)  # units this transaction posted
    locked: set[int] = field(default_factory=set)  # indicators locked (``new_lock``)


_FOUND = "watchlist.units"


def found(session: Session) -> Found:
    """This transaction's memory (``Session.info`` lives as long as the session: one
    transaction). A sketch changes only when its entry is rewritten (``forget_entry``)."""
    kept = session.info.get(_FOUND)
    if not isinstance(kept, Found):
        kept = session.info[_FOUND] = Found()
    return kept


class Theirs:
    """Candidate entries' sketches: signatures first, hashes only for the few that pass
    (each pair is met once: the newer unit looks, the older is told)."""

    def __init__(self, packed: dict[int, bytes], memory: Found) -> None:
        self._packed = packed
        self._memory = memory
        self._read: dict[int, Signature] = {}

    def signature(self, entry: int) -> Signature | None:
        """Of a posted sketch, kept for the transaction (a replay meets each one again in
        every batch); of a read one, for this lookup."""
        memory = self._memory
        known = memory.signatures.get(entry) or self._read.get(entry)
        if known is not None:
            return known
        posted = memory.sketches.get(entry)
        if posted:
            known = memory.signatures[entry] = signature(posted)
            return known
        packed = self._packed.get(entry)
        if packed is None:
            return None  # no sketch: never compared
        known = self._read[entry] = read_signature(packed)
        return known

    def signatures(self, entries: Iterable[int]) -> dict[int, Signature]:
        """The signatures of those of ``entries`` with a sketch, in one dict: a unit meets
        ~100 candidates at 60,000 stored entries, each tested in ``Mine.among``."""
        return {e: s for e in entries if (s := self.signature(e)) is not None}

    def sketch(self, entry: int) -> tuple[int, ...]:
        posted = self._memory.sketches.get(entry)
        return posted if posted is not None else unpack_sketch(self._packed[entry])


class Mine:
    """A unit's entry and sketch, as compared with candidates."""

    def __init__(self, entry: int, sk: tuple[int, ...], theirs: Theirs) -> None:
        self.entry, self.sk = entry, sk
        self.signature = theirs.signature(entry) or signature(sk)
        self._hashes: frozenset[int] | None = None

    def among(
        self, others: Iterable[tuple[int, int]], signed: Mapping[int, Signature], theirs: Theirs
    ) -> list[tuple[int, int]]:
        """The candidates (entry, time) that are copies: its own entry at another time (the
        same text), or a sketch whose signature passes (``may_share_enough``, one loop
        over a plain dict: the hot loop at any history) and then the exact test."""
        me, mine, get = self.entry, self.signature, signed.get
        passed = [
            o
            for o in others
            if o[0] == me or ((s := get(o[0])) is not None and may_share_enough(mine, s))
        ]
        return [o for o in passed if o[0] == me or self.resembles(o[0], theirs)]

    def resembles(self, other: int, theirs: Theirs) -> bool:
        """The exact test, on the hashes (the few pairs whose signatures passed)."""
        if self._hashes is None:
            self._hashes = frozenset(self.sk)
        sk = theirs.sketch(other)
        return may_be_syndicated(self._hashes, sk) and syndicated(self.sk, sk)


def read_sketches(raw: Raw, entry_ids: set[int]) -> dict[int, bytes]:
    """Packed (``columns.PackedSketch``): most are only signed, never unpacked."""
    out: dict[int, bytes] = {}
    for part in parts(sorted(entry_ids)):
        where, params = raw.one_of("id", part)
        for entry_id, sketch in raw.execute(
            f"SELECT id, sketch FROM entries WHERE {where}", params
        ):
            if sketch:  # NULL: not computed (a rewritten entry); empty: nothing to compare
                out[entry_id] = bytes(sketch)
    return out


def parts(ids: Sequence[int], size: int = 4_000) -> list[Sequence[int]]:
    """``ids`` in parts small enough for one statement's bound parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]

"""New units' candidate copies, sieved on arrays (NumPy): ``candidates._find``'s hot loop.

At 60,000 stored entries a 20-feed batch's 1,157 new units met 117,711 stored units that
share a band with them inside their windows, and 272 of them were copies: the stock
sentences of a topic make unrelated stories share bands (``similarity``). Each candidate
was placed, deduplicated and tested against the unit's signature one at a time in Python
(~3 µs); here the postings read, the units' band keys and the signatures are arrays, and
only the candidates whose signatures pass (about one in a hundred) reach Python, where
``Mine`` tests their hashes. The result is ``Mine.among``'s, candidate for candidate (a
test holds the two equal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from indicators.similarity import SIGNATURE_BITS, SYNDICATED, K, signature
from monitor.storage.columns import header_of, signature_header

_Ints = npt.NDArray[np.int64]
_WORDS = SIGNATURE_BITS // 64  # a signature's bits as 64-bit words (big-endian, as stored)
_AT_ONCE = 16_384  # pairs tested at once: two 2 MB temporaries


@dataclass(frozen=True)
class Units:
    """The units looking for copies, by position: entry, stored time, indicators' bits
    and band keys."""

    entries: Sequence[int]
    stamps: Sequence[int]
    masks: Sequence[int]
    keys: Sequence[Sequence[int]]


def met(
    units: Units, rows: Sequence[tuple[int, int, int, int]], window: int, leave_out: frozenset[int]
) -> tuple[_Ints, _Ints, _Ints]:
    """The (unit, entry, time) triples, distinct, of the postings ``rows`` (band key,
    time, entry, indicators' bits) that share a band and an indicator with a unit inside
    its window, the entries of ``leave_out`` and each unit itself left out."""
    empty = np.zeros(0, dtype=np.int64)
    if not rows:
        return empty, empty, empty
    posting = np.fromiter(chain.from_iterable(rows), np.int64, count=4 * len(rows)).reshape(-1, 4)
    owner = np.repeat(
        np.arange(len(units.keys), dtype=np.int64), [len(keys) for keys in units.keys]
    )
    keyed = np.fromiter((h for keys in units.keys for h in keys), np.int64, count=len(owner))
    order = np.argsort(keyed, kind="stable")
    keyed, owner = keyed[order], owner[order]
    first = np.searchsorted(keyed, posting[:, 0], side="left")
    many = np.searchsorted(keyed, posting[:, 0], side="right") - first
    row = np.repeat(np.arange(len(posting)), many)  # each posting once per unit with its key
    starts = np.cumsum(many) - many
    unit = owner[first[row] + np.arange(len(row)) - starts[row]]
    at, entry = posting[row, 1], posting[row, 2]
    stamps = np.array(units.stamps, dtype=np.int64)[unit]
    keep = (posting[row, 3] & np.array(units.masks, dtype=np.int64)[unit]) != 0
    keep &= np.abs(at - stamps) <= window
    keep &= ~((entry == np.array(units.entries, dtype=np.int64)[unit]) & (at == stamps))
    if leave_out:
        keep &= ~np.isin(entry, np.fromiter(leave_out, np.int64, count=len(leave_out)))
    return _distinct(unit[keep], entry[keep], at[keep])


def _distinct(unit: _Ints, entry: _Ints, at: _Ints) -> tuple[_Ints, _Ints, _Ints]:
    """The distinct triples, sorted (a stored unit sharing several bands with a unit is
    met once per band): ``np.unique(…, axis=0)`` took 5x as long."""
    order = np.lexsort((at, entry, unit))
    unit, entry, at = unit[order], entry[order], at[order]
    first = np.ones(len(unit), dtype=bool)
    first[1:] = (unit[1:] != unit[:-1]) | (entry[1:] != entry[:-1]) | (at[1:] != at[:-1])
    return unit[first], entry[first], at[first]


def passing(
    units: Units, mine: Signed, unit: _Ints, entry: _Ints, signed: _Ints, theirs: Signed
) -> npt.NDArray[np.bool_]:
    """Which (unit, entry) pairs may be copies: the unit's own entry (at another time),
    or an entry of ``signed`` (sorted, with its signature in ``theirs``) whose signature
    passes ``may_share_enough`` with the unit's (``mine``, by position)."""
    own: npt.NDArray[np.bool_] = entry == np.array(units.entries, dtype=np.int64)[unit]
    if not len(signed):
        return own
    index = np.minimum(np.searchsorted(signed, entry), len(signed) - 1)
    has = signed[index] == entry
    ok: npt.NDArray[np.bool_] = own.copy()
    for start in range(0, len(unit), _AT_ONCE):
        part = slice(start, start + _AT_ONCE)
        ok[part] |= has[part] & _may_share(mine, unit[part], theirs, index[part])
    return ok


def signed(
    entries: Sequence[int], packed: Mapping[int, bytes], posted: Mapping[int, tuple[int, ...]]
) -> tuple[_Ints, Signed]:
    """The entries (sorted) with a sketch, and their signatures: a sketch of this
    transaction (``posted``) signed here, a stored one's header as read (``packed``), as
    ``copies.Theirs.signature`` has them; an entry with neither is never compared."""
    kept: list[int] = []
    headers: list[bytes] = []
    for entry in entries:
        sketch = posted.get(entry)
        if sketch:
            headers.append(header_of(signature(sketch)))
        elif entry in packed:
            headers.append(signature_header(packed[entry]))
        else:
            continue
        kept.append(entry)
    return np.array(kept, dtype=np.int64), Signed.of(headers)


@dataclass(frozen=True)
class Signed:
    """Signatures by position, read from their headers (``columns.header_of``): the bits
    as 64-bit words, the hash count, and the hashes that share a bit with another."""

    words: npt.NDArray[np.uint64]  # (n, _WORDS)
    hashes: _Ints
    crowded: _Ints

    @classmethod
    def of(cls, headers: Sequence[bytes]) -> Signed:
        joined = b"".join(headers)
        table = np.frombuffer(joined, dtype=np.uint8).reshape(len(headers), 1 + _WORDS * 8)
        words = np.ascontiguousarray(table[:, 1:]).view(">u8").astype(np.uint64)
        hashes = table[:, 0].astype(np.int64)
        crowded = hashes - np.bitwise_count(words).sum(axis=1, dtype=np.int64)
        return cls(words.reshape(len(headers), _WORDS), hashes, crowded)


def _may_share(mine: Signed, unit: _Ints, theirs: Signed, other: _Ints) -> npt.NDArray[np.bool_]:
    """``similarity.may_share_enough`` of each pair, on arrays (the same arithmetic)."""
    both = np.bitwise_count(mine.words[unit] & theirs.words[other]).sum(axis=1, dtype=np.int64)
    most = both + np.minimum(mine.crowded[unit], theirs.crowded[other])
    union = np.minimum(K, mine.hashes[unit] + theirs.hashes[other] - most)
    result: npt.NDArray[np.bool_] = (most > 0) & (most >= SYNDICATED * union)
    return result

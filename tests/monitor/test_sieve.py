"""The array sieve of candidate copies (``storage.sieve``) against the plain definition.

For random units (entries, times, indicators' bits, band keys, sketches) and random
postings, the (unit, entry, time) triples that ``met`` finds and ``passing`` lets through
are those a loop finds with ``similarity.may_share_enough``, as ``Mine.among`` tests them.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.similarity import may_share_enough, signature
from monitor.storage import sieve
from monitor.storage.columns import header_of

WINDOW = 10
KEYS = st.integers(0, 12)  # few band keys, so units and postings meet often


@st.composite
def cases(draw: st.DrawFn) -> tuple[object, ...]:
    count = draw(st.integers(1, 6))
    entries = draw(st.lists(st.integers(1, 8), min_size=count, max_size=count))
    stamps = draw(st.lists(st.integers(0, 40), min_size=count, max_size=count))
    masks = draw(st.lists(st.integers(1, 7), min_size=count, max_size=count))
    keys = draw(st.lists(st.sets(KEYS, max_size=5), min_size=count, max_size=count))
    # Sketches over a small space of signature bits (a hash's low 10 bits), so that they
    # overlap (some pass, some fail) and hashes of one sketch share bits (``crowded``).
    hashes = st.builds(lambda low, high: low + 1024 * high, st.integers(0, 150), st.integers(0, 2))
    sketch = st.sets(hashes, min_size=1, max_size=64).map(sorted).map(tuple)
    sketches = draw(st.dictionaries(st.integers(1, 12), sketch, max_size=12))
    rows = draw(
        st.lists(
            st.tuples(KEYS, st.integers(0, 40), st.integers(1, 12), st.integers(0, 7)),
            max_size=40,
        )
    )
    leave_out = draw(st.frozensets(st.integers(1, 12), max_size=3))
    mine = [signature(draw(sketch)) for _ in range(count)]
    units = sieve.Units(entries, stamps, masks, [sorted(k) for k in keys])
    return units, rows, leave_out, mine, {e: signature(sk) for e, sk in sketches.items()}


def _plain_met(units, rows, leave_out):  # type: ignore[no-untyped-def]
    """What ``candidates`` found, one posting at a time."""
    out = set()
    for n, entry in enumerate(units.entries):
        stamp, bits = units.stamps[n], units.masks[n]
        for key, at, other, mask in rows:
            if key not in units.keys[n] or not mask & bits or abs(at - stamp) > WINDOW:
                continue
            if other in leave_out or (other == entry and at == stamp):
                continue
            out.add((n, other, at))
    return out


def _plain_passing(units, met, mine, signed):  # type: ignore[no-untyped-def]
    """What ``Mine.among`` let through, one candidate at a time."""
    return {
        (n, other, at)
        for n, other, at in met
        if other == units.entries[n]
        or (other in signed and may_share_enough(mine[n], signed[other]))
    }


def _passing(units, mine, unit, entry, signed):  # type: ignore[no-untyped-def]
    """``sieve.passing`` on signatures as ``candidates`` hands them over: headers."""
    known = sorted(signed)
    return sieve.passing(
        units,
        sieve.Signed.of([header_of(m) for m in mine]),
        unit,
        entry,
        np.array(known, dtype=np.int64),
        sieve.Signed.of([header_of(signed[e]) for e in known]),
    )


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_sieve_lets_through_what_the_plain_loop_does(case: tuple[object, ...]) -> None:
    units, rows, leave_out, mine, signed = case
    unit, entry, at = sieve.met(units, rows, WINDOW, leave_out)  # type: ignore[arg-type]
    ok = _passing(units, mine, unit, entry, signed)
    triples = list(zip(unit.tolist(), entry.tolist(), at.tolist(), strict=True))
    assert len(triples) == len(set(triples))  # each candidate once, however many bands
    met = _plain_met(units, rows, leave_out)
    assert set(triples) == met
    found = set(zip(unit[ok].tolist(), entry[ok].tolist(), at[ok].tolist(), strict=True))
    assert found == _plain_passing(units, met, mine, signed)


def test_a_copy_passes_and_a_stranger_does_not() -> None:
    sketch = tuple(range(0, 640, 10))
    copy = tuple(sorted({*sketch[:50], *range(1000, 1140, 10)}))  # 50 of 64 shared
    stranger = tuple(range(5, 645, 10))  # other signature bits (a hash's low 10 bits)
    units = sieve.Units([1], [100], [1], [[7]])
    rows = [(7, 101, 2, 1), (7, 102, 3, 1), (7, 100, 1, 1), (7, 200, 4, 1)]
    unit, entry, at = sieve.met(units, rows, WINDOW, frozenset())
    assert (entry.tolist(), at.tolist()) == ([2, 3], [101, 102])  # not itself, not at 200
    signed = {2: signature(copy), 3: signature(stranger)}
    ok = _passing(units, [signature(sketch)], unit, entry, signed)
    assert entry[ok].tolist() == [2]


def test_a_pair_at_the_threshold_passes() -> None:
    # 9 shared hashes of a union of 20: exactly SYNDICATED (0.45) of it.
    mine, theirs = signature(tuple(range(15))), signature(tuple(range(6, 20)))
    assert may_share_enough(mine, theirs)
    units = sieve.Units([1], [0], [1], [[3]])
    unit, entry, _ = sieve.met(units, [(3, 1, 2, 1)], WINDOW, frozenset())
    assert _passing(units, [mine], unit, entry, {2: theirs}).tolist() == [True]


def test_hashes_sharing_a_bit_count_as_possibly_shared() -> None:
    # 18 hashes on 9 bits: only the count of a sketch's own collisions lets the pair pass.
    crowded = signature(tuple(sorted({*range(9), *range(1024, 1033)})))
    assert crowded[2] == 9
    assert may_share_enough(crowded, crowded)
    units = sieve.Units([1], [0], [1], [[3]])
    unit, entry, _ = sieve.met(units, [(3, 1, 2, 1)], WINDOW, frozenset())
    assert _passing(units, [crowded], unit, entry, {2: crowded}).tolist() == [True]

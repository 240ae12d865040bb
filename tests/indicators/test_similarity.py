"""Syndication sketches: the cheap pre-check never rejects a pair the exact estimate
accepts, and the bands find edited copies."""

from __future__ import annotations

import hashlib
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.similarity import (
    PREFIXED,
    SHINGLE,
    SYNDICATED,
    K,
    bands,
    may_be_syndicated,
    may_share_enough,
    resemblance,
    share_band,
    signature,
    sketch,
    syndicated,
)
from indicators.text import tokenize

_hashes = st.lists(st.integers(0, 300), max_size=K + 20, unique=True).map(
    lambda hs: tuple(sorted(hs)[:K])
)


@settings(max_examples=500)
@given(_hashes, _hashes)
def test_pre_check_is_a_necessary_condition(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    if syndicated(a, b):
        assert may_be_syndicated(frozenset(a), frozenset(b))


# Hashes spread over a few thousand values, or crowded on a few bits (of 1,024): many
# share a signature bit with another of their own sketch.
_hash = st.one_of(
    st.integers(0, 5_000),
    st.builds(lambda bit, turn: bit + 1_024 * turn, st.integers(0, 40), st.integers(0, 4)),
)
_wide = st.lists(_hash, min_size=1, max_size=K + 20, unique=True)


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two sketches, often overlapping enough to pass the pre-check (a copy with edits)."""
    a = draw(_wide)
    kept = draw(st.lists(st.sampled_from(a), unique=True)) if draw(st.booleans()) else []
    b = sorted({*kept, *draw(_wide)})
    return tuple(sorted(a)[:K]), tuple(b[:K])


@settings(max_examples=1_000)
@given(_pairs())
def test_signatures_never_reject_a_pair_the_pre_check_passes(
    pair: tuple[tuple[int, ...], tuple[int, ...]],
) -> None:
    a, b = pair
    if may_be_syndicated(frozenset(a), b):
        assert may_share_enough(signature(a), signature(b))


def test_signatures_reject_unrelated_stories_and_pass_copies() -> None:
    wire = sketch(
        "India and Russia signed an agreement on labour mobility on Thursday that will let "
        "skilled Indian workers take jobs in Russian construction and manufacturing"
    )
    copy = sketch(
        "NEW DELHI - India and Russia signed an agreement on labour mobility on Thursday that "
        "will let skilled Indian workers take jobs in Russian construction and manufacturing"
    )
    assert may_share_enough(signature(wire), signature(copy))
    others = [
        sketch(f"Story {n} about a subject of its own, number {n * 7919} in a long series of them")
        for n in range(100)
    ]
    passed = sum(may_share_enough(signature(wire), signature(o)) for o in others)
    assert passed <= 2  # chance bits in common: about 4 of 1,024 for two full sketches


def test_pre_check_passes_copies_and_stops_unrelated_stories() -> None:
    story = tuple(range(0, 2 * K, 2))
    copy = tuple(sorted((*story[:-6], 1, 3, 5, 7, 9, 11)))
    other = tuple(range(1000, 1000 + K))
    assert resemblance(story, copy) >= SYNDICATED
    assert may_be_syndicated(frozenset(story), frozenset(copy))
    assert not may_be_syndicated(frozenset(story), frozenset(other))


def test_bands_find_edited_copies_and_few_unrelated_stories() -> None:
    wire = (
        "India and Russia signed an agreement on labour mobility on Thursday that will let "
        "skilled Indian workers take jobs in Russian construction and manufacturing"
    )
    copies = [
        "NEW DELHI - " + wire + " (Wire)",
        wire.replace("on Thursday", "this week") + ", officials said",
        " ".join(wire.split()[:19]) + " under quotas for nurses",
    ]
    for copy in copies:
        assert syndicated(sketch(wire), sketch(copy))
        assert share_band(bands(sketch(wire)), bands(sketch(copy)))
    others = [
        f"Story {n} about a subject of its own, number {n * 7919} in a series" for n in range(200)
    ]
    met = sum(share_band(bands(sketch(wire)), bands(sketch(o))) for o in others)
    assert met <= 2


@settings(max_examples=200)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=K, unique=True))
def test_bands_are_stable_and_a_sketch_meets_itself(hashes: list[int]) -> None:
    sk = tuple(sorted(hashes))
    assert bands(sk) == bands(tuple(reversed(sk)))
    assert all(0 <= key < 2**57 for key in bands(sk))
    if len(sk) >= 16:
        assert share_band(bands(sk), bands(sk))


def test_remembered_bands_are_the_computed_ones_and_memory_is_bounded() -> None:
    """The parse workers compute band keys and the writing thread remembers them: what
    ``bands`` answers is ``compute_bands`` whether it was remembered or computed."""
    from indicators import similarity

    sk = sketch("Rosneft and Indian Oil signed a term contract for crude supplies in Moscow")
    assert bands(sk) == similarity.compute_bands(sk)
    other = sketch("A different story about rupee settlement through vostro accounts in Mumbai")
    similarity.remember_bands(other, similarity.compute_bands(other))
    assert bands(other) == similarity.compute_bands(other)
    for n in range(similarity._KEPT + 10):
        similarity.remember_bands((n,), similarity.compute_bands((n,)))
    assert len(similarity._known) <= similarity._KEPT
    assert bands((7,)) == similarity.compute_bands((7,))


@settings(max_examples=300)
@given(
    st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=24, unique=True),
    st.lists(st.integers(0, 2**32 - 1), max_size=12, unique=True),
    st.integers(0, 24),
)
def test_short_copies_always_share_a_key(base: list[int], extra: list[int], drop: int) -> None:
    """Texts of up to 24 hashes keep their prefix as keys: a pair at or above the
    threshold always meets, however few bands the short texts fill (prefix filtering)."""
    a = tuple(sorted(base))
    b = tuple(sorted(set(base[drop:]) | set(extra)))
    if len(b) <= PREFIXED and syndicated(a, b):  # both short: exact resemblance
        assert share_band(bands(a), bands(b))


def test_headlines_that_differ_in_a_word_meet() -> None:
    titles = [
        f"India and Russia signed a labour mobility agreement, desk {n} reports" for n in range(20)
    ]
    for n in range(1, 20):
        a, b = sketch(titles[0]), sketch(titles[n])
        assert syndicated(a, b)
        assert share_band(bands(a), bands(b))


def _defined_sketch(text: str) -> tuple[int, ...]:
    """The sketch as defined (stored sketches depend on it): the K smallest 4-byte BLAKE2b
    hashes of the text's word 3-shingles, written the plain way."""
    words = tokenize(text)
    if len(words) < SHINGLE:
        shingles = {" ".join(words)} if words else set()
    else:
        shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    digests = {hashlib.blake2b(s.encode(), digest_size=4).digest() for s in shingles}
    return tuple(sorted(int.from_bytes(d, "big") for d in digests)[:K])


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(["India", "Russia", "signed", "a", "deal", "U.S.", "S-400", "oil", "—"]),
        max_size=90,
    )
)
def test_the_sketch_keeps_its_definition(words: list[str]) -> None:
    text = " ".join(words)
    assert sketch(text) == _defined_sketch(text)
    assert sketch("") == ()


def _defined_bands(sk: tuple[int, ...]) -> tuple[int, ...]:
    """The band keys as defined (stored postings depend on them), written the plain way:
    per permutation, each bin's smallest permuted hash; a band of three neighbouring
    full bins is its place and values mixed by multiply-xorshift rounds; short sketches
    add their prefix."""
    mask32, mask64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF
    spreads = (0x9E3779B1, 0x85EBCA6B, 0xC2B2AE35, 0x27D4EB2F, 0x165667B1)
    keys = set()
    for p, spread in enumerate(spreads):
        mins: dict[int, int] = {}
        for h in sk:
            g = ((h ^ (p * 0x5BD1E995)) * spread) & mask32
            mins[g >> 28] = min(g, mins.get(g >> 28, g))
        for i in range(0, 16 - 3 + 1, 3):
            if all(i + r in mins for r in range(3)):
                x = p * 16 + i
                for v in (mins[i], mins[i + 1], mins[i + 2]):
                    x = ((x ^ v) * 0xBF58476D1CE4E5B9) & mask64
                    x ^= x >> 29
                keys.add(x >> 8)
    if len(sk) <= 24:
        take = len(sk) - math.ceil(0.45 * len(sk)) + 1
        keys.update((1 << 56) + h for h in sorted(sk)[:take])
    return tuple(sorted(keys))


@settings(max_examples=300)
@given(st.sets(st.integers(0, 2**32 - 1), max_size=64))
def test_band_keys_keep_their_definition(hashes: set[int]) -> None:
    from indicators import similarity

    sk = tuple(sorted(hashes))
    assert similarity.compute_bands(sk) == _defined_bands(sk)


@settings(max_examples=100)
@given(st.lists(st.sets(st.integers(0, 2**32 - 1), max_size=64), max_size=12))
def test_band_keys_of_many_sketches_at_once_keep_their_definition(
    hash_sets: list[set[int]],
) -> None:
    # The parse workers' NumPy arithmetic (``banding``) gives the defined keys, in order,
    # whatever the mix of empty, short (prefix keys) and full sketches in one batch.
    from indicators.banding import bands_of

    sketches = [tuple(sorted(hashes)) for hashes in hash_sets]
    assert bands_of(sketches) == [_defined_bands(sk) for sk in sketches]


def test_band_keys_at_once_at_the_edges_of_the_hash_space() -> None:
    from indicators.banding import bands_of

    sketches = [(0,), (2**32 - 1,), tuple(range(2**32 - 64, 2**32)), (), tuple(range(64))]
    assert bands_of(sketches) == [_defined_bands(sk) for sk in sketches]
    assert bands_of([]) == []

"""The cheap checks of syndication never reject a pair the exact estimate accepts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.similarity import (
    SYNDICATED,
    K,
    candidate_prefix,
    may_be_syndicated,
    resemblance,
    syndicated,
)

_hashes = st.lists(st.integers(0, 300), max_size=K + 20, unique=True).map(
    lambda hs: tuple(sorted(hs)[:K])
)


@settings(max_examples=500)
@given(_hashes, _hashes)
def test_pre_check_is_a_necessary_condition(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    if syndicated(a, b):
        assert may_be_syndicated(frozenset(a), frozenset(b))


def test_pre_check_passes_copies_and_stops_unrelated_stories() -> None:
    story = tuple(range(0, 2 * K, 2))
    copy = tuple(sorted((*story[:-6], 1, 3, 5, 7, 9, 11)))
    other = tuple(range(1000, 1000 + K))
    assert resemblance(story, copy) >= SYNDICATED
    assert may_be_syndicated(frozenset(story), frozenset(copy))
    assert not may_be_syndicated(frozenset(story), frozenset(other))


# A sketch and an edited copy of it: hashes dropped anywhere, others added anywhere
# (originals even, additions odd), so pairs near the threshold, on both sides, are common.
_pairs = st.tuples(
    st.lists(st.integers(0, 5_000).map(lambda h: 2 * h), min_size=1, max_size=K + 20, unique=True),
    st.lists(st.booleans(), min_size=K + 20, max_size=K + 20),
    st.lists(st.integers(0, 5_000).map(lambda h: 2 * h + 1), max_size=K, unique=True),
).map(
    lambda t: (
        tuple(sorted(t[0])[:K]),
        tuple(sorted([h for h, keep in zip(t[0], t[1], strict=False) if keep] + t[2])[:K]),
    )
)


@settings(max_examples=1000)
@given(_pairs)
def test_syndicated_sketches_have_intersecting_prefixes(pair: tuple[tuple[int, ...], ...]) -> None:
    a, b = pair
    if syndicated(a, b):
        assert set(candidate_prefix(a)) & set(candidate_prefix(b))


def test_prefixes_find_a_copy_near_the_threshold() -> None:
    story = tuple(range(0, 2 * K, 2))
    copy = tuple(sorted((*story[:29], *range(1001, 1001 + K - 29))))
    assert syndicated(story, copy)  # 29 of 64 shared: the fewest that count
    assert set(candidate_prefix(story)) & set(candidate_prefix(copy))
    assert len(candidate_prefix(story)) == K - 29 + 1

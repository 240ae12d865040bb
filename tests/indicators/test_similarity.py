"""The cheap pre-check of syndication never rejects a pair the exact estimate accepts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.similarity import SYNDICATED, K, may_be_syndicated, resemblance, syndicated

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

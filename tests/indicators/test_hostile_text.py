"""Issue 16, item 3, at the unit level: NEAR's sweep gives what comparing every pair gave,
and the per-item CPU budget stops early and says what it skipped."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from indicators.matcher import Matcher
from indicators.model import Indicator, Item
from indicators.query.near import Span, any_near, near_to


def _brute(xs: list[Span], ys: list[Span], distance: int) -> list[Span]:
    return [x for x in xs if any(y0 - x[1] <= distance and x[0] - y1 <= distance for y0, y1 in ys)]


_spans = st.lists(
    st.tuples(st.integers(0, 300), st.integers(0, 3)).map(lambda p: (p[0], p[0] + p[1])),
    min_size=0,
    max_size=60,
)


@given(
    st.lists(st.integers(0, 2000), min_size=9, max_size=80),
    st.lists(st.integers(0, 2000), min_size=9, max_size=80),
    st.integers(0, 30),
)
def test_the_sweep_on_long_lists_of_words(xs: list[int], ys: list[int], distance: int) -> None:
    left, right = [(x, x) for x in xs], [(y, y) for y in ys]  # 81+ pairs: the sweep
    assert near_to(left, right, distance) == _brute(left, right, distance)
    assert any_near(left, right, distance) == bool(_brute(left, right, distance))


@example([(n, n) for n in range(10)], [(n, n) for n in range(13, 23)], 2)  # none near
@given(_spans, _spans, st.integers(0, 12))
def test_the_sweep_keeps_exactly_the_spans_a_pairwise_test_keeps(
    xs: list[Span], ys: list[Span], distance: int
) -> None:
    assert near_to(xs, ys, distance) == _brute(xs, ys, distance)


def test_the_cpu_budget_returns_what_was_found_and_records_what_was_skipped() -> None:
    rules = [Indicator(id="a", title="A", query="india NEAR/2 russia")]
    item = Item(id="big", title="India and Russia", summary="India met Russia. " * 50)
    unlimited = Matcher(rules, budget=None)
    assert unlimited.match(item)
    assert unlimited.last_skipped is None
    spent = Matcher(rules, budget=0.0)  # spent before the first sentence
    assert spent.match(item) == []
    skipped = spent.last_skipped
    assert skipped is not None
    assert (skipped.item_id, skipped.indicators) == ("big", ("a",))
    assert skipped.sentences == skipped.of > 1
    assert spent.match(Item(id="other", title="Rain")) == []
    assert spent.last_skipped is None  # per call: no candidate, nothing skipped

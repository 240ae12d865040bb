"""``query.split``: a query's sentence part kept by sentence gives what the whole query
gives, whatever the items a sentence comes in (the matcher's evidence is unchanged)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.loader import load_watchlist
from indicators.matcher import Matcher
from indicators.model import Indicator, Item
from indicators.query import compile_query, parse_query
from indicators.query.compiler import Shared
from indicators.query.split import split_query

SEED = Path(__file__).resolve().parents[2] / "seeds" / "watchlists" / "india-russia-2025.yaml"

# Sentences that meet the seed list's terms, with and without its countries, and others.
SENTENCES = [
    "India and Russia signed an agreement on labour mobility in New Delhi.",
    "Rosneft will supply crude oil to Reliance under a ten-year contract.",
    "The rupee-rouble payment mechanism was delayed again, bankers said.",
    "Talks on further S-400 deliveries stalled over payments.",
    "China and Russia agreed a new gas pipeline deal.",
    "Officials said the deal could be signed next month.",
    "The weather in Mumbai stayed dry on Friday.",
    "Moscow is expected to sign a fertiliser joint venture with an Indian firm.",
    "The two countries failed to agree on the INSTC freight corridor.",
]
TITLES = ["India, Russia deepen ties", "Markets close higher", "Beijing and Moscow sign deal", ""]


def _without_split(indicators: list[Indicator]) -> Matcher:
    matcher = Matcher(indicators)
    matcher._split = [None] * len(matcher._split)  # every sentence tested whole
    return matcher


_seed = list(load_watchlist(SEED).indicators)
# One pair for every example, as in a poll: the split one's memory of sentences fills
# across items and is read again.
_split_matcher, _whole_matcher = Matcher(_seed), _without_split(_seed)
_items = st.lists(
    st.tuples(
        st.sampled_from(TITLES),
        st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=5),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(_items)
def test_split_matching_equals_whole_query_matching(items: list[tuple[str, list[str]]]) -> None:
    split, whole = _split_matcher, _whole_matcher
    assert any(s is not None for s in split._split)  # the seed queries split
    for n, (title, sentences) in enumerate(items):
        item = Item(f"i{n}", title, " ".join(sentences))
        assert split.match(item) == whole.match(item)


def _split(text: str) -> object:
    return split_query(compile_query(parse_query(text), shared={}), {})


def test_what_splits_and_what_does_not() -> None:
    assert _split("deal AND item:(india)") is not None
    assert _split("(deal OR pact) AND NOT title:(opinion) AND item:(india OR russia)") is not None
    assert _split("deal AND sign*") is None  # plain: kept whole by sentence already
    assert _split("item:(india) AND title:(deal)") is None  # nothing reads the sentence
    assert _split("(deal OR item:(india)) AND pact") is None  # a part reads both


def test_a_split_hit_keeps_the_whole_querys_term_order() -> None:
    shared: Shared = {}
    query = compile_query(parse_query("item:(india) AND (deal OR pact)"), shared=shared)
    parts = split_query(query, shared)
    assert parts is not None
    matcher_terms = Matcher([Indicator("k", "t", query.source)])
    found = matcher_terms.match(Item("x", "", "India and Russia agreed a pact."))
    assert [ev.terms for ev in found] == [("india", "pact")]

"""The matcher's shortcuts (term index, whole-item filter, tokens of the whole text) must
never change what it finds: each is checked against evaluating every query on every
sentence, on the labelled set with the seed watch list and on generated rules and texts."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indicators.errors import QuerySyntaxError
from indicators.loader import load_watchlist
from indicators.matcher import Matcher, _necessary
from indicators.model import Indicator, Item
from indicators.query import CompiledQuery, compile_query, format_query, parse_query
from indicators.sentences import line_blocks, split_sentences
from indicators.text import html_to_text, tokenize

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "watchlists" / "india-russia-2025.yaml"
DATASET = ROOT / "tests" / "quality" / "dataset.jsonl"


def brute_force(indicators: list[Indicator], item: Item) -> set[tuple[str, str]]:
    """(indicator, sentence) pairs found by testing every query on every sentence."""
    matcher = Matcher([])  # only for its sentence units
    units = matcher.units(item)
    title = tokenize(html_to_text(item.title))
    words = title + tokenize(html_to_text(item.summary))  # item: sees every word
    found: set[tuple[str, str]] = set()
    for ind in indicators:
        query = _compiled(ind.query)
        for unit in units:
            if query.match(unit.tokens, title, words) is not None:
                found.add((ind.id, unit.text))
    return found


@functools.lru_cache(maxsize=256)
def _compiled(query: str) -> CompiledQuery:
    return compile_query(parse_query(query))


def found_by(matcher: Matcher, item: Item) -> set[tuple[str, str]]:
    return {(ev.indicator_id, ev.sentence) for ev in matcher.match(item)}


def labelled_items() -> list[Item]:
    rows = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines()]
    return [Item(r["id"], r["title"], r["summary"]) for r in rows]


def test_seed_list_finds_what_brute_force_finds_on_the_labelled_set() -> None:
    indicators = list(load_watchlist(SEED).indicators)
    matcher = Matcher(indicators)
    items = labelled_items()
    total = 0
    for item in items:
        expected = brute_force(indicators, item)
        assert found_by(matcher, item) == expected, item.id
        total += len(expected)
    assert total > 200  # the comparison covered real evidence, not only empty answers


@pytest.mark.parametrize(
    ("query", "necessary"),
    [
        ("a b", "a b"),
        ("a -b", "a"),
        ("a AND NOT (b OR c)", "a"),
        ("a AND NOT (NOT (b OR c))", "a (b OR c)"),
        ("a item:(b OR NOT c)", "a"),
        ("a item:(b c)", "a item:(b c)"),
        ("(a OR NOT b) c", "c"),
        ("NOT a", None),
        ("(a -b) NEAR/3 c", "a NEAR/3 c"),
        ("((a -b) OR c) NEAR/3 d", "(a OR c) NEAR/3 d"),
        ("(a (b OR -c)) NEAR/3 d", "a NEAR/3 d"),
        ("title:(a -b) OR c", "title:a OR c"),
    ],
)
def test_whole_item_condition(query: str, necessary: str | None) -> None:
    found = _necessary(parse_query(query))
    assert (None if found is None else format_query(found)) == (
        None if necessary is None else format_query(parse_query(necessary))
    )


# Generated rules and texts over a small vocabulary, so that rules often match.
_WORDS = ["india", "russia", "deal", "dealer", "signed", "sign", "oil", "rupee", "china", "not"]
_word = st.sampled_from(_WORDS)
_leaf = st.one_of(
    _word,
    _word.map(lambda w: w[:3] + "*"),
    st.tuples(_word, _word).map(lambda p: f'"{p[0]} {p[1]}"'),
)
_query = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} AND NOT {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} NEAR/2 {p[1]})"),
        inner.map(lambda q: f"item:({q})"),
        inner.map(lambda q: f"title:({q})"),
        inner.map(lambda q: f"NOT (NOT {q})"),
    ),
    max_leaves=6,
)
_sentence = st.lists(_word, min_size=1, max_size=8).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=150, deadline=None)
@given(
    queries=st.lists(_query, min_size=1, max_size=6),
    title=_sentence,
    body=st.lists(_sentence, min_size=0, max_size=4),
)
def test_generated_rules_find_what_brute_force_finds(
    queries: list[str], title: str, body: list[str]
) -> None:
    for query in queries:  # NEAR needs positions on both sides: skip what does not parse
        try:
            parse_query(query)
        except QuerySyntaxError:
            assume(False)
    indicators = [
        Indicator(id=f"r{n}", title=f"r{n}", query=q, watchlist_id="gen")
        for n, q in enumerate(queries)
    ]
    item = Item("gen", title, " ".join(body))
    # sentence by sentence: the whole-item fallback adds what no sentence matches (below)
    assert found_by(Matcher(indicators, whole_item=False), item) == brute_force(indicators, item)


_text = st.lists(
    st.sampled_from(
        [
            *_WORDS,
            "U.S.",
            "Dr.",
            "Rs.",
            "2.5",
            "10,000",
            "India's",
            "S-400",
            "rupee–rouble",
            ".",
            ",",
            "!",
            "?",
            "\n",
            '"',
            "NEW DELHI (Reuters) -",
            "Mr.",
            "e.g.",
            "Ltd.",
            "Dec.",
        ]
    ),
    max_size=40,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_text)
def test_sentence_words_are_words_of_their_block(text: str) -> None:
    # The matcher asks its index on the words of the blocks (paragraphs) before splitting
    # sentences: that is exact only if no sentence has a word its block lacks.
    plain = html_to_text(text)
    for block in line_blocks(plain):
        words = set(tokenize(block))
        for sentence in split_sentences(block):
            assert set(tokenize(sentence)) <= words, sentence


_line = st.lists(
    st.sampled_from(
        [
            *_WORDS,
            "India.",
            "Russia!",
            "Dr.",
            "U.S.",
            "signed.",
            "MOSCOW",
            "NEW DELHI",
            "Dec 5",
            "5th",
            "Monday",
            "(Reuters)",
            "-",
            "—",
            ":",
            "New Delhi,",
            "2025",
            "The",
            "It",
        ]
    ),
    min_size=1,
    max_size=12,
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_line, min_size=1, max_size=6))
def test_line_blocks_keep_every_sentence_whole(lines: list[str]) -> None:
    # The matcher skips whole blocks: that is exact only if the blocks' sentences are the
    # text's sentences.
    text = "\n".join(lines)
    assert [s for b in line_blocks(text) for s in split_sentences(b)] == split_sentences(text)


def test_plain_query_falls_back_to_the_whole_item() -> None:
    """A keyword query without title:/item: is tried on the whole item when no sentence
    matches, and its evidence is the sentence that names the event ("signed"), not the
    one holding most terms; a query that scopes its terms itself is not."""
    plain = Indicator("sign", "Signing of the zorblat treaty", "zorblat AND sign*")
    scoped = Indicator("scoped", "Signing of the zorblat treaty", "item:zorblat AND sign*")
    strict = Indicator("strict", "Signing of the zorblat treaty", "zorblat AND treaty")
    item = Item(
        "1", "Zorblat talks end", "The zorblat talks ran late. The treaty was signed at dawn."
    )
    found = {ev.indicator_id: ev for ev in Matcher([plain, scoped, strict]).match(item)}
    assert found["sign"].sentence == "The treaty was signed at dawn."
    assert found["sign"].trigger == "signed"
    assert found["sign"].modality.value == "occurred"
    assert found["scoped"].sentence == "The treaty was signed at dawn."  # item: as before
    assert "strict" in found  # two sentences, one each: only the fallback finds it
    assert Matcher([strict], whole_item=False).match(item) == []


def test_a_sentence_that_comes_again_is_matched_and_judged_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 15: a wire copy's sentences come again in other items. A query that reads only
    the sentence gives the same evidence there without matching or judging it again; a
    query that reads the item (``title:``) is still asked on each item."""
    import indicators.matcher as matcher_module

    calls: list[str] = []
    real_judge = matcher_module.judge

    def counting_judge(sentence: str, **kwargs: object) -> object:
        calls.append(sentence)
        return real_judge(sentence, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(matcher_module, "judge", counting_judge)
    plain = Indicator("plain", "Signing of the zorblat treaty", "zorblat AND sign*")
    scoped = Indicator("scoped", "Signing of the zorblat treaty", "title:summit AND sign*")
    matcher = Matcher([plain, scoped])
    sentence = "The zorblat treaty was signed at dawn."
    first = matcher.match(Item("1", "Summit ends", sentence))
    again = matcher.match(Item("2", "Talks end", sentence))
    assert [ev.indicator_id for ev in first] == ["plain", "scoped"]
    assert again == [first[0]]  # the same evidence; no summit in this headline
    assert calls.count(sentence) == 2  # once per indicator, in the first item only


def test_a_scoped_query_is_asked_on_each_item_with_the_whole_item_fallback_on() -> None:
    """``whole_item=True`` turns the fallback on for scoped queries too; their answer still
    depends on the item (its headline here), so it is never kept per sentence."""
    query = "zorblat AND sign* AND NOT title:talks"
    scoped = Indicator("scoped", "Signing of the zorblat treaty", query)
    matcher = Matcher([scoped], whole_item=True)
    sentence = "The zorblat treaty was signed at dawn."
    assert [ev.indicator_id for ev in matcher.match(Item("1", "Summit ends", sentence))] == [
        "scoped"
    ]
    assert matcher.match(Item("2", "Talks end", sentence)) == []

"""Issue 15: the matcher's shortcuts give the answers of the plain evaluation.

Queries of one watch list share the code of equal sub-queries (and so what a ``title:`` or
``item:`` condition found in the item); an OR's plain leaves are tested as one alternation
and searched for by their first word; modality cues are looked up by their words; falls
and rises are checked against the anchors. Each must give exactly what the plain way
gives: one query compiled alone, one needle asked at a time, one cue tried at a time, one
anchor at a time.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import modality
from indicators.events import Event, Form, Role, Trigger, lexicon
from indicators.model import CueLists
from indicators.query import Field, Node, Or, Phrase, Prefix, Term, Unit, compile_query
from indicators.query.compiler import Shared
from indicators.query.needles import REGEX_MIN, Needle, any_of, names_of, spans_of
from indicators.query.units import ItemScope

_WORDS = ["a", "ab", "abc", "b", "ba", "c"]
_leaves = st.one_of(
    st.builds(Term, st.sampled_from(_WORDS), st.just(1)),
    st.builds(Prefix, st.sampled_from(["a", "ab", "b"]), st.just(1)),
    st.builds(
        Phrase,
        st.lists(st.sampled_from([*_WORDS, "a*", "b*"]), min_size=2, max_size=3).map(tuple),
        st.just(1),
    ),
)
# ORs long enough for the alternation, and fields, so that sub-queries repeat across queries.
_ors = st.builds(Or, st.lists(_leaves, min_size=2, max_size=REGEX_MIN + 3).map(tuple), st.just(1))
_parts = st.one_of(
    _leaves, _ors, st.builds(Field, st.sampled_from(["title", "item"]), _ors, st.just(1))
)
_queries = st.builds(Or, st.lists(_parts, min_size=2, max_size=3).map(tuple), st.just(1))
_texts = st.lists(st.sampled_from([*_WORDS, "abd", "d"]), max_size=12)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(_queries, min_size=2, max_size=4), _texts, _texts, _texts)
def test_queries_sharing_code_match_as_alone(
    nodes: list[Node], first: list[str], second: list[str], title: list[str]
) -> None:
    shared: Shared = {}
    together = [compile_query(n, shared=shared) for n in nodes]
    scope = ItemScope(title, [*title, *first, *second])
    for tokens in (first, second):  # two sentences of one item: memos carry over
        unit = Unit(tokens, item=scope)
        for node, compiled in zip(nodes, together, strict=True):
            alone = compile_query(node).match(tokens, title, [*title, *first, *second])
            assert compiled.match_unit(unit) == alone


def _needle(words: list[str], prefix: bool) -> Needle:
    return (" " + " ".join(words) + ("" if prefix else " "), " ".join(words), len(words) - 1)


_needles = st.lists(
    st.builds(_needle, st.lists(st.sampled_from(_WORDS), min_size=1, max_size=2), st.booleans()),
    min_size=1,
    max_size=REGEX_MIN * 2,
    unique=True,
)


@settings(max_examples=300, deadline=None, database=None)
@given(_needles, _texts)
def test_needles_at_once_as_one_at_a_time(needles: list[Needle], tokens: list[str]) -> None:
    text, words = " " + " ".join(tokens) + " ", frozenset(tokens)
    present = [n for n in needles if n[0] in text]
    assert any_of(needles)(text) is bool(present)
    terms: list[str] = []
    spans = spans_of(needles)(text, words, terms)
    expected = []
    for needle, _, width in present:
        starts = [i for i in range(len(text)) if text.startswith(needle, i)]
        expected += [(text.count(" ", 0, at), text.count(" ", 0, at) + width) for at in starts]
    assert sorted(spans) == sorted(expected)
    assert sorted(terms) == sorted(shown for _, shown, _ in present)
    named: list[str] = []
    names_of(needles)(text, words, named)
    assert sorted(named) == sorted(terms)


def _cues_one_at_a_time(matcher: modality._Matcher, toks: tuple[str, ...]) -> list[object]:
    """``_Matcher.find`` the plain way: at each position every cue that may start there is
    tried; the longest wins, then the first listed (the highest ``-order``)."""
    cues: list[object] = []
    after = 0
    for i, tok in enumerate(toks):
        if i < after:
            continue
        pool = [*matcher.exact.get(tok, ()), *matcher.prefix.get(tok[:3], ())]
        pool += matcher.number if tok[:1].isdigit() else []
        tried = [(modality._match(elems, toks, i), -order, cls) for elems, _, cls, order in pool]
        end, _, cls = max(tried, default=(-1, 0, 0))
        if end >= 0:
            cues.append((i, end, cls))
            after = end
    return cues


_CUE_WORDS = ["in", "to", "be", "the", "on", "will", "not", "signed", "sign", "talks", "2026"]
_EXTRA = CueLists(occurred=("in ####", "to be", "will"), anticipated=("in", "on ... talks", "sig*"))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(_CUE_WORDS), max_size=14), st.booleans(), st.booleans())
def test_cues_looked_up_as_tried_one_at_a_time(
    toks: list[str], extra: bool, headline: bool
) -> None:
    matcher = modality._matcher(_EXTRA if extra else CueLists(), headline)
    assert matcher.find(tuple(toks)) == _cues_one_at_a_time(matcher, tuple(toks))


_AMOUNT_WORDS = ["fell", "rose", "imports", "record", "low", "year", "high", "oil", "the"]


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(st.sampled_from(_AMOUNT_WORDS), min_size=1, max_size=20),
    st.lists(st.integers(0, 19), max_size=4),
    st.sampled_from(["buy", "deliver", "sign"]),
)
def test_amounts_checked_at_once_as_one_anchor_at_a_time(
    toks: list[str], anchors: list[int], action: str
) -> None:
    lex, words = lexicon(), tuple(toks)
    points = sorted({a for a in anchors if a < len(words)})
    cls = lex.classes[action]
    expected: set[tuple[int, int, int]] = set()
    if cls.durative:
        flows = [i for i, tok in enumerate(words) if tok in modality._FLOWS]
        for a in [*points, *flows]:
            point = Trigger(a, a + 1, Role.EVENT, Form.NOUN, action, False, True, cls.decrease)
            expected.update(modality._quantity_cues(words, point))
    event = Event(action)
    found = modality._amounts_at_anchors(words, [], event, lex, points)
    assert set(found) == expected

"""The rule language (DESIGN §5): a table of matches, a table of syntax errors, index
keys, hits and lint.

A text in ``TABLE`` is ``"title || sentence"`` when the case needs a title; otherwise the
sentence alone, with an empty title. Both go through ``tokenize``, as in the engine.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.errors import QuerySyntaxError
from indicators.query import (
    And,
    CompiledQuery,
    Field,
    Hit,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    QueryIndex,
    Term,
    Unit,
    compile_query,
    format_query,
    lint_query,
    parse_query,
)
from indicators.text import tokenize

FILL10 = " ".join(["w"] * 9)  # nine filler words: a … b with these between is 10 apart

TABLE: list[tuple[str, str, bool]] = [
    # words and word boundaries
    ("india", "India and Russia sign pact", True),
    ("india", "Indian firms sign pact", False),
    ("indian", "Indian firms", True),
    ("india", "INDIA", True),
    ("india", "(India)", True),
    ("india", "india.", True),
    ("india", "BharatIndia", False),
    ("pact", "impact", False),
    ("pact", "pacts", False),
    ("Pact", "a PACT", True),
    # apostrophes, possessives, acronyms, numbers
    ("india", "India's trade", True),
    ("india", "India’s trade", True),
    ("India’s", "india", True),
    ("russia", "Russia's", True),
    ("don't", "They don’t agree", True),
    ("us", "U.S. sanctions", True),
    ("U.S.", "US sanctions", True),
    ("10,000", "10,000 troops", True),
    ("2.5", "2.5 billion", True),
    ("2.5", "2 5 billion", False),
    # hyphens and dashes: a hyphenated query word is a phrase
    ("rupee-ruble", "rupee-ruble trade", True),
    ("rupee-ruble", "rupee–ruble trade", True),
    ("rupee-ruble", "rupee — ruble", True),
    ("rupee-ruble", "rupee ruble", True),
    ("rupee-ruble", "rupee\u2010ruble", True),
    ("rupee-ruble", "ruble rupee", False),
    ("rupee-ruble", "rupee and ruble", False),
    ("rupee", "rupee-ruble trade", True),
    ("ruble", "rupee-ruble trade", True),
    ("s-400", "S-400 deliveries", True),
    ("S-400", "s 400", True),
    ("s-400", "S400 deliveries", False),
    ("industrial-technology cooperation", "industrial technology cooperation", True),
    ("rupee-rub*", "rupee-rubles", True),
    # phrases
    ('"two words"', "two words here", True),
    ('"two words"', "words two", False),
    ('"two words"', "two big words", False),
    ("“two words”", "two words", True),
    ("„two words“", "two words", True),
    ('"trade finance"', "Trade-finance mechanisms", True),
    ('"the deal"', "THE DEAL", True),
    ('"a b a"', "a b a b a", True),
    ('"india"', "Indian", False),
    ('"india — russia"', "India, Russia", True),
    # wildcards inside phrases
    ('"sign* agreement"', "signed agreement", True),
    ('"sign* agreement"', "signing the agreement", False),
    ('"new* deal"', "newest deal", True),
    ('"new* deal"', "a new-ish deal", False),
    ('"cooperation agree*"', "cooperation agreements", True),
    ('"cooperation agree*"', "cooperation on agreements", False),
    ('"india russia* summit"', "India-Russian summit", True),
    ('"india russia* summit"', "India-Russian leaders summit", False),
    # prefixes
    ("agree*", "agreement", True),
    ("agree*", "agree", True),
    ("agree*", "agreed", True),
    ("agree*", "disagree", False),
    ("Agree*", "AGREEMENTS", True),
    ("sanction*", "sanctions-related bottlenecks", True),
    ("ag*", "agriculture", True),
    # AND, by keyword and by adjacency
    ("india russia", "Russia and India", True),
    ("india russia", "India and China", False),
    ("india AND russia", "India, Russia", True),
    ("india AND russia", "India only", False),
    ("a b c", "c b a", True),
    ("a b c", "c b", False),
    # lower-case operators are ordinary words
    ("india and russia", "India, Russia", False),
    ("india and russia", "India and Russia", True),
    ("india or china", "China trade", False),
    ("india Or china", "China trade", False),
    ("india not pakistan", "India will not meet Pakistan", True),
    # OR
    ("india OR china", "China trade", True),
    ("india OR china", "Japan trade", False),
    ("india OR china OR japan", "japan", True),
    # a large OR of plain words is compiled to one set test
    ("x OR y OR z OR india OR china", "China and India", True),
    ("x OR y OR z OR india OR china", "Chinese", False),
    ("x OR y OR z OR india OR agree*", "agreement", True),
    ("title:(x OR y OR z OR india) deal", "India || deal", True),
    ("title:(x OR y OR z OR india) deal", "Deal || India", False),
    ("(x OR y OR z OR india) NEAR/1 deal", "india deal", True),
    ("(x OR y OR z OR india) NEAR/1 deal", "india big deal", False),
    # NOT and -
    ("india NOT pakistan", "India and Pakistan", False),
    ("india NOT pakistan", "India and China", True),
    ("india -pakistan", "India, Pakistan", False),
    ("india -pakistan", "India", True),
    ("NOT pakistan", "China", True),
    ("NOT pakistan", "Pakistan", False),
    ("-pakistan", "Pakistani", True),
    ("india -pakistan*", "India, Pakistani", False),
    ('-"trade finance" india', "India trade finance", False),
    ('-"trade finance" india', "India finance trade", True),
    ("-(a OR b) c", "c", True),
    ("-(a OR b) c", "b c", False),
    ("NOT NOT india", "india", True),
    ("NOT NOT india", "china", False),
    # precedence: NOT > NEAR > AND > OR, and grouping
    ("a OR b c", "a", True),
    ("a OR b c", "b", False),
    ("a OR b c", "b c", True),
    ("(a OR b) c", "a", False),
    ("(a OR b) c", "a c", True),
    ("a b OR c", "c", True),
    ("a b OR c", "a", False),
    ("a AND b OR c AND d", "c d", True),
    ("a AND b OR c AND d", "a d", False),
    ("NOT a OR b", "a b", True),
    ("NOT a OR b", "a", False),
    ("NOT (a OR b)", "c", True),
    ("NOT a b", "b", True),
    ("NOT a b", "a b", False),
    ("a NEAR/1 b c", "a b x c", True),
    ("a NEAR/1 b c", "a x b c", False),
    ("a NEAR/1 b OR c", "c", True),
    ("x OR b NEAR/1 c", "b c", True),
    ("x OR b NEAR/1 c", "b z c", False),
    ("((a))", "a", True),
    ("(a (b OR c))", "a c", True),
    ("(a (b OR c))", "b c", False),
    # NEAR at the boundary: n is a match, n + 1 is not; either order
    ("a NEAR/5 b", "a 1 2 3 4 b", True),
    ("a NEAR/5 b", "a 1 2 3 4 5 b", False),
    ("a NEAR/5 b", "b 1 2 3 4 a", True),
    ("a NEAR/5 b", "b 1 2 3 4 5 a", False),
    ("a NEAR/1 b", "a b", True),
    ("a NEAR/1 b", "a x b", False),
    ("a NEAR b", f"a {FILL10} b", True),
    ("a NEAR b", f"a {FILL10} w b", False),
    ("a NEAR/3 b", "a", False),
    ("a NEAR/3 b", "b", False),
    ("a NEAR/2 b", "a x x x b x a", True),
    # a phrase occupies its span
    ('a NEAR/2 "b c"', "b c x a", True),
    ('a NEAR/2 "b c"', "b c x x a", False),
    ('"a b" NEAR/2 c', "a b x c", True),
    ('"a b" NEAR/2 c', "a b x x c", False),
    ("india NEAR/3 agree*", "India signs new agreements", True),
    ("india NEAR/2 agree*", "India signs new agreements", False),
    ("(india OR indian) NEAR/2 russia*", "Indian and Russian firms", True),
    ("rupee-ruble NEAR/2 trade", "rupee–ruble trade", True),
    ("a NEAR/3 b -c", "a b c", False),
    ("(a NEAR/1 b) NEAR/2 c", "a b x c", True),
    ("(a NEAR/1 b) NEAR/1 c", "a b x c", False),
    # title: scoping (an item-level predicate, true in every sentence of the item)
    ("title:india", "India || trade talks", True),
    ("title:india", "Trade talks || India and Russia", False),
    ("title:india", "India and Russia", False),
    ("india", "India pact || trade talks", False),
    ("title:india trade", "India ties || trade grows", True),
    ("title:india trade", "India ties || exports grow", False),
    ('title:"rupee ruble"', "Rupee-ruble trade || payments", True),
    ('title:"rupee ruble"', "Rupee and ruble || payments", False),
    ("title:(india OR russia) deal", "Russia update || the deal was signed", True),
    ("title:(india OR russia) deal", "China update || the deal was signed", False),
    ("-title:india deal", "India ties || deal", False),
    ("-title:india deal", "China ties || deal", True),
    ("title:agree*", "Agreements signed || text", True),
    ("Title:india", "India || x", True),
    ("title:(india NEAR/1 russia)", "India, Russia sign || x", True),
    ("title:(india NEAR/1 russia)", "India and Russia || x", False),
    ("title:india india", "India pact || India pact", True),
    # Unicode: NFKC, casefolding, other scripts
    ("café", "Café culture", True),
    ("cafe", "Café", False),
    ("café", "cafe\u0301", True),
    ("ｉｎｄｉａ", "India", True),
    ("india", "ＩＮＤＩＡ ties", True),
    ("straße", "STRASSE", True),
    ("москва", "Москва и Дели", True),
    ('"москва и дели"', "МОСКВА И ДЕЛИ", True),
    ("ﬁnance", "finance", True),
]


def _unit(text: str) -> tuple[list[str], list[str]]:
    title, _, sentence = text.rpartition(" || ")
    return tokenize(sentence), tokenize(title)


def _keys_present(keys: frozenset[str], *token_lists: list[str]) -> bool:
    words = {t for tokens in token_lists for t in tokens}
    return any(
        any(w.startswith(k[:-1]) for w in words) if k.endswith("*") else k in words for k in keys
    )


def test_table_is_large() -> None:
    assert len(TABLE) >= 110
    assert len({(q, t) for q, t, _ in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("query", "text", "expected"), TABLE)
def test_match(query: str, text: str, expected: bool) -> None:
    tokens, title = _unit(text)
    compiled = compile_query(parse_query(query))
    assert (compiled.match(tokens, title) is not None) is expected
    assert (compiled.match_unit(Unit(tokens, title)) is not None) is expected


@pytest.mark.parametrize(("query", "text", "expected"), TABLE)
def test_index_keys_never_hide_a_match(query: str, text: str, expected: bool) -> None:
    tokens, title = _unit(text)
    compiled = compile_query(parse_query(query))
    keys = compiled.index_keys()
    if keys is not None and not _keys_present(keys, tokens, title):
        assert not expected
    index: QueryIndex[str] = QueryIndex()
    index.add(query, keys)
    if expected:
        assert index.candidates(tokens, title) == [query]


@pytest.mark.parametrize("query", sorted({q for q, _, _ in TABLE}))
def test_format_round_trips(query: str) -> None:
    node = parse_query(query)
    assert parse_query(format_query(node)) == node


ERRORS: list[tuple[str, int, str]] = [
    ('"india', 1, "unclosed quote"),
    ('india "russia', 7, "unclosed quote"),
    ("“india", 1, "unclosed quote"),
    ("(india", 1, "unclosed '('"),
    ("india (russia OR (china)", 7, "unclosed '('"),
    ("india)", 6, "unbalanced ')'"),
    (")", 1, "unbalanced ')'"),
    ("india AND", 7, "'AND' needs a term after it"),
    ("india OR", 7, "'OR' needs a term after it"),
    ("OR india", 1, "'OR' needs a term before it"),
    ("NOT", 1, "'NOT' needs a term after it"),
    ("a AND OR b", 3, "'AND' needs a term after it"),
    ("(a OR)", 4, "'OR' needs a term after it"),
    ("a ( OR b)", 5, "'OR' needs a term before it"),
    ("india NEAR/5", 7, "'NEAR/5' needs a term after it"),
    ("NEAR/5 india", 1, "'NEAR/5' needs a term before it"),
    ("a NEAR/ b", 8, "needs a number"),
    ("a NEAR/x b", 8, "bad NEAR distance 'x'"),
    ("a NEAR/-1 b", 8, "bad NEAR distance"),
    ("india NEAR/5x russia", 12, "bad NEAR distance '5x'"),
    ("foo:bar", 1, "unknown field 'foo:'"),
    ("india body:trade", 7, "unknown field 'body:'"),
    ('""', 1, "empty phrase"),
    ('india " "', 7, "empty phrase"),
    ("*", 1, "'*' must follow a word"),
    ("india *", 7, "'*' must follow a word"),
    ("*india", 1, "'*' must follow a word"),
    ('"new * deal"', 6, "'*' must follow a word"),
    ("ag*ree", 3, "only allowed at the end"),
    ("", 1, "empty query"),
    ("   ", 1, "empty query"),
    ("&&", 1, "no letters or digits"),
    ("india ,", 7, "no letters or digits"),
    ("()", 1, "empty group"),
    ("a - b", 3, "'-' must be followed"),
    ("-", 1, "'-' must be followed"),
    ("title:", 1, "'title:' needs a term after it"),
    ("NOT a NEAR b", 1, "NEAR needs a word or phrase on each side"),
    ("a NEAR title:b", 8, "NEAR needs a word or phrase on each side"),
    ("(" * 60 + "a" + ")" * 60, 51, "nested more than 50 levels"),
]


@pytest.mark.parametrize(("query", "column", "fragment"), ERRORS)
def test_syntax_error(query: str, column: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.column == column
    assert fragment in caught.value.message
    assert caught.value.query == query
    assert str(caught.value).startswith(f"column {column}: ")


def test_error_table_is_large() -> None:
    assert len(ERRORS) >= 20


def test_tree_shape_and_columns() -> None:
    node = parse_query("india NEAR/3 agree*")
    assert isinstance(node, Near)
    assert node.distance == 3
    assert (node.column, node.left.column, node.right.column) == (1, 1, 14)
    assert parse_query("a NEAR b") == parse_query("a NEAR/10 b")
    # equality ignores columns: the same meaning written at another place is equal
    assert Term("india", 1) == Term("india", 7)
    assert parse_query("a (b c)") == parse_query("a b c")


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("india", {"india"}),
        ("agree*", {"agree*"}),
        ("india russia", {"russia"}),  # a tie goes to the longer word
        ("india OR china", {"india", "china"}),
        ("india -pakistan", {"india"}),
        ('"rupee ruble"', {"rupee"}),
        ('"the deal"', {"deal"}),
        ('"new* deal"', {"deal"}),
        ("agree* india", {"india"}),
        ("agree* agreement*", {"agreement*"}),
        ("the india", {"india"}),
        ("title:india", {"india"}),
        ("deal NEAR/2 sign*", {"deal"}),
        ("a NEAR/2 sign*", {"sign*"}),  # a very common word is worse than a prefix
        ("(india OR indian) (sign* OR agree*)", {"india", "indian"}),
        ("(sign* OR agree*) (india OR indian OR russia)", {"india", "indian", "russia"}),
        ("NOT a", None),
        ("-a -b", None),
        ("india OR NOT china", None),
    ],
)
def test_index_keys(query: str, keys: set[str] | None) -> None:
    expected = None if keys is None else frozenset(keys)
    assert compile_query(parse_query(query)).index_keys() == expected


def test_index_candidates_in_insertion_order() -> None:
    index: QueryIndex[str] = QueryIndex()
    for name, query in [("p", "agree*"), ("q", "india"), ("r", "NOT x"), ("s", "china")]:
        index.add(name, compile_query(parse_query(query)).index_keys())
    assert len(index) == 4
    assert index.candidates(tokenize("India agreement")) == ["p", "q", "r"]
    assert index.candidates(tokenize("nothing here"), tokenize("China")) == ["r", "s"]
    assert index.candidates([]) == ["r"]


def _hit(query: str, text: str) -> Hit | None:
    tokens, title = _unit(text)
    return compile_query(parse_query(query)).match(tokens, title)


@pytest.mark.parametrize(
    ("query", "text", "terms", "positions"),
    [
        (
            'sign* (india OR russia) "rupee ruble"',
            "Russia and India sign rupee-ruble deal",
            ("sign*", "india", "russia", "rupee ruble"),
            (0, 2, 3, 4, 5),
        ),
        ("india OR (india russia)", "india russia", ("india", "russia"), (0, 1)),
        ("india -pakistan", "india china", ("india",), (0,)),
        ("india", "India, India", ("india",), (0, 1)),
        ("title:india deal", "India || the deal", ("india", "deal"), (1,)),
        ("india NEAR/1 russia", "india x x x india russia", ("india", "russia"), (4, 5)),
        ('"new* deal" agree*', "agreed new deal", ("new* deal", "agree*"), (0, 1, 2)),
        ("NOT pakistan", "china", (), ()),
        ("x OR y OR z", "z y", ("y", "z"), (0, 1)),
        (
            'z OR "rupee ruble" OR india OR x OR y OR india',
            "India rupee-ruble india",
            ("rupee ruble", "india"),
            (0, 1, 2, 3),
        ),
        # a false NEAR inside a true OR reports nothing, though its words are there
        ("x OR ((a -b) NEAR/1 c)", "x b a c", ("x",), (0,)),
    ],
)
def test_hit(query: str, text: str, terms: tuple[str, ...], positions: tuple[int, ...]) -> None:
    assert _hit(query, text) == Hit(terms, positions)


def test_terms_and_source() -> None:
    node = parse_query('india -pakistan (sign* OR "rupee ruble") title:deal india')
    compiled = compile_query(node)
    assert isinstance(compiled, CompiledQuery)
    assert compiled.terms() == ("india", "sign*", "rupee ruble", "deal")
    assert compiled.source == format_query(node)
    assert compile_query(node, source="as typed").source == "as typed"


def test_shared_unit_matches_like_match() -> None:
    unit = Unit(tokenize("India and Russia sign a rupee-ruble deal"), tokenize("Summit"))
    for query in ["india russia", '"rupee ruble"', "sign* NEAR/4 deal", "title:summit"]:
        compiled = compile_query(parse_query(query))
        assert compiled.match_unit(unit) == compiled.match(
            tokenize("India and Russia sign a rupee-ruble deal"), tokenize("Summit")
        )
        assert compiled.match_unit(unit) is not None


@pytest.mark.parametrize(
    ("query", "severity", "fragment"),
    [
        ("india AND NOT india", "error", "can never match"),
        ("india -india", "error", "can never match"),
        ("india -ind*", "error", "can never match"),
        ('"rupee ruble" -ruble', "error", "can never match"),
        ("title:india -title:india", "error", "can never match"),
        ("x NEAR/0 y", "error", "can never match"),
        ("x NEAR/0 y*", "warning", "NEAR/0"),
        ("x NEAR/3 x", "warning", "itself"),
        ("the", "warning", "'the' is a very common word"),
        ("the OR india", "warning", "'the' is a very common word"),
        ("ag*", "warning", "shorter than 3"),
        ('"new a* deal"', "warning", "shorter than 3"),
        ("NOT india", "warning", "no word is required"),
        ("-a -b", "warning", "no word is required"),
        ("india OR NOT china", "warning", "no word is required"),
        ("india OR NOT india", "warning", "always true"),
        ("india OR china OR india", "warning", "duplicate india in OR"),
        ('"a b" OR c OR "a b"', "warning", "duplicate"),
        ("india or china", "warning", "operators are upper-case (OR)"),
    ],
)
def test_lint_finds(query: str, severity: str, fragment: str) -> None:
    issues = lint_query(parse_query(query))
    assert any(i.severity == severity and fragment in i.message for i in issues), issues


@pytest.mark.parametrize(
    "query",
    [
        "india",
        "the india",
        '"the deal"',
        "agree* india -pakistan",
        "(india OR indian) NEAR/5 (russia OR russian)",
        "title:india -title:pakistan deal",
        "india -indian",  # excluding a longer word does not exclude the shorter one
        "india* -indian",
        "x NEAR/1 y",
    ],
)
def test_lint_clean(query: str) -> None:
    assert lint_query(parse_query(query)) == []


def test_lint_columns() -> None:
    issues = lint_query(parse_query("india OR ag* OR india"))
    assert [(i.column, i.severity) for i in issues] == [(10, "warning"), (17, "warning")]
    assert "duplicate" in issues[1].message


# A property check against a slow reference evaluator written straight from the spec:
# the compiled closures must agree with it on every tree: match, positions, index keys.

Span = tuple[int, int]
_WORDS = ["a", "b", "ab", "abc", "d"]


def _elements(leaf: Term | Prefix | Phrase) -> list[str]:
    if isinstance(leaf, Term):
        return [leaf.word]
    return [leaf.stem + "*"] if isinstance(leaf, Prefix) else list(leaf.words)


def _fits(token: str, element: str) -> bool:
    return token.startswith(element[:-1]) if element.endswith("*") else token == element


def _gap(x: Span, y: Span) -> int:
    return max(0, y[0] - x[1], x[0] - y[1])


class _Ref(NamedTuple):
    ok: bool
    spans: list[Span]  # of positive terms, in the scope evaluated (sentence or title)
    terms: list[str]  # matched positive terms, in query order


def _reference(node: Node, scope: list[str], title: list[str]) -> _Ref:
    if isinstance(node, Term | Prefix | Phrase):
        els = _elements(node)
        spans = [
            (i, i + len(els) - 1)
            for i in range(len(scope) - len(els) + 1)
            if all(_fits(scope[i + j], e) for j, e in enumerate(els))
        ]
        return _Ref(bool(spans), spans, [" ".join(els)] if spans else [])
    if isinstance(node, Not):
        return _Ref(not _reference(node.child, scope, title).ok, [], [])
    if isinstance(node, Field):
        inner = _reference(node.child, title, title)
        return _Ref(inner.ok, [], inner.terms)
    if isinstance(node, And | Or):
        results = [_reference(c, scope, title) for c in node.children]
        if isinstance(node, Or):
            return _Ref(
                any(r.ok for r in results),
                [s for r in results if r.ok for s in r.spans],
                [t for r in results if r.ok for t in r.terms],
            )
        return _Ref(
            all(r.ok for r in results),
            [s for r in results for s in r.spans],
            [t for r in results for t in r.terms],
        )
    assert isinstance(node, Near)
    left, right = _reference(node.left, scope, title), _reference(node.right, scope, title)
    if not (left.ok and right.ok):
        return _Ref(False, [], [])
    near_l = [a for a in left.spans if any(_gap(a, b) <= node.distance for b in right.spans)]
    near_r = [b for b in right.spans if any(_gap(a, b) <= node.distance for a in left.spans)]
    return _Ref(bool(near_l), near_l + near_r, left.terms + right.terms)


_leaves = st.one_of(
    st.builds(Term, st.sampled_from(_WORDS), st.just(1)),
    st.builds(Prefix, st.sampled_from(["a", "ab"]), st.just(1)),
    st.builds(
        Phrase,
        st.lists(st.sampled_from([*_WORDS, "a*", "ab*"]), min_size=2, max_size=3).map(tuple),
        st.just(1),
    ),
)


def _extend(inner: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    several = st.lists(inner, min_size=2, max_size=3).map(tuple)
    many = st.lists(inner, min_size=2, max_size=6).map(tuple)  # reaches the word-set path
    return st.one_of(
        st.builds(And, several, st.just(1)),
        st.builds(Or, many, st.just(1)),
        st.builds(Not, inner, st.just(1)),
        st.builds(Field, st.just("title"), inner, st.just(1)),
        st.builds(Near, inner, inner, st.integers(0, 3), st.just(1)),
    )


_trees = st.recursive(_leaves, _extend, max_leaves=6)
_texts = st.lists(st.sampled_from([*_WORDS, "abd", "c"]), max_size=10)


@settings(max_examples=400, deadline=None, database=None)
@given(_trees, _texts, _texts)
def test_compiled_agrees_with_reference(node: Node, tokens: list[str], title: list[str]) -> None:
    compiled = compile_query(node)
    expected = _reference(node, tokens, title)
    hit = compiled.match(tokens, title)
    assert (hit is not None) is expected.ok
    if hit is not None:
        positions = {i for first, last in expected.spans for i in range(first, last + 1)}
        assert hit.positions == tuple(sorted(positions))
        # query order: the order in which terms() lists them
        assert hit.terms == tuple(t for t in compiled.terms() if t in expected.terms)
        keys = compiled.index_keys()
        assert keys is None or _keys_present(keys, tokens, title)

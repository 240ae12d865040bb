"""Compile a query tree once into closures that match one text unit fast.

A unit is one sentence (the headline counts as one) plus its item's title; ``title:``
terms are item-level predicates, true in every sentence of an item whose title has them.

How matching stays fast (the budget is a few µs per candidate, see docs/notes/query.md):

* ``Unit`` joins the tokens once into ``" w1 w2 … "``. Because tokens never contain a
  space, a word, a phrase and a prefix are plain substring tests on that string
  (``" india "``, ``" rupee ruble "``, ``" agree"``), which run in C. Only a phrase with a
  wildcard before its last word needs a (precompiled) regular expression.
* Positions, needed only when NEAR measures a distance or a ``Hit`` is reported, come
  from the same string: ``str.find`` locates an occurrence, and the number of spaces
  before it is its token index. No per-call map or re-tokenising. A caller evaluating
  many queries on one sentence can share one ``Unit`` and skip even the join.
* An OR of many plain words (seed queries list dozens of names) is one set test against
  the unit's distinct tokens instead of one substring test per word, and its other plain
  leaves (phrases, prefixes) one scan for all of them (``needles``).
* Equal sub-queries of one watch list share their code (``compile_query(shared=…)``), so
  ``title:``/``item:`` conditions repeated in every query are settled once per item.
* The children of an AND are tested cheapest first; NEAR, which needs positions, last.
  Evaluation order is free because ``Hit.terms`` is put back in query order at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .ast import And, Field, Near, Node, Not, Phrase, Prefix, Term, display, positive_leaves
from .ast import format_query as _format_query
from .index import index_keys
from .near import Span, any_near, near_to
from .needles import REGEX_MIN, Needle, any_of, finder, names_of, occurrences, spans_of
from .units import ITEM, SENTENCE, TITLE, Unit

_SCOPES = {"title": TITLE, "item": ITEM}


@dataclass(frozen=True)
class Hit:
    """What matched: positive terms (in the order of ``CompiledQuery.terms()``, i.e. of
    their first appearance in the query) and their token indices in the sentence."""

    terms: tuple[str, ...]
    positions: tuple[int, ...]


_Test = Callable[[Unit], bool]
_Spans = Callable[[Unit, list[str]], list[Span]]
_Names = Callable[[Unit, list[str]], None]


@dataclass(frozen=True, slots=True)
class _Code:
    """One compiled node.

    ``spans`` is asked only when ``test`` is true (or, for a ``decisive`` node, when its
    answer alone decides). It returns where the node's positive
    terms sit, in the sentence (or in the title inside ``title:``), which is what NEAR
    measures and what ``Hit.positions`` reports, and appends those terms' display text to
    the list it is given: one walk yields both halves of a ``Hit``. ``names`` appends the
    same terms without working out where they are: all that ``title:`` and ``item:`` keep.
    """

    test: _Test
    spans: _Spans
    names: _Names
    cost: int  # rough price of ``test``, to order AND children
    decisive: bool = False  # spans are empty exactly when test is false: skip the test


def _no_spans(unit: Unit, terms: list[str]) -> list[Span]:
    return []


def _no_names(unit: Unit, terms: list[str]) -> None:
    return None


class Runnable:
    """What matching needs of a compiled query: its code and the order of its terms.

    A matcher keeps these (``CompiledQuery.runnable``), not the queries with their parse
    trees, which only building it reads: at 1,009 rules the trees were ~4.5 MB of each
    parse worker's ~26 MB of compiled rules.
    """

    __slots__ = ("_code", "_rank")

    def __init__(self, code: _Code, rank: dict[str, int]) -> None:
        self._code = code
        self._rank = rank

    def match(
        self,
        tokens: Sequence[str],
        title_tokens: Sequence[str] = (),
        item_tokens: Sequence[str] | None = None,
    ) -> Hit | None:
        """Match one sentence's tokens (with its item's title and all its tokens)."""
        return self.match_unit(Unit(tokens, title_tokens, item_tokens))

    def match_unit(self, unit: Unit) -> Hit | None:
        """Like ``match`` on a prepared ``Unit`` shared by every query on that sentence."""
        code = self._code
        if not code.test(unit):
            return None
        terms: list[str] = []
        positions: set[int] = set()
        for first, last in code.spans(unit, terms):
            if first == last:
                positions.add(first)
            else:
                positions.update(range(first, last + 1))
        return Hit(self.ordered(terms), tuple(sorted(positions)))

    def test_unit(self, unit: Unit) -> bool:
        """Whether the query matches ``unit``, without working out the ``Hit``."""
        return self._code.test(unit)

    def names_unit(self, unit: Unit) -> list[str]:
        """The query's terms found in ``unit``, without their positions (for a query whose
        terms are all inside ``title:``/``item:``, what ``match_unit`` reports)."""
        terms: list[str] = []
        self._code.names(unit, terms)
        return terms

    def ordered(self, terms: list[str]) -> tuple[str, ...]:
        """Distinct ``terms`` of this query in its order (``Hit.terms``)."""
        return tuple(sorted(set(terms), key=self._rank.__getitem__))

    def runnable(self) -> Runnable:
        """The query as matching reads it: a ``CompiledQuery`` without its parse tree."""
        return Runnable(self._code, self._rank)


class CompiledQuery(Runnable):
    """A query ready to match: build with ``compile_query``."""

    __slots__ = ("_keys", "_terms", "node", "source")

    def __init__(self, node: Node, source: str, shared: Shared | None = None) -> None:
        terms = tuple(dict.fromkeys(display(leaf) for leaf in positive_leaves(node)))
        code = _compile(node, SENTENCE, {} if shared is None else shared)
        super().__init__(code, {term: rank for rank, term in enumerate(terms)})
        self.node = node
        self.source = source
        self._keys = index_keys(node)
        self._terms = terms

    def __repr__(self) -> str:
        return f"CompiledQuery({self.source!r})"

    def index_keys(self) -> frozenset[str] | None:
        return self._keys

    def terms(self) -> tuple[str, ...]:
        """The positive terms of the query (not under NOT), in query order, for display."""
        return self._terms


Shared = dict[tuple[Node, int], "_Code"]


def compile_query(
    node: Node, source: str | None = None, *, shared: Shared | None = None
) -> CompiledQuery:
    """Compile ``node``; ``source`` defaults to its canonical text (``format_query``).

    Queries compiled with one ``shared`` dict share the code of equal sub-queries (equal
    as ``Node``s: the column is not compared). A watch list repeats its term groups in
    every query (``@counterparty``): shared, a ``title:``/``item:`` condition is tested
    and its terms found once per item for all of them, not once per indicator.
    """
    text = _format_query(node) if source is None else source
    return CompiledQuery(node, text, shared)


def _compile(node: Node, scope: int, shared: Shared) -> _Code:
    key = (node, scope)
    code = shared.get(key)
    if code is None:
        code = shared[key] = _compile_node(node, scope, shared)
    return code


def _compile_node(node: Node, scope: int, shared: Shared) -> _Code:
    if isinstance(node, Term | Prefix | Phrase):
        return _leaf(node, scope)
    if isinstance(node, Not):
        inner = _compile(node.child, scope, shared).test
        return _Code(lambda u: not inner(u), _no_spans, _no_names, 2)
    if isinstance(node, Field):
        return _field(_compile(node.child, _SCOPES[node.name.lower()], shared))
    if isinstance(node, Near):
        left, right = _compile(node.left, scope, shared), _compile(node.right, scope, shared)
        return _near(left, right, node.distance)
    if isinstance(node, And):
        return _and([_compile(child, scope, shared) for child in node.children])
    return _or(_alternatives(node.children, scope, shared))


WORD_SET_MIN = 4  # below this, separate substring tests are as fast as a set test


def _alternatives(nodes: Sequence[Node], scope: int, shared: Shared) -> list[_Code]:
    """The children of an OR, the plain ones merged: its words into one set test, and
    many other substring leaves into one test of needles (``needles``). The order of the
    children is free (see the module docstring)."""
    words = [c.word for c in nodes if isinstance(c, Term)]
    merged = [_word_set(frozenset(words), scope)] if len(words) >= WORD_SET_MIN else []
    plain: list[tuple[Node, Needle]] = []
    rest: list[_Code] = []
    for child in nodes:
        if isinstance(child, Term) and merged:
            continue
        needle = _needle(child) if isinstance(child, Term | Prefix | Phrase) else None
        if needle is None:
            rest.append(_compile(child, scope, shared))
        else:
            plain.append((child, needle))
    if len(plain) >= REGEX_MIN:
        merged.append(_needles([needle for _, needle in plain], scope))
    else:  # a few leaves are asked one by one as fast
        rest = [_compile(node, scope, shared) for node, _ in plain] + rest
    return [*merged, *rest]


def _word_set(words: frozenset[str], scope: int) -> _Code:
    """An OR of plain words: one C-level set test, then positions of the few present."""

    def test(unit: Unit) -> bool:
        return not words.isdisjoint(unit.words(scope))

    def spans(unit: Unit, terms: list[str]) -> list[Span]:
        text = unit.texts[scope]
        out: list[Span] = []
        for word in words.intersection(unit.words(scope)):
            terms.append(word)
            needle = " " + word + " "
            occurrences(text, needle, text.find(needle), 0, out)
        return out

    def names(unit: Unit, terms: list[str]) -> None:
        terms.extend(words.intersection(unit.words(scope)))

    return _Code(test, spans, names, 1, decisive=True)


def _needles(needles: Sequence[Needle], scope: int) -> _Code:
    """An OR of substring leaves, tested at once (``needles``)."""
    present, found, named = any_of(needles), spans_of(needles), names_of(needles)
    if scope:
        test: _Test = lambda u: present(u.texts[scope])  # noqa: E731 - hot path
    else:
        test = lambda u: present(u.text)  # noqa: E731

    def spans(unit: Unit, terms: list[str]) -> list[Span]:
        return found(unit.texts[scope], unit.words(scope), terms)

    def names(unit: Unit, terms: list[str]) -> None:
        named(unit.texts[scope], unit.words(scope), terms)

    return _Code(test, spans, names, 1, decisive=True)


def _elements(node: Term | Prefix | Phrase) -> tuple[tuple[str, bool], ...]:
    """The words of a leaf, each with whether it is a prefix."""
    if isinstance(node, Phrase):
        return tuple((w[:-1], True) if w.endswith("*") else (w, False) for w in node.words)
    return ((node.stem, True) if isinstance(node, Prefix) else (node.word, False),)


def _needle(node: Term | Prefix | Phrase) -> Needle | None:
    """The leaf as a plain substring, or None where it needs a regex (``finder``)."""
    elements = _elements(node)
    find = finder(elements)
    return (find, display(node), len(elements) - 1) if isinstance(find, str) else None


def _leaf(node: Term | Prefix | Phrase, scope: int) -> _Code:
    shown = display(node)
    elements = _elements(node)
    find = finder(elements)
    last = len(elements) - 1

    if isinstance(find, str):
        needle = find
        if scope:
            test: _Test = lambda u: needle in u.texts[scope]  # noqa: E731 - hot path
        else:
            test = lambda u: needle in u.text  # noqa: E731

        def spans(unit: Unit, terms: list[str]) -> list[Span]:
            text = unit.texts[scope]
            at = text.find(needle)
            if at < 0:
                return []
            terms.append(shown)
            out: list[Span] = []
            occurrences(text, needle, at, last, out)
            return out

        def names(unit: Unit, terms: list[str]) -> None:
            if needle in unit.texts[scope]:
                terms.append(shown)

        return _Code(test, spans, names, 1, decisive=True)

    search, finditer = find.search, find.finditer
    if scope:
        test = lambda u: search(u.texts[scope]) is not None  # noqa: E731
    else:
        test = lambda u: search(u.text) is not None  # noqa: E731

    def regex_spans(unit: Unit, terms: list[str]) -> list[Span]:
        text = unit.texts[scope]
        out: list[Span] = []
        first = last_at = 0
        for found in finditer(text):
            first += text.count(" ", last_at, found.start())
            last_at = found.start()
            out.append((first, first + last))
        if out:
            terms.append(shown)
        return out

    def regex_names(unit: Unit, terms: list[str]) -> None:
        if search(unit.texts[scope]) is not None:
            terms.append(shown)

    return _Code(test, regex_spans, regex_names, 2, decisive=True)


def _field(child: _Code) -> _Code:
    # Spans in the title or the whole item are not sentence positions: keep the terms,
    # drop the spans.
    child_names, child_test = child.names, child.test
    key, terms_key = object(), object()  # this field's slots in the item's memo

    def test(unit: Unit) -> bool:
        # The same answer for every sentence of the item: computed once per item.
        memo = unit.memo
        found = memo.get(key)
        if found is None:
            found = memo[key] = child_test(unit)
        return found

    def names(unit: Unit, terms: list[str]) -> None:
        # The terms too are the item's, whatever the sentence: found once per item, and
        # without their spans (on a long item, walking an ``item:`` group of a hundred
        # names for positions cost more than the sentence's own query).
        memo = unit.item.terms
        found = memo.get(terms_key)
        if found is None:
            seen: list[str] = []
            child_names(unit, seen)
            found = memo[terms_key] = tuple(seen)
        terms.extend(found)

    def spans(unit: Unit, terms: list[str]) -> list[Span]:
        names(unit, terms)
        return []

    return _Code(test, spans, names, child.cost)


def _and(codes: list[_Code]) -> _Code:
    tests = tuple(c.test for c in sorted(codes, key=lambda c: c.cost))
    parts = tuple(c.spans for c in codes)  # query order: Hit.terms follows the query
    named = tuple(c.names for c in codes)

    def test(unit: Unit) -> bool:
        # A plain loop: all() over a generator costs more than the tests it short-circuits.
        for t in tests:  # noqa: SIM110
            if not t(unit):
                return False
        return True

    def spans(unit: Unit, terms: list[str]) -> list[Span]:
        return [s for part in parts for s in part(unit, terms)]

    def names(unit: Unit, terms: list[str]) -> None:
        for part in named:
            part(unit, terms)

    return _Code(test, spans, names, 1 + max(c.cost for c in codes))


def _or(codes: list[_Code]) -> _Code:
    tests = tuple(c.test for c in codes)
    # A decisive child needs no separate test: its spans are empty when it is false.
    parts = tuple((None if c.decisive else c.test, c.spans) for c in codes)
    named = tuple((None if c.decisive else c.test, c.names) for c in codes)

    def test(unit: Unit) -> bool:
        for t in tests:  # noqa: SIM110 - same reason as in _and
            if t(unit):
                return True
        return False

    def spans(unit: Unit, terms: list[str]) -> list[Span]:
        out: list[Span] = []
        for gate, part in parts:
            if gate is None or gate(unit):
                out.extend(part(unit, terms))
        return out

    def names(unit: Unit, terms: list[str]) -> None:
        for gate, part in named:
            if gate is None or gate(unit):
                part(unit, terms)

    return _Code(test, spans, names, 1 + max(c.cost for c in codes))


def _near(left: _Code, right: _Code, distance: int) -> _Code:
    left_test, right_test = left.test, right.test
    left_spans, right_spans = left.spans, right.spans

    def spans(unit: Unit, terms: list[str]) -> list[Span]:
        # Only the occurrences near the other side: what Hit.positions shows and what an
        # enclosing NEAR measures from. The terms of both sides are reported.
        # Terms wait in ``found`` until the sides are known to be near: a decisive NEAR is
        # asked for spans without a test first (see _or), and must then report nothing.
        found: list[str] = []
        lefts, rights = left_spans(unit, found), right_spans(unit, found)
        near_left = near_to(lefts, rights, distance)
        if not near_left:
            return near_left
        terms.extend(found)
        return near_left + near_to(rights, near_left, distance)

    def test(unit: Unit) -> bool:
        if not (left_test(unit) and right_test(unit)):
            return False
        return any_near(left_spans(unit, []), right_spans(unit, []), distance)

    def names(unit: Unit, terms: list[str]) -> None:
        spans(unit, terms)  # whether the sides are near decides which terms count

    # Decisive only if both sides are: a side whose test failed may still report spans.
    return _Code(test, spans, names, 10, decisive=left.decisive and right.decisive)

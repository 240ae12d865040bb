"""Match items against indicators: the term index, the query, then modality.

For each item:

1. reduce title and summary to text, split the summary into sentences; the headline is a
   sentence of its own (its grammar differs: DESIGN §6);
2. find candidate indicators through an index from query terms to indicators, so an
   indicator that shares no word with the item costs it nothing (PERFORMANCE.md);
3. evaluate each candidate's query on each sentence (``title:`` terms see the headline,
   ``item:`` terms the whole item, so item-level conditions such as "both countries are
   named somewhere" need no whole-item matching); with ``whole_item=True`` (off by default:
   it cost precision on the labelled set) an indicator no single sentence matches is tried
   once on the whole item, crediting the sentence holding most of the matched terms;
4. decide the modality of each matching sentence from the words around the match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indicators.modality import decide_modality
from indicators.model import Evidence, Indicator, Item, Modality
from indicators.query import CompiledQuery, compile_query, parse_query
from indicators.query.ast import And, Near, Node, Not, children
from indicators.query.compiler import Unit
from indicators.query.index import index_keys
from indicators.sentences import split_sentences
from indicators.text import html_to_text, tokenize

# When one sentence holds several kinds of evidence the most decisive is listed first.
_PRIORITY = {Modality.OCCURRED: 0, Modality.NEGATED: 1, Modality.ANTICIPATED: 2}


@dataclass(frozen=True)
class _Unit:
    text: str
    tokens: tuple[str, ...]
    is_title: bool
    position: int  # 0 for the headline, 1… for summary sentences


def _clauses(node: Node) -> tuple[Node, ...]:
    if isinstance(node, And):
        return node.children
    if isinstance(node, Near):
        return (node.left, node.right)
    return (node,)


def _has_not(node: Node) -> bool:
    return isinstance(node, Not) or any(_has_not(c) for c in children(node))


def _whole_item_filter(query: CompiledQuery) -> CompiledQuery | None:
    """A query the whole item must match for ``query`` to match any sentence of it.

    Words, phrases, prefixes, NEAR, ``title:`` and ``item:`` are monotone (a sentence's
    tokens are a contiguous run of the item's), so a query without NOT that fails on the
    whole item fails on every sentence. With top-level ``-term`` children only, the rest
    of the AND is such a condition. Otherwise there is no cheap condition (None).
    """
    node = query.node
    if not _has_not(node):
        return query
    if isinstance(node, And):
        kept = tuple(c for c in node.children if not isinstance(c, Not))
        if kept and not any(_has_not(c) for c in kept):
            return compile_query(kept[0] if len(kept) == 1 else And(kept, node.column))
    return None


class Matcher:
    """A compiled watch list (or several): ``match`` an item, get its evidence."""

    def __init__(self, indicators: Sequence[Indicator], *, whole_item: bool = False) -> None:
        self.indicators = tuple(indicators)
        self.whole_item = whole_item
        self._queries: list[CompiledQuery] = [
            compile_query(parse_query(ind.query)) for ind in self.indicators
        ]
        # The term index is conjunctive: every required clause of a query (each child of
        # a top-level AND or NEAR) is indexed under its own keys, with one bit per clause,
        # and a query is a candidate only when every clause has a key in the item. Indexing
        # one clause only made rules whose picked clause holds a common word (a country)
        # candidates for nearly every item (docs/benchmarks.md).
        self._exact: dict[str, list[tuple[int, int]]] = {}
        self._prefix: dict[str, list[tuple[int, int]]] = {}
        self._full: list[int] = []
        self._always: list[int] = []
        for number, query in enumerate(self._queries):
            keyed = [k for k in map(index_keys, _clauses(query.node)) if k is not None]
            self._full.append((1 << len(keyed)) - 1)
            if not keyed:
                self._always.append(number)
            for bit, keys in enumerate(keyed):
                for key in keys:
                    if key.endswith("*"):
                        self._prefix.setdefault(key[:-1], []).append((number, 1 << bit))
                    else:
                        self._exact.setdefault(key, []).append((number, 1 << bit))
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        # A necessary condition on the whole item, tested once before the sentence loop.
        self._filters = [_whole_item_filter(q) for q in self._queries]

    def _candidates(self, words: Sequence[str], title_tokens: Sequence[str] = ()) -> list[int]:
        masks: dict[int, int] = {}
        exact, prefix, lengths = self._exact, self._prefix, self._prefix_lengths
        for word in set(words):
            postings = exact.get(word)
            if postings:
                for number, bit in postings:
                    masks[number] = masks.get(number, 0) | bit
            for length in lengths:
                if length > len(word):
                    break
                postings = prefix.get(word[:length])
                if postings:
                    for number, bit in postings:
                        masks[number] = masks.get(number, 0) | bit
        full = self._full
        found = sorted([n for n, mask in masks.items() if mask == full[n]] + self._always)
        if not found:
            return found
        whole = Unit(words, title_tokens, words)
        filters = self._filters
        return [n for n in found if (f := filters[n]) is None or f.match_unit(whole) is not None]

    def units(self, item: Item) -> list[_Unit]:
        title = html_to_text(item.title)
        units = [_Unit(title, tuple(tokenize(title)), True, 0)] if title else []
        seen = {title.casefold()}
        for number, sentence in enumerate(split_sentences(html_to_text(item.summary)), 1):
            if sentence.casefold() in seen:  # feeds often repeat the headline
                continue
            seen.add(sentence.casefold())
            units.append(_Unit(sentence, tuple(tokenize(sentence)), False, number))
        return units

    def match(self, item: Item) -> list[Evidence]:
        units = self.units(item)
        if not units:
            return []
        title_tokens = units[0].tokens if units[0].is_title else ()
        all_words = [w for unit in units for w in unit.tokens]
        candidates = self._candidates(all_words, title_tokens)
        if not candidates:
            return []
        prepared = [Unit(unit.tokens, title_tokens, all_words) for unit in units]
        found: dict[int, list[tuple[int, int, Evidence]]] = {}
        for unit, ready in zip(units, prepared, strict=True):
            for number in candidates:
                hit = self._queries[number].match_unit(ready)
                if hit is None:
                    continue
                indicator = self.indicators[number]
                modality = decide_modality(
                    unit.text, headline=unit.is_title, anchors=hit.positions, extra=indicator.cues
                )
                ev = Evidence(indicator.id, modality, unit.text, hit.terms, unit.is_title)
                found.setdefault(number, []).append((_PRIORITY[modality], unit.position, ev))
        if self.whole_item and len(units) > 1:
            for number in candidates:
                if number not in found:
                    whole = self._whole_item(number, units, title_tokens, all_words)
                    if whole is not None:
                        found[number] = [whole]
        evidence: list[Evidence] = []
        for number in sorted(found):
            evidence.extend(ev for _, _, ev in sorted(found[number], key=lambda f: (f[0], f[1])))
        return evidence

    def _whole_item(
        self,
        number: int,
        units: list[_Unit],
        title_tokens: Sequence[str],
        all_words: Sequence[str],
    ) -> tuple[int, int, Evidence] | None:
        indicator, query = self.indicators[number], self._queries[number]
        starts: list[int] = []
        total = 0
        for unit in units:
            starts.append(total)
            total += len(unit.tokens)
        hit = query.match(all_words, title_tokens, all_words)
        if hit is None:
            return None
        # Credit the sentence that holds most matched terms; prefer the body over the title.
        counts = [0] * len(units)
        for pos in hit.positions:
            owner = max(i for i, start in enumerate(starts) if start <= pos)
            counts[owner] += 1
        best = max(range(len(units)), key=lambda i: (counts[i], not units[i].is_title, -i))
        unit = units[best]
        anchors = [
            p - starts[best] for p in hit.positions if 0 <= p - starts[best] < len(unit.tokens)
        ]
        modality = decide_modality(
            unit.text, headline=unit.is_title, anchors=anchors, extra=indicator.cues
        )
        ev = Evidence(indicator.id, modality, unit.text, hit.terms, unit.is_title)
        return (_PRIORITY[modality], unit.position, ev)

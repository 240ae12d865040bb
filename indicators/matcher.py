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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indicators.modality import decide_modality
from indicators.model import Evidence, Indicator, Item, Modality
from indicators.query import CompiledQuery, compile_query, parse_query
from indicators.query.compiler import Unit
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


class Matcher:
    """A compiled watch list (or several): ``match`` an item, get its evidence."""

    def __init__(self, indicators: Sequence[Indicator], *, whole_item: bool = False) -> None:
        self.indicators = tuple(indicators)
        self.whole_item = whole_item
        self._queries: list[CompiledQuery] = [
            compile_query(parse_query(ind.query)) for ind in self.indicators
        ]
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._always: list[int] = []
        for number, query in enumerate(self._queries):
            keys = query.index_keys()
            if keys is None:
                self._always.append(number)
                continue
            for key in keys:
                if key.endswith("*"):
                    self._prefix.setdefault(key[:-1], []).append(number)
                else:
                    self._exact.setdefault(key, []).append(number)
        self._prefix_lengths = sorted({len(p) for p in self._prefix})

    def _candidates(self, words: Iterable[str]) -> list[int]:
        found: set[int] = set(self._always)
        exact, prefix, lengths = self._exact, self._prefix, self._prefix_lengths
        for word in set(words):
            hit = exact.get(word)
            if hit:
                found.update(hit)
            for length in lengths:
                if length > len(word):
                    break
                hit = prefix.get(word[:length])
                if hit:
                    found.update(hit)
        return sorted(found)

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
        candidates = self._candidates(all_words)
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

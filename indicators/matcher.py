"""Match items against indicators: the term index, the query, then modality.

For each item:

1. reduce title and summary to text, split the summary into sentences; the headline is a
   sentence of its own (its grammar differs: docs/notes/modality.md);
2. find candidate indicators through an index from query terms to indicators, so an
   indicator that shares no word with the item costs it nothing (docs/benchmarks.md);
3. evaluate each candidate's query on each sentence (``title:`` terms see the headline,
   ``item:`` terms the whole item, so item-level conditions such as "both countries are
   named somewhere" need no whole-item matching); with ``whole_item=True`` (off by default:
   it cost precision on the labelled set) an indicator no single sentence matches is tried
   once on the whole item, crediting the sentence holding most of the matched terms;
4. decide the modality of each matching sentence from the words around the match.

Every step is linear in the item's size, but an item can be large and a watch list long:
a sentence is read in runs of at most ``MAX_SENTENCE_WORDS`` words, and each item gets
``budget`` seconds of CPU (of the calling thread). When it is spent the sentences left are
not evaluated: the evidence found so far is returned, and what was skipped is logged and
kept in ``last_skipped`` (issue 16: a hostile feed must not hold a poll).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from indicators.budget import BUDGET, MAX_SENTENCE_WORDS, Skipped, pieces
from indicators.events import (
    Event,
    EventClass,
    Lexicon,
    event_from_title,
    find_triggers,
    lexicon,
)
from indicators.modality import FALLBACKS, Judgement, judge
from indicators.model import Evidence, Indicator, Item, Modality
from indicators.query import CompiledQuery, compile_query, parse_query
from indicators.query.ast import And, Field, Near, Node, Not, Or, Phrase, Prefix, Term, children
from indicators.query.compiler import Hit, Shared
from indicators.query.index import index_keys
from indicators.query.split import SplitQuery, split_query
from indicators.query.units import ItemScope, Unit
from indicators.sentences import line_blocks, split_sentences
from indicators.text import html_to_text, tokenize

# Distinct words whose postings are kept, per process (the daemon and each parse worker):
# ~150 bytes each with 1,000 rules; cleared when full. Common words repeat, so 50,000
# keep nearly every lookup a hit.
_POSTINGS_CACHE = 50_000
# Sentences' answers and judgements kept per process (``Matcher._in_sentence``,
# ``_evidence``), each cleared when full: ~0.5 KB an item, ~4 MB in all in each parse
# worker and in the daemon.
_SENTENCES = 4_096

log = logging.getLogger("watchlist.matcher")

# When one sentence holds several kinds of evidence the most decisive is listed first.
_PRIORITY = {Modality.OCCURRED: 0, Modality.NEGATED: 1, Modality.ANTICIPATED: 2}


def _decisive(found: tuple[int, int, Evidence]) -> tuple[bool, bool, int, int]:
    """The order evidence of one indicator in one item is listed in, the item's own verdict
    first: a sentence where a cue decided before one judged by a fallback (a bare mention),
    the lead before the headline (a headline's grammar is terse, and guides for labelling
    news follow the lead where the two disagree), then occurred, negated, anticipated."""
    priority, position, ev = found
    return (ev.cue in FALLBACKS, ev.in_title, priority, position)


@dataclass(frozen=True)
class _Unit:
    text: str
    tokens: tuple[str, ...]
    is_title: bool
    position: int  # 0 for the headline, 1… for summary sentences
    lead: bool = False  # a sentence of the summary's first paragraph


def _clauses(node: Node) -> tuple[Node, ...]:
    if isinstance(node, And):
        return node.children
    if isinstance(node, Near):
        return (node.left, node.right)
    return (node,)


def _has_not(node: Node) -> bool:
    return isinstance(node, Not) or any(_has_not(c) for c in children(node))


def _necessary(node: Node) -> Node | None:
    """A NOT-free condition that holds on the whole item whenever ``node`` holds on one of
    its sentences, or None when there is none worth testing (it would always hold).

    Words, phrases, prefixes, NEAR, ``title:`` and ``item:`` are monotone: a sentence's
    tokens are a contiguous run of the item's, so what holds in a sentence holds in the
    item. NOT is not; a child under NOT is dropped from an AND (a weaker condition is still
    necessary) and makes an OR unusable. ``NOT (NOT x)``, the seed list's way of requiring
    a word that is not an anchor, is ``x``.
    """
    if isinstance(node, Term | Prefix | Phrase):
        return node
    if isinstance(node, Not):
        return _necessary(node.child.child) if isinstance(node.child, Not) else None
    if isinstance(node, Field):
        inner = _necessary(node.child)
        return None if inner is None else Field(node.name, inner, node.column)
    if isinstance(node, Near):
        left, right = _necessary(node.left), _necessary(node.right)
        if left is not None and right is not None:
            return Near(left, right, node.distance, node.column)
        return left or right
    parts = [_necessary(c) for c in node.children]
    if isinstance(node, And):
        kept = tuple(p for p in parts if p is not None)
        return None if not kept else kept[0] if len(kept) == 1 else And(kept, node.column)
    if any(p is None for p in parts):
        return None
    return Or(tuple(p for p in parts if p is not None), node.column)


# The fallback's windows lie in the headline and the lead: its first sentences. Feed
# entries are mostly leads; three sentences kept every cross-sentence match of the labelled
# real-news sets, and reading no further keeps a long item from costing a split per query.
LEAD = 3


class _Windows:
    """The pairs of sentences a plain query may span when no single sentence matches it:
    the headline with each sentence of the lead, and each two neighbouring sentences of the
    lead ("The EU and Mercosur met in Asunción. The deal was signed …"). Terms scattered
    over a long item are too loose a match. Built once per item, shared by its indicators."""

    def __init__(self, units: Sequence[_Unit], scope: ItemScope) -> None:
        self.scope = scope
        title = [u for u in units if u.is_title]
        body = [u for u in units if u.lead]
        self._pairs = [(t, b) for t in title[:1] for b in body[:LEAD]]
        self._pairs += list(itertools.pairwise(body[:LEAD]))
        self._ready: list[Unit] = []

    def pairs(self) -> Iterator[tuple[tuple[_Unit, _Unit], Unit]]:
        for k, pair in enumerate(self._pairs):
            if k == len(self._ready):
                self._ready.append(Unit([*pair[0].tokens, *pair[1].tokens], item=self.scope))
            yield pair, self._ready[k]


def _scoped(node: Node) -> bool:
    return isinstance(node, Field) or any(_scoped(c) for c in children(node))


def _whole_item_filter(query: CompiledQuery, shared: Shared) -> CompiledQuery | None:
    """A query the whole item must match for ``query`` to match any sentence of it."""
    if not _has_not(query.node):
        return query
    necessary = _necessary(query.node)
    return None if necessary is None else compile_query(necessary, shared=shared)


# (slot, queries) for each slot used. Most keys name one or two queries, where a small
# frozenset costs ~4x the memory of a tuple (1,000 rules: 35,000 of them); the long lists
# of common words stay frozensets, which set unions copy fastest.
_Queries = tuple[int, ...] | frozenset[int]
_Postings = tuple[tuple[int, _Queries], ...]
_SMALL = 8


def _frozen(by_slot: dict[int, set[int]]) -> _Postings:
    return tuple(
        (slot, tuple(sorted(numbers)) if len(numbers) < _SMALL else frozenset(numbers))
        for slot, numbers in sorted(by_slot.items())
    )


class Matcher:
    """A compiled watch list (or several): ``match`` an item, get its evidence."""

    def __init__(
        self,
        indicators: Sequence[Indicator],
        *,
        whole_item: bool | None = None,
        budget: float | None = BUDGET,
    ) -> None:
        self.indicators = tuple(indicators)
        self.budget = budget
        self.last_skipped: Skipped | None = None  # of the last ``match`` call
        # The last ``match``'s plain headline and text and their words (``words_of``).
        self._last_words: tuple[str, str, list[str]] | None = None
        # One compilation for the whole watch list: equal sub-queries share their code,
        # and with it what they found in the current item (``compile_query``).
        shared: Shared = {}
        queries = [compile_query(parse_query(ind.query), shared=shared) for ind in self.indicators]
        # The whole-item fallback: on (True), off (False), or by default for each query that
        # does not scope its terms itself (no ``title:``/``item:``): a plain keyword query
        # ("mercosur AND sign*") names an item's subject and its event, which news
        # often puts in different sentences ("The deal was signed in Asunción.").
        self._plain = [not _scoped(q.node) for q in queries]  # reads only sentences
        # A query of sentence terms AND item-wide conditions: its sentence part's hit is
        # kept by sentence (``query.split``), as a plain query's evidence is.
        split = [split_query(q, shared) for q in queries]
        self._whole = [whole_item if whole_item is not None else p for p in self._plain]
        # The term index is conjunctive: every required clause of a query (each child of
        # a top-level AND or NEAR) is indexed under its own keys, in its own slot, and a
        # query is a candidate only when every slot has a key in the item. Indexing one
        # clause only made rules whose picked clause holds a common word (a country)
        # candidates for nearly every item (docs/benchmarks.md). A key's postings are one
        # collection of queries per slot (see _frozen), so an item's candidates are unions
        # and intersections of sets, run in C: walking postings one by one in Python was the
        # whole cost at 10,000 indicators.
        exact: dict[str, dict[int, set[int]]] = {}
        prefix: dict[str, dict[int, set[int]]] = {}
        slots_of: list[int] = []
        self._always: list[int] = []
        for number, query in enumerate(queries):
            keyed = [k for k in map(index_keys, _clauses(query.node)) if k is not None]
            slots_of.append(len(keyed))
            if not keyed:
                self._always.append(number)
            for slot, keys in enumerate(keyed):
                for key in keys:
                    table, stem = (prefix, key[:-1]) if key.endswith("*") else (exact, key)
                    table.setdefault(stem, {}).setdefault(slot, set()).add(number)
        self._slots = max(slots_of, default=0)
        # Queries with fewer slots than the widest pass the slots they lack.
        self._pads = [
            frozenset(n for n, k in enumerate(slots_of) if k <= s) for s in range(self._slots)
        ]
        self._exact = {key: _frozen(by_slot) for key, by_slot in exact.items()}
        self._prefix = {key: _frozen(by_slot) for key, by_slot in prefix.items()}
        self._prefix_lengths = sorted({len(stem) for stem in self._prefix})
        self._word_postings: dict[str, _Postings] = {}
        self._keyed: set[str] = set()  # the words of ``_word_postings`` that hold keys
        # A necessary condition on the whole item, tested once before the sentence loop.
        filters = [_whole_item_filter(q, shared) for q in queries]
        # Matching reads only their code: the parse trees are not kept (``Runnable``).
        self._queries = [q.runnable() for q in queries]
        self._split = [None if s is None else s.runnable() for s in split]
        self._filters = [None if f is None else f.runnable() for f in filters]
        # Each indicator's event, read from its title when first needed (most never match).
        self._lexicon = lexicon()
        self._event_cache: dict[int, Event | None] = {}
        self._lexicons: dict[tuple[EventClass, ...], Lexicon] = {}
        self._sentences: dict[tuple[int, str, bool], Evidence | None] = {}
        self._sentence_hits: dict[tuple[int, str], Hit | None] = {}
        self._judged: dict[tuple[int, str, bool, tuple[int, ...]], Judgement] = {}

    def _candidates(self, words: Sequence[str], title_tokens: Sequence[str] = ()) -> list[int]:
        return self._candidates_in(words, ItemScope(title_tokens, words))

    def _postings(self, word: str) -> _Postings:
        """The queries, per slot, of every key ``word`` holds: exact and prefixes."""
        found = [self._exact[word]] if word in self._exact else []
        for length in self._prefix_lengths:
            if length > len(word):
                break
            postings = self._prefix.get(word[:length])
            if postings:
                found.append(postings)
        if len(found) < 2:
            return found[0] if found else ()
        merged: dict[int, set[int]] = {}
        for postings in found:
            for slot, numbers in postings:
                merged.setdefault(slot, set()).update(numbers)
        return _frozen(merged)

    def _candidates_in(self, words: Sequence[str], scope: ItemScope) -> list[int]:
        # Postings are looked up once per distinct word of the stream (news vocabulary
        # repeats), so an item costs about one dict lookup per distinct word.
        cache, keyed = self._word_postings, self._keyed
        if len(cache) > _POSTINGS_CACHE:
            cache.clear()
            keyed.clear()
        distinct = set(words)
        for word in distinct.difference(cache):  # in C: most words are known
            postings = cache[word] = self._postings(word)
            if postings:
                keyed.add(word)
        # Most words hold no key: only those that do are walked in Python.
        by_slot: list[list[_Queries]] = [[] for _ in range(self._slots)]
        for word in distinct.intersection(keyed):
            for slot, numbers in cache[word]:
                by_slot[slot].append(numbers)
        found: set[int] = set().union(*by_slot[0]) if by_slot and by_slot[0] else set()
        for slot in range(1, self._slots):
            if not found:
                break
            present = set().union(*by_slot[slot])
            found = (found & present) | (found & self._pads[slot])
        if self._always:
            found.update(self._always)
        if not found:
            return []
        whole = Unit(words, item=scope)
        filters = self._filters
        return [n for n in sorted(found) if (f := filters[n]) is None or f.test_unit(whole)]

    def units(self, item: Item) -> list[_Unit]:
        """The headline and every sentence of the item, as ``match`` reads them."""
        title, summary = html_to_text(item.title), html_to_text(item.summary)
        return self._sentence_units(title, tokenize(title), line_blocks(summary))

    def _sentence_units(
        self,
        title: str,
        title_tokens: Sequence[str],
        blocks: Iterable[str],
        lead: str | None = None,
    ) -> list[_Unit]:
        if title and len(title_tokens) > MAX_SENTENCE_WORDS:
            title = pieces(title)[0]  # a headline of a thousand words is not one
            title_tokens = tokenize(title)
        units = [_Unit(title, tuple(title_tokens), True, 0)] if title else []
        seen = {title.casefold()}
        position = 0
        for block in blocks:
            for sentence in split_sentences(block):
                for piece in pieces(sentence):
                    position += 1
                    if piece.casefold() in seen:  # feeds often repeat the headline
                        continue
                    seen.add(piece.casefold())
                    tokens = tuple(tokenize(piece))
                    units.append(_Unit(piece, tokens, False, position, block is lead))
        return units

    def _live_blocks(
        self,
        blocks: list[str],
        block_tokens: list[list[str]],
        candidates: list[int],
        scope: ItemScope,
    ) -> list[str]:
        """The blocks (paragraphs) where some candidate could match.

        Splitting sentences and tokenising each costs more than everything before it
        (docs/benchmarks.md); a candidate whose whole-item condition fails on a block (no
        sentence crosses one, see ``line_blocks``) cannot match any of its sentences, so a
        block where every candidate fails is not split at all.
        """
        filters = [self._filters[n] for n in candidates]
        if any(f is None for f in filters) or len(blocks) < 2:
            return blocks  # one block: the whole-item test has just passed on it
        live = []
        for block, tokens in zip(blocks, block_tokens, strict=True):
            unit = Unit(tokens, item=scope)
            if any(f is not None and f.test_unit(unit) for f in filters):
                live.append(block)
        return live

    def words_of(self, item: Item) -> list[str] | None:
        """The words of ``item`` as the last ``match`` read them, when that was ``item``
        and its headline and text had no markup: then they are ``tokenize`` of the two
        joined by a line break (tokenised block by block, see ``match``), which the
        parse worker's sketch reads without tokenising the text again."""
        last = self._last_words
        if last is None or last[0] != item.title or last[1] != item.summary:
            return None
        return last[2]

    def match(self, item: Item) -> list[Evidence]:
        self.last_skipped = None
        self._last_words = None
        started = time.thread_time()
        title, summary = html_to_text(item.title), html_to_text(item.summary)
        # The index is asked first, on the words of the whole text: most items have no
        # candidate and need no sentence splitting at all. Sentences are whitespace-cut
        # runs of that text, so their words are among these (a property test checks).
        # Tokenised block by block (paragraphs: see _live_blocks), which gives the same
        # words as the whole summary at once.
        title_tokens = tokenize(title)
        blocks = line_blocks(summary)
        block_tokens = [tokenize(block) for block in blocks]
        words = title_tokens + [w for tokens in block_tokens for w in tokens]
        self._last_words = (title, summary, words)
        scope = ItemScope(title_tokens, words)
        candidates = self._candidates_in(words, scope)
        if not candidates:
            return []
        # ``item:`` terms see every word of the item, a headline repeated in the summary
        # included; sentences that repeat one seen before are not evaluated again. The
        # whole-item fallback reads the lead (the headline and the first paragraph), and only
        # for a query that holds on it (one test, before any splitting).
        lead = Unit([*title_tokens, *(block_tokens[0] if blocks else ())], item=scope)
        whole = [n for n in candidates if self._whole[n] and self._queries[n].test_unit(lead)]
        live = self._live_blocks(blocks, block_tokens, candidates, scope)
        if whole and blocks and (not live or live[0] is not blocks[0]):
            live = [blocks[0], *live]  # the lead, where the fallback's windows are
        units = self._sentence_units(
            title, title_tokens, live, blocks[0] if whole and blocks else None
        )
        if not units:
            return []
        found: dict[int, list[tuple[int, int, Evidence]]] = {}
        for done, unit in enumerate(units):
            if self.budget is not None and time.thread_time() - started > self.budget:
                self._skip(item, len(units) - done, len(units), candidates)
                whole = []  # nor the fallback
                break
            ready = Unit(unit.tokens, item=scope)
            for number in candidates:
                ev = self._in_sentence(number, unit, ready)
                if ev is not None:
                    item_found = (_PRIORITY[ev.modality], unit.position, ev)
                    found.setdefault(number, []).append(item_found)
        missing = [n for n in whole if n not in found] if len(units) > 1 else []
        if missing:
            windows = _Windows(units, scope)
            for number in missing:
                fallback = self._whole_item(number, windows)
                if fallback is not None:
                    found[number] = [fallback]
        evidence: list[Evidence] = []
        for number in sorted(found):
            evidence.extend(ev for _, _, ev in sorted(found[number], key=_decisive))
        return evidence

    def _in_sentence(self, number: int, unit: _Unit, ready: Unit) -> Evidence | None:
        """Indicator ``number``'s evidence in one sentence, if any. A query that reads
        nothing beyond the sentence (no ``title:``/``item:``) gives the same answer
        wherever the sentence comes: it is kept, so a sentence that comes again (a wire
        copy, a stock sentence of the topic) is matched and judged once."""
        key = (number, unit.text, unit.is_title) if self._plain[number] else None
        if key is not None and key in self._sentences:
            return self._sentences[key]
        split = self._split[number]
        if split is None:
            hit = self._queries[number].match_unit(ready)
        else:
            hit = self._by_parts(number, split, unit.text, ready)
        ev = None if hit is None else self._evidence(number, unit, hit.positions, hit.terms)
        if key is not None:
            if len(self._sentences) >= _SENTENCES:
                self._sentences.clear()
            self._sentences[key] = ev
        return ev

    def _by_parts(self, number: int, split: SplitQuery, text: str, ready: Unit) -> Hit | None:
        """Query ``number``'s hit on a sentence, its sentence part's found once per
        sentence text (``query.split``): a topic's stock sentences and wire copies come
        again and again (a poll of 12,000 realistic entries: a quarter of the sentence
        tests)."""
        if not split.item.test_unit(ready):
            return None
        key = (number, text)
        if key in self._sentence_hits:
            hit = self._sentence_hits[key]
        else:
            if len(self._sentence_hits) >= _SENTENCES:
                self._sentence_hits.clear()
            hit = self._sentence_hits[key] = split.sentence.match_unit(ready)
        return None if hit is None else split.hit(hit, ready)

    def _skip(self, item: Item, left: int, total: int, candidates: list[int]) -> None:
        ids = tuple(self.indicators[n].id for n in candidates)
        self.last_skipped = Skipped(item.id, left, total, ids)
        log.warning(
            "item %s: CPU budget of %gs spent; %d of %d sentences not evaluated for %s",
            item.id,
            self.budget,
            left,
            total,
            ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else ""),
        )

    def _whole_item(self, number: int, windows: _Windows) -> tuple[int, int, Evidence] | None:
        """Indicator ``number`` on two sentences at a time (``_Windows``), credited to the
        one that names its event, else the one holding more of its terms."""
        query = self._queries[number]
        found = next(
            ((pair, hit) for pair, ready in windows.pairs() if (hit := query.match_unit(ready))),
            None,
        )
        if found is None:
            return None
        pair, hit = found
        first = len(pair[0].tokens)
        counts = [sum(p < first for p in hit.positions), sum(p >= first for p in hit.positions)]
        # A sentence naming the indicator's event is where its modality is said.
        event, lex = self._event(number), self._lexicon_of(number)
        named = [
            bool(counts[i]) and event is not None and bool(find_triggers(u.tokens, event, lex))
            for i, u in enumerate(pair)
        ]
        best = max((0, 1), key=lambda i: (named[i], counts[i], not pair[i].is_title, -i))
        unit, offset = pair[best], (0, first)[best]
        anchors = [p - offset for p in hit.positions if 0 <= p - offset < len(unit.tokens)]
        ev = self._evidence(number, unit, anchors, hit.terms)
        return (_PRIORITY[ev.modality], unit.position, ev)

    def _lexicon_of(self, number: int) -> Lexicon:
        classes = self.indicators[number].event_classes
        if not classes:
            return self._lexicon
        if classes not in self._lexicons:  # one per watch list with its own classes
            self._lexicons[classes] = self._lexicon.with_classes({c.name: c for c in classes})
        return self._lexicons[classes]

    def _event(self, number: int) -> Event | None:
        if number not in self._event_cache:
            indicator = self.indicators[number]
            self._event_cache[number] = indicator.event or event_from_title(
                indicator.title, self._lexicon_of(number)
            )
        return self._event_cache[number]

    def _evidence(
        self, number: int, unit: _Unit, anchors: Sequence[int], terms: tuple[str, ...]
    ) -> Evidence:
        """The evidence of indicator ``number`` in ``unit``, judged on its event."""
        indicator = self.indicators[number]
        # ``judge`` is a pure function of the sentence, the anchors and the indicator: a
        # sentence that comes again is judged once, whatever its query reads (in a poll of
        # 12,000 entries of the realistic corpus, 30,001 judgements had 10,749 keys).
        key = (number, unit.text, unit.is_title, tuple(anchors))
        verdict = self._judged.get(key)
        if verdict is None:
            if len(self._judged) >= _SENTENCES:
                self._judged.clear()
            verdict = self._judged[key] = judge(
                unit.text,
                headline=unit.is_title,
                anchors=anchors,
                extra=indicator.cues,
                event=self._event(number),
                lex=self._lexicon_of(number),
            )
        return Evidence(
            indicator.id,
            verdict.modality,
            unit.text,
            terms,
            unit.is_title,
            verdict.trigger,
            verdict.cue,
            verdict.undone,
        )

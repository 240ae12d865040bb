"""Prototypes of the optimisations docs/benchmarks.md proposes, to size their gain.

``python -m bench.experiments [--quick]`` times the product's ``Matcher`` against a subclass
that only filters the candidates (``WholeItemFirstMatcher``) and checks that both produce the
same evidence, then times ``monitor.status.source_groups`` against an equivalent that
rejects hopeless pairs cheaply, and checks that both give the same groups. The subclass
leans on ``Matcher`` internals (``units``, ``_candidates``, ``_queries``): if those change,
this module needs a look (it fails loudly rather than measuring something else). Nothing
here is used by the product; it exists so that "expected gain" in the report is a
measurement, not a guess.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from bench.corpus import RuleGenerator, TextGenerator, feed_stories, make_vocabulary, stories
from bench.matching import indicators_of, items_of
from bench.polling import SEED_WATCHLIST
from indicators.loader import load_watchlist
from indicators.matcher import Matcher, _Unit
from indicators.model import Evidence, Indicator, Item, Modality
from indicators.query import CompiledQuery, compile_query
from indicators.query.ast import And, Near, Node, Not, children
from indicators.query.compiler import Unit
from indicators.query.index import index_keys
from indicators.similarity import SYNDICATED, K
from monitor.status import SYNDICATION_WINDOW, EvidenceFact, source_groups


def _has_not(node: Node) -> bool:
    return isinstance(node, Not) or any(_has_not(c) for c in children(node))


def whole_item_filter(query: CompiledQuery) -> CompiledQuery | None:
    """A query that must match the whole item for ``query`` to match any sentence of it:
    the query itself when it has no NOT, its AND without the top-level NOT children when
    those are its only negations (``(a OR b) (c OR d) -x -y``, the seed list's shape),
    else None (no cheap necessary condition)."""
    node = query.node
    if not _has_not(node):
        return query
    if isinstance(node, And):
        kept = tuple(c for c in node.children if not isinstance(c, Not))
        if kept and not any(_has_not(c) for c in kept):
            return compile_query(kept[0] if len(kept) == 1 else And(kept, node.column))
    return None


class WholeItemFirstMatcher(Matcher):
    """The product's ``Matcher`` with one change: each candidate from the term index is
    first evaluated once on the whole item, and dropped if it does not match there.

    A query without NOT that does not match the whole item matches none of its sentences
    (words, phrases, prefixes, NEAR, ``title:`` and ``item:`` are all monotone: a sentence's
    tokens are a contiguous run of the item's), and its whole-item fallback fails too; a
    query whose only NOTs are top-level ``-term`` is tested without them
    (``whole_item_filter``). So the evidence is the same by construction; only candidates
    that can match still pay for every sentence. Implemented by filtering ``_candidates``
    and reusing the product's ``match`` loop unchanged (``units`` is computed once).
    """

    def __init__(self, indicators: Sequence[Indicator]) -> None:
        super().__init__(indicators)
        self._filters = [whole_item_filter(q) for q in self._queries]
        self._last: tuple[Item, list[_Unit]] | None = None

    def units(self, item: Item) -> list[_Unit]:
        if self._last is not None and self._last[0] is item:
            return self._last[1]
        return super().units(item)

    def match(self, item: Item) -> list[Evidence]:
        self._last = (item, super().units(item))
        try:
            return super().match(item)
        finally:
            self._last = None

    def _candidates(self, words: Iterable[str]) -> list[int]:
        words = list(words)
        found = super()._candidates(words)
        units = self._last[1] if self._last else []
        title = units[0].tokens if units and units[0].is_title else ()
        whole = Unit(words, title, words)
        filters = self._filters
        return [n for n in found if (f := filters[n]) is None or f.match_unit(whole) is not None]


class AllClausesMatcher(WholeItemFirstMatcher):
    """``WholeItemFirstMatcher`` with a conjunctive term index: every required clause of a
    query (each child of a top-level AND or NEAR) is indexed under its own keys, and a
    query is a candidate only when *every* clause has a key in the item, instead of when
    the one clause picked by ``index_keys`` has. Same evidence by construction (a clause
    with no key present cannot be satisfied anywhere in the item); far fewer candidates
    when the picked clause holds a common word (a country, a big company)."""

    def __init__(self, indicators: Sequence[Indicator]) -> None:
        super().__init__(indicators)
        self._full: list[int] = []
        self._always_all: list[int] = []
        self._all_exact: dict[str, list[tuple[int, int]]] = {}
        self._all_prefix: dict[str, list[tuple[int, int]]] = {}
        for number, query in enumerate(self._queries):
            node = query.node
            clauses: tuple[Node, ...] = (
                node.children
                if isinstance(node, And)
                else (node.left, node.right)
                if isinstance(node, Near)
                else (node,)
            )
            keyed = [k for k in map(index_keys, clauses) if k is not None]
            if not keyed:
                self._always_all.append(number)
                self._full.append(0)
                continue
            self._full.append((1 << len(keyed)) - 1)
            for bit, keys in enumerate(keyed):
                for key in keys:
                    if key.endswith("*"):
                        self._all_prefix.setdefault(key[:-1], []).append((number, 1 << bit))
                    else:
                        self._all_exact.setdefault(key, []).append((number, 1 << bit))
        self._all_lengths = sorted({len(p) for p in self._all_prefix})

    def _candidates(self, words: Iterable[str]) -> list[int]:
        words = list(words)
        masks: dict[int, int] = {}
        exact, prefix, lengths = self._all_exact, self._all_prefix, self._all_lengths
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
        found = sorted([n for n, mask in masks.items() if mask == full[n]] + self._always_all)
        units = self._last[1] if self._last else []
        title = units[0].tokens if units and units[0].is_title else ()
        whole = Unit(words, title, words)
        filters = self._filters
        return [n for n in found if (f := filters[n]) is None or f.match_unit(whole) is not None]


def _time_matcher(matcher: Matcher, items: Sequence[Item]) -> tuple[float, list[list[Evidence]]]:
    start = time.perf_counter()
    out = [matcher.match(item) for item in items]
    return time.perf_counter() - start, out


def _compare(indicators: Sequence[Indicator], items: Sequence[Item], label: str) -> None:
    row = [f"{label}:"]
    reference = None
    for cls in (Matcher, WholeItemFirstMatcher, AllClausesMatcher):
        matcher = cls(indicators)
        best, out = min((_time_matcher(matcher, items) for _ in range(3)), key=lambda r: r[0])
        if reference is None:
            reference = out
        same = "same evidence" if out == reference else "DIFFERENT EVIDENCE"
        row.append(f"{cls.__name__} {best / len(items) * 1000:.2f} s ({same})")
    print("  ".join(row), flush=True)


def seed_matching(feeds: int) -> None:
    """The seed watch list on the polling scenario's entries (60 per feed, 3% topical)."""
    gen = TextGenerator(make_vocabulary(), seed=21)
    items = [
        Item(id=s.guid, title=s.title, summary=s.summary_html, link=s.link)
        for n in range(feeds)
        for s in feed_stories(gen, n, 60)[1]
    ]
    indicators = list(load_watchlist(SEED_WATCHLIST).indicators)
    print(f"seed watch list on {len(items):,} feed entries; seconds per 1,000 entries (best of 3)")
    _compare(indicators, items, f"{len(indicators):>6} indicators")


def matching(entries: int, sizes: Sequence[int]) -> None:
    vocab = make_vocabulary()
    items = items_of(stories(entries, vocab=vocab, seed=11, topical_rate=0.0))
    all_rules = RuleGenerator(vocab).rules(max(sizes))
    print(f"matching {entries} entries; seconds per 1,000 entries (best of 3)")
    for size in sizes:
        _compare(indicators_of(all_rules[:size]), items, f"{size:>6,} indicators")


# --- syndication grouping ---------------------------------------------------------------------


def _facts(count: int, seed: int = 5) -> list[EvidenceFact]:
    """``count`` occurred facts within one syndication window, some of them copies."""
    rng = random.Random(seed)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    facts: list[EvidenceFact] = []
    for n in range(count):
        if facts and rng.random() < 0.2:  # a syndicated copy: most of an earlier sketch
            base = rng.choice(facts).sketch
            sketch = tuple(sorted(set(base[: K - 8]) | {rng.getrandbits(32) for _ in range(8)}))
        else:
            sketch = tuple(sorted(rng.getrandbits(32) for _ in range(K)))
        facts.append(
            EvidenceFact(
                id=n + 1,
                modality=Modality.OCCURRED,
                publisher=f"site{rng.randrange(count // 3 + 1)}.example",
                published_at=start + timedelta(minutes=rng.randrange(60 * 48)),
                sketch=sketch[:K],
            )
        )
    return facts


def fast_source_groups(
    evidence: Sequence[EvidenceFact], *, by_publisher: bool = True
) -> list[list[EvidenceFact]]:
    """``source_groups`` with each sketch turned into a set once per call, and pairs that
    cannot reach the threshold (too few shared hashes for any bottom-k union) rejected
    before the exact estimate: the same groups."""
    items = sorted(evidence, key=lambda e: (e.published_at, e.modality.value, e.sentence, e.id))
    parent = list(range(len(items)))
    sets = [frozenset(e.sketch) for e in items]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    first: dict[str, int] = {}
    for i, ev in enumerate(items):
        if by_publisher and ev.publisher:
            if ev.publisher in first:
                union(i, first[ev.publisher])
            else:
                first[ev.publisher] = i
    for i, a in enumerate(items):
        sa = sets[i]
        for j in range(i + 1, len(items)):
            b = items[j]
            if b.published_at - a.published_at > SYNDICATION_WINDOW:
                break
            if not a.sketch or not b.sketch:
                continue
            sb = sets[j]
            both = sa & sb
            # resemblance <= |A & B| / min(K, |A | B|): most pairs share no hash at all.
            if len(both) < SYNDICATED * min(K, len(sa) + len(sb) - len(both)):
                continue
            union_k = sorted(sa | sb)[:K]
            if sum(1 for h in union_k if h in both) / len(union_k) >= SYNDICATED:
                union(i, j)
    groups: dict[int, list[EvidenceFact]] = {}
    for i, ev in enumerate(items):
        groups.setdefault(find(i), []).append(ev)
    return [groups[root] for root in sorted(groups)]


def grouping(sizes: Sequence[int]) -> None:
    print("source_groups over n occurred facts within one 3-day window (best of 3)")
    for n in sizes:
        facts = _facts(n)
        timings = []
        outputs = []
        for fn in (source_groups, fast_source_groups):
            best = float("inf")
            out = None
            for _ in range(3):
                start = time.perf_counter()
                out = fn(facts)
                best = min(best, time.perf_counter() - start)
            timings.append(best)
            outputs.append([[f.id for f in g] for g in out or []])
        same = "same groups" if outputs[0] == outputs[1] else "DIFFERENT GROUPS"
        print(
            f"  n={n:>5}: source_groups {timings[0] * 1000:8.1f} ms, "
            f"prepared sets {timings[1] * 1000:8.1f} ms ({same})",
            flush=True,
        )


def main() -> int:
    quick = "--quick" in sys.argv
    matching(100 if quick else 500, (10, 1_000) if quick else (10, 1_000, 10_000))
    seed_matching(10 if quick else 40)
    grouping((100, 300) if quick else (100, 300, 1_000))
    return 0


if __name__ == "__main__":
    sys.exit(main())

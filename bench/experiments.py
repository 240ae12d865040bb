"""Prototypes of the optimisations docs/benchmarks.md proposes, to size their gain.

``python -m bench.experiments`` times the product's ``Matcher`` against two subclasses that
change only how candidates are evaluated, checks that all three produce the same evidence,
and times ``monitor.status.source_groups`` against an equivalent that prepares each sketch
once. Nothing here is used by the product; it exists so that "expected gain" in the report
is a measurement, not a guess.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bench.corpus import RuleGenerator, make_vocabulary, stories
from bench.matching import indicators_of, items_of
from indicators.matcher import _PRIORITY, Matcher, _Unit
from indicators.modality import decide_modality
from indicators.model import Evidence, Item, Modality
from indicators.query.ast import Node, Not, children
from indicators.query.compiler import Unit
from indicators.similarity import SYNDICATED, K
from monitor.status import SYNDICATION_WINDOW, EvidenceFact, source_groups


def _has_not(node: Node) -> bool:
    return isinstance(node, Not) or any(_has_not(c) for c in children(node))


class SharedUnitMatcher(Matcher):
    """One ``Unit`` per sentence, shared by every candidate (``match_unit``), instead of a
    new one per candidate and sentence (``CompiledQuery.match`` builds one on each call).
    ``_evidence_for`` is the product's, with only that call changed."""

    _prepared: list[Unit]

    def match(self, item: Item) -> list[Evidence]:
        units = self.units(item)
        if not units:
            return []
        title_tokens = units[0].tokens if units[0].is_title else ()
        self._prepared = [Unit(u.tokens, title_tokens) for u in units]
        evidence: list[Evidence] = []
        for number in self._candidates([w for unit in units for w in unit.tokens]):
            evidence.extend(self._evidence_for(number, units, title_tokens))
        return evidence

    def _evidence_for(
        self, number: int, units: list[_Unit], title_tokens: Sequence[str]
    ) -> list[Evidence]:
        indicator, query = self.indicators[number], self._queries[number]
        found: list[tuple[int, int, Evidence]] = []
        for unit, prepared in zip(units, self._prepared, strict=True):
            hit = query.match_unit(prepared)
            if hit is None:
                continue
            modality = decide_modality(
                unit.text, headline=unit.is_title, anchors=hit.positions, extra=indicator.cues
            )
            ev = Evidence(indicator.id, modality, unit.text, hit.terms, unit.is_title)
            found.append((_PRIORITY[modality], unit.position, ev))
        if not found and len(units) > 1:
            whole = self._whole_item(indicator, query, units, title_tokens)
            if whole is not None:
                found.append(whole)
        return [ev for _, _, ev in sorted(found, key=lambda f: (f[0], f[1]))]


class WholeItemFirstMatcher(SharedUnitMatcher):
    """Evaluate each candidate once on the whole item first; a query without NOT that does
    not match the whole item matches none of its sentences (words, phrases, prefixes, NEAR
    and ``title:`` are all monotone), so the per-sentence loop is skipped for it. The output
    is the same by construction; only candidates that can match pay per sentence. Built on
    ``SharedUnitMatcher``: the two changes together."""

    def __init__(self, indicators: Sequence[object]) -> None:
        super().__init__(indicators)  # type: ignore[arg-type]
        self._monotone = [not _has_not(q.node) for q in self._queries]

    def match(self, item: Item) -> list[Evidence]:
        units = self.units(item)
        if not units:
            return []
        title_tokens = units[0].tokens if units[0].is_title else ()
        self._prepared = [Unit(u.tokens, title_tokens) for u in units]
        whole = Unit([w for unit in units for w in unit.tokens], title_tokens)
        evidence: list[Evidence] = []
        for number in self._candidates(whole.tokens):
            if self._monotone[number] and not self._queries[number]._code.test(whole):
                continue
            evidence.extend(self._evidence_for(number, units, title_tokens))
        return evidence


def _time_matcher(matcher: Matcher, items: Sequence[Item]) -> tuple[float, list[list[Evidence]]]:
    start = time.perf_counter()
    out = [matcher.match(item) for item in items]
    return time.perf_counter() - start, out


def matching(entries: int, sizes: Sequence[int]) -> None:
    vocab = make_vocabulary()
    items = items_of(stories(entries, vocab=vocab, seed=11, topical_rate=0.0))
    all_rules = RuleGenerator(vocab).rules(max(sizes))
    print(f"matching {entries} entries; seconds per 1,000 entries (best of 3)")
    for size in sizes:
        indicators = indicators_of(all_rules[:size])
        row = [f"{size:>6,} indicators:"]
        reference = None
        for cls in (Matcher, SharedUnitMatcher, WholeItemFirstMatcher):
            matcher = cls(indicators)
            best, out = min((_time_matcher(matcher, items) for _ in range(3)), key=lambda r: r[0])
            if reference is None:
                reference = out
            same = "same evidence" if out == reference else "DIFFERENT EVIDENCE"
            row.append(f"{cls.__name__} {best / entries * 1000:.2f} s ({same})")
        print("  ".join(row), flush=True)


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
    matching(100 if quick else 500, (100, 1_000) if quick else (1_000, 10_000))
    grouping((100, 300) if quick else (100, 300, 1_000))
    return 0


if __name__ == "__main__":
    sys.exit(main())

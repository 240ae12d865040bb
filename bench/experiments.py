"""Prototypes of the optimisations docs/benchmarks.md proposes, to size their gain.

``python -m bench.experiments [--quick]`` times ``monitor.status.source_groups`` against an
equivalent that rejects hopeless pairs cheaply, and checks that both give the same groups.
(The matcher prototypes that lived here — a conjunctive term index and a whole-item
filter — are now in ``indicators/matcher.py``.) Nothing here is used by the product; it
exists so that "expected gain" in the report is a measurement, not a guess.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from indicators.model import Modality
from indicators.similarity import SYNDICATED, K
from monitor.status import SYNDICATION_WINDOW, EvidenceFact, source_groups

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
    grouping((100, 300) if quick else (100, 300, 1_000))
    return 0


if __name__ == "__main__":
    sys.exit(main())

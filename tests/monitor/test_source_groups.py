"""``status.source_groups`` finds its pairs through a band index (issue 15): the groups
must be those of comparing every pair inside the window, as it did before."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from indicators.model import Modality
from indicators.similarity import bands, may_be_syndicated, share_band, syndicated
from monitor.model import entry_sketch
from monitor.status import SYNDICATION_WINDOW, EvidenceFact, order_key, source_groups

START = datetime(2025, 11, 1, tzinfo=UTC)
WORDS = [
    "india",
    "russia",
    "crude",
    "oil",
    "rupee",
    "rouble",
    "settlement",
    "signed",
    "contract",
    "delivered",
    "squadron",
    "officials",
    "said",
    "talks",
    "freight",
    "costs",
    "insurance",
    "hurdle",
    "summit",
    "leaders",
    "statement",
    "corridor",
    "shipping",
    "moscow",
    "delhi",
    "refiners",
    "barrels",
    "payments",
    "banks",
    "vostro",
    "accounts",
    "week",
    "month",
]


def pairwise(facts: list[EvidenceFact], by_publisher: bool) -> list[list[EvidenceFact]]:
    """The definition: every pair inside the window, in ``order_key`` order."""
    items = sorted(facts, key=order_key)
    group = list(range(len(items)))

    def find(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = find(i), find(j)
        group[max(a, b)] = min(a, b)

    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            b = items[j]
            if by_publisher and a.publisher and a.publisher == b.publisher:
                join(i, j)
            if b.published_at - a.published_at > SYNDICATION_WINDOW:
                continue
            if (
                may_be_syndicated(frozenset(a.sketch), frozenset(b.sketch))
                and share_band(bands(a.sketch), bands(b.sketch))
                and syndicated(a.sketch, b.sketch)
            ):
                join(i, j)
    groups: dict[int, list[EvidenceFact]] = {}
    for i, ev in enumerate(items):
        groups.setdefault(find(i), []).append(ev)
    return [groups[root] for root in sorted(groups)]


def _facts(seed: int, count: int) -> list[EvidenceFact]:
    """Stories from a small vocabulary (unrelated ones share bands), a third of them
    edited copies of an earlier one, over about three windows; some pieces share an
    entry's sketch, some have none."""
    rng = random.Random(seed)
    texts: list[str] = []
    facts = []
    for n in range(count):
        if texts and rng.random() < 0.35:
            words = rng.choice(texts[-12:]).split()
            cut = rng.randrange(len(words))
            text = " ".join(words[:cut] + rng.sample(WORDS, 2) + words[cut + 1 :])
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        texts.append(text)
        sk = entry_sketch("", text) if rng.random() > 0.03 else ()
        when = START + timedelta(hours=rng.uniform(0, 24 * 9))
        for position in range(rng.choice((1, 1, 2))):
            facts.append(
                EvidenceFact(
                    id=len(facts) + 1,
                    modality=Modality.OCCURRED,
                    publisher=rng.choice((None, *(f"p{k}.example" for k in range(8)))),
                    published_at=when,
                    sketch=sk,
                    sentence=f"{n}-{position}",
                    bands=bands(sk) if rng.random() < 0.5 else None,  # given, or computed
                )
            )
    return facts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("by_publisher", [True, False])
def test_band_index_groups_equal_every_pair_compared(seed: int, by_publisher: bool) -> None:
    facts = _facts(seed, 160)
    expected = pairwise(facts, by_publisher)
    got = source_groups(facts, by_publisher=by_publisher)
    assert got == expected
    assert len(expected) < len(facts)  # copies were found
    assert any(len(g) > 1 for g in pairwise(facts, False))


def test_given_bands_are_not_part_of_a_fact() -> None:
    fact = _facts(0, 1)[0]
    assert fact == EvidenceFact(**{**fact.__dict__, "bands": None})
    assert "bands" not in repr(fact)

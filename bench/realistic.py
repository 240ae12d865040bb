"""A corpus that looks like the job: entries that are mostly evidence for the seed list.

``bench/corpus.py`` writes general news where 3 % of entries touch the seed watch list's
subject. A watch list is for a busy topic, and its feeds carry it: here most entries are
short India–Russia stories (a headline and three to five sentences, 60–110 words) written
from templates in the style of the seed topic (crude purchases, S-400 deliveries, rupee
settlement, labour mobility, corridors, the summit statement …), with the modality cues
news uses (signed, will sign, postponed, fell through), and about a fifth are wire
copies of a recent story, lightly edited, as syndication spreads them. The sentences are
our own; none come from the labelled real news.

With ``realnews=True`` (``--realnews``) the generator also draws whole sentences from
``../shared/realnews`` when it is present, read at run time and never stored here.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.corpus import FEEDS_END, Story

REALNEWS = Path(__file__).resolve().parents[2] / "shared" / "realnews"

INDIA = ["India", "New Delhi", "Indian Oil", "Reliance", "Nayara", "HAL", "ONGC", "Tata", "NPCIL"]
RUSSIA = ["Russia", "Moscow", "Rosneft", "Rosatom", "Gazprom", "Sberbank", "Rostec", "the Kremlin"]
PLACES = [
    "Chennai",
    "Mumbai",
    "Vladivostok",
    "Jamnagar",
    "Kudankulam",
    "Gujarat",
    "Murmansk",
    "Kochi",
    "Kolkata",
    "Sochi",
    "Kazan",
    "St Petersburg",
    "Pune",
    "Hyderabad",
    "Vadinar",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "October"]
# (cue, modality) pairs that the seed list's modality rules read, in the topic's wording.
DONE = ["signed", "concluded", "finalised", "sealed", "completed", "agreed"]
COMING = ["is expected to sign", "will sign", "plans to conclude", "is set to finalise"]
FAILED = ["postponed", "shelved", "failed to agree on", "put on hold"]

# One template per seed indicator (or two); {i}/{r} are an Indian and a Russian actor.
TEMPLATES = [
    "{i} {done} a {n}-year contract with {r} for crude oil supplies of {k} barrels a day",
    "{i} {coming} a deal with {r} for LNG cargoes from the Arctic LNG project",
    "Imports of Russian crude by {i} refiners fell to {k} barrels a day in {m}",
    "{r} delivered the {ord} squadron of S-400 air defence systems to India in {m}",
    "{r} {coming} a contract for spare parts and maintenance of Su-30MKI fighters with {i}",
    "India and Russia {done} an agreement on labour mobility for skilled Indian workers",
    "{r} and {i} {done} a rupee-rouble settlement mechanism for trade payments",
    "Payments for Russian oil in rupees piled up in vostro accounts of {i} banks",
    "India and Russia {done} a roadmap for high-technology exports and dual use goods",
    "The leaders {done} a joint statement at the India-Russia summit in {p}",
    "{r} {coming} the Chennai-Vladivostok maritime corridor shipping service with {i}",
    "India and Russia {failed} the INSTC corridor freight agreement in {m}",
    "{r} will commission units 3 and 4 of the Kudankulam nuclear plant by {y} with NPCIL",
    "{i} {done} a fertiliser joint venture with Russian firm Uralchem to build a urea plant",
    "{i} {failed} a memorandum with {r} on civil aircraft components manufacturing",
]
# Background sentences, put together from parts so that stories do not share them whole.
SPEAKERS = [
    "Officials",
    "A senior official",
    "Analysts in {p}",
    "People familiar with the talks",
    "The ministry",
    "Traders in {p}",
    "Executives at {i}",
    "A spokesperson for {r}",
    "Diplomats",
    "Industry groups",
    "Economists",
    "Bankers in {p}",
]
VERBS = ["said", "told reporters", "noted", "added", "cautioned", "argued", "estimated"]
CLAIMS = [
    "the terms were still being discussed",
    "the move reflects growing two-way trade",
    "volumes could rise by {k2} percent next year",
    "freight costs had climbed since {m}",
    "sanctions complicated every step of the process",
    "insurance remained the main hurdle",
    "the talks had been going on for {n} months",
    "prices were near their lowest since {m}",
    "a second round of meetings was planned for {m}",
    "demand in {p} remained strong",
    "the decision surprised many in the market",
    "payment delays had eased somewhat",
    "shipments through {p} had doubled",
    "no date had been fixed for the next step",
]
WHEN = [
    "on {d}",
    "last week",
    "earlier this month",
    "in a statement on {d}",
    "in {m}",
    "this year",
    "at a briefing in {p}",
    "after the meeting",
    "late on {d}",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@dataclass
class _Recent:
    title: str
    sentences: list[str]


class RealisticText:
    """Short India–Russia stories, most of them evidence for the seed watch list."""

    def __init__(self, seed: int = 7, realnews: bool = False) -> None:
        self.rng = random.Random(seed)
        self.recent: list[_Recent] = []
        self.real = _real_sentences() if realnews else []

    def _fill(self, template: str) -> str:
        rng = self.rng
        return template.format(
            i=rng.choice(INDIA),
            r=rng.choice(RUSSIA),
            p=rng.choice(PLACES),
            m=rng.choice(MONTHS),
            d=rng.choice(DAYS),
            y=rng.choice(["2026", "2027", "2028"]),
            n=rng.randint(2, 15),
            k=f"{rng.randint(50, 900)},000",
            k2=rng.randint(2, 70),
            ord=rng.choice(["fourth", "fifth", "last"]),
            done=rng.choice(DONE),
            coming=rng.choice(COMING),
            failed=rng.choice(FAILED),
        )

    def _background(self) -> str:
        rng = self.rng
        parts = (rng.choice(SPEAKERS), rng.choice(VERBS), rng.choice(CLAIMS), rng.choice(WHEN))
        return self._fill(" ".join(parts)) + "."

    def _sentence(self) -> str:
        if self.real and self.rng.random() < 0.5:
            return self.rng.choice(self.real)
        return self._fill(self.rng.choice(TEMPLATES)) + "."

    def _fresh(self) -> _Recent:
        rng = self.rng
        lead = self._sentence()
        body = [self._sentence() if rng.random() < 0.25 else self._background()]
        body += [self._background() for _ in range(rng.randint(1, 3))]
        title = lead.rstrip(".").split(",")[0][:90]
        return _Recent(title, [lead, *body])

    def _copy(self, of: _Recent) -> _Recent:
        """A wire copy: a dateline, a credit, or a trimmed or added sentence."""
        rng = self.rng
        sentences = list(of.sentences)
        edit = rng.randrange(3)
        if edit == 0:
            sentences[0] = f"{rng.choice(PLACES).upper()} - {sentences[0]}"
        elif edit == 1 and len(sentences) > 2:
            sentences.pop()
        else:
            sentences.append(self._background())
        return _Recent(of.title, sentences)

    def story(self, number: int, when: datetime, site: str) -> Story:
        rng = self.rng
        if self.recent and rng.random() < 0.2:
            text = self._copy(rng.choice(self.recent))
        else:
            text = self._fresh()
            self.recent = [*self.recent[-40:], text]
        return Story(
            guid=f"{site}-{number:08d}",
            title=text.title,
            summary_html="<p>" + " ".join(text.sentences) + "</p>",
            link=f"https://{site}/news/{number:08d}",
            published=when,
            author="Staff",
        )


def _real_sentences() -> list[str]:
    """Sentences of the labelled real news, read at run time when it is present."""
    out: list[str] = []
    for path in sorted(REALNEWS.glob("*/items.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            text = f"{item.get('title', '')}. {item.get('summary', '')}"
            out += [s for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s) <= 300]
    return out


def realistic_feed_stories(
    gen: RealisticText, feed: int, per_feed: int, *, end: datetime = FEEDS_END
) -> tuple[str, list[Story]]:
    """Feed number ``feed`` of the realistic corpus: its site and entries, newest first.

    Feeds publish every 20 minutes to 8 hours, so the stored history spans days to weeks
    and syndicated copies fall inside and outside the window.
    """
    site = f"desk{feed:04d}.example"
    spacing = timedelta(minutes=20 * (1 + feed % 24))
    newest = end - timedelta(minutes=29 * (feed % 13))
    items = [gen.story(feed * per_feed + i, newest - spacing * i, site) for i in range(per_feed)]
    return site, items

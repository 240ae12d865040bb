"""Generated data: vocabulary, news-like entries, watch-list-like queries, feed documents.

Everything is deterministic for a given seed. The text is built from three word pools:

* ``FILLER``: common English words, Zipf-distributed: most of every sentence;
* actors: synthetic proper names (and fixed two-word names), Zipf-distributed, a few per
  sentence, the way countries, companies and people run through news copy;
* concepts: synthetic stems written with English-like endings (``-s``, ``-ed``, ``-ing``,
  ``-ment``), so that a prefix query (``stem*``) has inflections to find.

Queries are shaped like the seed watch list (seeds/watchlists/india-russia-2025.yaml): two
actor groups AND one or two concept groups, each an OR of words, phrases and prefixes, and
sometimes a few negated terms. Their terms come from the same pools, so a rule can match,
but each rule needs several rare words together: most rules occur in no given entry.

``topical`` entries additionally mention the seed watch list's vocabulary (India, Russia,
oil, payments, agreements …) with modality cues, so the seed rules find evidence in the
polling and replay scenarios.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape


def _words(text: str) -> list[str]:
    return text.split()


FILLER = _words("""the of and to in a is that for on with as was by at from it an be has are have
said will its which not but after this were their also been more than one over who they into
would about up two new year last other first out some could had when there all three percent
government told people country week month officials including while since between under now
per during against before both market since most years made many because being where did
such end back just only may through expected much next second time still group state former
well any around however way work include because well part public statement economic support
second growth plan issue long national minister local four five city report high world early
past recent several major financial region security companies policy across further large
industry own official five talks spokesman according political president comments meeting
billion million data shares prices rate analysts trade investors quarter sales higher lower
global said percent chief executive annual among without despite board services system near
level figure house press areas sources while close remained further day monday tuesday
wednesday thursday friday week weekend morning evening earlier later today yesterday number
use little least even very often again already another each every few less little lot most
must never nothing several since something sometimes soon though through thus together too
toward until upon usually whether whose within""")

_CONSONANTS = "bcdfghklmnprstvz"
_VOWELS = "aeiou"
_ENDINGS = ("", "", "", "s", "ed", "ing", "ment", "er")

# The seed watch list's world, for topical entries (polling, replay, memory).
TOPIC_ACTORS = _words("""india indian delhi mumbai gujarat russia russian moscow rosatom rostec
vladivostok modi putin ongc rosneft sberbank rbi""")
TOPIC_CONCEPTS = _words("""agreement deal pact contract partnership oil crude lng refinery payments
rupee rouble settlement banking corridor shipping defence missile frigate deliveries spares
labour mobility workers summit declaration roadmap technology fertiliser plant reactor
project""")
TOPIC_CUES = (
    "signed",
    "is expected to sign",
    "announced",
    "plans to launch",
    "postponed",
    "agreed on",
    "will discuss",
    "completed",
    "denied reports of",
)


def _zipf_cumulative(n: int, exponent: float) -> list[float]:
    weights = [1.0 / (rank**exponent) for rank in range(1, n + 1)]
    return list(itertools.accumulate(weights))


class _Zipf:
    """Draw items with probability proportional to 1 / rank**exponent."""

    def __init__(self, items: Sequence[str], exponent: float) -> None:
        self.items = list(items)
        self.cumulative = _zipf_cumulative(len(self.items), exponent)
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_left(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True)
class Vocabulary:
    actors: tuple[str, ...]
    actor_phrases: tuple[str, ...]
    concepts: tuple[str, ...]
    concept_phrases: tuple[str, ...]


def _pseudo_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        syllables = rng.randint(2, 4)
        word = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables))
        if rng.random() < 0.5:
            word += rng.choice(_CONSONANTS)
        if word in taken or len(word) < 5:
            continue
        taken.add(word)
        out.append(word)
    return out


def make_vocabulary(seed: int = 1, actors: int = 4000, concepts: int = 6000) -> Vocabulary:
    rng = random.Random(seed)
    taken = set(FILLER) | set(TOPIC_ACTORS) | set(TOPIC_CONCEPTS)
    actor_words = _pseudo_words(rng, actors, taken)
    concept_words = _pseudo_words(rng, concepts, taken)
    actor_phrases = [f"{rng.choice(actor_words)} {rng.choice(actor_words)}" for _ in range(400)]
    concept_phrases = [
        f"{rng.choice(concept_words)} {rng.choice(concept_words)}" for _ in range(800)
    ]
    return Vocabulary(
        tuple(actor_words), tuple(actor_phrases), tuple(concept_words), tuple(concept_phrases)
    )


# --- entries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    guid: str
    title: str
    summary_html: str
    link: str
    published: datetime
    author: str


class TextGenerator:
    """News-like sentences over a vocabulary (see the module docstring)."""

    def __init__(self, vocab: Vocabulary, seed: int = 2) -> None:
        self.vocab = vocab
        self.rng = random.Random(seed)
        self.filler = _Zipf(FILLER, 1.0)
        self.actors = _Zipf(vocab.actors, 1.0)
        self.concepts = _Zipf(vocab.concepts, 0.9)
        self.actor_phrases = _Zipf(vocab.actor_phrases, 1.0)
        self.concept_phrases = _Zipf(vocab.concept_phrases, 1.0)

    def _actor(self) -> str:
        rng = self.rng
        name = (
            self.actor_phrases.draw(rng) if rng.random() < 0.15 else self.actors.draw(rng)
        ).title()
        return name + ("'s" if rng.random() < 0.1 else "")

    def _concept(self) -> str:
        rng = self.rng
        if rng.random() < 0.1:
            return self.concept_phrases.draw(rng)
        return self.concepts.draw(rng) + rng.choice(_ENDINGS)

    def sentence(self, words: int, topical: bool = False) -> str:
        rng = self.rng
        out = [self.filler.draw(rng) for _ in range(words)]
        slots = rng.sample(range(words), k=min(words, 5))
        out[slots[0]] = self._actor()
        out[slots[1]] = self._concept()
        if rng.random() < 0.6:
            out[slots[2]] = self._actor()
        if rng.random() < 0.6:
            out[slots[3]] = self._concept()
        if topical:
            out[slots[4]] = " ".join(
                (
                    rng.choice(TOPIC_ACTORS).title(),
                    rng.choice(TOPIC_CUES),
                    rng.choice(TOPIC_CONCEPTS),
                    "with",
                    rng.choice(TOPIC_ACTORS).title(),
                )
            )
        if rng.random() < 0.15:
            at = rng.randrange(1, words)
            out[at - 1] += ","
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def story(self, number: int, when: datetime, site: str, topical_rate: float = 0.1) -> Story:
        """One entry of about 2 KB in a feed: a headline and three or four HTML paragraphs."""
        rng = self.rng
        topical = rng.random() < topical_rate
        title = self.sentence(rng.randint(7, 12), topical=topical).rstrip(".")
        paragraphs = []
        for _ in range(4):
            sentences = [
                self.sentence(rng.randint(15, 26), topical=topical and rng.random() < 0.3)
                for _ in range(rng.randint(3, 4))
            ]
            paragraphs.append("<p>" + " ".join(sentences) + "</p>")
        return Story(
            guid=f"{site}-{number:08d}",
            title=title,
            summary_html="".join(paragraphs),
            link=f"https://{site}/news/{number:08d}",
            published=when,
            author=self.actors.draw(rng).title(),
        )


def stories(
    count: int,
    *,
    vocab: Vocabulary,
    seed: int = 3,
    site: str = "wire.example",
    topical_rate: float = 0.1,
    start: datetime = datetime(2025, 11, 1, tzinfo=UTC),
) -> list[Story]:
    gen = TextGenerator(vocab, seed)
    return [
        gen.story(n, start + timedelta(minutes=7 * n), site, topical_rate) for n in range(count)
    ]


# The share of entries that are about the seed watch list's subject (India–Russia): the
# rest is the general news a feed list carries (a busy topic in a broad feed list).
TOPICAL_RATE = 0.03
FEEDS_END = datetime(2025, 12, 1, tzinfo=UTC)


def feed_stories(
    gen: TextGenerator, feed: int, per_feed: int, *, topical_rate: float = TOPICAL_RATE
) -> tuple[str, list[Story]]:
    """The site and the ``per_feed`` entries of feed number ``feed``, newest first.

    Feeds publish at different paces (one entry every 10 minutes to every 8 hours, by feed
    number), so 60 entries span 10 hours to 20 days, ending within a few hours of
    ``FEEDS_END``.
    """
    site = f"outlet{feed:04d}.example"
    spacing = timedelta(minutes=10 * (1 + feed % 48))
    newest = FEEDS_END - timedelta(minutes=37 * (feed % 11))
    items = [
        gen.story(feed * per_feed + i, newest - spacing * i, site, topical_rate)
        for i in range(per_feed)
    ]
    return site, items


# --- queries -----------------------------------------------------------------------------------


Term = tuple[str, str]  # (kind, text): ("word", "x"), ("prefix", "stem"), ("phrase", "a b")


@dataclass(frozen=True)
class Rule:
    """A generated indicator: AND of OR-groups, minus some negated terms."""

    id: str
    groups: tuple[tuple[Term, ...], ...]
    negated: tuple[Term, ...]

    @property
    def query(self) -> str:
        def show(term: Term) -> str:
            kind, text = term
            if kind == "prefix":
                return text + "*"
            if kind == "phrase":
                return f'"{text}"'
            return text

        groups = " ".join("(" + " OR ".join(show(t) for t in group) + ")" for group in self.groups)
        nots = " ".join("-" + show(t) for t in self.negated)
        return f"{groups} {nots}".strip()


class RuleGenerator:
    """Watch-list-like queries over a vocabulary (see the module docstring)."""

    def __init__(self, vocab: Vocabulary, seed: int = 4) -> None:
        self.vocab = vocab
        self.rng = random.Random(seed)
        # Watch lists name what is in the news, but mostly not the most common names:
        # flatter than the text's distribution.
        self.actors = _Zipf(vocab.actors, 0.5)
        self.concepts = _Zipf(vocab.concepts, 0.5)

    def _actor_term(self) -> Term:
        rng = self.rng
        if rng.random() < 0.2:
            return ("phrase", rng.choice(self.vocab.actor_phrases))
        return ("word", self.actors.draw(rng))

    def _concept_term(self) -> Term:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return ("phrase", rng.choice(self.vocab.concept_phrases))
        if roll < 0.5:
            return ("prefix", self.concepts.draw(rng))
        return ("word", self.concepts.draw(rng) + rng.choice(("", "s", "ed")))

    def rule(self, number: int) -> Rule:
        rng = self.rng
        groups: list[tuple[Term, ...]] = []
        for _ in range(2):
            groups.append(tuple(self._actor_term() for _ in range(rng.randint(2, 7))))
        for _ in range(1 if rng.random() < 0.5 else 2):
            groups.append(tuple(self._concept_term() for _ in range(rng.randint(3, 10))))
        negated: tuple[Term, ...] = ()
        if rng.random() < 0.3:
            negated = tuple(
                self._concept_term() if rng.random() < 0.5 else self._actor_term()
                for _ in range(rng.randint(1, 4))
            )
        return Rule(f"rule-{number:05d}", tuple(groups), negated)

    def rules(self, count: int) -> list[Rule]:
        return [self.rule(n) for n in range(count)]


def watchlist_yaml(rules: Sequence[Rule], watchlist_id: str = "bench") -> str:
    """A watch-list file for ``watchlist match`` / ``watchlists load``."""
    lines = [f"id: {watchlist_id}", "title: Generated benchmark watch list", "indicators:"]
    for rule in rules:
        query = rule.query.replace("'", "''")
        lines += [
            f"  - id: {rule.id}",
            f"    title: Generated indicator {rule.id}",
            f"    query: '{query}'",
        ]
    return "\n".join(lines) + "\n"


# --- feed documents ----------------------------------------------------------------------------


def rss_document(title: str, site: str, items: Sequence[Story]) -> bytes:
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'><channel>"
        f"<title>{escape(title)}</title><link>https://{site}/</link>"
        f"<description>Generated feed {escape(title)}</description><language>en</language>"
    ]
    for s in items:
        parts.append(
            f"<item><title>{escape(s.title)}</title><link>{escape(s.link)}</link>"
            f"<guid isPermaLink='false'>{escape(s.guid)}</guid>"
            f"<pubDate>{format_datetime(s.published)}</pubDate>"
            f"<dc:creator>{escape(s.author)}</dc:creator><category>World</category>"
            f"<description>{escape(s.summary_html)}</description></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode("utf-8")


def atom_document(title: str, site: str, items: Sequence[Story]) -> bytes:
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>{escape(title)}</title><id>tag:{site},2025:feed</id>"
        f"<link rel='alternate' href='https://{site}/'/>"
        f"<updated>{items[0].published.isoformat() if items else '2025-01-01T00:00:00+00:00'}"
        "</updated>"
    ]
    for s in items:
        stamp = s.published.isoformat()
        parts.append(
            f"<entry><title>{escape(s.title)}</title>"
            f"<link rel='alternate' href='{escape(s.link)}'/><id>{escape(s.guid)}</id>"
            f"<published>{stamp}</published><updated>{stamp}</updated>"
            f"<author><name>{escape(s.author)}</name></author>"
            f"<summary type='html'>{escape(s.summary_html)}</summary></entry>"
        )
    parts.append("</feed>\n")
    return "".join(parts).encode("utf-8")


def feed_document(number: int, site: str, items: Sequence[Story]) -> bytes:
    """Every fourth feed is Atom 1.0, the others RSS 2.0."""
    title = f"Generated feed {number}"
    if number % 4 == 3:
        return atom_document(title, site, items)
    return rss_document(title, site, items)

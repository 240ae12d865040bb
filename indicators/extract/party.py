"""The party a list is about: "Vantage Metals has committed to the following;".

A list of commitments, pledges or undertakings is one party's promises, and news about any
of them names that party ("Vantage to keep Mopani jobs"), not always the country the
article is about. When the lead-in's subject is a name that is not already an actor (a
company, an agency, a person), the list's drafts require it in the news item instead of the
topic actors: in full, by its acronym in the article, and by its first word when that word
is a rare one ("Vantage"), as news shortens names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from indicators.extract.actions import lemmas
from indicators.extract.thesaurus import QTerm, Thesaurus, count_actors
from indicators.extract.wordlists import CONNECTORS, STOP
from indicators.text import tokenize

_NAME = r"[A-Z][\w&'’.-]*"
_PROMISED = re.compile(
    rf"(?:^|[,;:]\s+|\b(?:that|and)\s+)(?:[Tt]he\s+)?(?P<name>{_NAME}(?:\s+(?:of\s+|&\s+)?{_NAME}){{0,4}})"
    r"\s+(?:has|have|had)\s+(?:also\s+)?(?:committed|pledged|promised|undertaken|agreed|vowed)\b"
)


def committed_party(
    lead_in: str,
    thesaurus: Thesaurus,
    acronyms: Mapping[tuple[str, ...], tuple[str, ...]] | None = None,
) -> tuple[str, tuple[QTerm, ...]] | None:
    """The named subject of a commitments lead-in and the forms that name it (with its
    acronym where the article gives one: "Zambezi Basin Copper (ZBC)"), or None."""
    m = _PROMISED.search(lead_in)
    if m is None:
        return None
    words = tuple(tokenize(m.group("name")))
    if not words or count_actors(list(words), thesaurus):
        return None  # a country or bloc is a topic actor already
    if len(words) == 1 and lemmas(words[0]):
        return None  # "The Government", "The ministry": a dictionary word names no one
    forms = [QTerm(words)]
    titled = [k for k, w in enumerate(words) if w in _PERSON_TITLES]
    if titled and titled[-1] + 1 < len(words):
        name = words[titled[-1] + 1 :]
        forms.append(QTerm(name))  # "President Tshisekedi": Tshisekedi
        if len(name) > 1 and len(name[-1]) >= 4:
            forms.append(QTerm(name[-1:]))  # "Keir Starmer": Starmer
    elif len(words) > 1 and _distinctive(words[0]):
        forms.append(QTerm(words[:1]))
    short = (acronyms or {}).get(words)
    if short:
        forms.append(QTerm(short))
    return "-".join(words), tuple(forms)


# A title before a person's name: news names the person by the name alone.
_PERSON_TITLES = frozenset(
    [
        "president",
        "minister",
        "prime",
        "premier",
        "chancellor",
        "governor",
        "senator",
        "king",
        "queen",
        "prince",
        "sheikh",
        "chairman",
        "chairwoman",
        "chief",
        "director",
        "secretary",
        "general",
    ]
)
# Words that start an organisation's name but never stand for it alone ("National Grid").
_ORG_HEADS = frozenset(
    [
        "government",
        "ministry",
        "company",
        "group",
        "bank",
        "council",
        "authority",
        "commission",
        "union",
        "party",
        "state",
        "national",
        "federal",
        "republic",
        "central",
        "royal",
        "united",
        "international",
        "global",
    ]
)


def _distinctive(word: str) -> bool:
    """A first word news uses alone for the name: "Vantage", "Glencore"; not "First"."""
    if len(word) < 4 or word in STOP | CONNECTORS | _PERSON_TITLES | _ORG_HEADS:
        return False
    known = lemmas(word)
    return not known or (set(known) == {"NOUN"} and len(word) >= 6)


def with_party(thesaurus: Thesaurus, key: str, forms: tuple[QTerm, ...]) -> Thesaurus:
    """The thesaurus with the party as an actor (for this list's queries only)."""
    return replace(thesaurus, actors={**thesaurus.actors, key: forms})

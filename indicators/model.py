"""The values of the rule domain: watch lists, indicators, items and evidence.

All frozen dataclasses: they cross from ``indicators`` into ``monitor`` and back,
so nothing here may hold a library object.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from indicators.events import Event, EventClass


class Modality(StrEnum):
    """What a piece of evidence says about the event (docs/notes/modality.md)."""

    OCCURRED = "occurred"
    ANTICIPATED = "anticipated"
    NEGATED = "negated"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class CueLists:
    """Extra modality cues an indicator adds to the built-in lists (phrases, normalised)."""

    occurred: tuple[str, ...] = ()
    anticipated: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.occurred or self.anticipated or self.negated)


@dataclass(frozen=True)
class Example:
    """A short text and the modality an indicator should give it (None: no match at all)."""

    text: str
    expect: Modality | None
    line: int | None = None  # provenance in the watch-list file
    headline: bool = False  # read as a headline (its grammar differs: docs/notes/modality.md)


@dataclass(frozen=True)
class Indicator:
    """One thing to watch; ``version`` hashes the definition so evidence names its rule."""

    id: str
    title: str
    query: str
    watchlist_id: str = ""
    description: str = ""
    expected_by: date | None = None
    corroboration: int = 2
    severity: Severity = Severity.MEDIUM
    tags: tuple[str, ...] = ()
    cues: CueLists = field(default_factory=CueLists)
    line: int | None = None  # provenance in the watch-list file, for error messages
    # The watched event (indicators.events): given in the watch list's ``event:`` block, or
    # None to read it from the title when matching.
    event: Event | None = None
    event_classes: tuple[EventClass, ...] = ()  # the watch list's own (``events:``)
    # Texts the rule must get right (``watchlists test``); not part of ``version``: they
    # test the rule, they do not change what it matches.
    examples: tuple[Example, ...] = ()

    @property
    def version(self) -> str:
        definition: dict[str, object] = {
            "query": self.query,
            "expected_by": self.expected_by.isoformat() if self.expected_by else None,
            "corroboration": self.corroboration,
            "cues": [
                list(self.cues.occurred),
                list(self.cues.anticipated),
                list(self.cues.negated),
            ],
        }
        if self.event is not None:  # absent from older definitions: their versions hold
            definition["event"] = [
                list(self.event.actions),
                list(self.event.object),
                list(self.event.actors),
            ]
        if self.event_classes:
            definition["events"] = [repr(c) for c in self.event_classes]
        blob = json.dumps(definition, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class Watchlist:
    id: str
    title: str
    source: str = ""
    expected_by: date | None = None
    indicators: tuple[Indicator, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class Item:
    """A news item as the rule engine sees it: the text of one feed entry."""

    id: str
    title: str
    summary: str = ""
    link: str | None = None
    published: datetime | None = None
    source: str | None = None


@dataclass(frozen=True)
class Evidence:
    """One match of one indicator in one item: the sentence, the terms and the modality."""

    indicator_id: str
    modality: Modality
    sentence: str
    terms: tuple[str, ...]
    in_title: bool = False
    trigger: str = ""  # the words naming the event in the sentence ("" if it names none)
    cue: str = ""  # the cue (or fallback) that decided the modality
    undone: bool = False  # the sentence reports the event undone (cancelled, reimposed)

    def __reduce__(self) -> tuple[type[Evidence], tuple[object, ...]]:
        """Pickled as its fields, rebuilt by ``__init__``: the parse workers send every
        piece they find to the polling process. The default (an empty object, then a
        dict of field names) cost ~6 µs a piece each way, ~0.4 s of a poll of 30,000
        pieces, half of it on the thread that writes (issue 15); this is a third of it."""
        return (
            Evidence,
            (
                self.indicator_id,
                self.modality,
                self.sentence,
                self.terms,
                self.in_title,
                self.trigger,
                self.cue,
                self.undone,
            ),
        )

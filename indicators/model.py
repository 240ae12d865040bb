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


class Modality(StrEnum):
    """What a piece of evidence says about the event (DESIGN §6)."""

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

    @property
    def version(self) -> str:
        definition = {
            "query": self.query,
            "expected_by": self.expected_by.isoformat() if self.expected_by else None,
            "corroboration": self.corroboration,
            "cues": [
                list(self.cues.occurred),
                list(self.cues.anticipated),
                list(self.cues.negated),
            ],
        }
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

"""Small typed values passed between the feed stages; no library object leaves ``feeds``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from monitor.errors import FeedErrorKind


class FetchOutcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    UNCHANGED = "unchanged"  # 200 with a body whose hash equals the last one: no parse
    ERROR = "error"


@dataclass(frozen=True)
class FeedRequest:
    """What the fetcher needs to know about a feed: where, and the validators from last time."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch. ``body`` is set only when the outcome is OK."""

    outcome: FetchOutcome
    final_url: str
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    permanent_redirect: str | None = None  # new URL to store after a 301/308
    error_kind: FeedErrorKind | None = None
    error: str | None = None
    retry_after: timedelta | None = None
    duration: float = 0.0


@dataclass(frozen=True)
class ParsedEntry:
    """One entry of a parsed feed, with HTML already reduced to text."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    published: datetime | None  # UTC, naive-free (tz-aware)
    author: str | None = None
    source: str | None = None  # the entry's <source>: its URL, else its name
    publisher: str | None = None  # who published it (monitor.feeds.publisher decides)


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    link: str | None
    entries: tuple[ParsedEntry, ...]
    format: str  # e.g. "rss20", "atom10", "json1"
    truncated: bool = False  # more entries than the cap (parse.MAX_ENTRIES): the first kept

"""Values shared by the stages of ``monitor``: frozen dataclasses and enums, no I/O.

Storage hands these out (never ORM rows); the pipeline, alerts, reports and the CLI take
them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from indicators.similarity import sketch, sketch_words
from monitor.feeds.types import FeedRequest


class Cause(StrEnum):
    """Why a status was decided again (the status log's ``cause``)."""

    EVIDENCE = "evidence"  # a poll stored or changed evidence
    DEADLINE = "deadline"  # a deadline passed (every poll and the daemon check)
    ANALYST = "analyst"  # dismiss, restore, pin, unpin
    REPLAY = "replay"  # the rules were re-run over stored entries
    REMOVAL = "removal"  # a feed was removed: the evidence it gave no longer counts


def is_correction(cause: str) -> bool:
    """A change an analyst, a replay or a removal made corrects what was said before
    (issues 14 and 16)."""
    return cause in (Cause.ANALYST, Cause.REPLAY, Cause.REMOVAL)  # members equal their values


@dataclass(frozen=True)
class ChangeInfo:
    """A recorded status change, as alerts and reports need it."""

    id: int
    indicator_id: int
    indicator: str  # "watchlist/key"
    from_status: str
    to_status: str
    at: datetime
    reason: str
    cause: str
    evidence_ids: tuple[int, ...]

    @property
    def correction(self) -> bool:
        return is_correction(self.cause)


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the rest of the pipeline sees it."""

    id: int
    feed_id: int
    title: str
    summary: str
    link: str | None
    publisher: str | None
    published_at: datetime  # the entry's own time, or when we first saw it
    first_seen_at: datetime
    is_new: bool = False  # inserted by this poll: no evidence of its own yet


@dataclass(frozen=True)
class FeedJob:
    """A claimed feed: what the fetcher needs, plus the id to record the result against."""

    id: int
    request: FeedRequest
    site: str | None
    interval_seconds: int


def entry_sketch(title: str, summary: str, words: Sequence[str] | None = None) -> tuple[int, ...]:
    """An entry's near-duplicate sketch (syndication): one definition for the parse
    workers, storage and replay, so that a sketch means the same wherever it was made.
    ``words``, when known, are ``tokenize`` of the two joined by a line break
    (``Matcher.words_of``)."""
    if words is not None:
        return sketch_words(words)
    return sketch(f"{title}\n{summary}")

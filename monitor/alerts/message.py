"""What an alert says: ``Notice`` (one status change) and ``Message`` (what one send carries).

A notice is built once, when the change is recorded, and stored as the outbox row's JSON
payload, so delivery needs no joins and says what was true when the change happened. The
text in it is untrusted (it comes from feeds); each channel makes it safe for its medium
when it renders (``monitor.alerts.render``), never before: the payload keeps the facts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from monitor.model import is_correction

MessageKind = Literal["alert", "group", "digest", "test", "brief"]


@dataclass(frozen=True)
class EvidenceNote:
    """One piece of evidence behind a change: the sentence and where it was read."""

    sentence: str
    publisher: str | None = None
    title: str | None = None  # the entry's title
    link: str | None = None
    published: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "publisher": self.publisher,
            "title": self.title,
            "link": self.link,
            "published": _iso(self.published),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvidenceNote:
        return cls(
            sentence=str(data.get("sentence") or ""),
            publisher=_opt(data.get("publisher")),
            title=_opt(data.get("title")),
            link=_opt(data.get("link")),
            published=_when(data.get("published")),
        )


@dataclass(frozen=True)
class Notice:
    """One status change as every channel needs it (the outbox payload, typed)."""

    key: str  # the alert's idempotency key
    indicator: str  # "watchlist/key"
    title: str
    from_status: str
    to_status: str
    reason: str
    at: datetime
    cause: str = "evidence"
    watchlist: str = ""
    severity: str = "medium"
    tags: tuple[str, ...] = ()
    evidence: tuple[EvidenceNote, ...] = ()

    @property
    def correction(self) -> bool:
        """An analyst's or a replay's change: it corrects what an earlier alert said."""
        return is_correction(self.cause)

    def to_payload(self) -> dict[str, Any]:
        """The JSON stored on the outbox row (the key lives in its own column)."""
        return {
            "indicator": self.indicator,
            "title": self.title,
            "watchlist": self.watchlist,
            "severity": self.severity,
            "tags": list(self.tags),
            "from": self.from_status,
            "to": self.to_status,
            "reason": self.reason,
            "cause": self.cause,
            "correction": self.correction,
            "at": _iso(self.at),
            "evidence": [ev.to_json() for ev in self.evidence],
        }

    @classmethod
    def from_payload(cls, key: str, data: dict[str, Any]) -> Notice:
        return cls(
            key=key,
            indicator=str(data.get("indicator") or "?"),
            title=str(data.get("title") or ""),
            from_status=str(data.get("from") or "?"),
            to_status=str(data.get("to") or "?"),
            reason=str(data.get("reason") or ""),
            at=_when(data.get("at")) or datetime.fromtimestamp(0, UTC),
            cause=str(data.get("cause") or ""),
            watchlist=str(data.get("watchlist") or ""),
            severity=str(data.get("severity") or "medium"),
            tags=tuple(str(t) for t in data.get("tags") or ()),
            evidence=tuple(EvidenceNote.from_json(e) for e in data.get("evidence") or ()),
        )


@dataclass(frozen=True)
class Message:
    """What a channel sends in one go: one alert, a group, a digest, or a test.

    ``key`` is the idempotency key of the send (email Message-ID, ``Idempotency-Key``
    header): an alert's own key, or for several alerts a hash of their keys, so a resend of
    the same set carries the same key.
    """

    key: str
    kind: MessageKind
    notices: tuple[Notice, ...]
    period: str | None = None  # digest period, e.g. "hourly 2025-11-07 10:00 UTC"
    # A brief (kind "brief", no notices) is written whole by monitor.brief: its plain
    # text for every channel, its HTML for email; ``period`` is its title.
    text: str = ""
    html: str = ""

    @property
    def count(self) -> int:
        return len(self.notices)


def compose(channel: str, notices: Sequence[Notice], *, digest_key: str | None = None) -> Message:
    """The message for ``notices`` due together on ``channel`` (pure)."""
    ordered = tuple(sorted(notices, key=lambda n: (n.at, n.indicator, n.key)))
    if digest_key is not None:
        label = digest_label(digest_key)
        return Message(f"{channel}.digest.{group_hash(ordered)}", "digest", ordered, label)
    if len(ordered) == 1:
        return Message(ordered[0].key, "alert", ordered)
    return Message(f"{channel}.group.{group_hash(ordered)}", "group", ordered)


def group_hash(notices: Sequence[Notice]) -> str:
    keys = "\n".join(sorted(n.key for n in notices))
    return hashlib.sha256(keys.encode()).hexdigest()[:16]


def digest_label(digest_key: str) -> str:
    """``"hourly:2025-11-07T10"`` → ``"hourly digest 2025-11-07 10:00 UTC"``."""
    mode, _, start = digest_key.partition(":")
    if mode == "hourly":
        day, _, hour = start.partition("T")
        return f"hourly digest {day} {hour}:00 UTC"
    return f"daily digest {start}"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None

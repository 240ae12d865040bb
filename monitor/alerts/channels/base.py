"""The channel family's contract: one Protocol, a spec parsed from the config, a receipt.

A channel turns a ``Message`` into one delivery and either returns a ``Receipt`` (the
service accepted it) or raises ``monitor.errors.AlertError`` with ``retryable`` decided
here, where the protocol is known (alertmanager's notifiers do the same). An error
message names the channel and quotes the service's own words, never the URL or password:
build messages from ``spec.name`` and ``describe()``, and pass foreign text through
``monitor.secret.redact``.

``retry_after`` on an error means "rate limited: wait this long" (HTTP 429); it is not a
failed attempt. A zero ``retry_after`` means the service gave no hint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.alerts.message import Message
from monitor.secret import Secret

DIGEST_MODES = ("hourly", "daily")


@dataclass(frozen=True)
class ChannelSpec:
    """One configured channel. ``url`` is secret; ``name`` is safe to store and print."""

    name: str
    kind: str  # the URL scheme: slack, smtp, smtps, webhook, console
    url: Secret = field(repr=False)
    digest: str | None = None  # "hourly" | "daily"
    group_over: int = 3  # more due alerts than this go out as one message
    min_interval: float | None = None  # seconds between two messages (None: the default)
    timeout: float = 5.0  # seconds a send may take (per network operation)
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """A channel accepted a message. ``recipient_errors``: recipients it refused (SMTP)."""

    recipient_errors: Mapping[str, str] = field(default_factory=dict)


class Channel(Protocol):
    """One way of telling people. Construction must be cheap (it validates the config)."""

    spec: ChannelSpec

    def describe(self) -> str:
        """Where messages go, without secrets ("smtp mail.example.org:587 → 2 recipients")."""
        ...

    def send(self, message: Message) -> Receipt: ...

    def close(self) -> None: ...


class RateGate:
    """At most one message per ``interval`` seconds (Slack: 1 per second per webhook).

    Used as ``with gate: send()``: entering waits until ``interval`` has passed since the
    previous send *finished*, so the service never sees two closer than that. Sleeps in
    real time (it paces a real service); ``close()`` cuts a wait short.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: float | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()
        if self._last is not None and self.interval > 0:
            remaining = self._last + self.interval - time.monotonic()
            if remaining > 0:
                self._closed.wait(remaining)

    def __exit__(self, *exc_info: object) -> None:
        self._last = time.monotonic()
        self._lock.release()

    def close(self) -> None:
        self._closed.set()

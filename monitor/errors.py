"""The exception tree of ``monitor``.

::

    MonitorError
    ├── ConfigError          bad configuration (file, env, URL): fail loudly at start
    ├── StorageError         the database said no (migrations missing, locked, …)
    │   └── DaemonLockedError     a second daemon on the same SQLite file
    ├── FeedError            one feed could not be fetched or parsed; ``kind`` says why
    │   └── (``FeedErrorKind``) — recorded on the feed, never raised past the pipeline
    └── AlertError           a channel could not deliver; ``retryable`` says whether to try again

Foreign exceptions (httpx, SQLAlchemy, smtplib) are translated once, at the module that
owns the library, with ``raise … from exc``.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class MonitorError(Exception):
    """Base of every error raised by the ``monitor`` package."""


class ConfigError(MonitorError):
    """Configuration that cannot be used; the message names the file or variable."""


class StorageError(MonitorError):
    """The database cannot do what was asked."""


class DaemonLockedError(StorageError):
    """Another daemon already holds this SQLite database."""


class FeedErrorKind(StrEnum):
    """Why a feed failed: a short stable word for ``feeds list``, reports and metrics."""

    HTTP = "http"  # a 4xx/5xx answer
    NOT_FOUND = "not_found"  # 404/410, or a local file that is not there
    TIMEOUT = "timeout"
    CONNECT = "connect"
    TLS = "tls"
    REDIRECT = "redirect"  # a loop, too many, or to a scheme we do not follow
    RETRY_LATER = "retry_later"  # 429/503 with Retry-After
    TOO_LARGE = "too_large"
    NOT_A_FEED = "not_a_feed"  # empty, an HTML page, no feed in it
    MALFORMED = "malformed"  # a feed, but broken beyond recovery
    UNSAFE = "unsafe"  # entity declarations, external DTDs (feeds.guard)
    INTERNAL = "internal"  # a bug met while processing this feed (the per-feed guard)


class FeedError(MonitorError):
    """A feed fetch or parse failed. ``kind`` is a short stable word for reports and metrics."""

    def __init__(
        self,
        kind: FeedErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{kind}: {message}")


class AlertError(MonitorError):
    """A channel refused or failed an alert. ``retryable`` is decided by the channel."""

    def __init__(
        self, message: str, *, retryable: bool, retry_after: timedelta | None = None
    ) -> None:
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(message)

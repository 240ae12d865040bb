"""Secrets are a type (STYLE principle 12): webhook URLs and passwords never print.

``Secret("https://hooks.slack.com/services/T0/B0/x")`` prints, formats and reprs as
``<secret>``; only ``.reveal()`` gives the value, and only code that sends a request
should call it. As a second line of defence the code that uses a secret ``protect``s it
(for the life of the process), so ``redact`` can scrub text that came from a library which
may have echoed it — an exception message, or httpx's own ``HTTP Request: POST <url>`` log
line, which ``RedactingFilter`` rewrites before any handler sees it. Only the secret part
is protected (a password, a webhook URL), never a whole config string: redacting
``console:`` from every message would only garble them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

MASK = "<secret>"
# Shorter values would make ``redact`` mangle ordinary words; such values get no scrubbing
# (the type still keeps them out of str/repr, which is what matters).
_MIN_REDACT = 6
_known: set[str] = set()
_lock = threading.Lock()


class Secret:
    """A string that shows itself as ``<secret>`` everywhere except ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        self._value = value.reveal() if isinstance(value, Secret) else value

    @classmethod
    def of(cls, value: str | Secret) -> Secret:
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        # Pickling or deep-copying through __reduce__ would be a quiet way to write the value
        # somewhere; nothing in watchlist needs it.
        raise TypeError("a Secret cannot be serialised")


def protect(*values: str | Secret) -> None:
    """Have ``redact`` (and so the logging filter) scrub these values from now on."""
    with _lock:
        for value in values:
            text = value.reveal() if isinstance(value, Secret) else value
            if len(text) >= _MIN_REDACT:
                _known.add(text)


def redact(text: str) -> str:
    """``text`` with every known secret value replaced by ``<secret>``."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)  # longest first: a URL before its parts
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs known secrets from a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string is not ours to fix
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def guard_logger(name: str) -> None:
    """Scrub secrets from records logged by ``name`` (a library that logs URLs)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)

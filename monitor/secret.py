"""Secrets are a type (STYLE principle 12): webhook URLs and passwords never print.

``Secret("https://hooks.slack.com/services/T0/B0/x")`` prints, formats and reprs as
``<secret>``; only ``.reveal()`` gives the value, and only code that sends a request
should call it. As a second line of defence the code that uses a secret ``protect``s it
(for the life of the process), so ``redact`` can scrub text that came from a library which
may have echoed it — an exception message, or httpx's own ``HTTP Request: POST <url>`` log
line, which ``RedactingFilter`` rewrites before any handler sees it. Only the secret part
is protected (a password, a webhook URL), never a whole config string: redacting
``console:`` from every message would only garble them.

URLs are the other leak: a feed URL may carry ``user:password@`` or ``?token=…`` (issue 16:
the password of ``feeds add http://user:password@host/feed`` showed in the echo, every
``feeds list`` format, the daemon's warning and httpx's request log). ``redact_url`` is the
one function that makes a URL fit to show; ``redact`` applies it to every URL inside a text,
and every log line goes through ``redact`` (``install_log_redaction``).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

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


# Query parameters whose values are credentials, by a word in their name: token, key,
# secret, password, sig(nature), auth, credential, session (api_key, X-Amz-Signature, …).
_SECRET_PARAM = re.compile(r"token|key|secret|pass|pwd|sig|auth|credential|session", re.I)
# A URL inside free text: a scheme, "://", then anything up to whitespace or a quote.
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")
_USERINFO = re.compile(r"(?<=://)[^/?#@\s]*@")


def redact_url(url: str) -> str:
    """``url`` fit to show: no userinfo, and no value of a secret-looking query parameter.

    ``https://user:pw@host/feed?token=abc&q=1`` → ``https://<secret>@host/feed?token=<secret>&q=1``.
    Works on URLs that do not parse too (a broken one is shown with its userinfo cut).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(MASK + "@", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAM.search(name) for name, _ in pairs):
            query = "&".join(
                quote(name, safe="") + "=" + (MASK if _SECRET_PARAM.search(name) else quote(v))
                for name, v in pairs
            )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def redact(text: str) -> str:
    """``text`` with every known secret value replaced by ``<secret>``, and every URL in it
    passed through ``redact_url``."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)  # longest first: a URL before its parts
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
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


def install_log_redaction() -> None:
    """Scrub every record that reaches the root logger's handlers (any logger, any library:
    handler filters see propagated records, logger filters do not)."""
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def guard_logger(name: str) -> None:
    """Scrub secrets from records logged by ``name`` (a library that logs URLs)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)

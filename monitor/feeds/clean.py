"""Text and links of feed entries made clean and bounded (shared by every feed format)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from indicators.text import clean_text, html_to_text

MAX_TITLE_CHARS = 2_000
MAX_LINK_CHARS = 2_048  # the entries.link column
_MAX_HOST = 253  # RFC 1035: longer is not a host name (and not a publisher we can store)
_MARKUP_PER_CHAR = 4
_UNCLOSED_LIMIT = 50
_PLAIN_SPACES = re.compile(r"[ \t\u00a0]+")
_PLAIN_BLANK_LINES = re.compile(r"\s*\n\s*")
_UNCLOSED = (
    ("<script", re.compile(r"</script\s*>")),
    ("<style", re.compile(r"</style\s*>")),
    ("<!--", re.compile(r"-->")),
)


def text_or_none(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = clean_text(value).strip()
    return text or None


def html(value: object, limit: int) -> str:
    """At most ``limit`` characters of text from HTML ``value``.

    Only the first ``limit * 4`` characters of markup are read (enough for text under heavy
    markup), and markup that can never close is cut off first: ``html_to_text``'s patterns
    rescan to the end of the string for every unclosed ``<script``, ``<style``, ``<!--`` or
    ``<`` (quadratic: 10,000 unclosed ``<script>`` tags took 1.4 s), and entries are hostile.
    """
    if not isinstance(value, str):
        return ""
    return html_to_text(defuse(value[: limit * _MARKUP_PER_CHAR]))[:limit]


def defuse(markup: str) -> str:
    """``markup`` cut before a run of constructs that never close, in linear time.

    Each unclosed opener costs one scan to the end of the string, so a few are harmless and
    kept ("x < y" is text); many (hostile or broken markup) are cut off.
    """
    lower = markup.lower()
    for opener, closer in _UNCLOSED:
        start = lower.find(opener)
        if start < 0:
            continue
        last_close = max((m.end() for m in closer.finditer(lower, start)), default=start)
        if lower.count(opener, last_close) > _UNCLOSED_LIMIT:
            cut = lower.find(opener, last_close)
            markup, lower = markup[:cut], lower[:cut]
    last_gt = lower.rfind(">") + 1
    if lower.count("<", last_gt) > _UNCLOSED_LIMIT:
        markup = markup[: lower.find("<", last_gt)]
    return markup


def title(value: object) -> str | None:
    return html(value, MAX_TITLE_CHARS) or None


def plain(text: str) -> str:
    """Plain text (JSON Feed titles, ``content_text``): controls dropped, spaces folded."""
    text = _PLAIN_SPACES.sub(" ", clean_text(text))
    return _PLAIN_BLANK_LINES.sub("\n", text).strip()


def plain_or_none(text: str | None) -> str | None:
    return plain(text) or None if text else None


def http_link(base: str, link: str | None) -> str | None:
    """``link`` resolved against ``base``; only http(s) links that can be stored are kept.

    Dropped: other schemes (``javascript:``), links a URL parser refuses (``http://[oops``
    raised ValueError out of the parse and stopped the whole poll), links longer than the
    ``entries.link`` column or with a host longer than DNS allows (PostgreSQL refused them
    and aborted the poll). Control characters (a NUL broke PostgreSQL) are removed first.
    """
    if not link:
        return None
    try:
        resolved = urljoin(base, clean_text(link).strip())
        parts = urlsplit(resolved)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or len(host) > _MAX_HOST:
        return None
    return resolved if len(resolved) <= MAX_LINK_CHARS else None


def short(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__

"""Untrusted feed text into safe HTML pieces: matched terms marked, links checked.

Jinja2 autoescapes everything else; these helpers build ``Markup`` only from escaped
pieces. Bidi overrides and control characters go first (``textsafe.inert``), so a
sentence cannot reorder what the analyst reads; links are only http(s) with a host.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from markupsafe import Markup, escape

from monitor.alerts.render import safe_link
from monitor.secret import redact
from monitor.status import Status
from monitor.textsafe import inert

STATUSES = tuple(s.value for s in Status)


def clean(text: str | None) -> str:
    # Feed URLs and errors may carry credentials: shown through the one redaction (issue 16).
    return inert(redact(text) if text else text)


def mark_terms(sentence: str | None, terms: Sequence[str]) -> Markup:
    """The sentence, escaped, with each matched term in ``<mark>``."""
    text = inert(sentence)
    pattern = _terms_pattern(tuple(terms))
    if pattern is None:
        return escape(text)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces += [escape(text[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("".join(pieces))  # noqa: S704  (every piece of text was escaped above)


@lru_cache(maxsize=1024)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.IGNORECASE)


def link(url: str | None) -> str | None:
    return safe_link(url)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def days_left(deadline: date | None, now: datetime) -> str:
    if deadline is None:
        return ""
    days = (deadline - now.date()).days
    if days > 0:
        return f"{days} days left"
    if days == 0:
        return "due today"
    return f"{-days} days past"

"""Untrusted feed text into safe HTML pieces: matched terms marked, links checked.

Jinja2 autoescapes everything else; these helpers build ``Markup`` only from escaped
pieces. Bidi overrides and control characters go first (``textsafe.inert``), so a
sentence cannot reorder what the analyst reads; links are only http(s) with a host.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from markupsafe import Markup, escape

from monitor.alerts.render import safe_link
from monitor.status import Status
from monitor.textsafe import inert

STATUSES = tuple(s.value for s in Status)


def clean(text: str | None) -> str:
    return inert(text)


def mark_terms(sentence: str | None, terms: Sequence[str]) -> Markup:
    """The sentence, escaped, with each matched term in ``<mark>``."""
    text = inert(sentence)
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )
    out = Markup("")
    last = 0
    for match in pattern.finditer(text):
        out += escape(text[last : match.start()])
        out += Markup("<mark>") + escape(match.group(0)) + Markup("</mark>")
        last = match.end()
    return out + escape(text[last:])


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

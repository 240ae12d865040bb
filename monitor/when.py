"""One parser for every time a person types: ``1d``, ``2w``, ``36h``, ``2025-12-01``.

A relative time counts back from ``now`` (given, never read here): ``30m``, ``12h``,
``1d``, ``2w`` (units s, m, h, d, w). An ISO date is midnight UTC of that day; an ISO
date-time without a zone is UTC. Anything else is a ``WhenError`` whose message is one
line that says what was given and what is accepted.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from monitor.errors import MonitorError

_RELATIVE = re.compile(r"^\s*(\d{1,6})\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
FORMS = "a relative time like 30m, 12h, 1d, 2w, or an ISO date/time like 2025-12-01"


class WhenError(MonitorError):
    """A time that cannot be understood."""


def parse_when(text: str, now: datetime) -> datetime:
    """``text`` as an aware UTC datetime; relative times count back from ``now``."""
    match = _RELATIVE.match(text)
    if match:
        seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
        try:
            return now - timedelta(seconds=seconds)
        except OverflowError:
            raise WhenError(f"{text!r} reaches back before the year 1") from None
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise WhenError(f"{text!r} is not a time: use {FORMS}") from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)

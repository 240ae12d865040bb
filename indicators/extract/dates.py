"""Dates in an article → deadlines for ``expected_by`` (issue 4).

A deadline is the *last* day of what the article names: "in December" → 31 December,
"by 2030" → 31 December 2030, "by mid-2026" → 30 June 2026 (approximate, said so). A month
without a year takes its year from the publication date (the ``published`` argument or the
article's dateline): the same year when the month is not before the publication month. A
month already past, or any month without a known publication date, stays unresolved: the
analyst gets a comment, not a guess presented as fact.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH = "(?P<month>" + "|".join(calendar.month_name[1:]) + ")"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
# What stands before a date: the preposition that makes it a deadline, and a qualifier.
_PREP = (
    r"(?:(?P<prep>(?i:in|by|before|until|till|through|during|to|of|since|from|around))\s+)?"
    r"(?:(?i:the)\s+)?(?:(?P<qual>(?i:early|mid|late|end\s+of(?:\s+the)?))[\s-]*)?"
)
_PATTERNS = [
    ("iso", re.compile(r"\b(?P<prep>)(?P<year>(?:19|20)\d{2})-(?P<mm>\d{2})-(?P<day>\d{2})\b")),
    ("day-month-year", re.compile(rf"\b{_PREP}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b")),
    ("month-day-year", re.compile(rf"\b{_PREP}{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}\b")),
    ("month-year", re.compile(rf"\b{_PREP}{_MONTH},?\s+{_YEAR}\b")),
    ("day-month", re.compile(rf"\b{_PREP}{_DAY}\s+(?:of\s+)?{_MONTH}\b")),
    ("month-day", re.compile(rf"\b{_PREP}{_MONTH}\s+{_DAY}\b(?!,?\s*\d)")),
    ("month", re.compile(rf"\b{_PREP}{_MONTH}\b")),
    (
        "year",
        re.compile(
            r"\b(?P<prep>by|in|before|until|till|through)\s+(?:the\s+)?"
            rf"(?:(?P<qual>early|mid|late|end\s+of(?:\s+the)?)[\s-]*)?{_YEAR}\b(?![-–]\d)",
            re.I,
        ),
    ),
    (
        "qualified-year",
        re.compile(rf"\b(?P<prep>)(?P<qual>mid|early|late)-{_YEAR}\b", re.I),
    ),
    (
        "relative",
        re.compile(
            r"\b(?P<rel>(?:later\s+)?this\s+year|next\s+year|this\s+month|next\s+month|"
            r"(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+year|(?:by\s+)?year[-\s]end)\b",
            re.I,
        ),
    ),
]
_ISO = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
_NOT_A_DEADLINE = frozenset({"since", "from"})


@dataclass(frozen=True)
class DateMention:
    """One date in the text: as written, the deadline it names (or None) and why."""

    phrase: str
    start: int
    when: date | None
    note: str = ""  # how the date was resolved, or why it was not


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def find_published(lines: list[str]) -> date | None:
    """The date in the dateline: the first date with a year in the first five lines."""
    for text in [t for t in lines if t.strip()][:5]:
        if m := _ISO.search(text):
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
        for _kind, pattern in _PATTERNS[1:3]:
            for m in pattern.finditer(text):
                found = _exact(m)
                if found is not None:
                    return found
    return None


def find_dates(text: str, anchor: date | None) -> list[DateMention]:
    """Every deadline-like date in ``text`` in order; overlaps go to the most specific one."""
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            mention = _mention(kind, m, anchor)
            if mention is None:
                continue
            taken.append((start, end))
            out.append(mention)
    return sorted(out, key=lambda d: d.start)


def _exact(m: re.Match[str]) -> date | None:
    try:
        return date(int(m["year"]), _MONTHS[m["month"].lower()], int(m["day"]))
    except ValueError:
        return None


def _mention(kind: str, m: re.Match[str], anchor: date | None) -> DateMention | None:
    phrase = re.sub(r"^the\s+", "", " ".join(m.group(0).split()), flags=re.I)
    groups = m.groupdict()
    prep = (groups.get("prep") or "").lower()
    if prep in _NOT_A_DEADLINE:
        return None
    qual = " ".join((groups.get("qual") or "").lower().split())
    if kind in ("day-month", "month-day", "month") and m["month"] == "May" and not prep:
        return None  # "May" is also a verb: a month only after a preposition or with a day
    if kind == "iso":
        try:
            when = date(int(m["year"]), int(m["mm"]), int(m["day"]))
        except ValueError:
            return None
        return DateMention(phrase, m.start(), when)
    if kind in ("day-month-year", "month-day-year"):
        return DateMention(phrase, m.start(), _exact(m))
    if kind == "month-year":
        month = _MONTHS[m["month"].lower()]
        return DateMention(phrase, m.start(), month_end(int(m["year"]), month))
    if kind in ("year", "qualified-year"):
        year = int(m["year"])
        if anchor is not None and year < anchor.year:
            return None  # a past year is history, not a deadline
        if qual == "mid":
            return DateMention(phrase, m.start(), date(year, 6, 30), "approximate: mid-year")
        if qual == "early":
            return DateMention(phrase, m.start(), date(year, 3, 31), "approximate: early in year")
        return DateMention(phrase, m.start(), date(year, 12, 31))
    if kind == "relative":
        return _relative(phrase, m.start(), " ".join(m["rel"].lower().split()), anchor)
    month = _MONTHS[m["month"].lower()]
    if anchor is None:
        return DateMention(phrase, m.start(), None, "no publication date found: year unknown")
    if month < anchor.month:
        return DateMention(
            phrase,
            m.start(),
            None,
            f"year unclear: {month_end(anchor.year + 1, month)} if it lies ahead of the"
            f" article ({anchor}), else a past reference",
        )
    when = month_end(anchor.year, month)
    if kind in ("day-month", "month-day"):
        when = date(anchor.year, month, min(int(m["day"]), when.day))
    return DateMention(phrase, m.start(), when, f"year from the article's date {anchor}")


def _relative(phrase: str, start: int, rel: str, anchor: date | None) -> DateMention:
    if anchor is None:
        return DateMention(phrase, start, None, "no publication date found: year unknown")
    if rel == "next year":
        return DateMention(phrase, start, date(anchor.year + 1, 12, 31), f"from {anchor}")
    if rel == "this month":
        return DateMention(phrase, start, month_end(anchor.year, anchor.month), f"from {anchor}")
    if rel == "next month":
        following = date(anchor.year + anchor.month // 12, anchor.month % 12 + 1, 1)
        return DateMention(
            phrase, start, month_end(following.year, following.month), f"from {anchor}"
        )
    return DateMention(phrase, start, date(anchor.year, 12, 31), f"from {anchor}")

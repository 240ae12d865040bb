"""Draft a watch list from an article's "what to watch" lists (issue 4, ``watchlist extract``).

The pipeline, in the order ``extract`` runs it::

    article text (plain, Markdown or HTML)
     → classified lines: headings, items, text, with source line numbers   extract_lines
     → every list with its heading and lead-in; the watch lists marked     extract_sections
     → publication date (argument, else dateline) and the article's dates  extract_dates
     → per item: a stable id, the item as title, a draft query             extract_query
       (actors it names, key concepts, thesaurus synonyms), expected_by
       from the item or its lead-in/heading, notes for the analyst
     → Draft  ── render_yaml / render_json

Nothing is invented: an article without a watch list raises ``ExtractionError`` naming what
was found instead, and anything unsure (a month without a clear year, an item that names no
actor) becomes a note, rendered as a YAML comment, never a value presented as fact.
"""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

import yaml

from indicators.errors import ExtractionError
from indicators.extract.dates import DateMention, find_dates, find_published
from indicators.extract.lines import Kind, Line, article_lines
from indicators.extract.query import draft_query
from indicators.extract.sections import (
    FoundList,
    Survey,
    is_watch_heading,
    sentences,
    survey,
)
from indicators.extract.thesaurus import Thesaurus, actor_group, count_actors, load_thesaurus
from indicators.text import clean_text, tokenize

__all__ = ["Draft", "DraftIndicator", "extract", "render_json", "render_yaml", "slugify"]

MAX_ID = 50  # indicator ids: ≤ 60 allowed; 50 leaves room for a "-2" and reads better


@dataclass(frozen=True)
class DraftIndicator:
    id: str
    title: str
    query: str
    section: str  # the heading or lead-in the item was listed under
    line: int  # the item's line in the article
    expected_by: date | None
    notes: tuple[str, ...]  # rendered as YAML comments

    @property
    def description(self) -> str:
        return f"Drafted from '{self.section}' (line {self.line}). Review the query."


@dataclass(frozen=True)
class Draft:
    id: str
    title: str
    source: str
    expected_by: date | None
    indicators: tuple[DraftIndicator, ...]
    notes: tuple[str, ...]


def extract(
    text: str,
    *,
    source: str,
    published: date | None = None,
    thesaurus: Mapping[str, Sequence[str]] | None = None,
) -> Draft:
    """Draft a watch list from ``text``; raise ``ExtractionError`` if it has no watch list.

    ``published`` (else a date in the article's first lines) anchors months without a year.
    ``thesaurus`` adds concepts to the built-in one: ``{"corridor": ["route*", "link*"]}``.
    """
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise ExtractionError(f"{source}: the article is empty")
    lines, fmt, page_title = article_lines(text)
    found = survey(lines)
    watch = [f for f in found.lists if f.watch and f.items]
    if not watch:
        raise ExtractionError(nothing_found(source, found))
    words = load_thesaurus(thesaurus)
    body = "\n".join(line.text for line in lines if line.text)
    notes: list[str] = [f"drafted from {source} ({fmt}): review every query and date"]
    anchor = published
    if anchor is None:
        anchor = _published_in(text, lines, fmt)
        notes.append(
            f"article dated {anchor} (from its first lines)"
            if anchor
            else "no publication date found: months without a year are left unresolved"
        )
    counts = count_actors(tokenize(body), words)
    main = _main_actors(counts)
    if main:
        notes.append("main actors: " + ", ".join(f"{k} ({counts[k]} mentions)" for k in main))
    default_by, default_note = _main_deadline(_deadlines(body, anchor))
    if default_note:
        notes.append(default_note)
    indicators = _indicators(watch, words, anchor, main)
    notes += [_other_list(f) for f in found.lists if not f.watch and _worth_naming(f)]
    return Draft(
        id=_draft_id(main, anchor or default_by, page_title or _title(lines), source),
        title=page_title or _title(lines) or PurePath(source).stem,
        source=source,
        expected_by=default_by,
        indicators=tuple(indicators),
        notes=tuple(notes),
    )


def _indicators(
    watch: list[FoundList], words: Thesaurus, anchor: date | None, main: list[str]
) -> list[DraftIndicator]:
    out: list[DraftIndicator] = []
    used: set[str] = set()
    for found in watch:
        section_by, section_note = _section_deadline(found, anchor)
        for item in found.items:
            drafted = draft_query(item.text, words)
            notes: list[str] = []
            expected_by, date_note = _item_deadline(item.text, anchor)
            if expected_by is None and section_by is not None:
                expected_by = section_by
            notes += [n for n in (date_note or section_note,) if n]
            notes += _actor_notes(drafted.actors, found, main, words)
            if item.subpoints:
                notes.append("sub-points: " + "; ".join(item.subpoints))
            if found.inline:
                notes.append("split from one sentence at semicolons: check where items end")
            ident = _unique(slugify(item.text), used)
            out.append(
                DraftIndicator(
                    ident,
                    item.text,
                    drafted.query,
                    found.label,
                    item.line,
                    expected_by,
                    tuple(notes),
                )
            )
    return out


def _deadlines(text: str, anchor: date | None) -> list[DateMention]:
    """Dates in ``text`` that can be deadlines: the publication date itself is not one."""
    return [m for m in find_dates(text, anchor) if anchor is None or m.when != anchor]


def _item_deadline(text: str, anchor: date | None) -> tuple[date | None, str]:
    for mention in _deadlines(text, anchor):
        return mention.when, _date_note(mention, "the item")
    return None, ""


def _section_deadline(found: FoundList, anchor: date | None) -> tuple[date | None, str]:
    for where, text in (("the lead-in", found.lead_in), ("the heading", found.heading)):
        for mention in _deadlines(text, anchor):
            return mention.when, _date_note(mention, f"{where} '{text}'")
    return None, ""


def _date_note(mention: DateMention, where: str) -> str:
    if mention.when is None:
        return f"'{mention.phrase}' in {where}: {mention.note}; expected_by left out"
    how = f" ({mention.note})" if mention.note else ""
    return f"expected_by {mention.when}: from '{mention.phrase}' in {where}{how}"


def _actor_notes(
    named: tuple[str, ...], found: FoundList, main: list[str], words: Thesaurus
) -> list[str]:
    missing = [k for k in main if k not in named]
    if not missing:
        return []
    groups = " ".join(actor_group(k, words) for k in missing)
    who = " and ".join(missing)
    lead = f"; its lead-in reads '{found.lead_in}'" if found.lead_in else ""
    if named:
        return [f"names {', '.join(named)} but not {who}{lead}; if it needs them, add {groups}"]
    return [f"names no actor{lead}; if it is about {who}, add {groups}"]


def _main_actors(counts: Counter[str]) -> list[str]:
    """The actors an article is about: named at least twice and a third as often as the top."""
    if not counts:
        return []
    top = max(counts.values())
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return [k for k in ranked if counts[k] >= 2 and counts[k] * 3 >= top][:3]


def _main_deadline(mentions: list[DateMention]) -> tuple[date | None, str]:
    """The watch list's default deadline: the date the article names most, if more than once."""
    counts = Counter(m.when for m in mentions if m.when is not None)
    if not counts:
        return None, ""
    when, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if n < 2:
        return None, ""
    phrase = next(m.phrase for m in mentions if m.when == when)
    return when, (
        f"expected_by {when}: the date the article names most ({n} mentions, e.g."
        f" '{phrase}'); check it"
    )


def _published_in(text: str, lines: list[Line], fmt: str) -> date | None:
    if fmt == "html":
        m = re.search(
            r"(?:published[^>]*?|<time[^>]*?datetime=[\"'])((?:19|20)\d{2}-\d{2}-\d{2})", text, re.I
        )
        if m:
            try:
                return date.fromisoformat(m.group(1))
            except ValueError:
                pass
    return find_published([line.text for line in lines if line.kind is not Kind.BLANK])


def _title(lines: list[Line]) -> str:
    """The first heading that is not a watch heading, else the article's first sentence."""
    for line in lines:
        if line.kind is Kind.HEADING and not is_watch_heading(line.text):
            return line.text
    first = next((line.text for line in lines if line.text), "")
    return _short(sentences(first)[0] if first else "", 120)


def _draft_id(main: list[str], when: date | None, title: str, source: str) -> str:
    if main:
        return "-".join(main[:2]) + (f"-{when.year}" if when else "")
    return slugify(title, 40) or slugify(PurePath(source).stem, 40) or "watchlist"


def slugify(text: str, limit: int = MAX_ID) -> str:
    """Lower-case ASCII words joined by '-', cut at a word boundary within ``limit``."""
    spaced = re.sub(r"[^\w'’]+", " ", text).replace("'", "").replace("’", "")
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or (words[0][:limit] if words else "")


def _unique(ident: str, used: set[str]) -> str:
    ident = ident or "item"
    candidate, n = ident, 2
    while candidate in used:
        candidate, n = f"{ident}-{n}", n + 1
    used.add(candidate)
    return candidate


def _worth_naming(found: FoundList) -> bool:
    return len(found.items) >= 2 or found.lead_in.endswith(":")


def _other_list(found: FoundList) -> str:
    label = f"'{_short(found.label)}'" if found.label else "a list without heading or lead-in"
    return f"other list not taken: {label} (line {found.line}, {len(found.items)} items)"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nothing_found(source: str, found: Survey) -> str:
    """The ExtractionError message: no watch list, and what the article holds instead."""
    parts: list[str] = []
    if found.headings:
        shown = ", ".join(f"'{_short(t, 60)}' (line {n})" for n, t in found.headings[:8])
        more = f" and {len(found.headings) - 8} more" if len(found.headings) > 8 else ""
        parts.append(f"headings {shown}{more}")
    empty = [(n, t) for n, t in found.headings if is_watch_heading(t)]
    if empty:
        shown = ", ".join(f"'{_short(t, 60)}' (line {n})" for n, t in empty)
        parts.append(f"watch headings with no list under them: {shown}")
    if found.lists:
        shown = ", ".join(
            f"'{_short(f.label or f.items[0].text, 60)}' (line {f.line}, {len(f.items)} items)"
            for f in found.lists
        )
        parts.append(f"lists whose heading or lead-in is not a watch list's: {shown}")
    if found.cue_sentences:
        shown = "; ".join(f"line {n}: '{_short(s, 100)}'" for n, s in found.cue_sentences[:4])
        parts.append(f"sentences with cue words such as 'expected' or 'likely': {shown}")
    instead = " | ".join(parts) or "no headings, no lists and no forward-looking sentences"
    return (
        f"{source}: no 'what to watch' list section found (a list under a heading or lead-in"
        f" such as 'What to watch', 'Key indicators', 'Signposts' or '… is expected to:');"
        f" found instead: {instead}"
    )


def render_yaml(draft: Draft) -> str:
    """The draft as a watch-list YAML file; notes and provenance are '#' comments."""
    out = [*_comments(draft.notes, "")]
    out.append(f"id: {_scalar(draft.id)}")
    out.append(f"title: {_scalar(draft.title)}")
    out.append(f"source: {_scalar(draft.source)}")
    if draft.expected_by:
        out.append(f"expected_by: {draft.expected_by.isoformat()}")
    out.append("indicators:")
    for ind in draft.indicators:
        out.append("")
        out += _comments((f"from '{_short(ind.section)}' line {ind.line}", *ind.notes), "  ")
        out.append(f"  - id: {_scalar(ind.id)}")
        out.append(f"    title: {_scalar(ind.title)}")
        out.append(f"    query: {_scalar(ind.query)}")
        out.append(f"    description: {_scalar(ind.description)}")
        if ind.expected_by:
            out.append(f"    expected_by: {ind.expected_by.isoformat()}")
    return "\n".join(out) + "\n"


def render_json(draft: Draft) -> str:
    """The same data as ``render_yaml``, plus provenance and notes as fields."""
    data = {
        "id": draft.id,
        "title": draft.title,
        "source": draft.source,
        "expected_by": draft.expected_by.isoformat() if draft.expected_by else None,
        "notes": list(draft.notes),
        "indicators": [
            {
                "id": ind.id,
                "title": ind.title,
                "query": ind.query,
                "description": ind.description,
                "expected_by": ind.expected_by.isoformat() if ind.expected_by else None,
                "section": ind.section,
                "line": ind.line,
                "notes": list(ind.notes),
            }
            for ind in draft.indicators
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _scalar(value: str) -> str:
    """One YAML scalar, quoted by PyYAML when it must be (colons, quotes, '#', numbers)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1_000_000)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _comments(notes: Sequence[str], indent: str) -> list[str]:
    out: list[str] = []
    for note in notes:
        flat = " ".join(note.split())
        out += [f"{indent}# {part}" for part in textwrap.wrap(flat, 96 - len(indent))]
    return out

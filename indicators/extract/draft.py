"""Draft a watch list from an article's "what to watch" lists (``watchlist extract``).

The pipeline, in the order ``extract`` runs it::

    article text (plain, Markdown or HTML)
     → classified lines: headings, items, text, with source line numbers   lines, paragraphs
     → every list with its heading and lead-in; the watch lists marked     sections
       (or the list at ``--at LINE``, whatever its heading)
     → publication date (argument, else dateline) and the article's dates  dates
     → the topic: the actors the title names (else the ones named most)   thesaurus, countries
     → per item: a readable id, the item verbatim as title, a query        query, terms, actions
       (topic per item; event and object per sentence), its event model,
       expected_by from the item or its lead-in/heading, notes
     → Draft  ── render_yaml / render_json                                  render

Nothing is invented: an article without a watch list raises ``ExtractionError`` naming the
lists it holds (with the line ``--at`` takes), and anything unsure (a month without a clear
year, an item with no event word) becomes a note, rendered as a YAML comment.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from indicators.errors import ExtractionError
from indicators.extract.actions import known
from indicators.extract.dates import DateMention, find_dates, find_published
from indicators.extract.lines import Kind, Line, article_lines
from indicators.extract.party import committed_party, with_party
from indicators.extract.query import DraftQuery, draft_query, find_acronyms, item_words
from indicators.extract.sections import (
    FoundList,
    Survey,
    is_watch_heading,
    sentences,
    survey,
)
from indicators.extract.thesaurus import Thesaurus, count_actors, load_thesaurus
from indicators.text import clean_text, tokenize

__all__ = ["Draft", "DraftIndicator", "extract", "slugify"]

MAX_ID = 50  # indicator ids: ≤ 60 allowed; 50 leaves room for a "-2" and reads better
ID_WORDS = 4  # an indicator id is a few words: the event and its object ("sign-pact")


@dataclass(frozen=True)
class DraftIndicator:
    id: str
    title: str
    query: str
    section: str  # the heading or lead-in the item was listed under
    line: int  # the item's line in the article
    expected_by: date | None
    notes: tuple[str, ...]  # rendered as YAML comments
    actions: tuple[str, ...] = ()  # the event's classes in the event lexicon ("sign")
    objects: tuple[str, ...] = ()  # the event's object terms
    actors: tuple[str, ...] = ()  # the actors the query makes item-level conditions

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
    at: int | None = None,
) -> Draft:
    """Draft a watch list from ``text``; raise ``ExtractionError`` if it has no watch list.

    ``published`` (else a date in the article's first lines) anchors months without a year.
    ``thesaurus`` adds concepts to the built-in one: ``{"corridor": ["route*", "link*"]}``.
    ``at``: draft from the list whose lead-in, heading or an item is on that line, whatever
    its heading says (``watchlist extract --at LINE``).
    """
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise ExtractionError(f"{source}: the article is empty")
    lines, fmt, page_title = article_lines(text)
    found = survey(lines)
    watch = [f for f in found.lists if f.watch and f.items]
    if at is not None:
        watch = [_list_at(found, at, source)]
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
    title_text = page_title or _title(lines)
    topic = _topic(title_text, words) or main[:2]
    if topic:
        notes.append(
            "every query requires the topic's actors somewhere in the news item: "
            + ", ".join(topic)
            + (" (named in the title)" if topic != main[:2] else " (named most)")
        )
    default_by, default_note = _main_deadline(_deadlines(body, anchor))
    if default_note:
        notes.append(default_note)
    indicators = _indicators(watch, words, anchor, topic, find_acronyms(body))
    notes += [_other_list(f) for f in found.lists if f not in watch and _worth_naming(f)]
    return Draft(
        id=_draft_id(
            [k for k in main if k in topic] or main,
            anchor or default_by,
            page_title or _title(lines),
            source,
        ),
        title=page_title or _title(lines) or PurePath(source).stem,
        source=source,
        expected_by=default_by,
        indicators=tuple(indicators),
        notes=tuple(notes),
    )


def _indicators(
    watch: list[FoundList],
    words: Thesaurus,
    anchor: date | None,
    topic: list[str],
    acronyms: Mapping[tuple[str, ...], tuple[str, ...]],
) -> list[DraftIndicator]:
    out: list[DraftIndicator] = []
    used: set[str] = set()
    queries: set[str] = set()
    own = [item_words(item.text, words) for found in watch for item in found.items]
    k = 0
    for found in watch:
        section_by, section_note = _section_deadline(found, anchor)
        party = committed_party(found.lead_in, words, acronyms)
        list_words, list_topic = words, topic
        if party is not None:  # "Vantage Metals has committed to the following;"
            list_words, list_topic = with_party(words, *party), [party[0]]
        for item in found.items:
            others = set().union(*(w for n, w in enumerate(own) if n != k))
            k += 1
            drafted = draft_query(item.text, list_words, list_topic, acronyms, others)
            query = _distinct(drafted, queries)
            notes: list[str] = []
            if party is not None and item is found.items[0]:
                notes.append(
                    f"each query of this list requires '{party[0]}' (its lead-in), "
                    "not the topic's actors"
                )
            expected_by, date_note = _item_deadline(item.text, anchor)
            if expected_by is None and section_by is not None:
                expected_by = section_by
            notes += [n for n in (date_note or section_note,) if n]
            if not drafted.action:
                notes.append("no event word found in the item: the query asks for its terms")
            elif not known(drafted.action):
                notes.append(f"event '{drafted.action}' is not a class of the event lexicon")
            actions = tuple(a for a in (drafted.action, *drafted.also) if a and known(a))
            if item.subpoints:
                notes.append("sub-points: " + "; ".join(item.subpoints))
            if found.inline:
                notes.append("split from one sentence at semicolons: check where items end")
            slug = slugify(" ".join(drafted.slug_words)) or slugify(item.text, 30)
            ident = _unique(slug, used)
            out.append(
                DraftIndicator(
                    ident,
                    item.text,
                    query,
                    found.label,
                    item.line,
                    expected_by,
                    tuple(notes),
                    actions,
                    drafted.objects,
                    tuple(a.replace("-", " ") for a in drafted.actors),
                )
            )
    return out


def _distinct(drafted: DraftQuery, queries: set[str]) -> str:
    """Two items never share one query: a repeat also needs another word of its item
    (items worded alike are left alike, and ``watchlists check`` says so)."""
    query = drafted.query
    if query in queries:
        words = [w for c in drafted.concepts for w in c.split() if f" {w} " not in f" {query} "]
        if words:
            query = f"{query} {words[0]}"
    queries.add(query)
    return query


# "the Lusaka summit", "the Paris Agreement", "Geneva talks": a place that names a meeting
# or a text is where it happens, not a party the news names ("India-Russia Summit" is).
_VENUE = re.compile(
    r"(?<![\w-])(?<!and )(?<!& )([A-Z][\w'’]+)\s+"
    r"((?i:summit|talks|conference|meeting|forum|accord|agreement"
    r"|declaration|round|framework|process|protocol|convention))\b(?![\w-])"
)


def _topic(title: str, words: Thesaurus) -> list[str]:
    """The actors the article's title names (a lost dash split: "EUMercosur" → EU Mercosur)."""
    spaced = re.sub(r"\b([A-Z]{2,})([A-Z][a-z]{2,})", r"\1 \2", title)
    spaced = _VENUE.sub(r"\2", spaced)
    counts = count_actors(tokenize(spaced), words)
    return sorted(counts, key=lambda k: tokenize(spaced).index(_first_form(k, spaced, words)))


def _first_form(key: str, title: str, words: Thesaurus) -> str:
    tokens = tokenize(title)
    for i, token in enumerate(tokens):
        if any(t.matches_at(tokens, i) for t in words.own_actors[key]):
            return token
    return tokens[0]


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
    return short(sentences(first)[0] if first else "", 120)


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


def _list_at(found: Survey, at: int, source: str) -> FoundList:
    """The list at line ``at``: its first item or lead-in first, then any item or heading."""
    lists = [f for f in found.lists if f.items]
    for hit in (
        lambda f: at in (f.line, f.lead_in_line),
        lambda f: any(item.line == at for item in f.items),
        lambda f: f.heading_line == at,
    ):
        chosen = [f for f in lists if hit(f)]
        if chosen:
            return chosen[0]
    raise ExtractionError(f"{source}: no list at line {at}; {candidates(found)}")


def candidates(found: Survey) -> str:
    """Every list of the article with the line ``--at`` takes (its first item)."""
    if not found.lists:
        return "the article has no list"
    shown = "; ".join(
        f"'{short(f.label or f.items[0].text, 60)}' (line {f.line}, {len(f.items)} items)"
        for f in found.lists
        if f.items
    )
    return f"lists found (draft one with --at LINE): {shown}"


def _worth_naming(found: FoundList) -> bool:
    return len(found.items) >= 2 or found.lead_in.endswith(":")


def _other_list(found: FoundList) -> str:
    label = f"'{short(found.label)}'" if found.label else "a list without heading or lead-in"
    return f"other list not taken: {label} (line {found.line}, {len(found.items)} items)"


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nothing_found(source: str, found: Survey) -> str:
    """The ExtractionError message: no watch list, and what the article holds instead."""
    parts: list[str] = []
    if found.headings:
        shown = ", ".join(f"'{short(t, 60)}' (line {n})" for n, t in found.headings[:8])
        more = f" and {len(found.headings) - 8} more" if len(found.headings) > 8 else ""
        parts.append(f"headings {shown}{more}")
    empty = [(n, t) for n, t in found.headings if is_watch_heading(t)]
    if empty:
        shown = ", ".join(f"'{short(t, 60)}' (line {n})" for n, t in empty)
        parts.append(f"watch headings with no list under them: {shown}")
    if found.lists:
        parts.append(candidates(found))
    if found.cue_sentences:
        shown = "; ".join(f"line {n}: '{short(s, 100)}'" for n, s in found.cue_sentences[:4])
        parts.append(f"sentences with cue words such as 'expected' or 'likely': {shown}")
    instead = " | ".join(parts) or "no headings, no lists and no forward-looking sentences"
    return (
        f"{source}: no 'what to watch' list section found (a list under a heading or lead-in"
        f" such as 'What to watch', 'Key indicators', 'Signposts' or '… is expected to:');"
        f" found instead: {instead}"
    )

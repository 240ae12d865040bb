"""Stage 2 of ``extract``: classified lines → the article's lists, each with its context.

A list is taken as a watch list when its heading or its lead-in says so (issue 4):
headings such as "What to watch", "What to Watch: Indicators of …", "Key indicators",
"Signposts", "Things to watch", "What we'll be watching"; lead-ins such as "key indicators
to monitor include:" or "the Indian side is expected to:". Every other list ("Key
challenges include:") is kept too, so the caller can say what it did not take.

Items come however they are written: bullets and numbers of every kind (``extract_lines``),
items wrapped over several lines, deeper-indented sub-points (kept as notes of their item),
and items run together in one sentence after a lead-in, separated by semicolons.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from indicators.extract.lines import DANGLING, Kind, Line, ends_sentence

# The core of a watch cue, after optional "the", a number or "key" (normalised text).
_QUALIFIER = (
    r"(?:the\s+)?(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|key|main|major|"
    r"early|leading|early[- ]warning|other)\s+)*"
)
_WATCH_HEADING = re.compile(
    r"^" + _QUALIFIER + r"(?:"
    r"(?:what|things|issues|signs|signals|developments|events|questions|points)\s+to\s+"
    r"(?:watch|monitor|track|look\s+(?:out\s+)?for)\b"
    r"|(?:indicators?|signposts?)(?:\s+(?:of|to|for|and|worth)\b.*)?$"
    r"|what\s+(?:we|i)(?:'ll|'re|\s+will|\s+are|\s+shall)?\s+(?:be\s+)?watching\b"
    r"|watch\s*list\b|to\s+watch\b|watch\s+points?\b"
    # issue 13: commitments, next steps, key issues or questions, stakes, milestones
    r"|(?:commitments?|pledges|deliverables|milestones?|benchmarks|next\s+steps?)\b"
    r"|(?:key|main|open|big|outstanding|unresolved|unanswered)\s+(?:issues|questions)\b"
    r"|what(?:'s|\s+is)\s+at\s+stake\b|at\s+stake\b"
    r"|what\s+(?:comes|happens)\s+next\b|what's\s+next\b|the\s+road\s+ahead\b"
    r"|looking\s+ahead\s*$"
    r")"
)
# Lead-ins: strong cues anywhere in the sentence …
_WATCH_LEAD = re.compile(
    r"\b(?:what|things|issues|signs|signals|developments|events|points)\s+to\s+"
    r"(?:watch|monitor|track|look\s+(?:out\s+)?for)\b"
    r"|\b(?:indicators?|signposts?|milestones)\b"
    r"|\b(?:we|i)(?:'ll|'re|\s+will|\s+are|\s+shall)?\s+(?:be\s+)?watching\b"
    r"|\bwatch(?:ing)?\s+(?:for|out\s+for)\b|\bkeep\s+an\s+eye\s+on\b|\bto\s+watch\b"
    r"|\b(?:commit(?:s|ted|ments?)|pledge[sd]?|promised|undert(?:ook|aken)|deliverables)\b"
    r"|\bnext\s+steps?\b|\b(?:key|main|open|big|outstanding)\s+(?:issues|questions)\b"
    r"|\bquestions?\s+(?:will|to|that|remain)\b|\bat\s+stake\b|\bbenchmarks\b"
    r"|\bto\s+look\s+(?:out\s+)?for\b|\bwhat\s+(?:comes|happens)\s+next\b"
    r"|\bthe\s+road\s+ahead\b|\bin\s+the\s+(?:coming|next)\s+(?:days|weeks|months)\b"
    # what is still pending: "Several hurdles remain before the programme takes effect:"
    r"|\b(?:hurdles?|obstacles?|steps?|tests?|tripwires?|conditions?|hoops?)\s+(?:still\s+)?"
    r"(?:remains?|lies?\s+ahead|ahead)\b"
)
# … and grammatical lead-ins whose items complete the sentence: "the X side is expected to:".
_WILL_LEAD = re.compile(
    r"\b(?:(?:is|are|was|were)\s+(?:(?:also|now)\s+)?"
    r"(?:expected|set|likely|poised|due|scheduled|slated|planning|hoping|going)\s+to"
    r"|(?:plans?|aims?|intends?|hopes?|wants?)\s+to|will|would"
    r"|(?:has|have|had)\s+(?:also\s+)?(?:committed|agreed|pledged|promised|vowed|undertaken)\s+to"
    r"(?:\s+the\s+following)?)\s*[:;]$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_CUE = re.compile(
    r"\b(?:expected|expects?|likely|will|set to|plans? to|scheduled|upcoming|ahead of|"
    r"ready to|to (?:sign|conclude|announce)|watch(?:ed|ing)?|indicators?|signposts?)\b",
    re.I,
)
_LEADING_CONJ = re.compile(r"^(?:and|or|and/or|as well as|plus)\s+", re.I)
_TRAILING = re.compile(r"(?:\s*[;,]\s*(?:and|or)?|\s+(?:and|or))\s*$", re.I)


@dataclass(frozen=True)
class ListItem:
    text: str
    line: int
    subpoints: tuple[str, ...] = ()


@dataclass(frozen=True)
class FoundList:
    """One list in the article, with the heading above it and the sentence leading into it."""

    items: tuple[ListItem, ...]
    line: int  # of the first item
    heading: str = ""
    heading_line: int = 0
    lead_in: str = ""
    lead_in_line: int = 0
    inline: bool = False  # run together in one sentence, split at semicolons
    watch: bool = False

    @property
    def label(self) -> str:
        """The words that made it a watch list (or describe it): heading, else lead-in."""
        if self.heading and is_watch_heading(self.heading):
            return self.heading
        return self.lead_in or self.heading

    @property
    def label_line(self) -> int:
        if self.heading and is_watch_heading(self.heading):
            return self.heading_line
        return self.lead_in_line or self.heading_line


@dataclass(frozen=True)
class Survey:
    """Everything stage 2 saw: the lists, the headings and forward-looking sentences."""

    lists: tuple[FoundList, ...]
    headings: tuple[tuple[int, str], ...]
    cue_sentences: tuple[tuple[int, str], ...]


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.casefold().split())


def is_watch_heading(heading: str) -> bool:
    """A watch heading, whole or any part of it after a colon ("Looking ahead: what to watch")."""
    return any(_WATCH_HEADING.match(part.strip(" -–—")) for part in norm(heading).split(":"))


def is_watch_lead_in(sentence: str) -> bool:
    text = norm(sentence)
    if _WILL_LEAD.search(text):
        return True
    if not _WATCH_LEAD.search(text):
        return False
    # A strong cue leads into a list when it ends with a colon or stands as a short line.
    return text.endswith((":", ";")) or len(text.split()) <= 12


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def survey(lines: list[Line]) -> Survey:
    """Find every list (bulleted, numbered or inline) and note what else the article holds."""
    lists: list[FoundList] = []
    headings: list[tuple[int, str]] = []
    heading, heading_line = "", 0
    block: list[Line] = []  # the paragraph just before the current position
    block_closed = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind is Kind.HEADING:
            lists.extend(_inline_lists(block, heading, heading_line))
            heading, heading_line, block, block_closed = line.text, line.no, [], False
            headings.append((line.no, line.text))
            i += 1
        elif line.kind in (Kind.BLANK, Kind.BREAK):
            block_closed = bool(block)
            i += 1
        elif line.kind is Kind.TEXT:
            if block_closed:
                lists.extend(_inline_lists(block, heading, heading_line))
                block, block_closed = [], False
            block.append(line)
            i += 1
        else:
            items, i = _read_list(lines, i)
            lead, lead_line = _lead_in(block, closed=block_closed)
            if not lead:
                lists.extend(_inline_lists(block, heading, heading_line))
            found = FoundList(tuple(items), items[0].line, heading, heading_line, lead, lead_line)
            lists.append(_classify(found))
            block, block_closed = [], False
    lists.extend(_inline_lists(block, heading, heading_line))
    lists.extend(_semicolon_sections(lines, lists))
    lists.sort(key=lambda f: f.line)
    return Survey(tuple(lists), tuple(headings), _cue_sentences(lines))


def _classify(found: FoundList) -> FoundList:
    watch = is_watch_heading(found.heading) if found.heading else False
    watch = watch or (bool(found.lead_in) and is_watch_lead_in(found.lead_in))
    return replace(found, watch=watch)


def _lead_in(block: list[Line], *, closed: bool) -> tuple[str, int]:
    """The last sentence of the paragraph before a list; across a blank line only with a colon."""
    if not block:
        return "", 0
    last = sentences(" ".join(line.text for line in block))[-1]
    if closed and not last.endswith((":", ";")):
        return "", 0
    return last, _line_of(block, last, last=True)


def _line_of(block: list[Line], fragment: str, *, last: bool = False) -> int:
    """The source line on which ``fragment``, a piece of the joined block, starts."""
    starts, offset = [], 0
    for line in block:
        starts.append(offset)
        offset += len(line.text) + 1
    text = " ".join(line.text for line in block)
    probe = fragment[:40]
    pos = text.rfind(probe) if last else text.find(probe)
    if pos < 0:
        return block[-1].no
    index = max(k for k, start in enumerate(starts) if start <= pos)
    return block[index].no


def _read_list(lines: list[Line], start: int) -> tuple[list[ListItem], int]:
    """Items from ``start`` on: wrapped lines, blank lines between items and sub-points."""
    base = lines[start].indent
    items: list[ListItem] = []
    parts: list[str] = []
    subs: list[str] = []
    first = lines[start].no
    i = start

    def close() -> None:
        if parts:
            items.append(ListItem(_tidy(_join(parts)), first, tuple(subs)))

    while i < len(lines):
        line = lines[i]
        if line.kind is Kind.ITEM:
            if line.indent >= base + 2 and parts:
                subs.append(_tidy(line.text))
            else:
                close()
                parts, subs, first = [line.text], [], line.no
                base = min(base, line.indent)
            i += 1
        elif line.kind is Kind.TEXT and _continues(lines[i - 1], line, base):
            if subs and line.indent >= base + 4:
                subs[-1] = _tidy(_join([subs[-1], line.text]))
            else:
                parts.append(line.text)
            i += 1
        elif line.kind is Kind.BLANK:
            nxt = next((j for j in range(i, len(lines)) if lines[j].kind is not Kind.BLANK), None)
            if nxt is not None and lines[nxt].kind is Kind.ITEM:
                i = nxt
            else:
                break
        else:
            break
    close()
    return items, i


def _continues(prev: Line, line: Line, base: int) -> bool:
    """Whether a text line right after an item line carries on that item."""
    if prev.kind not in (Kind.ITEM, Kind.TEXT) or line.no != prev.no + 1:
        return False
    if line.indent > base:
        return True
    if ends_sentence(prev.text):
        return False
    words = prev.text.split()
    return (
        line.text[:1].islower()
        or (bool(words) and words[-1].lower() in DANGLING)
        or prev.text.endswith((",", "-", "–", "—"))
    )


def _join(parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        out = out + part if out.endswith("-") and not out.endswith(" -") else f"{out} {part}"
    return out


def _tidy(text: str) -> str:
    """An item as written, without a trailing list separator ("…;", "…; and")."""
    return _TRAILING.sub("", " ".join(text.split())).strip()


def _inline_lists(block: list[Line], heading: str, heading_line: int) -> list[FoundList]:
    """'Key indicators to monitor include: a; b; and c.' inside a paragraph."""
    if not block:
        return []
    text = " ".join(line.text for line in block)
    out: list[FoundList] = []
    for sentence in sentences(text):
        colon = sentence.find(":")
        while colon > 0:
            lead, rest = sentence[: colon + 1], sentence[colon + 1 :].strip()
            if rest and is_watch_lead_in(lead):
                items = split_semicolons(rest)
                if len(items) >= 2:  # one clause after a colon is a sentence, not a list
                    line = _line_of(block, lead)
                    found = FoundList(
                        tuple(ListItem(t, _line_of(block, t)) for t in items),
                        line,
                        heading,
                        heading_line,
                        lead.strip(),
                        line,
                        inline=True,
                        watch=True,
                    )
                    out.append(found)
                break
            colon = sentence.find(":", colon + 1)
    return out


def split_semicolons(text: str) -> list[str]:
    """'a; b; and c.' → ['a', 'b', 'c']: conjunctions and the final full stop dropped."""
    items = [_LEADING_CONJ.sub("", p.strip()).rstrip(" .").strip() for p in text.split(";")]
    return [item for item in items if item]


def _semicolon_sections(lines: list[Line], found: list[FoundList]) -> list[FoundList]:
    """A watch heading with no list under it, whose first paragraph is 'a; b; and c.'"""
    out: list[FoundList] = []
    taken = {f.heading_line for f in found}
    for i, line in enumerate(lines):
        if line.kind is not Kind.HEADING or not is_watch_heading(line.text) or line.no in taken:
            continue
        block: list[Line] = []
        for nxt in lines[i + 1 :]:
            if nxt.kind is Kind.TEXT:
                block.append(nxt)
            elif block or nxt.kind is not Kind.BLANK:
                break
        text = " ".join(b.text for b in block)
        runs = [s for s in sentences(text) if s.count(";") >= 2]
        if not runs:
            continue
        items = split_semicolons(runs[0])
        out.append(
            FoundList(
                tuple(ListItem(t, _line_of(block, t)) for t in items),
                _line_of(block, runs[0]),
                line.text,
                line.no,
                inline=True,
                watch=True,
            )
        )
    return out


def _cue_sentences(lines: list[Line]) -> tuple[tuple[int, str], ...]:
    out: list[tuple[int, str]] = []
    for line in lines:
        if line.kind is not Kind.TEXT:
            continue
        for sentence in sentences(line.text):
            if _CUE.search(sentence):
                out.append((line.no, sentence))
    return tuple(out)

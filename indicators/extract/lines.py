"""Stage 1 of ``extract``: an article (plain text, Markdown or HTML) → classified lines.

Every later stage works on the same small value, ``Line``: its 1-based line number in the
source (provenance for the analyst), its kind (blank, heading, list item, text) and its text
with list markers and Markdown emphasis removed. How headings are recognised depends on
the format (issue 4):

* HTML: ``h1``–``h6``, and a paragraph that is wholly bold; ``li`` becomes an item line
  (indented by nesting depth), every other block tag ends a line.
* Markdown: ``#`` lines, setext underlines and wholly bold lines.
* Plain text: a line without a final full stop that is followed by a paragraph or a list
  (``_plain_headings``), so a hard-wrapped paragraph is not cut into headings.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from enum import Enum
from html.parser import HTMLParser
from typing import Literal

Format = Literal["html", "markdown", "plain"]


class Kind(Enum):
    BLANK = "blank"
    BREAK = "break"  # the end of an HTML list: a hard list boundary
    HEADING = "heading"
    ITEM = "item"
    TEXT = "text"


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the source
    kind: Kind
    text: str = ""
    indent: int = 0
    marker: str = ""  # the bullet or number of an item: "-", "•", "1.", "(a)"


_HTML = re.compile(r"<(?:html|body|p|div|ul|ol|li|h[1-6]|article|section|br)\b[^>]*>", re.I)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^ {0,3}(?:={2,}|-{2,})\s*$")
_RULE = re.compile(r"^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<text>[^*_].*?)\1\s*(?P<colon>:?)\s*$")
_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?P<marker>[-*+•‣⁃◦▪▫●○■□►▸➢✓✔–—·]|\d{1,2}[.)]|\((?:\d{1,2}|[a-z]|[ivx]{1,4})\)|[a-z][.)])"
    r"\s+(?P<text>\S.*)$"
)
# "**Macusani.** American Lithium …": a paragraph that opens with a bold term.
_BOLD_START = re.compile(r"^(\*\*|__)[^*_].{0,60}?\1\s*\S")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)(.+?)\1")
_STAR_EM = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_UNDERSCORE_EM = re.compile(r"(?<!\w)_(?=\S)([^_]+?)(?<=\S)_(?!\w)")
_SPACE = re.compile(r"\s+")
# The end of a sentence, a list item or a lead-in; a heading has none of these.
TERMINAL = tuple(".!?;:…")
_CLOSERS = "\"'”’)]»"
_MONTH = "(?:" + "|".join(calendar.month_name[1:]) + ")"
# "Oslo, 12 January 2026", "Tokyo | April 20, 2026", "Dateline: …": a dateline, not a heading.
_DATELINE = re.compile(
    rf"^(?:(?:dateline|published|updated|posted|date)\b|[^,|—–]{{1,40}}[,|—–]\s*"
    rf"(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\.?\s+\d{{1,2}})\b)",
    re.I,
)
# A line ending in one of these words runs on into the next one: not a heading.
_DANGLING_WORDS = "a an the and or of to in on at for from by with as than that which between into"
DANGLING = frozenset(_DANGLING_WORDS.split())


def detect_format(text: str) -> Format:
    if _HTML.search(text):
        return "html"
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        if _MD_HEADING.match(raw) or _BOLD_LINE.match(raw):
            return "markdown"
        if i and _SETEXT.match(raw) and lines[i - 1].strip() and not _ITEM.match(lines[i - 1]):
            return "markdown"
    return "plain"


def clean_inline(text: str) -> str:
    """Item or heading text without Markdown emphasis or links, spaces folded."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _STAR_EM.sub(r"\1", text)
    text = _UNDERSCORE_EM.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(_CLOSERS).endswith(TERMINAL)


def article_lines(text: str) -> tuple[list[Line], Format, str]:
    """The article's lines, its format and its title as the page gives it ("" if none)."""
    fmt = detect_format(text)
    from indicators.extract.paragraphs import term_paragraphs  # it builds on Line

    if fmt == "html":
        parser = _HtmlLines()
        parser.feed(text)
        parser.close()
        return term_paragraphs(parser.finish(), html=True), fmt, parser.title
    lines = _text_lines(text, markdown=fmt == "markdown")
    if fmt == "plain":
        lines = _plain_headings(lines)
    return term_paragraphs(lines), fmt, ""


def _text_lines(text: str, *, markdown: bool) -> list[Line]:
    raw_lines = text.splitlines()
    out: list[Line] = []
    for i, raw in enumerate(raw_lines):
        no = i + 1
        stripped = raw.strip()
        nxt = raw_lines[i + 1] if i + 1 < len(raw_lines) else ""
        if not stripped or _RULE.match(raw) or (markdown and _SETEXT.match(raw)):
            out.append(Line(no, Kind.BLANK))
        elif markdown and (m := _MD_HEADING.match(raw)):
            out.append(Line(no, Kind.HEADING, clean_inline(m.group(2))))
        elif markdown and _SETEXT.match(nxt) and not _ITEM.match(raw):
            out.append(Line(no, Kind.HEADING, clean_inline(stripped)))
        elif markdown and (m := _BOLD_LINE.match(raw)) and not m.group("colon"):
            out.append(Line(no, Kind.HEADING, clean_inline(m.group("text"))))
        elif m := _ITEM.match(raw.replace("\t", "    ")):
            indent = len(m.group("indent"))
            out.append(Line(no, Kind.ITEM, clean_inline(m.group("text")), indent, m["marker"]))
        else:
            body = stripped.lstrip(">").strip() if markdown else stripped
            indent = len(raw.replace("\t", "    ")) - len(raw.lstrip())
            marker = "bold" if markdown and _BOLD_START.match(body) else ""
            out.append(Line(no, Kind.TEXT, clean_inline(body), indent, marker))
    return out


def _plain_headings(lines: list[Line]) -> list[Line]:
    """Mark plain-text headings: no final full stop, followed by a paragraph or a list."""
    out = list(lines)
    for i, line in enumerate(out):
        if line.kind is Kind.TEXT and _looks_like_heading(out, i):
            out[i] = replace(line, kind=Kind.HEADING)
    return out


def _looks_like_heading(lines: list[Line], i: int) -> bool:
    text = lines[i].text
    words = text.split()
    if not words or len(words) > 20 or len(text) > 160 or not text[0].isupper():
        return False
    if words[-1].lower().strip(",") in DANGLING or text.endswith((",", "-", "–", "—")):
        return False
    if _DATELINE.match(text):
        return False
    nxt = next((ln for ln in lines[i + 1 :] if ln.kind is not Kind.BLANK), None)
    if nxt is None or nxt.kind is Kind.HEADING:
        return False
    adjacent_next = nxt.no == lines[i].no + 1
    if nxt.kind is Kind.TEXT and adjacent_next and nxt.text[:1].islower():
        return False  # a hard-wrapped sentence goes on
    prev = lines[i - 1] if i else None
    if prev is not None and prev.kind in (Kind.TEXT, Kind.ITEM) and not ends_sentence(prev.text):
        return False  # the middle or the end of a wrapped sentence or item
    if text.rstrip(_CLOSERS).endswith("?"):
        # A question stands as a heading only when set apart by blank lines on both sides.
        return (prev is None or prev.kind is Kind.BLANK) and not adjacent_next
    return not ends_sentence(text)


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol"})
_BLOCK_TAGS = (
    "p div br blockquote tr section article header footer main aside figure figcaption "
    "table pre hr dl dt dd address nav"
)
_BLOCKS = frozenset(_BLOCK_TAGS.split())
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})
_BOLD = frozenset({"b", "strong"})


class _HtmlLines(HTMLParser):
    """HTML → ``Line`` values; line numbers come from the parser's position in the source."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.title = ""
        self._buf: list[str] = []
        self._start = 0
        self._kind = Kind.TEXT
        self._indent = 0
        self._marker = ""
        self._lists: list[list[int]] = []  # per open list: [is_ordered, next number]
        self._skip = 0
        self._in_title = False
        self._bold = 0
        self._plain_text = False  # some non-bold text in the current block
        self._bold_first = False  # the block opens with bold text ("<b>Term:</b> …")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BOLD:
            self._bold += 1
        elif tag in _HEADINGS:
            self._flush()
            self._kind = Kind.HEADING
        elif tag in _LISTS:
            self._flush()
            self._lists.append([int(tag == "ol"), 1])
        elif tag == "li":
            self._flush()
            depth = max(len(self._lists), 1)
            ordered, number = self._lists[-1] if self._lists else [0, 1]
            if self._lists:
                self._lists[-1][1] += 1
            self._kind, self._indent = Kind.ITEM, 2 * (depth - 1)
            self._marker = f"{number}." if ordered else "-"
        elif tag in _BLOCKS:
            self._block_boundary()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(self._skip - 1, 0)
        elif tag == "title":
            self._in_title = False
        elif tag in _BOLD:
            self._bold = max(self._bold - 1, 0)
        elif tag in _HEADINGS or tag == "li":
            self._flush()
        elif tag in _LISTS:
            self._flush()
            if self._lists:
                self._lists.pop()
            if not self._lists:
                self.lines.append(Line(self.getpos()[0], Kind.BREAK))
        elif tag in _BLOCKS:
            self._block_boundary()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = _SPACE.sub(" ", self.title + data).strip()
            return
        if self._skip:
            return
        if data.strip():
            if not "".join(self._buf).strip():
                leading = data[: len(data) - len(data.lstrip())]
                self._start = self.getpos()[0] + leading.count("\n")
                self._bold_first = bool(self._bold)
            if not self._bold:
                self._plain_text = True
        self._buf.append(data)

    def _block_boundary(self) -> None:
        if self._kind is Kind.ITEM:
            self._buf.append(" ")  # paragraphs inside one list item stay one item
        else:
            self._flush()

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self._buf)).strip()
        if text:
            kind, indent, marker = self._kind, self._indent, self._marker
            typed = _ITEM.match(text) if kind is Kind.TEXT else None
            if typed:  # "• a<br>• b": a list typed into a paragraph
                kind, text, indent, marker = Kind.ITEM, typed["text"], 0, typed["marker"]
            elif kind is Kind.TEXT and not self._plain_text and len(text.split()) <= 15:
                kind = Kind.HEADING  # <p><strong>What to watch</strong></p>
            if kind is not Kind.ITEM:
                bold = kind is Kind.TEXT and self._bold_first and self._plain_text
                indent, marker = 0, "bold" if bold else ""
            self.lines.append(Line(self._start, kind, text, indent, marker))
        self._buf = []
        self._plain_text = False
        self._bold_first = False
        if self._kind is Kind.ITEM and text:
            # Text after a nested list, still inside the outer item: a continuation.
            self._kind, self._indent = Kind.TEXT, self._indent + 2
        elif self._kind is not Kind.ITEM:
            self._kind, self._indent = Kind.TEXT, 0

    def finish(self) -> list[Line]:
        self._flush()
        return self.lines

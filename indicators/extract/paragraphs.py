"""Lists written as paragraphs: each opens with a term (issue 13).

Analysts often write a list without bullets, one paragraph per item, each opening with a
term in bold or followed by a colon::

    Three questions will decide whether the smelter gets built:

    Financing: whether the development bank secures a syndicated loan …

    **Macusani.** American Lithium winning final approval for …

A run of two or more such paragraphs (nothing but blank lines between them) becomes a run
of items, so the rest of ``extract`` treats it like any bulleted list: its lead-in, heading
and watch cues decide whether it is a watch list. One "Note: …" paragraph on its own stays
text. The item is the paragraph as written, term included.
"""

from __future__ import annotations

import re
from dataclasses import replace

from indicators.extract.lines import Kind, Line

# "Term: text": a short capitalised term, a colon, then the text (not a clock time "10:30").
_TERM = re.compile(r"^(?P<term>[A-Z][^:;.!?]{0,58}?)\s*[:–—]\s+(?=\S)")
MAX_TERM_WORDS = 6
BOLD = "bold"  # the marker of a text line that opens with a bold term (lines stage)
TERM = "term"  # the marker of a paragraph turned into an item


def _opens_with_term(line: Line) -> bool:
    if line.kind is not Kind.TEXT:
        return False
    if line.marker == BOLD:
        return True
    m = _TERM.match(line.text)
    return m is not None and len(m["term"].split()) <= MAX_TERM_WORDS


def _paragraphs(lines: list[Line], *, each_line: bool) -> list[tuple[int, int]]:
    """(first, end) index ranges of text paragraphs: runs of TEXT lines (in HTML, where
    the lines stage joins each block into one line, every line is a paragraph)."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if lines[i].kind is Kind.TEXT:
            j = i
            while not each_line and j + 1 < len(lines) and lines[j + 1].kind is Kind.TEXT:
                j += 1
            out.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return out


def term_paragraphs(lines: list[Line], *, html: bool = False) -> list[Line]:
    """Turn runs of two or more term-led paragraphs into items (module docstring)."""
    out = list(lines)
    paras = _paragraphs(lines, each_line=html)
    run: list[tuple[int, int]] = []

    def close() -> None:
        if len(run) >= 2:
            for first, end in run:
                out[first] = replace(lines[first], kind=Kind.ITEM, indent=0, marker=TERM)
                for k in range(first + 1, end):
                    out[k] = replace(lines[k], indent=2)  # the item goes on
        run.clear()

    for first, end in paras:
        adjacent = bool(run) and all(lines[k].kind is Kind.BLANK for k in range(run[-1][1], first))
        if not _opens_with_term(lines[first]):
            close()
            continue
        if run and not adjacent:
            close()
        run.append((first, end))
    close()
    return out

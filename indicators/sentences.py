"""Sentences, datelines and clauses of feed text.

Evidence is one sentence (docs/design-notes.md), so the splitter decides what an analyst
sees and what modality is judged on. It works on plain text (HTML already stripped by
``indicators.text.html_to_text``) in one regex pass per line:

* a newline always ends a sentence (block tags became newlines);
* a candidate end is ``.``, ``?``, ``!`` or an ellipsis, then any closing quotes or brackets,
  then white space; it is a boundary only if the next word does not start in lower case;
* a full stop is not a boundary after a title or other abbreviation ("Dr.", "Rs.", "e.g."),
  a single-letter initial ("S. Jaishankar"), or after a company suffix, a month or a dotted
  acronym ("Ltd.", "Dec.", "U.S.") unless the next word typically opens a sentence
  ("... by the U.S. The move ..."); decimals ("2.5") never have a space after the dot;
* a dateline ("NEW DELHI (Reuters) -", "New Delhi, November 7:") is never a sentence of its
  own: a piece that is only a dateline is joined to the sentence after it.

Inside a sentence, ``scan`` gives the tokens of ``indicators.text.tokenize`` with the
punctuation breaks between them, and ``split_clauses`` cuts the tokens into clauses for
``indicators.modality``: the scope within which a cue governs an event.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from indicators.text import normalise

__all__ = ["Clause", "line_blocks", "scan", "split_clauses", "split_sentences", "strip_dateline"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Abbreviations after which a full stop never ends a sentence: titles and the like are
# always followed by what they qualify. Compared case-insensitively, without the dot.
_ALWAYS = _words(
    """dr mr mrs ms messrs prof gen lt col maj capt brig adm sgt sr jr st mt rev hon sen rep
    gov pres rs approx govt min vs cf viz fig dept est pvt e.g i.e"""
)
# Abbreviations that can end a sentence: a boundary only when a typical opener follows.
_SOMETIMES = _words(
    """co corp inc ltd plc llc bros etc no nos jan feb mar apr jun jul aug sep sept oct nov
    dec"""
)
_OPENERS = _words(
    """the a an it its he she they we i this that these those there his her their our but and
    in on at for however meanwhile also earlier later after before while as officials
    according both since under with when if what why how last next separately moreover
    further yet so still now one some many most all such other another"""
)
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "U.S" of "U.S." (the last dot is the end)
_END = re.compile(r"[.?!…]+[\"'”’»)\]]*(?=\s)")
_OPEN = "\"'“‘«([“"
_LINES = re.compile(r"\s*[\r\n]+\s*")
_FIRST_WORD = re.compile(r"[^\W_]+")

# Datelines. A place in capitals ("NEW DELHI", "ST. PETERSBURG") or in title case ("New
# Delhi"), an optional second place, an optional date, an optional agency in brackets, then a
# dash or colon. A title-case place needs a date, an agency or a colon, so that an ordinary
# subject followed by a dash ("Rosneft - the oil major - ...") is not taken for one.
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATE = (
    rf"(?:(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+{_DAY}|{_DAY}\s+{_MONTH})(?:,?\s+\d{{4}})?"
    rf"|{_WEEKDAY})"
)
_CAPS = r"[A-Z][A-Z.'\-]+(?:\s+[A-Z][A-Z.'\-]+){0,3}"
_TITLE = r"[A-Z][a-z]+\.?(?:[\s\-][A-Z][a-z]+){0,2}"
_PLACE2 = rf"(?:,\s+(?:{_CAPS}|{_TITLE}))?"
_AGENCY = r"\(\s*[A-Z][\w.&' /-]{0,30}\)"
_SEP = r"(?:\s*(?:--|[-–—:])\s+)"
_DATELINE_PARTS = (
    rf"(?:{_CAPS}{_PLACE2}(?:,?\s+{_DATE})?(?:\s*{_AGENCY})?"
    rf"|{_TITLE}{_PLACE2},\s+{_DATE}(?:\s*{_AGENCY})?"
    rf"|{_TITLE}{_PLACE2}\s*{_AGENCY})"
)
_DATELINE = re.compile(rf"(?:{_DATELINE_PARTS}{_SEP}|{_TITLE}:\s+)(?=\S)")
# A piece that is nothing but a dateline (it stood on its own line): needs a date or an
# agency, so that a heading in capitals is not mistaken for one.
_DATELINE_ONLY = re.compile(
    rf"(?:{_CAPS}|{_TITLE}){_PLACE2}(?:(?:,?\s+{_DATE})(?:\s*{_AGENCY})?|\s*{_AGENCY})"
    rf"(?:\s*(?:--|[-–—:]))?"
)
# The end of a line whose last piece could be a dateline-only piece (a superset: what a
# _DATELINE_ONLY match ends with, a separator, a closing bracket or a date).
_DATELINE_END_CHARS = 16  # longer than any alternative below ("September.")
_ENDS_LIKE_DATELINE = re.compile(rf"(?:[-–—:)]|\d|\d(?:st|nd|rd|th)|{_MONTH}|{_WEEKDAY})\Z")


def _lines(text: str) -> list[str]:
    """``text`` stripped and cut at its line breaks (and the blanks around them). A text
    without a line break is one line: asking the regex costs ~10 µs on a 500-character
    summary, its leading ``\\s*`` being tried at every position (issue 15)."""
    text = text.strip()
    if "\n" not in text and "\r" not in text:
        return [text]
    return _LINES.split(text)


def strip_dateline(sentence: str) -> str:
    """``sentence`` without a leading dateline ("MOSCOW, Dec 5 (Wire) — "); else unchanged."""
    match = _DATELINE.match(sentence)
    return sentence[match.end() :] if match else sentence


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences; a leading dateline stays with the first sentence."""
    pieces: list[str] = []
    for line in _lines(text):
        if line:
            _split_line(line, pieces)
    merged: list[str] = []
    pending = ""
    for piece in pieces:
        if _DATELINE_ONLY.fullmatch(piece):
            pending = f"{pending} {piece}" if pending else piece
            continue
        merged.append(f"{pending} {piece}" if pending else piece)
        pending = ""
    if pending:
        merged.append(pending)
    return merged


def line_blocks(text: str) -> list[str]:
    """``text`` cut at line breaks that no sentence crosses, cheaply (no sentence split).

    A line break always ends a sentence, except after a piece that is only a dateline
    ("NEW DELHI, Dec 5 (Reuters) -" on a line of its own), which joins the next line's
    first sentence. A line that *ends* like a dateline is kept with the next one, so
    ``split_sentences(text)`` is exactly the sentences of the blocks, in order (a test
    checks). The matcher uses this to skip paragraphs where a rule cannot match.
    """
    blocks: list[str] = []
    pending = ""
    for line in _lines(text):
        if not line:
            continue
        pending = f"{pending}\n{line}" if pending else line
        if not _ENDS_LIKE_DATELINE.search(line[-_DATELINE_END_CHARS:]):
            blocks.append(pending)
            pending = ""
    if pending:
        blocks.append(pending)
    return blocks


def _split_line(line: str, out: list[str]) -> None:
    start = 0
    for match in _END.finditer(line):
        if _is_boundary(line, match):
            piece = line[start : match.end()].strip()
            if piece:
                out.append(piece)
            start = match.end()
    rest = line[start:].strip()
    if rest:
        out.append(rest)


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    nxt = line[match.end() :].lstrip().lstrip(_OPEN)
    if not nxt or nxt[0].islower():
        return False  # "e.g. the", '"Why?" he asked', "... and then"
    mark = match.group(0).rstrip("\"'”’»)]")
    if mark != ".":
        return True  # "?", "!", "?!", or an ellipsis before a capital
    space = line.rfind(" ", 0, match.start())
    prev = line[space + 1 : match.start()].lstrip(_OPEN).rstrip("\"'”’»)]")
    if not prev:
        return True
    word = prev.lower()
    if word in _ALWAYS:
        return False
    if len(prev) == 1 and prev.isalpha():
        return False  # an initial: "S. Jaishankar", "Vladimir V. Putin"
    if word in _SOMETIMES or _ACRONYM.fullmatch(prev):
        if nxt[0].isdigit():
            return False  # "No. 2", "Dec. 5"
        first = _FIRST_WORD.match(nxt)
        return first is not None and first.group(0).lower() in _OPENERS
    return True


# The tokenizer of indicators.text (same patterns, so token indices agree; a test checks it),
# extended to report the punctuation between words.
_ACRONYM_DOTS = re.compile(r"\b(?:[^\W\d_]\.){2,}", re.U)
_POSSESSIVE = re.compile(r"'s$")
_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*")
_MARK = re.compile(r"[;:,()\[\]—–-]")  # candidate breaks, checked in scan
_HARD_MARKS = frozenset(";:—–-")  # the others are soft
_HARD, _SOFT, _CONCESSIVE, _COMPLEMENT_THAT, _SUBORDINATE = 1, 2, 3, 4, 5


def scan(sentence: str) -> tuple[tuple[str, ...], dict[int, bool]]:
    """``tokenize(sentence)`` and, by token index, the break before it (True when hard).

    A colon or comma inside a number ("10,000", "10:30") and a hyphen or en dash inside a
    word ("S-400", "rupee–rouble") are not breaks; a dash between spaces is a hard one.
    """
    norm = normalise(sentence)
    if norm.count(".") > 1:
        norm = _ACRONYM_DOTS.sub(lambda m: m.group(0).replace(".", ""), norm)
    toks: list[str] = []
    breaks: dict[int, bool] = {}
    last = 0
    for mark in _MARK.finditer(norm):
        pos = mark.start()
        char = norm[pos]
        if char in "-–" and not (
            norm[pos - 1 : pos].isspace() and norm[pos + 1 : pos + 2].isspace()
        ):
            continue
        if char in ",:" and norm[pos + 1 : pos + 2].isdigit():
            continue
        toks.extend(_WORD.findall(norm, last, pos))
        last = pos + 1
        n = len(toks)
        breaks[n] = char in _HARD_MARKS or breaks.get(n, False)
    toks.extend(_WORD.findall(norm, last))
    if "'" in norm:
        toks = [_POSSESSIVE.sub("", w).replace("'", "") if "'" in w else w for w in toks]
    return tuple(toks), breaks


# Clause-opening words. Concessive ("despite the delays") and subordinate ("after talks in
# Moscow", "if the talks succeed") clauses are background to the event; "but/while/whereas/
# however" and concessions start a new segment; the others start a new clause in it.
_CONCESSIVE_WORDS = _words("despite although though amid amidst notwithstanding")
_HARD_WORDS = _words("but while whereas however meanwhile")
_SUBORDINATE_WORDS = _words("after before because unless until when if whether once provided")
_RELATIVE_WORDS = _words("which who whom whose")
# "that" after these opens a complement ("denied reports that ..."), not a relative clause.
_COMPLEMENT = _words(
    """said says say told denied denies deny reports report reported claims claim claimed
    speculation rumours rumors expected expects hopes hoped hope believe believes believed
    likely unlikely possible confirmed confirms announced clear ensure ensured agreed noted
    added stated insisted indicated suggested signalled signaled warned sure"""
)
_AND_SKIP = _words("also then later subsequently now eventually finally")
_CLAUSE_OPENERS = (
    _CONCESSIVE_WORDS
    | _HARD_WORDS
    | _SUBORDINATE_WORDS
    | _RELATIVE_WORDS
    | _words("that in ahead and as")
)


class Clause(NamedTuple):
    """Tokens ``start:end`` of a sentence, as cut by ``split_clauses``."""

    start: int
    end: int
    segment: int  # clauses between two hard breaks ("; : but while") share a segment
    background: bool  # "despite ...", "although ...", "after ...", "if ...": not the event
    parent: int  # for "denied reports | that ...", the index of the governing clause, or -1


_AS_DETERMINERS = _words("the a an its their his her our")
_NOT_AS_CLAUSE = _words("such same well so just twice much many soon long")


def _as_clause(toks: Sequence[str], i: int) -> bool:
    """ "as" + a determiner opens a clause of its own, unless it compares ("such as the")."""
    return (
        i > 0
        and toks[i + 1 : i + 2] != ()
        and toks[i + 1] in _AS_DETERMINERS
        and toks[i - 1] not in _NOT_AS_CLAUSE
    )


def _break_kind(
    toks: Sequence[str], i: int, breaks: dict[int, bool], starts: Collection[int]
) -> int:
    tok = toks[i]
    if tok in _CONCESSIVE_WORDS or (tok == "in" and toks[i + 1 : i + 3] == ("spite", "of")):
        return _CONCESSIVE
    if tok in _HARD_WORDS:
        return _HARD
    if tok in _SUBORDINATE_WORDS or (tok == "as" and toks[i + 1 : i + 3] == ("long", "as")):
        return _SUBORDINATE
    if i in breaks:
        return _HARD if breaks[i] else _SOFT
    if tok in _RELATIVE_WORDS:
        return _SOFT
    if tok == "that":  # a relative clause, or the complement of "denied reports that ..."
        governed = (i >= 1 and toks[i - 1] in _COMPLEMENT) or (
            i >= 2 and toks[i - 2] in _COMPLEMENT
        )
        return _COMPLEMENT_THAT if governed else _SOFT
    if tok == "ahead" and toks[i + 1 : i + 2] == ("of",):
        return _SOFT
    if tok == "as" and _as_clause(toks, i):
        return _SOFT  # "fuel deliveries halted as the general strike continued"
    if tok == "and" and (i + 1 in starts or (i + 2 in starts and toks[i + 1] in _AND_SKIP)):
        return _SOFT  # "signed a pact and agreed to explore ..."
    return 0


def split_clauses(
    toks: Sequence[str],
    breaks: dict[int, bool],
    *,
    cue_starts: Collection[int] = (),
    verb_starts: Sequence[int] = (),
) -> list[Clause]:
    """Cut a scanned sentence into clauses at punctuation and clause-opening words.

    ``cue_starts`` are where modality cues start ("and" before one opens a clause);
    ``verb_starts``, in order, where verb-like cues start (they end a sentence-initial
    concession that has no comma: "Despite the delays India signed ...").
    """
    n = len(toks)
    points = sorted(
        {*(i for i in breaks if i < n), *(i for i, t in enumerate(toks) if t in _CLAUSE_OPENERS)}
    )
    bounds = [
        (i, kind)
        for i in points
        if (kind := _break_kind(toks, i, breaks, cue_starts))
        and (i > 0 or kind in (_CONCESSIVE, _SUBORDINATE))
    ]
    if len(bounds) == 1 and bounds[0] == (0, _CONCESSIVE):
        verb = next((v for v in verb_starts if v > 1), 0)
        if verb:
            bounds.append((verb, _SOFT))
    clauses: list[Clause] = []
    seg, lo, kind_lo, parent = 0, 0, 0, -1
    for i, kind in bounds:
        if i > lo:
            clauses.append(Clause(lo, i, seg, kind_lo in (_CONCESSIVE, _SUBORDINATE), parent))
            if kind_lo == _CONCESSIVE or kind in (_HARD, _CONCESSIVE):
                seg += 1
        lo, kind_lo = i, kind
        parent = len(clauses) - 1 if kind == _COMPLEMENT_THAT else -1
    clauses.append(Clause(lo, n, seg, kind_lo in (_CONCESSIVE, _SUBORDINATE), parent))
    return clauses

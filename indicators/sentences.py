"""Sentence splitting for feed text, and removal of wire datelines.

Evidence is one sentence (DESIGN §6), so the splitter decides what an analyst sees and what
modality is judged on. It works on plain text (HTML already stripped by
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
"""

from __future__ import annotations

import re

__all__ = ["split_sentences", "strip_dateline"]


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


def strip_dateline(sentence: str) -> str:
    """``sentence`` without a leading dateline ("MOSCOW, Dec 5 (Wire) — "); else unchanged."""
    match = _DATELINE.match(sentence)
    return sentence[match.end() :] if match else sentence


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences; a leading dateline stays with the first sentence."""
    pieces: list[str] = []
    for line in _LINES.split(text.strip()):
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

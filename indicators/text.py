"""Text normalisation shared by matching, modality and storage.

``html_to_text`` runs once per entry (docs/benchmarks.md: ~20 µs with the cheapest method),
``clean_text`` removes what must never be stored or shown (NUL and other control
characters; a NUL breaks PostgreSQL).
"""

from __future__ import annotations

import html
import re
import unicodedata

# Tags and comments only; script/style bodies are cut by ``_drop_blocks`` first, in one
# linear pass (a lazy regex over unclosed <script> tags is quadratic on hostile markup).
_TAG = re.compile(r"<[a-zA-Z/!?][^<>]*>")
_BLOCK_OPEN = re.compile(r"<(script|style)\b|<!--", re.I)
_BLOCK = re.compile(r"</?(p|br|div|li|h[1-6]|tr|blockquote|ul|ol)\b[^>]*>", re.I)
# C0 and C1 controls except tab/newline, plus DEL. Bidi overrides are kept here and
# neutralised at display time (reports), where their effect matters.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Runs of blanks that need folding: a lone space matches nothing (matching every space
# made this substitution most of html_to_text's cost on plain text).
_SPACES = re.compile(r"[\t\u00a0][ \t\u00a0]*| [ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def _fold_spaces(text: str) -> str:
    # Three substring scans in C settle the common case (nothing to fold) ~40x faster
    # than the regex scan.
    if "  " in text or "\t" in text or "\xa0" in text:
        return _SPACES.sub(" ", text)
    return text


def clean_text(text: str) -> str:
    """Drop control characters (keep newlines and tabs) from untrusted text."""
    return _CONTROL.sub("", text)


def _drop_blocks(markup: str) -> str:
    """Remove <script>/<style> elements and comments; an unclosed one runs to the end."""
    if "<" not in markup:
        return markup
    out: list[str] = []
    pos = 0
    lower = markup.lower()
    while (match := _BLOCK_OPEN.search(markup, pos)) is not None:
        out.append(markup[pos : match.start()])
        closer = "-->" if match.group(0) == "<!--" else f"</{match.group(1).lower()}"
        end = lower.find(closer, match.end())
        if end < 0:
            return "".join(out)
        close_end = lower.find(">", end)
        pos = len(markup) if close_end < 0 else close_end + 1
    out.append(markup[pos:])
    return "".join(out)


def html_to_text(markup: str) -> str:
    """Reduce an HTML fragment to plain text: tags dropped, entities decoded, spaces folded.

    Block-level tags become line breaks so sentences in separate paragraphs stay apart.
    """
    if "<" not in markup and "&" not in markup:
        return _fold_spaces(clean_text(markup)).strip()
    text = _BLOCK.sub("\n", _drop_blocks(markup))
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = clean_text(text)
    text = _fold_spaces(text)
    return _BLANK_LINES.sub("\n", text).strip()


# Hyphens and dashes of every kind, and the slash, separate words: "rupee-ruble" and
# "rupee–ruble" both read as "rupee ruble" (issue 3 item 2).
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
    }
)
# A word is a run of letters and digits; a decimal or thousands separator inside a number
# stays part of it ("2.5", "10,000"); "'s" and a lone apostrophe end a word.
_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*", re.U)
_POSSESSIVE = re.compile(r"'s$")
_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}", re.U)
_ACRONYM_HINT = re.compile(r"\.[^\W\d_]\.")  # in every match of _ACRONYM: "u.s." holds ".s."


def normalise(text: str) -> str:
    """NFKC, casefolded, quotes and apostrophes folded to ASCII (see ``tokenize``)."""
    folded = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    # "İ".casefold() is "i" + COMBINING DOT ABOVE, which would split "İstanbul" in two.
    return folded.replace("i\u0307", "i") if "\u0307" in folded else folded


def tokenize(text: str) -> list[str]:
    """The normalised words of ``text``: the unit every query term is matched against.

    "India's" → ``india``; "U.S." → ``u``, ``s`` is avoided by joining single letters
    separated by dots ("u.s." → ``us``); "S-400" → ``s``, ``400``.
    """
    norm = normalise(text)
    if _ACRONYM_HINT.search(norm):  # a cheap literal-led scan; the full one costs ~30x more
        norm = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), norm)
    # findall runs the loop in C; the apostrophe fix-up is needed only where one occurs.
    words: list[str] = _WORD.findall(norm)
    if "'" in norm:
        words = [_POSSESSIVE.sub("", w).replace("'", "") if "'" in w else w for w in words]
    return words

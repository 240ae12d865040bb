"""Words, phrases and prefixes as substrings of a unit's ``" w1 w2 … "`` text.

A leaf of a query is a plain substring of the joined text (``" india "``, ``" rupee ruble "``,
``" agree"``) unless a wildcard stands before its last word (``finder``). An OR of many such
leaves, the usual shape of a watch-list concept ("agreement* OR pact OR mou OR "joint
venture*" OR …", up to 170 of them), is tested as one: most sentences an indicator is
evaluated on hold none of its words, and a test that asks each leaf in turn from Python
cost more than the rest of the query (issue 15). One regular-expression alternation of the
needles answers in one C-level scan (5x faster at 40 needles); below ``REGEX_MIN`` the
query asks its few leaves one by one, as fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .near import Span

# Below this many needles separate ``in`` tests beat the alternation (measured: equal at
# six, the regex ~1.5x faster at ten and ~5x at forty).
REGEX_MIN = 6


def finder(elements: tuple[tuple[str, bool], ...]) -> str | re.Pattern[str]:
    """What marks each occurrence of a leaf in " w1 w2 … " at its leading space.

    A plain substring (module docstring), a trailing prefix just omitting the final space
    (" agree" starts "agreement"); a regex only for a wildcard before the last word, as a
    lookahead so that overlapping occurrences are all found, as with ``str.find``.
    """
    if not any(prefix for _, prefix in elements[:-1]):
        return " " + " ".join(w for w, _ in elements) + ("" if elements[-1][1] else " ")
    parts = [re.escape(w) + ("[^ ]*" if prefix else "") for w, prefix in elements]
    return re.compile("(?= " + " ".join(parts) + " )")


def occurrences(text: str, needle: str, at: int, width: int, out: list[Span]) -> None:
    """Append the span of every occurrence of ``needle`` in ``text`` from the first, at
    ``at``, on (overlapping ones too); ``width`` is its number of words less one.

    The token index of an occurrence is the number of spaces before its leading space:
    counted in C by ``str.count``, from the last occurrence on (linear in the text),
    rather than by walking the tokens in Python.
    """
    first = last_at = 0
    while at >= 0:
        first += text.count(" ", last_at, at)
        last_at = at
        out.append((first, first + width))
        at = text.find(needle, at + 1)


# A needle, the term it reports (``display`` of its leaf), and its width (as above).
Needle = tuple[str, str, int]


def any_of(needles: Sequence[Needle]) -> Callable[[str], bool]:
    """Whether some needle occurs in a text: one alternation, which finds a match wherever
    one of its literals starts (the answer of asking each, whatever their overlaps)."""
    search = re.compile("|".join(re.escape(n) for n, _, _ in needles)).search
    return lambda text: search(text) is not None


Found = Callable[[str, frozenset[str], list[str]], None]


class _ByFirstWord:
    """Needles grouped by their first word where it is whole (``" joint venture"``,
    ``" pact "``): such a needle can occur only where that word is a token, so only the
    groups of the text's words are searched, found by one set intersection in C (issue 15:
    searching for each needle of a concept of a hundred was most of the cost of a hit).
    A lone prefix (``" agree"``) is always searched for."""

    def __init__(self, needles: Sequence[Needle]) -> None:
        groups: dict[str, list[Needle]] = {}
        loose: list[Needle] = []
        for needle in needles:
            cut = needle[0].find(" ", 1)
            if cut > 0:
                groups.setdefault(needle[0][1:cut], []).append(needle)
            else:
                loose.append(needle)
        self.firsts = frozenset(groups)
        self.groups = {word: tuple(found) for word, found in groups.items()}
        self.loose = tuple(loose)

    def candidates(self, words: frozenset[str]) -> list[tuple[Needle, ...]]:
        found = [self.groups[word] for word in self.firsts.intersection(words)]
        if self.loose:
            found.append(self.loose)
        return found


def spans_of(needles: Sequence[Needle]) -> Callable[[str, frozenset[str], list[str]], list[Span]]:
    """The spans of every needle present in a text (given with its distinct words); the
    terms of those present appended to a list."""
    index = _ByFirstWord(needles)

    def spans(text: str, words: frozenset[str], terms: list[str]) -> list[Span]:
        out: list[Span] = []
        for group in index.candidates(words):
            for needle, shown, width in group:
                at = text.find(needle)
                if at >= 0:
                    terms.append(shown)
                    occurrences(text, needle, at, width, out)
        return out

    return spans


def names_of(needles: Sequence[Needle]) -> Found:
    """The terms of the needles present in a text, without their spans."""
    index = _ByFirstWord(needles)

    def names(text: str, words: frozenset[str], terms: list[str]) -> None:
        for group in index.candidates(words):
            terms.extend(shown for needle, shown, _ in group if needle in text)

    return names

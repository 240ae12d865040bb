"""Modality of a piece of evidence: did the event happen, is it only expected, or did it not?

DESIGN §6; the procedure and the reasons for it are in ``docs/notes/modality.md``. In short:

1. Tokenise the sentence exactly as ``indicators.text.tokenize`` does (anchors index into it),
   noting punctuation, and find the cues of ``cues.yaml`` (longest phrase wins; ``ignore``
   phrases such as "not only" or "as expected" hide what they contain).
2. Split it into clauses at ``; :``, commas, brackets, dashes and conjunctions ("but",
   "while", "although", "which", "and" before a cue …); "despite/amid/although" clauses are
   concessive background.
3. Judge the clause of the anchors: a negation in it wins; otherwise the cue group that
   governs the anchor (the nearest cue before it, else the first after it, with the cues
   adjacent to that one: "is expected to be signed") gives anticipated over occurred.
4. A clause without cues borrows from the nearest clause of its segment, then from the past
   tense (-ed) around the anchors, then from other segments; then a headline is occurred and
   anything else anticipated. An unconfirmed report ("sources said") turns occurred into
   anticipated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import NamedTuple, TypeAlias

import yaml

from indicators.model import CueLists, Modality
from indicators.text import normalise, tokenize

__all__ = ["CueSet", "decide_modality", "load_cues"]


@dataclass(frozen=True)
class CueSet:
    """The built-in cue phrases, one tuple per section of ``cues.yaml``."""

    occurred: tuple[str, ...] = ()
    anticipated: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()
    hedge: tuple[str, ...] = ()
    headline_occurred: tuple[str, ...] = ()
    headline_anticipated: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    not_past: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def load_cues() -> CueSet:
    """The built-in lists from ``indicators/cues.yaml`` (package data), read once."""
    raw = yaml.safe_load(resources.files("indicators").joinpath("cues.yaml").read_text("utf-8"))
    names = {f.name for f in fields(CueSet)}
    if not isinstance(raw, dict) or set(raw) != names:
        raise ValueError(f"cues.yaml: expected exactly the sections {sorted(names)}")
    sections = {}
    for name in sorted(names):
        phrases = raw[name]
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise ValueError(f"cues.yaml: section {name!r} must be a list of strings")
        sections[name] = tuple(phrases)
    return CueSet(**sections)


# Cue classes, strongest first (a lower number wins a tie between clauses).
_NEG, _ANT, _OCC, _HEDGE, _IGNORE = 0, 1, 2, 3, 4
_MODALITY = {_NEG: Modality.NEGATED, _ANT: Modality.ANTICIPATED, _OCC: Modality.OCCURRED}
_EXACT, _PREFIX, _GAP, _NUM = 0, 1, 2, 3
_MAX_GAP = 4  # "..." in a phrase skips up to four tokens

_Elem: TypeAlias = tuple[int, str]
_Pattern: TypeAlias = tuple[tuple[_Elem, ...], tuple[str, ...] | None, int]  # elems, fast, class
_Cue: TypeAlias = tuple[int, int, int]  # start, end (exclusive), class


def _compile_phrase(phrase: str) -> tuple[_Elem, ...]:
    elems: list[_Elem] = []
    for word in phrase.split():
        if word == "...":
            elems.append((_GAP, ""))
        elif word == "#":
            elems.append((_NUM, ""))
        else:
            prefix = word.endswith("*")
            toks = tokenize(word.rstrip("*"))
            if not toks:
                raise ValueError(f"cue {phrase!r}: {word!r} has no letters or digits")
            elems.extend((_EXACT, t) for t in toks)
            if prefix:
                if len(toks[-1]) < 3:
                    raise ValueError(f"cue {phrase!r}: a prefix needs three letters")
                elems[-1] = (_PREFIX, toks[-1])
    if not elems or elems[0][0] == _GAP or elems[-1][0] == _GAP:
        raise ValueError(f"cue {phrase!r}: empty, or begins or ends with '...'")
    return tuple(elems)


def _match(elems: tuple[_Elem, ...], toks: tuple[str, ...], i: int) -> int:
    """End of ``elems`` matched at ``toks[i]``, or -1; a gap takes the shortest fit."""
    for k, (kind, value) in enumerate(elems):
        if kind == _GAP:
            rest = elems[k + 1 :]
            for skip in range(_MAX_GAP + 1):
                end = _match(rest, toks, i + skip)
                if end >= 0:
                    return end
            return -1
        if i >= len(toks):
            return -1
        tok = toks[i]
        if (
            (kind == _EXACT and tok != value)
            or (kind == _PREFIX and not tok.startswith(value))
            or (kind == _NUM and not tok[0].isdigit())
        ):
            return -1
        i += 1
    return i


class _Matcher:
    """Cue phrases indexed by their first token (or the first three letters of a prefix)."""

    def __init__(self, groups: Iterable[tuple[Iterable[str], int]], not_past: Iterable[str]):
        self.exact: dict[str, list[_Pattern]] = {}
        self.prefix: dict[str, list[_Pattern]] = {}
        self.number: list[_Pattern] = []
        self.not_past = frozenset(not_past)
        for phrases, cls in groups:
            for phrase in phrases:
                elems = _compile_phrase(phrase)
                fast = tuple(v for _, v in elems) if all(k == _EXACT for k, _ in elems) else None
                pattern: _Pattern = (elems, fast, cls)
                kind, value = elems[0]
                if kind == _EXACT:
                    self.exact.setdefault(value, []).append(pattern)
                elif kind == _PREFIX:
                    self.prefix.setdefault(value[:3], []).append(pattern)
                else:
                    self.number.append(pattern)

    def find(self, toks: tuple[str, ...]) -> list[_Cue]:
        """Cues left to right, longest match at each position; ignored phrases are dropped."""
        cues: list[_Cue] = []
        n, i = len(toks), 0
        while i < n:
            tok = toks[i]
            best_end, best_cls = -1, _IGNORE
            for patterns in (
                self.exact.get(tok),
                self.prefix.get(tok[:3]),
                self.number if tok[0].isdigit() else None,
            ):
                for elems, fast, cls in patterns or ():
                    if fast is not None:
                        end = i + len(fast) if toks[i : i + len(fast)] == fast else -1
                    else:
                        end = _match(elems, toks, i)
                    if end > best_end:  # the first listed wins a tie: extra cues come first
                        best_end, best_cls = end, cls
            if best_end < 0:
                i += 1
                continue
            if best_cls != _IGNORE:
                cues.append((i, best_end, best_cls))
            i = best_end
        return cues


@lru_cache(maxsize=256)
def _matcher(extra: CueLists, headline: bool) -> _Matcher:
    cues = load_cues()
    groups: list[tuple[Iterable[str], int]] = [
        (extra.negated, _NEG),
        (extra.anticipated, _ANT),
        (extra.occurred, _OCC),
        (cues.ignore, _IGNORE),
        (cues.negated, _NEG),
        (cues.anticipated, _ANT),
        (cues.occurred, _OCC),
        (cues.hedge, _HEDGE),
    ]
    if headline:
        groups += [(cues.headline_anticipated, _ANT), (cues.headline_occurred, _OCC)]
    return _Matcher(groups, cues.not_past)


# The tokenizer of indicators.text (same patterns, so anchors index the same tokens; a test
# checks the two agree), extended to report the punctuation between words.
_ACRONYM = re.compile(r"\b(?:[^\W\d_]\.){2,}", re.U)
_POSSESSIVE = re.compile(r"'s$")
_SCAN = re.compile(
    r"(\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*)"  # a word, as indicators.text._WORD
    r"|(;|:(?!\d)|\s[-–]+\s|—|–\s)"  # a hard stop inside the sentence
    r"|([,()\[\]])"  # a soft one
)
_HARD, _SOFT, _CONCESSIVE = 1, 2, 3


def _scan(sentence: str) -> tuple[tuple[str, ...], dict[int, int]]:
    """Tokens of ``sentence`` and, by token index, the punctuation break before it."""
    norm = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), normalise(sentence))
    toks: list[str] = []
    breaks: dict[int, int] = {}
    for word, hard, _soft in _SCAN.findall(norm):
        if word:
            toks.append(_POSSESSIVE.sub("", word).replace("'", "") if "'" in word else word)
        else:
            n = len(toks)
            breaks[n] = _HARD if hard or breaks.get(n) == _HARD else _SOFT
    return tuple(toks), breaks


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Clause-opening words. A concessive clause ("despite the delays") is background to the
# event; "but/while/whereas/however" start a new segment; the others a new clause in it.
_CONCESSIVE_WORDS = _words("despite although though amid amidst notwithstanding")
_HARD_WORDS = _words("but while whereas however meanwhile")
_SOFT_WORDS = _words(
    "which who whom whose after before because unless until when if whether provided"
)
# "that" after these opens a complement ("denied reports that ..."), not a relative clause.
_COMPLEMENT = _words(
    """said says say told denied denies deny reports report reported claims claim claimed
    speculation rumours rumors expected expects hopes hoped hope believe believes believed
    likely unlikely possible confirmed confirms announced clear ensure ensured agreed noted
    added stated insisted indicated suggested signalled signaled warned sure"""
)
# Words allowed between the cues of one verb group ("is expected to be formally signed").
_GROUP_GAP = _words(
    """be been being have has had is are was were formally finally officially soon now also
    still jointly eventually then shortly quickly already likely possibly reportedly
    subsequently today"""
)
_AND_SKIP = _words("also then later subsequently now eventually finally")

_COMPLEMENT_THAT = 4  # a soft break whose clause inherits a negation from the one before


class _Clause(NamedTuple):
    start: int
    end: int
    segment: int  # clauses between two hard breaks share a segment
    concessive: bool  # "despite ...", "although ...": background to the event
    parent: int  # for "denied reports | that ...", the index of the governing clause, or -1


def _boundary(toks: tuple[str, ...], i: int, breaks: dict[int, int], starts: set[int]) -> int:
    """The kind of clause break before token ``i`` (0 for none)."""
    tok = toks[i]
    if tok in _CONCESSIVE_WORDS or (tok == "in" and toks[i + 1 : i + 3] == ("spite", "of")):
        return _CONCESSIVE
    if tok in _HARD_WORDS:
        return _HARD
    if kind := breaks.get(i, 0):
        return kind
    if tok in _SOFT_WORDS or (tok == "as" and toks[i + 1 : i + 3] == ("long", "as")):
        return _SOFT
    if tok == "that":  # a relative clause, or the complement of "denied reports that ..."
        governed = (i >= 1 and toks[i - 1] in _COMPLEMENT) or (
            i >= 2 and toks[i - 2] in _COMPLEMENT
        )
        return _COMPLEMENT_THAT if governed else _SOFT
    if tok == "ahead" and toks[i + 1 : i + 2] == ("of",):
        return _SOFT
    if tok == "and" and (i + 1 in starts or (i + 2 in starts and toks[i + 1] in _AND_SKIP)):
        return _SOFT  # "signed a pact and agreed to explore ..."
    return 0


def _clauses(toks: tuple[str, ...], breaks: dict[int, int], cues: list[_Cue]) -> list[_Clause]:
    starts = {c[0] for c in cues}
    bounds = [
        (i, kind)
        for i in range(len(toks))
        if (kind := _boundary(toks, i, breaks, starts)) and (i > 0 or kind == _CONCESSIVE)
    ]
    if len(bounds) == 1 and bounds[0] == (0, _CONCESSIVE):
        # "Despite the delays India signed ...": with no comma, end the concession at the
        # first verb-like cue after it.
        verb = next((c[0] for c in cues if c[0] > 1 and c[2] in (_ANT, _OCC)), 0)
        if verb:
            bounds.append((verb, _SOFT))
    clauses: list[_Clause] = []
    seg, lo, conc, parent = 0, 0, False, -1
    for i, kind in bounds:
        if i > lo:
            clauses.append(_Clause(lo, i, seg, conc, parent))
            if conc or kind in (_HARD, _CONCESSIVE):
                seg += 1
        lo, conc = i, kind == _CONCESSIVE
        parent = len(clauses) - 1 if kind == _COMPLEMENT_THAT else -1
    clauses.append(_Clause(lo, len(toks), seg, conc, parent))
    return clauses


def _adjacent(toks: tuple[str, ...], first: _Cue, second: _Cue) -> bool:
    return second[0] - first[1] <= 2 and all(t in _GROUP_GAP for t in toks[first[1] : second[0]])


def _group(toks: tuple[str, ...], cues: list[_Cue], anchor: int) -> int:
    """Class of the verb group governing ``anchor``: the nearest cue at or before it, else
    the first after it, with the cues adjacent to that one (anticipated beats occurred)."""
    k = -1
    for j, cue in enumerate(cues):
        if cue[0] > anchor:
            break
        k = j
    limit = anchor if k >= 0 else len(toks)
    k = max(k, 0)
    best = cues[k][2]
    j = k
    while j > 0 and _adjacent(toks, cues[j - 1], cues[j]):
        j -= 1
        best = min(best, cues[j][2])
    j = k
    while j + 1 < len(cues) and cues[j + 1][0] <= limit and _adjacent(toks, cues[j], cues[j + 1]):
        j += 1
        best = min(best, cues[j][2])
    return best


def _clause_class(
    toks: tuple[str, ...],
    cues: list[_Cue],
    clauses: list[_Clause],
    k: int,
    anchors: Sequence[int],
    toward: int,
) -> int | None:
    """Negated if a negation is in clause ``k`` (or in the clause whose complement it is:
    "denied reports | that they had signed"); else the class of the group governing the
    anchors, or of the group nearest ``toward`` in a clause without anchors; None if the
    clause has no cue."""
    clause = clauses[k]
    inside = [c for c in cues if clause.start <= c[0] < clause.end and c[2] != _HEDGE]
    parent = clause.parent
    while parent >= 0:
        up = clauses[parent]
        if any(c[2] == _NEG and up.start <= c[0] < up.end for c in cues):
            return _NEG
        parent = up.parent
    if not inside:
        return None
    if any(c[2] == _NEG for c in inside):
        return _NEG
    return min(_group(toks, inside, a) for a in (anchors or (toward,)))


def _past_tense(toks: Iterable[str], not_past: frozenset[str]) -> bool:
    return any(len(t) > 4 and t.endswith("ed") and t not in not_past for t in toks)


def _judge(
    toks: tuple[str, ...],
    cues: list[_Cue],
    clauses: list[_Clause],
    anchors: list[int],
    headline: bool,
    not_past: frozenset[str],
) -> int:
    """The class of the event at ``anchors`` (see the module docstring for the order)."""
    if not anchors:  # the whole sentence, concessive clauses aside
        scope = [k for k, c in enumerate(clauses) if not c.concessive] or range(len(clauses))
        classes = [_clause_class(toks, cues, clauses, k, (), -1) for k in scope]
        if _NEG in classes:
            return _NEG
        for cls in classes:
            if cls is not None:
                return cls
        return _OCC if headline or _past_tense(toks, not_past) else _ANT
    by_clause = [[a for a in anchors if c.start <= a < c.end] for c in clauses]
    homes = [k for k, inside in enumerate(by_clause) if inside]
    homes = [k for k in homes if not clauses[k].concessive] or homes
    results = [
        (len(by_clause[k]), -cls, cls)
        for k in homes
        if (cls := _clause_class(toks, cues, clauses, k, by_clause[k], 0)) is not None
    ]
    if results:  # the clause with most anchors; on a tie the stronger class
        return max(results)[2]
    segments = {clauses[k].segment for k in homes}
    others = sorted(
        (min(abs(k - h) for h in homes), k > homes[0], k)
        for k, c in enumerate(clauses)
        if k not in homes and not c.concessive
    )
    for same_segment in (True, False):
        for _, after, k in others:
            clause = clauses[k]
            if (clause.segment in segments) is not same_segment:
                continue
            toward = clause.start - 1 if after else clause.end
            if (cls := _clause_class(toks, cues, clauses, k, (), toward)) is not None:
                return cls
        if same_segment:
            near = (toks[c.start : c.end] for c in clauses if c.segment in segments)
            if any(_past_tense(words, not_past) for words in near):
                return _OCC
    return _OCC if headline else _ANT


_NO_EXTRA = CueLists()


def decide_modality(
    sentence: str,
    *,
    headline: bool = False,
    anchors: Sequence[int] = (),
    extra: CueLists = _NO_EXTRA,
) -> Modality:
    """Whether ``sentence`` says the event occurred, is anticipated, or is negated.

    ``anchors`` are indices into ``indicators.text.tokenize(sentence)`` where the indicator's
    query terms matched; the cues that govern them decide (without anchors, the whole
    sentence). ``extra`` adds an indicator's own cue phrases; they win a tie with a built-in
    phrase of the same length. Pass the sentence after ``strip_dateline``.
    """
    matcher = _matcher(extra, headline)
    toks, breaks = _scan(sentence)
    cues = matcher.find(toks)
    points = sorted({a for a in anchors if 0 <= a < len(toks)})
    cls = _judge(toks, cues, _clauses(toks, breaks, cues), points, headline, matcher.not_past)
    if cls == _OCC and any(c[2] == _HEDGE for c in cues):
        cls = _ANT  # "..., sources said": an unconfirmed report is not yet an event
    return _MODALITY[cls]

"""Modality of a piece of evidence: did the event happen, is it only expected, or did it not?

The procedure and the reasons for it are in ``docs/notes/modality.md``. In short:

1. Tokenise (``indicators.sentences.scan``: the tokens of ``tokenize``, which anchors index)
   and find the cue phrases of ``cues.yaml``, the longest at each position; ``ignore``
   phrases ("not only", "as expected", "declined to comment") hide what they contain.
2. Cut the sentence into clauses (``split_clauses``); "despite/although/after/if …" clauses
   are background, "but/while/;/:" start a new segment.
3. In the clause holding the anchors (most anchors wins, then the stronger class): a negation
   wins, also one in the clause that governs it ("denied reports | that …", "reports | that
   … were denied"); otherwise each anchor votes for the verb group that governs it: the
   nearest cue at or before it, else the first after it, with the cues adjacent to that one
   ("is expected to be formally signed"; "remains … on the agenda"), anticipated over
   occurred within a group; a tie of votes goes to anticipated.
4. A clause without cues: a past-looking verb in it means occurred; else the nearest clause
   of its segment with cues decides, then a past verb in the segment, then other segments;
   then a headline is occurred and body text anticipated. Without anchors the whole sentence
   (background aside) is the clause. Last, occurred becomes anticipated in a hedged report
   ("reportedly", "is said to"; not "sources said", which is attribution) or a question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import TypeAlias

import yaml

from indicators.events import (
    Event,
    Form,
    Lexicon,
    Role,
    Trigger,
    find_triggers,
    is_verb,
    lexicon,
)
from indicators.model import CueLists, Modality
from indicators.sentences import Clause, scan, split_clauses
from indicators.text import tokenize

__all__ = ["FALLBACKS", "CueSet", "Judgement", "decide_modality", "judge", "load_cues"]


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
_EXACT, _PREFIX, _GAP, _NUM, _YEAR = 0, 1, 2, 3, 4
_MAX_GAP = 4  # "..." in a phrase skips up to four tokens

_Elem: TypeAlias = tuple[int, str]
# elements, the tokens if all are exact (a fast path), class, position in the lists
_Pattern: TypeAlias = tuple[tuple[_Elem, ...], tuple[str, ...] | None, int, int]
_Cue: TypeAlias = tuple[int, int, int]  # start, end (exclusive), class
# The cues that may start at a token: its all-exact phrases by length, longest first, each
# length a table from the words to the (position in the lists, class) of the first listed
# with them; and the others (prefixes, gaps, numbers), in the order they were listed.
_Starts: TypeAlias = tuple[
    tuple[tuple[int, dict[tuple[str, ...], tuple[int, int]]], ...], tuple[_Pattern, ...]
]
_NO_STARTS: _Starts = ((), ())


def _compile_phrase(phrase: str) -> tuple[_Elem, ...]:
    elems: list[_Elem] = []
    for word in phrase.split():
        if word == "...":
            elems.append((_GAP, ""))
        elif word == "#":
            elems.append((_NUM, ""))
        elif word == "####":
            elems.append((_YEAR, ""))
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
            or (kind == _YEAR and not (len(tok) == 4 and tok[:2] in ("19", "20") and tok.isdigit()))
        ):
            return -1
        i += 1
    return i


def _order(pattern: _Pattern) -> int:
    return pattern[3]


class _Matcher:
    """Cue phrases indexed by their first token (or the first three letters of a prefix)."""

    def __init__(self, groups: Iterable[tuple[Iterable[str], int]], not_past: Iterable[str]):
        self.exact: dict[str, list[_Pattern]] = {}
        self.prefix: dict[str, list[_Pattern]] = {}
        self.number: list[_Pattern] = []
        self.not_past = frozenset(not_past)
        self.seen: dict[str, _Starts] = {}  # token -> the cues that may start there
        order = 0
        for phrases, cls in groups:
            for phrase in phrases:
                elems = _compile_phrase(phrase)
                fast = tuple(v for _, v in elems) if all(k == _EXACT for k, _ in elems) else None
                pattern: _Pattern = (elems, fast, cls, order)
                order += 1
                kind, value = elems[0]
                if kind == _EXACT:
                    self.exact.setdefault(value, []).append(pattern)
                elif kind == _PREFIX:
                    self.prefix.setdefault(value[:3], []).append(pattern)
                else:
                    self.number.append(pattern)

    def candidates(self, tok: str) -> _Starts:
        """The patterns whose first element accepts ``tok`` (see ``_Starts``)."""
        found = self.seen.get(tok)
        if found is None:
            pool = [*self.exact.get(tok, ()), *self.prefix.get(tok[:3], ())]
            if tok[:1].isdigit():
                pool += self.number
            patterns = sorted((p for p in pool if _match(p[0][:1], (tok,), 0) == 1), key=_order)
            found = _starts(patterns) if patterns else _NO_STARTS
            if len(self.seen) > 50_000:  # bound the memory on a stream of odd tokens
                self.seen.clear()
            self.seen[tok] = found
        return found

    def find(self, toks: tuple[str, ...]) -> list[_Cue]:
        """Cues left to right, the longest match at each position (``ignore`` ones too)."""
        cues: list[_Cue] = []
        seen = self.seen
        n, i = len(toks), 0
        while i < n:
            tok = toks[i]
            starts = seen.get(tok)
            if starts is None:
                starts = self.candidates(tok)
            if starts is _NO_STARTS:
                i += 1
                continue
            # The longest match; the first listed wins a tie (extra cues come first). The
            # all-exact phrases are looked up by their words, one lookup per length, not
            # compared one by one ("in" starts nineteen: issue 15).
            best_end, best_order, best_cls = -1, -1, _IGNORE
            lengths, others = starts
            for length, table in lengths:
                hit = table.get(toks[i : i + length])
                if hit is not None:
                    best_end, (best_order, best_cls) = i + length, hit
                    break
            for elems, _, cls, order in others:
                end = _match(elems, toks, i)
                if end > best_end or (end == best_end >= 0 and order < best_order):
                    best_end, best_order, best_cls = end, order, cls
            if best_end < 0:
                i += 1
                continue
            cues.append((i, best_end, best_cls))
            i = best_end
        return cues


def _starts(patterns: Sequence[_Pattern]) -> _Starts:
    """``patterns`` (in the order they were listed) as ``_Starts``."""
    by_length: dict[int, dict[tuple[str, ...], tuple[int, int]]] = {}
    others: list[_Pattern] = []
    for pattern in patterns:
        _, fast, cls, order = pattern
        if fast is None:
            others.append(pattern)
        else:
            by_length.setdefault(len(fast), {}).setdefault(fast, (order, cls))
    return tuple(sorted(by_length.items(), reverse=True)), tuple(others)


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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words allowed between the cues of one verb group ("is expected to be formally signed").
_GROUP_GAP = _words(
    """be been being have has had is are was were formally finally officially soon now also
    still jointly eventually then shortly quickly already likely possibly reportedly
    subsequently today"""
)
# Report nouns: "reports that ..." is denied by a negation that follows the complement.
_REPORTS = _words("reports report claims speculation rumours rumors suggestions")
# Linking verbs: what follows them in the clause says more than they do.
_COPULAS = _words("remains remained became becomes")


def _adjacent(toks: tuple[str, ...], first: _Cue, second: _Cue) -> bool:
    return second[0] - first[1] <= 2 and all(t in _GROUP_GAP for t in toks[first[1] : second[0]])


def _group(toks: tuple[str, ...], cues: list[_Cue], anchor: int) -> _Cue:
    """The verb group governing ``anchor``: the nearest cue at or before it, else the first
    after it, with the cues adjacent to that one; returns its strongest cue (anticipated
    beats occurred)."""
    k = -1
    for j, cue in enumerate(cues):
        if cue[0] > anchor:
            break
        k = j
    limit = anchor if k >= 0 else len(toks)
    k = max(k, 0)
    best = cues[k]
    j = k
    while j > 0 and _adjacent(toks, cues[j - 1], cues[j]):
        j -= 1
        best = min(best, cues[j], key=_strength)
    j = k
    while j + 1 < len(cues) and cues[j + 1][0] <= limit and _adjacent(toks, cues[j], cues[j + 1]):
        j += 1
        best = min(best, cues[j], key=_strength)
    if toks[cues[j][0]] in _COPULAS and j + 1 < len(cues):
        best = min(best, cues[j + 1], key=_strength)  # "remains a key item on the agenda"
    return best


def _strength(cue: _Cue) -> int:
    return cue[2]


def _clause_class(
    toks: tuple[str, ...],
    cues: list[_Cue],
    clauses: list[Clause],
    k: int,
    anchors: Sequence[int],
    toward: int,
    tight: bool = False,
) -> _Cue | None:
    """The negation in clause ``k`` (or in the clause whose complement it is: "denied
    reports | that they had signed"); else the deciding cue of the group governing the
    anchors, or of the group nearest ``toward`` in a clause without anchors; None if the
    clause has no cue."""
    clause = clauses[k]
    inside = [c for c in cues if clause.start <= c[0] < clause.end and c[2] != _HEDGE]
    parent = clause.parent
    while parent >= 0:
        up = clauses[parent]
        for c in cues:
            if c[2] == _NEG and up.start <= c[0] < up.end:
                return c
        parent = up.parent
    if clause.parent >= 0 and _REPORTS & set(toks[max(clause.start - 2, 0) : clause.start]):
        # "Reports that they had agreed ... were denied": the denial comes after the report
        later = [c for c in clauses[k + 1 :] if c.segment == clause.segment]
        for up in later:
            for c in cues:
                if c[2] == _NEG and up.start <= c[0] < up.end:
                    return c
    if not inside:
        return None
    if not tight:  # a negation anywhere in the clause; with triggers, only in their group
        for c in inside:
            if c[2] == _NEG:
                return c
    # each anchor votes for the group that governs it; a tie goes to the stronger class
    votes = [_group(toks, inside, a) for a in (anchors or (toward,))]
    classes = [v[2] for v in votes]
    cls = max(set(classes), key=lambda c: (classes.count(c), -c))
    return next(v for v in votes if v[2] == cls)


_AUXILIARY = _words("has have had was were")
_PARTICIPLES = _words("made paid sold built held sent set hit put won begun done gone left met")


def _past_tense(
    toks: Sequence[str], span: range, skip: list[_Cue], not_past: frozenset[str]
) -> bool:
    """A verb in ``toks[span]`` that looks past, outside cues and ignored phrases (``skip``):
    "-ed" (not an adjective such as "advanced"), or a participle after "has/was": "has been
    in effect", "was given", "has unfrozen", "was sold"."""
    for i in span:
        tok = toks[i]
        if tok in not_past:
            continue
        past = (len(tok) > 4 and tok.endswith("ed")) or (
            i > 0
            and toks[i - 1] in _AUXILIARY
            and (tok.endswith(("en", "wn")) or tok in _PARTICIPLES)
        )
        if past and not any(start <= i < end for start, end, _ in skip):
            return True
    return False


# Subordinators of a clause whose event has not happened ("if", "before the deal is signed").
_CONDITIONS = _words("if unless once before until when whether provided")

# Why a class was chosen when no cue decided it (the fallbacks of ``_judge``).
PAST_VERB = "a past verb"
HEADLINE = "headline grammar"
NO_CUE = "no cue (a mention, not an event)"
FALLBACKS = frozenset({PAST_VERB, HEADLINE, NO_CUE})


def _judge(
    toks: tuple[str, ...],
    cues: list[_Cue],
    clauses: list[Clause],
    anchors: list[int],
    headline: bool,
    skip: list[_Cue],
    not_past: frozenset[str],
    tight: bool = False,
) -> tuple[int, _Cue | str]:
    """The class of the event at ``anchors`` and the cue (or fallback) that decided it (see
    the module docstring for the order)."""
    if not anchors:  # the whole sentence, concessive clauses aside
        scope = [k for k, c in enumerate(clauses) if not c.background] or range(len(clauses))
        decided = [_clause_class(toks, cues, clauses, k, (), -1) for k in scope]
        for cue in decided:
            if cue is not None and cue[2] == _NEG:
                return _NEG, cue
        for cue in decided:
            if cue is not None:
                return cue[2], cue
        if _past_tense(toks, range(len(toks)), skip, not_past):
            return _OCC, PAST_VERB
        return (_OCC, HEADLINE) if headline else (_ANT, NO_CUE)
    by_clause = [[a for a in anchors if c.start <= a < c.end] for c in clauses]
    homes = [k for k, inside in enumerate(by_clause) if inside]
    homes = [k for k in homes if not clauses[k].background] or homes
    results = [
        (len(by_clause[k]), -k if tight else -cue[2], cue)
        for k in homes
        if (cue := _clause_class(toks, cues, clauses, k, by_clause[k], 0, tight)) is not None
    ]
    if results:  # the clause with most anchors; on a tie the stronger class, or with
        # triggers (one per clause) the first clause: the sentence's main report
        best = max(results, key=lambda r: (r[0], r[1]))[2]
        return best[2], best
    if any(
        _past_tense(toks, range(clauses[k].start, clauses[k].end), skip, not_past) for k in homes
    ):
        return _OCC, PAST_VERB
    if tight and all(clauses[k].background for k in homes):
        # The event is the background of another ("The signing was postponed after
        # campaigners filed a challenge"): a cause is reported as fact, a condition is not.
        opener = toks[clauses[homes[0]].start]
        return (_ANT, opener) if opener in _CONDITIONS else (_OCC, opener)
    segments = {clauses[k].segment for k in homes}
    others = sorted(
        (min(abs(k - h) for h in homes), k > homes[0], k)
        for k, c in enumerate(clauses)
        if k not in homes and not c.background
    )
    for same_segment in (True, False):
        for _, after, k in others:
            clause = clauses[k]
            if (clause.segment in segments) is not same_segment:
                continue
            toward = clause.start - 1 if after else clause.end
            if (cue := _clause_class(toks, cues, clauses, k, (), toward)) is not None:
                return cue[2], cue
        if same_segment:
            near = (c for c in clauses if c.segment in segments and not c.background)
            if any(_past_tense(toks, range(c.start, c.end), skip, not_past) for c in near):
                return _OCC, PAST_VERB
    return (_OCC, HEADLINE) if headline else (_ANT, NO_CUE)


_NO_EXTRA = CueLists()
_CLOSERS = "\"'”’»)]"


@dataclass(frozen=True)
class Judgement:
    """A modality with its reasons: the event's trigger words (empty when the sentence does
    not name the event, and the query's terms were judged instead), the cue or fallback that
    decided, and whether the sentence reports the event undone (a reversal: cancelled,
    withdrawn, reimposed)."""

    modality: Modality
    trigger: str = ""
    cue: str = ""
    undone: bool = False


def decide_modality(
    sentence: str,
    *,
    headline: bool = False,
    anchors: Sequence[int] = (),
    extra: CueLists = _NO_EXTRA,
    event: Event | None = None,
    lex: Lexicon | None = None,
) -> Modality:
    """Whether ``sentence`` says the event occurred, is anticipated, or is negated
    (``judge`` with its reasons)."""
    return judge(
        sentence, headline=headline, anchors=anchors, extra=extra, event=event, lex=lex
    ).modality


def judge(
    sentence: str,
    *,
    headline: bool = False,
    anchors: Sequence[int] = (),
    extra: CueLists = _NO_EXTRA,
    event: Event | None = None,
    lex: Lexicon | None = None,
) -> Judgement:
    """Whether ``sentence`` says the event occurred, is anticipated, or is negated, and why.

    ``anchors`` are indices into ``indicators.text.tokenize(sentence)`` where the indicator's
    query terms matched. With an ``event``, the words naming it in the sentence (its
    triggers, ``indicators.events``) are judged instead: each is a cue by its own form
    ("signed", "to sign", "reimposed" for a lifted ban) and the cues that govern it decide.
    Without triggers the cues that govern the anchors decide (without anchors, the whole
    sentence). ``extra`` adds an indicator's own cue phrases; they win a tie with a built-in
    phrase of the same length. A leading dateline is harmless (its punctuation makes it a
    clause of its own, and "May 5" is not a modal); ``strip_dateline`` it for display, and
    compute the anchors on the text that is passed here.
    """
    matcher = _matcher(extra, headline)
    toks, breaks = scan(sentence)
    found = matcher.find(toks)
    points = sorted({a for a in anchors if 0 <= a < len(toks)})
    triggers = (
        find_triggers(toks, event, lex or lexicon(), headline=headline) if event is not None else []
    )
    adjectives = _compound_participles(sentence)
    cues = [c for c in found if c[2] != _IGNORE and c[0] not in adjectives]
    if headline:  # "Ministry to simplify rules": any verb, not just the listed ones
        cues = _headline_infinitives(toks, cues)
    documents = _document_cues(toks) if _about_a_document(event) else []
    if documents:
        cues = sorted(
            {*(c for c in cues if not any(_overlap(c, d) for d in documents)), *documents}
        )
    if triggers:
        triggers = _near(triggers, points)
        cues = _with_triggers(toks, cues, triggers, headline, points, documents)
    elif event is not None and points:
        cues = _amounts_at_anchors(toks, cues, event, lex or lexicon(), points)
    clauses = split_clauses(
        toks,
        breaks,
        cue_starts={c[0] for c in cues},
        verb_starts=[c[0] for c in cues if c[2] in (_ANT, _OCC)],
    )
    if triggers:
        points = _clause_triggers(triggers, clauses)
    cls, why = _judge(
        toks, cues, clauses, points, headline, found, matcher.not_past, bool(triggers)
    )
    hedged = any(c[2] == _HEDGE for c in cues)
    if cls == _OCC and (hedged or sentence.rstrip().rstrip(_CLOSERS).endswith("?")):
        cls = _ANT  # "... reportedly ...", "Can the rupee ...?": not (yet) an event
        why = next((c for c in cues if c[2] == _HEDGE), "a question")
    cue = why if isinstance(why, str) else " ".join(toks[why[0] : why[1]])
    undone = (
        cls == _NEG
        and not isinstance(why, str)
        and any(
            t.role is Role.REVERSAL and t.start <= why[0] < t.end and _reported_done(toks, t)
            for t in triggers
        )
    )
    trigger = " ".join(" ".join(toks[t.start : t.end]) for t in triggers)
    return Judgement(_MODALITY[cls], trigger, cue, undone)


# "to" after these is a preposition: "due to the strike", "close to a deal".
_NOT_INFINITIVE = _words("due close next according prior owing thanks up compared relative")

_NOTHING = _words("no zero nothing none")
# Words that open another clause: a cue before them does not govern what follows.
_OPENERS = _words("after before because since as when while but although if unless once until")

# The words before a base form that make it a future or a plan ("to sign", "will sign").
_FUTURE = _words("to will would could may might shall should must can ll going plans plan aims")
_PROGRESSIVE = _words("is are am be being")
# Before a noun of the event: it is planned, not done ("the planned signing").
_PLANNED = _words("""planned upcoming proposed expected scheduled future possible potential imminent
    forthcoming prospective mooted envisaged intended eventual awaited for ahead before
    pending awaiting towards toward""")
# A reversal this far (in tokens) from the query's terms or the event is about something else.
_REVERSAL_REACH = 8


def _before(toks: tuple[str, ...], i: int) -> str:
    """The word before ``toks[i]``, skipping adverbs ("to provisionally apply")."""
    j = i - 1
    while j > 0 and toks[j].endswith("ly") and len(toks[j]) > 4:
        j -= 1
    return toks[j] if j >= 0 else ""


def _infinitive_before(toks: tuple[str, ...], i: int) -> bool:
    """Whether a headline has "to" + a verb before ``toks[i]`` ("X to ease rules, cut
    fees"): the headline infinitive is a future for every verb it coordinates."""
    return any(
        toks[j] == "to" and j > 0 and toks[j - 1] not in _NOT_INFINITIVE and is_verb(toks[j + 1])
        for j in range(max(i - 12, 0), i - 1)
    )


def _clause_triggers(triggers: list[Trigger], clauses: list[Clause]) -> list[int]:
    """The trigger each clause is judged on: a reversal ("the pact signed in May was
    cancelled": the later undoing), else the first ("voted to request" is a vote)."""
    points = []
    for clause in clauses:
        inside = [t for t in triggers if clause.start <= t.start < clause.end]
        if inside:
            undo = [t for t in inside if t.role is Role.REVERSAL]
            points.append((undo or inside)[0].start)
    return points


# Pattern 7 of issue 12: an outcome text is the subject ("The declaration calls on members
# to double lending"): what it says is in it (occurred for its adoption), what it drops is
# not (negated), whatever the grammar of the action it names.
_DOCUMENTS = _words(
    """communique communiqué declaration statement text decision resolution treaty agreement
    accord deal pact plan bill law budget draft conclusions outcome document charter
    framework compact strategy"""
)
_SAYS = _words(
    """endorses endorsed calls called urges urged includes included sets stresses stressed
    reaffirms reaffirmed reiterates reiterated encourages encouraged commits committed
    pledges pledged contains contained provides provided mandates requires establishes
    established creates created launches welcomes welcomed recognises recognizes
    recognised recognized notes noted acknowledges backs backed invites invited asks
    affirms affirmed highlights references mentions lists outlines outlined enshrines
    enshrined"""
)
_LEAVES_OUT = _words(
    """omits omitted drops dropped excludes excluded removes removed deletes deleted strips
    stripped lacks ignores ignored scraps scrapped"""
)
_DOC_REACH = 4  # "The G7 leaders' statement stresses": the subject just before the verb


def _document_cues(toks: tuple[str, ...]) -> list[_Cue]:
    """A document's verb as a cue: occurred for what it says, negated for what it leaves
    out."""
    found: list[_Cue] = []
    for i, tok in enumerate(toks):
        near = set(toks[max(i - _DOC_REACH, 0) : i])
        if (tok in _SAYS or tok in _LEAVES_OUT) and _DOCUMENTS & near:
            found.append((i, i + 1, _NEG if tok in _LEAVES_OUT else _OCC))
    return found


def _about_a_document(event: Event | None) -> bool:
    """Whether the indicator watches what a text says ("Debt relief in the G20
    communique"), not what a text commits someone to do ("Withdrawal of troops")."""
    if event is None:
        return False
    return event.action == "pledge" or bool(_DOCUMENTS & {*event.object, *event.head})


def _overlap(a: _Cue, b: _Cue) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _headline_infinitives(toks: tuple[str, ...], cues: list[_Cue]) -> list[_Cue]:
    """A headline's "to" + verb as an anticipated cue where no cue covers it."""
    taken = {i for start, end, _ in cues for i in range(start, end)}
    extra = [
        (j, j + 2, _ANT)
        for j in range(1, len(toks) - 1)
        if toks[j] == "to"
        and j not in taken
        and j + 1 not in taken
        and toks[j - 1] not in _NOT_INFINITIVE
        and is_verb(toks[j + 1])
    ]
    return sorted([*cues, *extra]) if extra else cues


# "Chinese-made vehicles", "Russian-built frigate", "state-owned refiner": a participle
# joined to a noun by a hyphen is an adjective, not a report that something was made.
_COMPOUND = re.compile(
    r"\w[-‐‑](made|built|owned|based|led|backed|designed|run|funded|linked|flagged|"
    r"controlled|produced|supplied|sponsored|brokered|operated)\b",
    re.IGNORECASE,
)


def _compound_participles(sentence: str) -> frozenset[int]:
    """Token indices of hyphenated participles used as adjectives (``_COMPOUND``)."""
    if "-" not in sentence and "‐" not in sentence and "‑" not in sentence:
        return frozenset()
    return frozenset(len(tokenize(sentence[: m.start(1)])) for m in _COMPOUND.finditer(sentence))


def _reported_done(toks: tuple[str, ...], trigger: Trigger) -> bool:
    """Whether a reversal is reported as done ("cancelled", "reimposes", "the
    cancellation"), not planned ("plans to cancel", "will reimpose")."""
    prev = _before(toks, trigger.start)
    if trigger.form is Form.BASE:
        return prev not in _FUTURE and not _infinitive_before(toks, trigger.start)
    return not (trigger.form is Form.PAST and prev == "be") and prev not in _PLANNED


# "X voted to refer", "the decision to ask": for an act that a decision performs (a
# referral, a request, an approval), the decision reported is the act itself.
_DECIDED = _words("decided decision voted votes voting resolved resolution")


def _decided_before(toks: tuple[str, ...], i: int) -> bool:
    return i >= 2 and toks[i - 1] == "to" and toks[i - 2] in _DECIDED


def _without(toks: tuple[str, ...], i: int) -> bool:
    if i >= 1 and toks[i - 1] == "without":
        return True
    return i >= 2 and toks[i - 2] == "without" and toks[i - 1] in ("a", "an", "any", "the")


def _trigger_class(toks: tuple[str, ...], trigger: Trigger, headline: bool) -> int | None:
    """The cue class a trigger word is by its own form and the word before it; None for a
    noun or verb-noun, which the words around it govern ("the signing was postponed")."""
    prev = _before(toks, trigger.start)
    if trigger.role is Role.REVERSAL:
        # "cancelled the deal", "reimposes the ban": the event undone (``undone`` is set
        # only when the reversal is reported done: see ``judge``)
        return _NEG  # a planned undoing is bad news too: "plans to scale back imports"
    after = toks[trigger.end] if trigger.end < len(toks) else ""
    if after in _NOTHING and trigger.form is not Form.NOUN:
        return _NEG  # "imported no canola", "bought nothing"
    form = trigger.form
    if trigger.by_decision and form is Form.BASE and _decided_before(toks, trigger.start):
        return _OCC  # "voted to refer the deal", "the decision to ask the court"
    if form is Form.PAST:
        return _ANT if prev == "be" else _OCC  # "to be signed", "will be lifted"
    if form is Form.BASE:
        if prev in _FUTURE or not headline or _infinitive_before(toks, trigger.start):
            return _ANT  # "Ministry to ease visa rules, cut fees": "to" governs both
        return _OCC
    if form is Form.PRESENT:
        return _OCC  # "Kinshasa lifts ban": headline present reports a past event
    if form in (Form.GERUND, Form.NOUN) and _without(toks, trigger.start):
        return _NEG  # "ended without signing", "the deadline passed without a signature"
    if form is Form.GERUND:
        if prev in ("after", "since"):
            return _OCC
        if prev in _PROGRESSIVE:  # "are protesting" goes on; "is signing" is not done
            return _OCC if trigger.durative else _ANT
    if _PLANNED & set(toks[max(trigger.start - 3, 0) : trigger.start]):
        return _ANT  # "the planned signing", "for Jan 17 signing", "ahead of the launch"
    return None


# Quantities as events (issue 12, pattern 4): for an event that goes on over time (buying,
# deliveries, payments), a fall is a failure of it and a rise or record is the event.
_FALL = _words(
    """fell fall falls falling declined decline declines declining dropped drop drops
    slumped slump plunged plunge plummeted lowest slipped slid dipped shrank shrunk
    contracted tumbled sank halved down reduced reduce reducing cut cuts slashed lower
    dwindled dried zero retreat retreated stepping"""
)
_RISE = _words(
    """rose rise rises rising surged surge surging jumped soared climbed record highest
    increased increasing doubled tripled grew growing expanded peak"""
)
# Words for a flow of goods or money: a fall in any of them is a fall in a durative event
# ("Continued purchases of canola": "canola shipments fell 80%").
_FLOWS = _words(
    """imports exports shipments purchases sales cargoes deliveries supplies flows volumes
    arrivals inflows outflows orders trade output production"""
)
_PERIODS = _words("month year week decade time record quarter")
_QUANTITY_REACH = 6  # tokens either side of the trigger


def _quantity_cues(toks: tuple[str, ...], trigger: Trigger) -> list[_Cue]:
    """Falls and rises near a durative event's trigger, as cues ("imports fell to a
    three-year low": negated; "record purchases": occurred)."""
    found: list[_Cue] = []
    lo, hi = max(trigger.start - _QUANTITY_REACH, 0), min(trigger.end + _QUANTITY_REACH, len(toks))
    for i in range(lo, hi):
        if trigger.start <= i < trigger.end:
            continue
        cue = _quantity_cue(toks, i, trigger.decrease)
        if cue is not None:
            found.append(cue)
    return found


def _quantity_cue(toks: tuple[str, ...], i: int, decrease: bool) -> _Cue | None:
    """``toks[i]`` as a fall or a rise of an event (of one that is a decrease: "inflation
    rose" is negated), or None."""
    tok, prev = toks[i], toks[i - 1] if i > 0 else ""
    fall, rise = (_OCC, _NEG) if decrease else (_NEG, _OCC)
    if tok in _FALL or (tok == "low" and prev in _PERIODS):
        return (i, i + 1, fall)
    if tok in _RISE or (tok == "high" and prev in _PERIODS):
        return (i, i + 1, rise)
    return None


_QUANTITY_WORDS = _FALL | _RISE | {"low", "high"}  # what ``_quantity_cue`` can take


def _amounts_at_anchors(
    toks: tuple[str, ...],
    cues: list[_Cue],
    event: Event,
    lex: Lexicon,
    anchors: Sequence[int],
) -> list[_Cue]:
    """For a durative event the sentence does not name ("Recovery of coal exports":
    "coal exports dropped to a three-year low"), the falls and rises near the query's
    terms."""
    cls = lex.classes.get(event.action)
    if cls is None or not cls.durative:
        return cues
    # The cues of ``_quantity_cues`` around each anchor and flow word, one point at a
    # time: a fall or rise word within reach of some point other than itself. The few
    # such words are checked against the points, rather than every word near every
    # point (issue 15).
    points = [*anchors, *(i for i, tok in enumerate(toks) if tok in _FLOWS)]
    amounts: set[_Cue] = set()
    for i, tok in enumerate(toks):
        if tok in _QUANTITY_WORDS and any(p != i and abs(p - i) <= _QUANTITY_REACH for p in points):
            cue = _quantity_cue(toks, i, cls.decrease)
            if cue is not None:
                amounts.add(cue)
    if not amounts:
        return cues
    kept = [c for c in cues if not any(_overlap(c, a) for a in amounts)]
    return sorted({*kept, *amounts})


def _near(triggers: list[Trigger], anchors: Sequence[int]) -> list[Trigger]:
    """The triggers that count: every naming of the event, and a reversal only near the
    query's terms or the event ("the deal signed in May was cancelled"), not a "withdrew"
    about something else in a long sentence."""
    events = [t.start for t in triggers if t.role is Role.EVENT]
    points = [*anchors, *events]
    return [
        t
        for t in triggers
        if t.role is Role.EVENT or any(abs(t.start - p) <= _REVERSAL_REACH for p in points)
    ]


def _between(cue: _Cue, documents: Sequence[_Cue], trigger: Trigger) -> bool:
    return any(d[1] <= cue[0] and cue[1] <= trigger.start for d in documents)


def _gives_way(cue: _Cue, trigger: Trigger) -> bool:
    """Whether a cue overlapping a trigger yields to it: one within the trigger's words
    does, and so does every cue of an ending event ("cut ... to zero" is the cut watched);
    a longer phrase around another trigger is kept ("delivery schedule", "did not sign")."""
    if not (cue[0] < trigger.end and trigger.start < cue[1]):
        return False
    inside = trigger.start <= cue[0] and cue[1] <= trigger.end
    return inside or trigger.ending


_PREDICATE_REACH = 8  # "the proposed sale of its 49% stake in Nayara has hit an obstacle"
_PREDICATE_OPENERS = _OPENERS | _words("which that who despite amid and or")


# Predicates that say a planned event happened: "the planned signing went ahead".
_HAPPENED = frozenset({("took", "place"), ("taken", "place"), ("went", "ahead"), ("gone", "ahead")})


def _predicate(toks: tuple[str, ...], cues: list[_Cue], t: Trigger) -> int | None:
    """What the predicate after a planned event's noun says of it, in the same clause: a
    negation ("was postponed") or that it happened ("went ahead"); None otherwise."""
    for c in sorted(cues):
        if not t.end <= c[0] <= t.end + _PREDICATE_REACH:
            continue
        if _PREDICATE_OPENERS & set(toks[t.end : c[0]]):
            return None
        if c[2] == _NEG:
            return _NEG
        if c[2] == _OCC and tuple(toks[c[1] - 2 : c[1]]) in _HAPPENED:
            return _OCC
    return None


def _with_triggers(
    toks: tuple[str, ...],
    cues: list[_Cue],
    triggers: list[Trigger],
    headline: bool,
    anchors: Sequence[int],
    documents: Sequence[_Cue] = (),
) -> list[_Cue]:
    """The cues with each trigger judged by its own form: cues overlapping a trigger give
    way to it, and for an ending event ("lift the ban") a negation on the query's own terms
    names the thing watched (the ban), not a failure of the event."""
    ending = any(t.ending for t in triggers)
    kept = [
        c
        for c in cues
        if not any(_gives_way(c, t) for t in triggers)
        and not (ending and c[2] == _NEG and any(c[0] <= a < c[1] for a in anchors))
    ]
    for t in triggers:
        cls = _trigger_class(toks, t, headline)
        said = any(d[0] < t.start <= d[0] + 8 for d in documents)
        if said:  # "sets a target of cutting", "calls on members to double": its content
            kept = [c for c in kept if not (c[2] == _ANT and _between(c, documents, t))]
        negated = any(
            c[2] == _NEG
            and t.start - 4 <= c[1] <= t.start
            and not _OPENERS & set(toks[c[1] : t.start])
            for c in kept
        )
        if t.form in (Form.NOUN, Form.GERUND) and negated and t.role is Role.EVENT:
            cls = _NEG  # "called off the planned strike": the verb governs its object
        elif cls == _ANT and t.form is Form.NOUN and t.role is Role.EVENT:
            # "the planned signing was postponed" / "went ahead": its predicate governs it
            said_of = _predicate(toks, kept, t)
            cls = cls if said_of is None else said_of
            if said_of == _OCC:  # "planned" said what it was, not what it is now
                kept = [c for c in kept if not (c[2] == _ANT and t.start - 3 <= c[0] < t.start)]
        if cls is not None and not said:  # "The declaration calls on members to double"
            kept.append((t.start, t.end, cls))
        if t.durative and t.role is Role.EVENT:
            amounts = _quantity_cues(toks, t)
            kept = [c for c in kept if not any(c[0] < a[1] and a[0] < c[1] for a in amounts)]
            kept += amounts
    return sorted(set(kept))

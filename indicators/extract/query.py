"""Stage 3 of ``extract``: one list item → a draft query in the rule language (DESIGN §5).

The query is a conjunction of OR groups, built only from the item's own words and their
synonyms, so it always matches its own item (a test checks it with the real parser):

* every actor the item names, as its group: ``(india OR indian OR indians OR "new delhi")``;
* then the item's key concepts, best first, two of them when actors are present, else three
  (precise enough to be useful, not every word: issue 4):

  1. thesaurus concepts (``agreement*`` → pact, MoU, memorandum, deal, accord, treaty),
  2. enumerations in the item ("in energy, space or defence" → one OR group; they rank
     with the concepts),
  3. hyphenated compounds as phrases ("trade-finance" → ``"trade finance"``),
  4. other content words, with a prefix form where inflection matters (``export*``).

Generic words ("new", "clear", "large-scale") and stopwords never become terms.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass

from indicators.errors import ExtractionError
from indicators.extract.thesaurus import QTerm, Thesaurus, render_group
from indicators.text import tokenize

_STOP_WORDS = """
    a an the of in on at to for from by with without and or not no nor but if as is are was
    were be been being it its this that these those he she they we you i his her their our has
    have had do does did will would can could may might shall should than then there here so
    into over about after before up down out said says all each every some only own same both
    either neither one two also very too just than under again once other against during while
    until unless per via whose whom who which what when where why how
"""
_STOP = frozenset(_STOP_WORDS.split())
_MONTHS = frozenset(m.lower() for m in calendar.month_name[1:])
_WEAK = 1.5  # a concept from ``weak``: used when nothing more specific is in the item
_SUFFIX_WORDS_TEXT = (
    "related based led linked oriented driven focused wide term level scale style type"
)
_SUFFIX_WORDS = frozenset(_SUFFIX_WORDS_TEXT.split())
_WORD = r"[^\W\d_][\w'’‐‑-]*"
_ELEMENT = rf"{_WORD}(?:\s+{_WORD}){{0,2}}"
_ENUMERATION = re.compile(
    rf"(?<![\w'’-])(?P<first>{_ELEMENT})(?P<middle>(?:\s*,\s*{_ELEMENT})*)"
    rf"\s*,?\s+(?P<conj>and|or)\s+(?P<last>{_ELEMENT})"
)
_COMPOUND = re.compile(r"[^\W\d_]+(?:[-‐‑–][^\W\d_]+)+")


@dataclass(frozen=True)
class DraftQuery:
    query: str
    actors: tuple[str, ...]  # the actors the item names, in the query
    concepts: tuple[str, ...]  # what each concept group stands for, for the notes


@dataclass
class _Group:
    terms: list[QTerm]
    start: int
    covers: set[int]
    score: float
    label: str


def draft_query(title: str, thesaurus: Thesaurus) -> DraftQuery:
    """The draft query of one item (see the module docstring for how it is built)."""
    tokens = tokenize(title)
    if not tokens:
        raise ExtractionError(f"item {title!r} has no words to build a query from")
    covered: set[int] = set()
    actors = _actor_groups(tokens, thesaurus, covered)
    candidates = _concept_groups(tokens, thesaurus, covered)
    candidates += _enumerations(title, tokens, thesaurus, covered, candidates)
    candidates += _compounds(title, tokens, thesaurus, covered)
    candidates += _content_words(tokens, thesaurus, covered)
    wanted = 2 if actors else 3
    chosen = sorted(candidates, key=lambda g: (-g.score, g.start))[:wanted]
    if not actors and not chosen:
        # Nothing specific: the item's words as one phrase still match the item exactly.
        chosen = [_Group([QTerm(tuple(tokens[:6]))], 0, set(), 0.0, " ".join(tokens[:6]))]
    groups = [g for g, _ in actors] + sorted(chosen, key=lambda g: g.start)
    query = " ".join(render_group(g.terms) for g in groups)
    return DraftQuery(query, tuple(key for _, key in actors), tuple(g.label for g in chosen))


def _actor_groups(
    tokens: list[str], thesaurus: Thesaurus, covered: set[int]
) -> list[tuple[_Group, str]]:
    out: list[tuple[_Group, str]] = []
    for key, terms in thesaurus.actors.items():
        hits = [(i, t) for i in range(len(tokens)) for t in terms if t.matches_at(tokens, i)]
        if hits:
            for i, term in hits:
                covered.update(range(i, i + len(term.words)))
            out.append((_Group(list(terms), hits[0][0], set(), 9.0, key), key))
    out.sort(key=lambda pair: pair[0].start)
    return out


def _concept_groups(tokens: list[str], thesaurus: Thesaurus, covered: set[int]) -> list[_Group]:
    out: list[_Group] = []
    for key, terms in thesaurus.synonyms.items():
        hit = _concept_hit(tokens, terms, covered)
        if hit is None:
            continue
        i, width, literal = hit
        own = [] if literal else [own_term(tokens[i])]
        span = set(range(i, i + width))
        covered.update(span)
        score = _WEAK if key in thesaurus.weak else 3.0
        out.append(_Group(own + list(terms), i, span, score, key))
    return out


def _concept_hit(
    tokens: list[str], terms: Sequence[QTerm], covered: set[int]
) -> tuple[int, int, bool] | None:
    """First position where a concept applies: (index, width, matched by a term literally)."""
    stems = {stem(t.words[0]) for t in terms if len(t.words) == 1}
    for i, token in enumerate(tokens):
        if i in covered:
            continue
        for term in terms:
            if term.matches_at(tokens, i) and not covered & set(range(i, i + len(term.words))):
                return i, len(term.words), True
        if token.isalpha() and len(stem(token)) >= 5 and stem(token) in stems:
            return i, 1, False
    return None


def _enumerations(
    title: str,
    tokens: list[str],
    thesaurus: Thesaurus,
    covered: set[int],
    concepts: list[_Group],
) -> list[_Group]:
    """'energy, space or defence' / 'such as A, B, C and D' → one OR group."""
    out: list[_Group] = []
    for m in _ENUMERATION.finditer(title):
        raw = [m["first"], *re.split(r"\s*,\s*", m["middle"].strip(" ,")), m["last"]]
        raw = [r for r in raw if r]
        elements = [_trim(r, thesaurus, k, len(raw)) for k, r in enumerate(raw)]
        elements = [e for e in elements if e]
        if len(elements) < 2 or (len(elements) == 2 and m["conj"] != "or"):
            continue
        if any(_is_actor(e, thesaurus) for e in elements):
            continue
        terms: list[QTerm] = []
        span: set[int] = set()
        for element in elements:
            at = _find(tokens, element, covered - _spans(concepts))
            if at is None:
                break
            here = set(range(at, at + len(element)))
            span |= here
            inside = [c for c in concepts if c.covers & here]
            for concept in inside:
                concepts.remove(concept)
            if len(element) == 1 and inside:
                terms.extend(inside[0].terms)  # "defence" brings "defense"
            else:
                terms.append(own_term(element[0]) if len(element) == 1 else QTerm(element))
        else:
            covered.update(span)
            label = " / ".join(" ".join(e) for e in elements)
            out.append(_Group(terms, min(span), span, 3.0, label))
    return out


def _spans(groups: list[_Group]) -> set[int]:
    return set().union(*(g.covers for g in groups)) if groups else set()


def _trim(raw: str, thesaurus: Thesaurus, index: int, count: int) -> tuple[str, ...]:
    """The content words of one element: after the last stopword, before the first."""
    words = tokenize(raw)
    cut = [k for k, w in enumerate(words) if w in _STOP]
    if index == count - 1 and cut:
        words = words[: cut[0]]
    elif cut:
        words = words[cut[-1] + 1 :]
    while words and _is_generic(words[0], thesaurus):
        words = words[1:]
    while words and _is_generic(words[-1], thesaurus):
        words = words[:-1]
    return tuple(words)


def _is_actor(words: tuple[str, ...], thesaurus: Thesaurus) -> bool:
    return any(t.matches_at(words, 0) for terms in thesaurus.actors.values() for t in terms)


def _find(tokens: list[str], words: tuple[str, ...], covered: set[int]) -> int | None:
    for i in range(len(tokens) - len(words) + 1):
        if tuple(tokens[i : i + len(words)]) == words and not covered & set(
            range(i, i + len(words))
        ):
            return i
    return None


def _compounds(
    title: str, tokens: list[str], thesaurus: Thesaurus, covered: set[int]
) -> list[_Group]:
    """'trade-finance' → the phrase "trade finance"; 'sanctions-related' → sanction*."""
    out: list[_Group] = []
    for m in _COMPOUND.finditer(title):
        words = tuple(tokenize(m.group(0)))
        if len(words) < 2 or " ".join(words) in thesaurus.generic:
            continue
        if words[-1] in _SUFFIX_WORDS:
            words = words[:-1]
        at = _find(tokens, words, covered)
        if at is None or any(_is_generic(w, thesaurus) for w in words if len(words) == 1):
            continue
        covered.update(range(at, at + len(words)))
        term = own_term(words[0]) if len(words) == 1 else QTerm(words)
        score = 2.0 if len(words) > 1 else _word_score(words[0])
        out.append(_Group([term], at, set(range(at, at + len(words))), score, " ".join(words)))
    return out


def _content_words(tokens: list[str], thesaurus: Thesaurus, covered: set[int]) -> list[_Group]:
    out: list[_Group] = []
    seen: set[str] = set()
    for i, token in enumerate(tokens):
        if i in covered or token in seen or _is_generic(token, thesaurus):
            continue
        if not token.isalpha() or len(token) < 3 or token in _MONTHS:
            continue
        seen.add(token)
        score = _word_score(token, i, first=not out)
        out.append(_Group([own_term(token)], i, {i}, score, token))
    return out


def _word_score(token: str, position: int = 1, *, first: bool = False) -> float:
    """Rank plain words: longer words are more specific, the item's first content word is
    usually its head ("peso" in "The peso weakens …"), a later "-ing" word is usually a verb."""
    score = 1.0 + min(len(token), 12) / 100
    if first:
        score += 0.05
    if token.endswith("ing") and position > 0:
        score -= 0.1
    return score


def _is_generic(word: str, thesaurus: Thesaurus) -> bool:
    return word in _STOP or word in thesaurus.generic


def stem(word: str) -> str:
    """A light stem for comparing words with concept names: agreements ~ agreement."""
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("es") and w[:-2].endswith(("s", "x", "ch", "sh")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "ls":
        w = w[:-1]
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


def own_term(token: str) -> QTerm:
    """The item's own word as a term: a prefix where inflection matters (``agreement*``)."""
    if not token.isalpha() or len(token) < 4:
        return QTerm((token,))
    cut = 0
    if (token.endswith("ies") and len(token) > 5) or (token.endswith("ing") and len(token) > 6):
        cut = 3
    elif (token.endswith("ed") and len(token) > 5) or (
        token.endswith("es") and token[:-2].endswith(("s", "x", "ch", "sh"))
    ):
        cut = 2
    elif token.endswith("s") and not token.endswith(("ss", "us", "is")):
        cut = 1
    base = token[: len(token) - cut]
    return QTerm((base,), prefix=True) if len(base) >= 5 else QTerm((token,))

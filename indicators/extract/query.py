"""Stage 3 of ``extract``: one list item → a draft query in the rule language (docs/notes/query.md).

The item is read by ``terms.read_item`` (actors, the event, distinctive terms); the query
puts each part where it belongs in a news item (issue 13):

* **who**, per item: ``item:(…)`` for each of the article's topic actors (the countries or
  blocs its title names, else the ones it names most) and each other actor the item makes a
  condition, in every form ("Austria" → austria, austrian, austrians, vienna …). News about
  the topic does not repeat the country in the sentence that reports the step;
* **what**, per sentence: the event's forms (sign, signed, signature, inked …) AND one of
  the item's distinctive terms (its names, compounds and object nouns, with inflections,
  synonyms and acronyms found in the article); where the item has no event, its best term
  AND one of the others, or a compound or name on its own;
* a compound of the item ("legal opinion", "provisional application") may stand in for the
  event: news often names the object without the verb of the item.

Nothing comes from outside the item but the forms of its words, so the untouched draft
already matches the article's own text (``watchlists check`` warns when it does not).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from indicators.errors import ExtractionError
from indicators.extract.countries import fold
from indicators.extract.terms import Reading, Term, read_item
from indicators.extract.thesaurus import QTerm, Thesaurus, render_group
from indicators.text import tokenize

MAX_ALTERNATIVES = 4  # distinctive terms OR-ed as the event's object
_RANK = {"label": 5, "org": 4, "name": 4, "compound": 3, "example": 2, "word": 2}


@dataclass(frozen=True)
class DraftQuery:
    query: str
    actors: tuple[str, ...]  # the actors the query makes conditions (topic and item)
    concepts: tuple[str, ...]  # the distinctive terms it uses, best first
    action: str = ""  # the event class, "" when the item names none
    also: tuple[str, ...] = ()  # other action classes of the item ("vote … to ask")
    objects: tuple[str, ...] = ()  # the event's object terms, as written in the item
    slug_words: tuple[str, ...] = ()  # a few words for a readable id


def find_acronyms(text: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """'Nationally Determined Contributions (NDCs)' → both ways, normalised."""
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    word = r"[A-Z][\w'’-]*"
    long_form = rf"{word}(?:\s+(?:of|for|and|on|the|de|du)?\s*{word}){{1,7}}"
    patterns = (
        re.compile(rf"({long_form})\s*\(\s*([A-Z][A-Za-z]*[A-Z]s?)\s*\)"),
        re.compile(rf"\b([A-Z][A-Za-z]*[A-Z]s?)\s*\(\s*({long_form})\s*\)"),
    )
    for number, pattern in enumerate(patterns):
        for m in pattern.finditer(text):
            expansion, acronym = (m.group(1), m.group(2)) if number == 0 else (m[2], m[1])
            letters = acronym.rstrip("s").upper()
            initials = "".join(w[0] for w in expansion.split() if w[0].isupper())
            if letters and initials.endswith(letters[-1]) and letters[0] in initials[:2]:
                long_words, short = tuple(tokenize(expansion)), tuple(tokenize(acronym))
                out[long_words], out[short] = short, long_words
    return out


def draft_query(
    title: str,
    thesaurus: Thesaurus,
    topic: Sequence[str] = (),
    acronyms: Mapping[tuple[str, ...], tuple[str, ...]] | None = None,
    shared: Collection[str] = (),
) -> DraftQuery:
    """The draft query of one item (see the module docstring for how it is built).

    ``shared``: words the list's other items also use ("lithium" in a list about a lithium
    ban): the topic, not what sets this item apart, so such a term is never enough on its
    own, brings no looser words, and is left out where the item has two terms of its own."""
    if not tokenize(title):
        raise ExtractionError(f"item {title!r} has no words to build a query from")
    reading = read_item(title, thesaurus)
    conditions = _conditions(reading, thesaurus, topic)
    terms = _ranked(reading, thesaurus, acronyms or {}, frozenset(shared))
    if reading.event is not None:
        terms = [t for t in terms if not set(t.words) & set(reading.event.forms)]
    own = [t for t in terms if not _topical(t, frozenset(shared))]
    if len(own) >= 2:
        terms = own  # "lithium" in every item of a lithium list tells them apart from nothing
    sentence = _sentence(reading, terms, title, frozenset(shared))
    groups = [f"item:{_group(thesaurus.actors[key])}" for key in conditions] + [sentence]
    chosen = terms[:MAX_ALTERNATIVES]
    slug = _slug_words(reading, terms)
    return DraftQuery(
        " ".join(groups),
        tuple(conditions),
        tuple(t.text for t in chosen),
        reading.event.name if reading.event else "",
        tuple(a.name for a in reading.also),
        tuple(t.text for t in chosen),
        slug,
    )


def _conditions(reading: Reading, thesaurus: Thesaurus, topic: Sequence[str]) -> list[str]:
    """Topic actors, then item actors that no topic actor already names."""
    out = list(topic)
    covered = {t.words for key in topic for t in thesaurus.actors.get(key, ())}
    for key in reading.actors:
        forms = {t.words for t in thesaurus.actors.get(key, ())}
        if key not in out and not forms <= covered:
            out.append(key)
    return [k for k in out if k in thesaurus.actors]


def item_words(title: str, thesaurus: Thesaurus) -> set[str]:
    """The words of an item's terms (for ``shared``: which words other items use too)."""
    return {w for t in read_item(title, thesaurus).terms for w in t.words}


def _topical(term: Term, shared: frozenset[str]) -> bool:
    return bool(shared) and all(w in shared for w in term.words)


def _ranked(
    reading: Reading,
    thesaurus: Thesaurus,
    acronyms: Mapping[tuple[str, ...], tuple[str, ...]],
    shared: frozenset[str] = frozenset(),
) -> list[Term]:
    terms = list(reading.terms)
    for key in reading.examples:
        words = tuple(key.split("-"))
        terms.append(Term(words, "example", thesaurus.actors[key]))
    out: list[Term] = []
    for term in terms:
        extra: list[QTerm] = []
        other = acronyms.get(term.words)
        if other:
            extra.append(QTerm(other))
        for t in term.terms:
            plain = tuple(fold(w) for w in t.words)
            if plain != t.words and all(plain):
                extra.append(QTerm(plain, t.prefix))
        out.append(
            Term(term.words, term.kind, (*term.terms, *extra), term.near, term.broader, term.at)
        )
    order = {id(t): k for k, t in enumerate(out)}
    # Best kind first; within a kind, the event's object (after it) before its subject.
    return sorted(
        out,
        key=lambda t: (
            -_RANK.get(t.kind, 1),
            t.at < reading.event_at,
            order[id(t)],
        ),
    )


def _group(terms: Sequence[QTerm], near: Sequence[str] = ()) -> str:
    rendered = render_group(list(terms)) if terms else ""
    parts = [rendered.removeprefix("(").removesuffix(")")] if rendered else []
    parts += list(near)
    return f"({' OR '.join(parts)})"


def _of(terms: Sequence[Term], *, broad: bool = False, shared: frozenset[str] = frozenset()) -> str:
    """The terms as one OR group; ``broad`` adds their looser words, unless shared."""
    looser = [q for t in terms for q in t.broader if not set(q.words) <= shared]
    words = [q for t in terms for q in t.terms] + (looser if broad else [])
    return _group(words, [n for t in terms for n in t.near])


def _sentence(
    reading: Reading, terms: list[Term], title: str, shared: frozenset[str] = frozenset()
) -> str:
    chosen = terms[:MAX_ALTERNATIVES]
    own = [t for t in terms if not _topical(t, shared)]
    strong = [t for t in own if t.kind in ("compound", "org")][:2]
    if reading.event is not None:
        forms = [f for action in (reading.event, *reading.also) for f in action.forms]
        event = _group([QTerm(tuple(tokenize(f))) for f in dict.fromkeys(forms) if tokenize(f)])
        if not chosen:
            return event
        core = f"{event} {_of(chosen, broad=True, shared=shared)}"
        return f"({core} OR {_of(strong)})" if strong else core
    if not terms:
        words = tuple(tokenize(title)[:6])
        return _group([QTerm(words)])
    best, rest = terms[0], terms[1:MAX_ALTERNATIVES]
    alone = best.kind in ("compound", "name", "org", "label") and len(best.words) > 1
    if (alone and not _topical(best, shared)) or not rest:
        return _of([best, *(t for t in strong if t is not best)])
    return f"{_of([best])} {_of(rest)}"


def _slug_words(reading: Reading, terms: list[Term]) -> tuple[str, ...]:
    """The event and the item's best object, a few words: ``sign-pact``, ``vote-legal-opinion``;
    a labelled item is named by its label (``parliamentary-approval``)."""
    if 0 < len(reading.label) <= 4:
        return reading.label
    words: list[str] = [reading.event.name] if reading.event else []
    for kind in ("compound", "word", "label", "org", "name", "example"):
        term = next((t for t in terms if t.kind == kind), None)
        if term is not None:
            words += [w for w in term.words if w not in words]
            break
    if len(words) < 2:
        words += [w for t in terms for w in t.words if w not in words][: 3 - len(words)]
    return tuple(words[:4])


def ranked_terms(title: str, thesaurus: Thesaurus | None = None) -> list[Term]:
    """The distinctive terms of a list item, best first (``watchlists check`` asks)."""
    from indicators.extract.thesaurus import load_thesaurus

    words = thesaurus or load_thesaurus()
    reading = read_item(title, words)
    terms = _ranked(reading, words, {})
    if reading.event is not None:
        terms = [t for t in terms if not set(t.words) & set(reading.event.forms)]
    return terms

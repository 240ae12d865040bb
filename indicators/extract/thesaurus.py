"""The thesaurus of ``extract``: query terms, concepts with synonyms, actors, generic words.

Data lives in ``indicators/thesaurus.yaml`` (read with ``yaml.safe_load``, the one file this
stage reads); a caller extends it per run with a mapping of concept → terms (issue 4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from indicators.errors import ExtractionError
from indicators.text import tokenize


@dataclass(frozen=True)
class QTerm:
    """One query term: a word, a prefix (``word*``) or a phrase of normalised words."""

    words: tuple[str, ...]
    prefix: bool = False

    def matches_at(self, tokens: Sequence[str], i: int) -> bool:
        if i + len(self.words) > len(tokens):
            return False
        for k, word in enumerate(self.words):
            token = tokens[i + k]
            last_prefix = self.prefix and k == len(self.words) - 1
            if not (token.startswith(word) if last_prefix else token == word):
                return False
        return True

    def render(self) -> str:
        text = " ".join(self.words) + ("*" if self.prefix else "")
        return f'"{text}"' if len(self.words) > 1 else text

    def covers(self, other: QTerm) -> bool:
        """Whether every text ``other`` matches is matched by this term (prefix subsumption)."""
        if self == other:
            return True
        if not self.prefix:
            # A phrase holding this term's words in a row matches only where this term does.
            n = len(self.words)
            return any(
                other.words[i : i + n] == self.words for i in range(len(other.words) - n + 1)
            ) and not (other.prefix and other.words[-n:] == self.words)
        if len(self.words) != 1 or len(other.words) != 1:
            return False
        return other.words[0].startswith(self.words[0])


def parse_term(text: str, where: str = "thesaurus") -> QTerm:
    """``agreement*`` / ``pact`` / ``new delhi`` (a phrase) → ``QTerm``; bad terms raise."""
    raw = text.strip().strip('"')
    prefix = raw.endswith("*")
    stem = raw[:-1] if prefix else raw
    words = tokenize(stem)
    if not words or "*" in stem:
        raise ExtractionError(f"{where}: '{text}' is not a word, a prefix* or a phrase")
    return QTerm(tuple(words), prefix)


@dataclass(frozen=True)
class Thesaurus:
    synonyms: Mapping[str, tuple[QTerm, ...]]
    actors: Mapping[str, tuple[QTerm, ...]]
    generic: frozenset[str]
    weak: frozenset[str]
    events: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    # The forms that name an actor itself: a bloc by its own names, not its members ("Brazil"
    # is Brazil, not Mercosur); ``actors`` adds the members, for queries.
    own_actors: Mapping[str, tuple[QTerm, ...]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _builtin() -> dict[str, object]:
    text = (
        resources.files("indicators.extract").joinpath("thesaurus.yaml").read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def load_thesaurus(extra: Mapping[str, Sequence[str]] | None = None) -> Thesaurus:
    """The built-in thesaurus, with ``extra`` concepts added (same name: terms appended)."""
    data = _builtin()
    raw_synonyms: dict[str, list[str]] = {
        str(k): [str(t) for t in v] for k, v in _mapping(data, "synonyms").items()
    }
    for key, terms in (extra or {}).items():
        if isinstance(terms, str):
            raise ExtractionError(f"thesaurus: concept '{key}': give a list of terms")
        raw_synonyms.setdefault(str(key), []).extend(str(t) for t in terms)
    synonyms = {
        key: tuple(parse_term(t, f"thesaurus: concept '{key}'") for t in [key, *terms])
        for key, terms in raw_synonyms.items()
    }
    generic = frozenset(" ".join(tokenize(str(w))) for w in _list(data, "generic"))
    weak = frozenset(str(w) for w in _list(data, "weak"))
    actors, own = _actors()
    return Thesaurus(synonyms, actors, generic, weak, _events(data), own)


_Actors = dict[str, tuple[QTerm, ...]]


@lru_cache(maxsize=1)
def _actors() -> tuple[_Actors, _Actors]:
    """Countries (``countries.country_names``) plus the thesaurus's blocs and metonyms; a
    bloc's ``@member`` stands for every form of that country. (with members, own forms)"""
    from indicators.extract.countries import country_names

    countries = country_names()
    raw: dict[str, list[str]] = {k: list(v) for k, v in countries.items()}
    own: dict[str, list[str]] = {k: list(v) for k, v in countries.items()}
    for key, terms in _mapping(_builtin(), "actors").items():
        forms = raw.setdefault(str(key), [])
        own_forms = own.setdefault(str(key), [])
        for term in terms:
            text = str(term)
            if text.startswith("@") and text[1:] not in countries:
                raise ExtractionError(f"thesaurus: actor '{key}': no country '{text[1:]}'")
            members = countries.get(text[1:], ()) if text.startswith("@") else (text,)
            forms += [f for f in members if f not in forms]
            if not text.startswith("@") and text not in own_forms:
                own_forms.append(text)

    def parsed(table: dict[str, list[str]]) -> _Actors:
        return {
            key: tuple(parse_term(t, f"thesaurus: actor '{key}'") for t in terms)
            for key, terms in table.items()
        }

    return parsed(raw), parsed(own)


def _events(data: Mapping[str, object]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Event class → (verb lemmas, nouns)."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    raw = data.get("events") or {}
    assert isinstance(raw, dict)
    for name, spec in raw.items():
        assert isinstance(spec, dict)
        out[str(name)] = (
            tuple(str(v) for v in spec.get("verbs") or []),
            tuple(str(n) for n in spec.get("nouns") or []),
        )
    return out


def _mapping(data: Mapping[str, object], key: str) -> Mapping[str, Sequence[object]]:
    value = data.get(key) or {}
    assert isinstance(value, dict)
    return value


def _list(data: Mapping[str, object], key: str) -> list[object]:
    value = data.get(key) or []
    assert isinstance(value, list)
    return value


def count_actors(tokens: Sequence[str], thesaurus: Thesaurus) -> Counter[str]:
    """How often each actor is named in ``tokens``."""
    at: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        at.setdefault(token, []).append(i)
    counts: Counter[str] = Counter()
    for key, terms in (thesaurus.own_actors or thesaurus.actors).items():
        starts: set[int] = set()
        for term in terms:
            maybe = range(len(tokens)) if term.prefix else at.get(term.words[0], [])
            starts.update(i for i in maybe if term.matches_at(tokens, i))
        if starts:
            counts[key] = len(starts)
    return counts


def actor_group(key: str, thesaurus: Thesaurus) -> str:
    return render_group(list(thesaurus.actors[key]))


def render_group(terms: list[QTerm]) -> str:
    """An OR group of terms; duplicates and terms a prefix already covers are dropped."""
    kept: list[QTerm] = []
    for term in terms:
        if any(k.covers(term) for k in kept):
            continue
        kept = [k for k in kept if not term.covers(k)] + [term]
    rendered = [t.render() for t in kept]
    return rendered[0] if len(rendered) == 1 else "(" + " OR ".join(rendered) + ")"

"""The event of a list item: its action word → the class and every form that says it.

The evidence engine's event lexicon (``indicators.events``, issue 12) is the one source of
action classes once it is there; until then, and for a word it does not know, the
``events:`` of ``thesaurus.yaml`` answer, their verbs inflected with lemminflect. Either
way the caller gets ``Action(name, forms)``: "signed" → ``sign`` with sign, signs, signed,
signing, signature, ink, inked … so a draft finds the event however the news words it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from indicators.extract.thesaurus import Thesaurus


@dataclass(frozen=True)
class Action:
    name: str  # the event class ("sign", "vote", "oppose")
    forms: tuple[str, ...]  # normalised words and phrases that say it


@lru_cache(maxsize=4096)
def inflections(lemma: str, upos: str = "VERB") -> tuple[str, ...]:
    """``lemma`` and its inflected forms (lemminflect): sign → sign, signs, signed, signing."""
    from lemminflect import getAllInflections

    forms = [lemma]
    for words in getAllInflections(lemma, upos=upos).values():
        forms += [w for w in words if w not in forms]
    return tuple(forms)


@lru_cache(maxsize=4096)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Part of speech → lemmas of ``word`` ({} for a word lemminflect does not know)."""
    from lemminflect import getAllLemmas

    return dict(getAllLemmas(word.lower()))


def _lexicon() -> Any:
    """The evidence engine's event lexicon, or None while it is not in this tree."""
    try:
        events = importlib.import_module("indicators.events")
    except ImportError:
        return None
    return events.lexicon()


def known(name: str) -> bool:
    """Whether ``name`` is a class of the event lexicon (what an ``event:`` block may name)."""
    lexicon = _lexicon()
    return lexicon is not None and name in lexicon.classes


def _specific(form: str, thesaurus: Thesaurus) -> bool:
    if form not in thesaurus.generic:
        return True
    bases = {b for found in lemmas(form).values() for b in found} - {form}
    return bool(bases) and not bases & set(thesaurus.generic)


def action_of(word: str, thesaurus: Thesaurus) -> Action | None:
    """The event class ``word`` (any inflection, or a noun such as "signature") says."""
    lexicon = _lexicon()
    if lexicon is not None:
        found = lexicon.classify(word)
        if found is not None:
            said = [str(f) for f in lexicon.forms(found.name)]
            # Only the class's own words: "clear", "issue", "pass" say too little alone;
            # but "signs" (generic as in "signs of progress") is a form of "sign".
            return Action(str(found.name), tuple(f for f in said if _specific(f, thesaurus)))
    verbs = set(lemmas(word).get("VERB", ())) | {word}
    for name, (class_verbs, nouns) in thesaurus.events.items():
        if verbs & set(class_verbs) or word in nouns:
            forms: list[str] = []
            for verb in class_verbs:
                forms += [f for f in inflections(verb) if f not in forms]
            forms += [n for n in nouns if n not in forms]
            return Action(name, tuple(forms))
    return None

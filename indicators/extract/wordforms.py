"""Word forms for draft queries: inflections, synonyms, stems and NEAR pairs of an item's
terms, and the words of the event a noun names (``terms.read_item`` uses them)."""

from __future__ import annotations

from indicators.extract.actions import lemmas
from indicators.extract.thesaurus import QTerm, Thesaurus
from indicators.text import tokenize


def adjective_stem(word: str) -> str:
    """'parliamentary' → 'parliament', 'environmental' → 'environment' (a noun's stem)."""
    for suffix in ("ary", "al"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 5:
            return word[: -len(suffix)]
    return ""


def event_noun(token: str) -> bool:
    """Whether ``token`` names an event as a thing ("the signing", "a referral")."""
    from indicators.events import lexicon

    singular = token.removesuffix("s")
    return any(
        token in c.nouns or singular in c.nouns or token in c.reversal_nouns
        for c in lexicon().classes.values()
    )


_DERIVATION = ("ication", "ation", "ition", "ment", "ance", "ence", "sion", "tion", "al")


def stem(word: str) -> str:
    """A stem shared by a word's derivations: application → appl, opinion → opinion."""
    for suffix in _DERIVATION:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def near(words: tuple[str, ...]) -> tuple[str, ...]:
    """'provisional application' also as 'applied provisionally': both stems within 3 words."""
    if len(words) != 2 or "ADJ" not in lemmas(words[0]):
        return ()
    nouns = lemmas(words[1]).get("NOUN", (words[1],))
    left, right = words[0], stem(nouns[0])
    if len(left) < 5 or len(right) < 4:
        return ()
    others = _event_words(nouns[0])
    if others:  # "provisional application" is also "provisionally implemented", "took effect"
        return (f"({left}* NEAR/3 ({' OR '.join([f'{right}*', *others])}))",)
    return (f"({left}* NEAR/3 {right}*)",)


def _event_words(noun: str) -> list[str]:
    """The other words of the event class whose noun ``noun`` is (first among its nouns),
    each as a stem or a quoted phrase: an event noun in a compound is that event."""
    from indicators.events import lexicon

    ranked = [
        (c.nouns.index(noun), c) for c in lexicon().classes.values() if noun in c.nouns and c.verbs
    ]
    if not ranked:
        return []
    cls = min(ranked, key=lambda pair: pair[0])[1]
    out: list[str] = []
    for word in (*cls.verbs, *cls.nouns):
        toks = tokenize(word)
        if len(toks) > 1:
            out += [f'"{" ".join(t)}"' for t in _phrase_forms(toks)]
        elif toks and len(toks[0]) >= 4 and not toks[0].startswith(stem(noun)):
            out.append(f"{stem(toks[0])}*" if toks[0] in cls.nouns else f"{toks[0]}*")
    return list(dict.fromkeys(out))


def _phrase_forms(toks: list[str]) -> list[list[str]]:
    """A verb phrase in its inflections ("enter into force": entered, enters …)."""
    from indicators.extract.actions import inflections

    return [[first, *toks[1:]] for first in inflections(toks[0])]


def forms(words: tuple[str, ...], thesaurus: Thesaurus) -> tuple[QTerm, ...]:
    """The terms that match a word or phrase in its inflections and synonyms."""
    from indicators.extract.actions import inflections

    last = words[-1]
    nouns = lemmas(last).get("NOUN", ())
    ends = list(inflections(nouns[0], "NOUN")) if nouns else [last]
    if last not in ends:
        ends.insert(0, last)
    out = [QTerm((*words[:-1], end)) for end in ends]
    if len(words) > 2:  # "lithium refinery deal" is also written "refinery deal"
        out += [QTerm((*words[-2:-1], end)) for end in ends]
    if len(words) == 1:
        for key, synonyms in thesaurus.synonyms.items():
            if key in thesaurus.weak:
                continue
            if any(t.matches_at([last], 0) for t in synonyms) or key == (nouns[0] if nouns else ""):
                out += [t for t in synonyms if t not in out]
                break
    return tuple(out)

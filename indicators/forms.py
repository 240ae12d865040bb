"""English word forms for the event lexicon, from lemminflect, cached as data.

lemminflect is the source of every form (issue 12: word forms from a maintained library,
not hand lists). Importing it costs ~35 MB per process (it brings numpy and its tables)
and ~1 s, in the daemon and in each parse worker, which broke the daemon's memory budget.
So the forms of the built-in lexicon's words, and the list of English verbs lemminflect
knows (for "to" + verb in headlines), are computed by lemminflect once and kept in
``indicators/data/forms.json``; ``python -m indicators.forms`` writes it again, and a test
checks that it equals what lemminflect gives now. lemminflect itself is imported only for a
word the file does not hold (a watch list's own ``events:`` classes).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["noun_forms", "regular_forms", "verb_forms", "verbs", "write"]

_FILE = ("data", "forms.json")
# lemminflect tag -> our form name (indicators.events.Form values)
TAGS = {
    "VBD": "past",
    "VBN": "past",
    "VBG": "gerund",
    "VBZ": "present",
    "VB": "base",
    "VBP": "base",
}


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    path = resources.files("indicators").joinpath(*_FILE)
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded


def verb_forms(lemma: str) -> dict[str, list[str]]:
    """Surface form -> form names of verb ``lemma`` (one word): "sign" -> {"signed":
    ["past"], …}."""
    cached: dict[str, list[str]] | None = _data()["verbs"].get(lemma)
    return cached if cached is not None else _lemminflect_verb(lemma)


def noun_forms(noun: str) -> list[str]:
    """The singular and plural of ``noun`` (its last word)."""
    cached: list[str] | None = _data()["nouns"].get(noun)
    return cached if cached is not None else _lemminflect_noun(noun)


@lru_cache(maxsize=1)
def verbs() -> frozenset[str]:
    """Base forms of the English verbs lemminflect knows (lower case, one word)."""
    return frozenset(_data()["base_verbs"])


def regular_forms(word: str) -> set[str]:
    """Regular English inflections of a word (plural / third person, past, -ing): for
    arbitrary head words of a title, where loading lemminflect would cost more than it
    adds."""
    stem = word[:-1] if word.endswith("e") else word
    forms = {word, word + "s", word + "es", stem + "ed", stem + "ing", word + "d"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    return forms


def _lemminflect_verb(lemma: str) -> dict[str, list[str]]:
    from lemminflect import getInflection  # lazily: see the module docstring

    found: dict[str, list[str]] = {}
    for tag, name in TAGS.items():  # getInflection has rules for verbs it does not list
        for form in getInflection(lemma, tag=tag):
            names = found.setdefault(form.lower(), [])
            if name not in names:
                names.append(name)
    return {form: sorted(names) for form, names in sorted(found.items())}


def _lemminflect_noun(noun: str) -> list[str]:
    from lemminflect import getAllInflections

    forms = {noun}
    for inflected in getAllInflections(noun, upos="NOUN").values():
        forms.update(f.lower() for f in inflected)
    return sorted(forms)


def compute(verb_lemmas: list[str], nouns: list[str]) -> dict[str, Any]:
    """The file's content for these words, from lemminflect."""
    from lemminflect import Inflections, getAllInflections

    getAllInflections("be", upos="VERB")  # loads the table
    table: dict[str, dict[str, tuple[str, ...]]] = Inflections().infl_dict
    base = sorted(
        {
            lemma.lower()
            for lemma, tags in table.items()
            if "VB" in tags and lemma.isalpha() and lemma.islower()
        }
    )
    return {
        "verbs": {v: _lemminflect_verb(v) for v in sorted(set(verb_lemmas))},
        "nouns": {n: _lemminflect_noun(n) for n in sorted(set(nouns))},
        "base_verbs": base,
    }


def lexicon_words() -> tuple[list[str], list[str]]:
    """The one-word heads of the built-in lexicon's verbs and the last words of its nouns."""
    import yaml

    from indicators.text import tokenize

    raw = yaml.safe_load(resources.files("indicators").joinpath("events.yaml").read_text("utf-8"))
    verb_lemmas: list[str] = []
    nouns: list[str] = []
    for spec in raw.values():
        for key in ("verbs", "reversal"):
            verb_lemmas += [tokenize(v)[0] for v in spec.get(key) or ()]
        for key in ("nouns", "reversal_nouns"):
            nouns += [tokenize(n)[-1] for n in spec.get(key) or ()]
    return verb_lemmas, nouns


def write(path: Path | None = None) -> Path:
    """Compute the file with lemminflect and write it (``python -m indicators.forms``)."""
    target = path or Path(str(resources.files("indicators").joinpath(*_FILE)))
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(compute(*lexicon_words()), indent=0, sort_keys=True)
    target.write_text(text + "\n", "utf-8")
    return target


if __name__ == "__main__":
    print(write())

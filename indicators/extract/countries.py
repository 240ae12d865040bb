"""Countries in every form an article or a news item may name them (issue 13).

A country is named by its name, its official and other spellings, its demonym ("Austrian",
"Austrians") or its capital ("Vienna"), and in news often by a shorthand ("UK"). The data
comes from ``countryinfo`` (a maintained package: names, alternative spellings, capitals and
demonyms of ~250 countries and territories) rather than a hand list; ``thesaurus.yaml``
adds what no country library holds: blocs (EU, Mercosur, ASEAN …) with their members, and
metonyms such as "Kremlin" or "White House".

Two-letter and three-letter ISO codes are left out ("US" is also the word "us", "AT" the
word "at"); so are territories of fewer than 50,000 people, whose demonym is usually that
of another country ("French" for French Polynesia). Accented names also get their plain
spelling, since news in English writes both ("Asunción", "Asuncion").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from indicators.text import tokenize

_MIN_POPULATION = 50_000
_NOT_NAMES = re.compile(r"[^\w\s'’.-]")  # non-Latin scripts, brackets …


def fold(text: str) -> str:
    """ASCII spelling of a name: 'Asunción' → 'Asuncion'."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _forms(names: Iterable[str]) -> tuple[str, ...]:
    """Normalised phrases (as ``tokenize`` writes text), accented and plain, no duplicates."""
    out: list[str] = []
    for name in names:
        for variant in (name, fold(name)):
            words = tokenize(variant)
            phrase = " ".join(words)
            if words and len(words) <= 4 and phrase not in out:
                out.append(phrase)
    # "republic of austria" says no more than "austria": a form holding another is dropped.
    return tuple(p for p in out if not any(o != p and f" {o} " in f" {p} " for o in out))


def _usable(name: str) -> bool:
    """A spelling in Latin letters that is not also an English word ("Malé" → "male")."""
    from lemminflect import getAllLemmas

    plain = fold(name)
    if len(plain) < 2 or len(plain) < 0.8 * len(name) or _NOT_NAMES.search(plain):
        return False
    return " " in plain or not getAllLemmas(plain.lower())


def _plural(demonym: str) -> str:
    if demonym.endswith(("ese", "ish", "ch", "s", "i")) or " " in demonym:
        return ""
    return demonym + "s"


@lru_cache(maxsize=1)
def country_names() -> dict[str, tuple[str, ...]]:
    """Country key (its name, slugged) → every normalised form that names it."""
    from countryinfo import all_countries  # ~0.05 s; only ``extract`` needs it

    entries = []
    for country in all_countries():
        info = country.info()
        name = str(info.get("name") or "")
        if not name or int(info.get("population") or 0) < _MIN_POPULATION:
            continue
        entries.append((int(info.get("population") or 0), name, info))
    owner: dict[str, str] = {}  # demonym → the most populous country using it
    for _pop, name, info in sorted(entries, key=lambda e: -e[0]):
        demonym = str(info.get("demonym") or "")
        owner.setdefault(demonym, name)
    out: dict[str, tuple[str, ...]] = {}
    for _pop, name, info in entries:
        iso = info.get("ISO") or {}
        codes = {str(iso.get("alpha2", "")), str(iso.get("alpha3", ""))}
        names = [name]
        names += [
            str(alt)
            for alt in info.get("altSpellings") or []
            if str(alt) not in codes and _usable(str(alt))
        ]
        demonym = str(info.get("demonym") or "")
        if demonym and owner.get(demonym) == name:
            names += [demonym, _plural(demonym)]
        capital = info.get("capital")
        for city in capital if isinstance(capital, list) else [capital]:
            if city and _usable(str(city)):
                names.append(re.sub(r"\s+D\.?C\.?$", "", str(city)))
        key = "-".join(tokenize(fold(name)))
        out[key] = _forms(n for n in names if n)
    return out

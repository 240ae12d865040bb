"""Weak rules: warnings ``watchlists check`` gives about queries that parse but will not
serve (issue 13). Each finding is a warning, never an error: the analyst decides.

* **no distinctive term**: every word the query needs in the sentence is a common or
  generic word ("new", "the", "issues"), so it matches any news;
* **a query shared** by two indicators: their evidence would always be the same;
* **the item's key term missing**: the best term of the indicator's title (its name,
  compound or object noun, read as ``extract`` reads a list item) is nowhere in the query;
* **matches nothing in its source article**: the watch list's ``source:`` is a file (next
  to the watch list, or from the working directory) and the indicator's query matches no
  sentence of it, although the article is what the rule was written from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indicators.model import Indicator, Item, Watchlist
from indicators.query import parse_query
from indicators.query.ast import Field, Leaf, Node, Not, Phrase, Prefix, Term, children
from indicators.query.ast import format_query as _format
from indicators.query.index import COMMON_WORDS
from indicators.text import html_to_text


@dataclass(frozen=True)
class Weakness:
    indicator: str
    line: int | None
    message: str


def weak_rules(watchlist: Watchlist, base: Path | None = None) -> list[Weakness]:
    """Every weak-rule warning of ``watchlist``; ``base`` is its file's folder."""
    from indicators.extract.thesaurus import load_thesaurus

    generic = load_thesaurus().generic
    out: list[Weakness] = []
    seen: dict[str, Indicator] = {}
    for ind in watchlist.indicators:
        node = parse_query(ind.query)
        words = [w for leaf in _sentence_leaves(node) for w in _words(leaf)]
        if words and all(w in COMMON_WORDS or w in generic for w in words):
            shown = ", ".join(dict.fromkeys(words))
            out.append(_weak(ind, f"no distinctive term: every word it needs is common ({shown})"))
        key = _format(node)
        if key in seen:
            first = seen[key]
            out.append(_weak(ind, f"same query as indicator '{first.id}' (line {first.line})"))
        seen.setdefault(key, ind)
        missing = _missing_key_term(ind, node)
        if missing:
            out.append(_weak(ind, f"the item's key term '{missing}' is not in the query"))
    out += _silent_on_source(watchlist, base)
    return out


def _weak(ind: Indicator, message: str) -> Weakness:
    return Weakness(ind.id, ind.line, message)


def _sentence_leaves(node: Node) -> Iterator[Leaf]:
    """Positive leaves outside ``title:``/``item:``: what a sentence must say."""
    if isinstance(node, Not | Field):
        return
    if isinstance(node, Term | Prefix | Phrase):
        yield node
        return
    for child in children(node):
        yield from _sentence_leaves(child)


def _words(leaf: Leaf) -> list[str]:
    if isinstance(leaf, Term):
        return [leaf.word]
    if isinstance(leaf, Prefix):
        return [leaf.stem]
    return [w.removesuffix("*") for w in leaf.words]


def _missing_key_term(ind: Indicator, node: Node) -> str:
    """The title's best term when no positive leaf of the query says any word of it."""
    from indicators.extract.actions import lemmas
    from indicators.extract.query import ranked_terms

    terms = ranked_terms(ind.title)
    if not terms:
        return ""
    key = terms[0]
    leaves = [w for leaf in _all_positive(node) for w in _leaf_forms(leaf)]
    for word in key.words:
        forms = {word, *(v for vs in lemmas(word).values() for v in vs)}
        for stem, prefix in leaves:
            if any(f.startswith(stem) if prefix else f == stem for f in forms):
                return ""
    return key.text


def _all_positive(node: Node) -> Iterator[Leaf]:
    if isinstance(node, Not):
        return
    if isinstance(node, Term | Prefix | Phrase):
        yield node
        return
    for child in children(node):
        yield from _all_positive(child)


def _leaf_forms(leaf: Leaf) -> list[tuple[str, bool]]:
    if isinstance(leaf, Term):
        return [(leaf.word, False)]
    if isinstance(leaf, Prefix):
        return [(leaf.stem, True)]
    return [(w.removesuffix("*"), w.endswith("*")) for w in leaf.words]


def source_file(watchlist: Watchlist, base: Path | None) -> Path | None:
    """The watch list's ``source:`` as a readable file, if it is one."""
    if not watchlist.source or "://" in watchlist.source:
        return None
    for folder in (base, Path.cwd()):
        if folder is not None and (folder / watchlist.source).is_file():
            return folder / watchlist.source
    return None


def _silent_on_source(watchlist: Watchlist, base: Path | None) -> list[Weakness]:
    from indicators.matcher import Matcher

    path = source_file(watchlist, base)
    if path is None:
        return []
    try:
        text = html_to_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []
    title = next((line for line in text.splitlines() if line.strip()), "")
    item = Item(id=str(path), title=title, summary=text)
    found = {ev.indicator_id for ev in Matcher(watchlist.indicators).match(item)}
    return [
        _weak(ind, f"matches nothing in its source article {watchlist.source}")
        for ind in watchlist.indicators
        if ind.id not in found
    ]

"""Index keys: which words a text must contain before a query is worth evaluating.

A query can match a unit only if one of its keys occurs in the unit's tokens or title
tokens. An exact key is the word (``india``); a prefix key is the stem and ``*``
(``agree*``) and is present when some token starts with the stem. ``None`` means the
query is not indexable (``NOT a``) and must be evaluated on every unit.

``QueryIndex`` is the inverted index the engine builds once per rule set, so a text that
shares no key with an indicator never evaluates it: that is where matching speed comes from.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Generic, TypeVar

from .ast import And, Field, Node, Not, Or, Phrase, Prefix, Term

Keys = frozenset[str]

# Words so frequent in news prose that, as the only required word, they select nearly
# every sentence: index selection avoids them and lint warns about them.
_COMMON = """a an the of in on at to for from by with without and or not no nor but if as is are
    was were be been being it its this that these those he she they we you i his her their
    our has have had do does did will would can could may might shall should than then
    there here so such into over about after before up down out new said says"""
COMMON_WORDS = frozenset(_COMMON.split())


def key_cost(key: str) -> float:
    """A guess at how many texts contain ``key``: lower is more selective.

    Exact words beat prefixes, longer prefixes beat shorter ones, and a very common word
    is worse than any prefix of three or more characters.
    """
    if key.endswith("*"):
        return 2.0 + 6.0 / max(len(key) - 1, 1)
    return 10.0 if key in COMMON_WORDS else 1.0


def _rank(keys: Keys) -> tuple[float, int]:
    # Total cost first (fewer, rarer keys); then more characters, as a rarity tie-break.
    return (sum(key_cost(k) for k in keys), -sum(len(k) for k in keys))


def _phrase_key(words: Sequence[str]) -> str:
    # The rarest-looking element: an exact uncommon word, the longest one on a tie.
    return min(words, key=lambda w: (key_cost(w), -len(w)))


def index_keys(node: Node) -> Keys | None:
    """The keys of ``node`` (see the module docstring), or ``None`` if not indexable."""
    if isinstance(node, Term):
        return frozenset({node.word})
    if isinstance(node, Prefix):
        return frozenset({node.stem + "*"})
    if isinstance(node, Phrase):
        return frozenset({_phrase_key(node.words)})
    if isinstance(node, Not):
        return None
    if isinstance(node, Field):
        return index_keys(node.child)  # title tokens are searched for keys too
    if isinstance(node, Or):
        union: set[str] = set()
        for child in node.children:
            keys = index_keys(child)
            if keys is None:
                return None  # one unindexable branch can match anywhere
            union |= keys
        return frozenset(union)
    required = node.children if isinstance(node, And) else (node.left, node.right)
    options = [k for k in map(index_keys, required) if k is not None]
    return min(options, key=_rank) if options else None


K = TypeVar("K", bound=Hashable)


class QueryIndex(Generic[K]):
    """Inverted index from keys to items (indicator ids, say), built once per rule set.

    ``candidates`` returns, in the order they were added, the items whose query can match
    a unit: those with a key present, plus every unindexable one.
    """

    def __init__(self) -> None:
        self._items: list[K] = []
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._lengths: list[int] = []
        self._always: list[int] = []

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: K, keys: Keys | None) -> None:
        ordinal = len(self._items)
        self._items.append(item)
        if keys is None:
            self._always.append(ordinal)
            return
        for key in keys:
            if key.endswith("*"):
                self._prefix.setdefault(key[:-1], []).append(ordinal)
                if len(key) - 1 not in self._lengths:
                    self._lengths = sorted([*self._lengths, len(key) - 1])
            else:
                self._exact.setdefault(key, []).append(ordinal)

    def candidates(self, *token_lists: Iterable[str]) -> list[K]:
        """Items worth evaluating on a unit whose tokens (and title tokens) are given."""
        found = set(self._always)
        exact, prefix, lengths = self._exact, self._prefix, self._lengths
        for token in {t for tokens in token_lists for t in tokens}:
            hits = exact.get(token)
            if hits:
                found.update(hits)
            for length in lengths:  # ascending, so the first too long ends the loop
                if length > len(token):
                    break
                hits = prefix.get(token[:length])
                if hits:
                    found.update(hits)
        return [self._items[i] for i in sorted(found)]

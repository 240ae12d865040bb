"""The tree a query parses into: small frozen dataclasses, one per construct.

Every node carries the 1-based ``column`` where it starts in the query text, so lint
findings can point at the source. ``column`` is excluded from equality: two nodes are
equal when they mean the same thing, which is what lint compares (``a AND NOT a``).

Words are stored normalised (``indicators.text.tokenize``), so the tree is independent
of the case and punctuation the analyst typed. In a ``Phrase``, an element ending in
``*`` is a prefix: tokens never contain ``*``, so the marker cannot be ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

NEAR_DEFAULT = 10
"""Distance of a bare ``NEAR`` (documented in docs/notes/query.md)."""


@dataclass(frozen=True)
class Term:
    """One normalised word, matched on word boundaries."""

    word: str
    column: int = field(compare=False)


@dataclass(frozen=True)
class Prefix:
    """``stem*``: any word that starts with ``stem``."""

    stem: str
    column: int = field(compare=False)


@dataclass(frozen=True)
class Phrase:
    """Consecutive words; an element ending in ``*`` is a prefix at that position."""

    words: tuple[str, ...]
    column: int = field(compare=False)


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    column: int = field(compare=False)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    column: int = field(compare=False)


@dataclass(frozen=True)
class Not:
    child: Node
    column: int = field(compare=False)


@dataclass(frozen=True)
class Near:
    """Both sides occur with at most ``distance`` positions between their nearest spans."""

    left: Node
    right: Node
    distance: int
    column: int = field(compare=False)


@dataclass(frozen=True)
class Field:
    """``name:child``: the child is evaluated against that field.

    ``title`` is the headline; ``item`` is the whole item (title and summary), for
    conditions such as "the countries are named somewhere in the item".
    """

    name: str
    child: Node
    column: int = field(compare=False)


Node = Term | Prefix | Phrase | And | Or | Not | Near | Field
Leaf = Term | Prefix | Phrase


def display(leaf: Leaf) -> str:
    """The normalised text of a leaf as shown to analysts: ``india``, ``sign*``, ``rupee ruble``."""
    if isinstance(leaf, Term):
        return leaf.word
    if isinstance(leaf, Prefix):
        return leaf.stem + "*"
    return " ".join(leaf.words)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, And | Or):
        return node.children
    if isinstance(node, Not | Field):
        return (node.child,)
    if isinstance(node, Near):
        return (node.left, node.right)
    return ()


def positive_leaves(node: Node) -> Iterator[Leaf]:
    """Leaves not under a NOT, in query order (a double negation is still skipped: rare,
    and an analyst reading ``NOT NOT a`` would not call ``a`` a term they asked for)."""
    if isinstance(node, Term | Prefix | Phrase):
        yield node
    elif not isinstance(node, Not):
        for child in children(node):
            yield from positive_leaves(child)


# Binding strength, used to decide where ``format_query`` needs parentheses.
_OR, _AND, _NEAR, _UNARY = 1, 2, 3, 4


def format_query(node: Node) -> str:
    """Canonical query text for ``node``; ``parse_query(format_query(n)) == n``."""
    return _format(node, 0)


def _format(node: Node, context: int) -> str:
    if isinstance(node, Term | Prefix):
        return display(node)
    if isinstance(node, Phrase):
        return '"' + display(node) + '"'
    if isinstance(node, Not):
        text, strength = "NOT " + _format(node.child, _UNARY), _UNARY
    elif isinstance(node, Field):
        text, strength = f"{node.name}:" + _format(node.child, _UNARY + 1), _UNARY
    elif isinstance(node, Near):
        # NEAR is left-associative: a right operand that is itself a NEAR needs brackets.
        left = _format(node.left, _NEAR)
        right = _format(node.right, _NEAR + 1)
        text, strength = f"{left} NEAR/{node.distance} {right}", _NEAR
    elif isinstance(node, And):
        # Nested ANDs are flattened by the parser, so an AND child is bracketed to survive.
        text = " AND ".join(_format(c, _AND + 1) for c in node.children)
        strength = _AND
    else:
        text = " OR ".join(_format(c, _OR + 1) for c in node.children)
        strength = _OR
    return f"({text})" if strength < context else text

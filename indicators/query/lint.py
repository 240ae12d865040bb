"""Lint for queries that parse but cannot be what the analyst meant.

Each check is a small function over one node; ``lint_query`` walks the tree and runs
them all. Errors are queries that can never match; warnings are queries that match
almost anything, or carry something redundant. Kept modest on purpose: every finding
must be certainly true, because ``watchlists check`` fails on errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from .ast import (
    And,
    Field,
    Leaf,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    children,
    format_query,
)
from .index import COMMON_WORDS, index_keys

SHORT_PREFIX = 3  # a shorter stem matches a large share of the vocabulary
_OPERATOR_WORDS = frozenset({"and", "or", "not", "near"})


@dataclass(frozen=True)
class QueryIssue:
    severity: Literal["error", "warning"]
    message: str
    column: int


def lint_query(node: Node) -> list[QueryIssue]:
    """Every finding for ``node``, ordered by column."""
    issues = list(_whole_query(node))
    for each in _walk(node):
        for check in _CHECKS:
            issues.extend(check(each))
    return sorted(issues, key=lambda i: (i.column, i.severity, i.message))


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in children(node):
        yield from _walk(child)


def _whole_query(node: Node) -> Iterator[QueryIssue]:
    keys = index_keys(node)
    if keys is None:
        yield QueryIssue(
            "warning",
            "matches almost anything: no word is required (only NOT on some branch)",
            node.column,
        )
        return
    for key in sorted(keys & COMMON_WORDS - _OPERATOR_WORDS):
        column = next(
            (n.column for n in _walk(node) if isinstance(n, Term) and n.word == key), node.column
        )
        yield QueryIssue(
            "warning", f"matches almost anything: '{key}' is a very common word", column
        )


def _short_prefix(node: Node) -> Iterator[QueryIssue]:
    stems = [node.stem] if isinstance(node, Prefix) else []
    if isinstance(node, Phrase):
        stems = [w[:-1] for w in node.words if w.endswith("*")]
    for stem in stems:
        if len(stem) < SHORT_PREFIX:
            yield QueryIssue(
                "warning",
                f"prefix '{stem}*' is shorter than {SHORT_PREFIX} characters"
                " and matches too many words",
                node.column,
            )


def _operator_word(node: Node) -> Iterator[QueryIssue]:
    if isinstance(node, Term) and node.word in _OPERATOR_WORDS:
        yield QueryIssue(
            "warning",
            f"'{node.word}' is matched as a word; operators are upper-case ({node.word.upper()})",
            node.column,
        )


def _contradiction(node: Node) -> Iterator[QueryIssue]:
    if not isinstance(node, And):
        return
    required = [c for c in node.children if not isinstance(c, Not)]
    for excluded in (c for c in node.children if isinstance(c, Not)):
        for kept in required:
            if _implies(kept, excluded.child):
                yield QueryIssue(
                    "error",
                    f"can never match: {format_query(kept)} is required and"
                    f" {format_query(excluded)} excludes it",
                    excluded.column,
                )
                break


def _or_checks(node: Node) -> Iterator[QueryIssue]:
    if not isinstance(node, Or):
        return
    seen: list[Node] = []
    for child in node.children:
        if child in seen:
            yield QueryIssue("warning", f"duplicate {format_query(child)} in OR", child.column)
        seen.append(child)
    for child in node.children:
        if isinstance(child, Not) and child.child in node.children:
            yield QueryIssue(
                "warning",
                f"matches almost anything: {format_query(child.child)} OR"
                f" {format_query(child)} is always true",
                child.column,
            )


def _near_checks(node: Node) -> Iterator[QueryIssue]:
    if not isinstance(node, Near):
        return
    left, right = node.left, node.right
    if left == right:
        yield QueryIssue(
            "warning",
            f"NEAR between {format_query(left)} and itself matches any single occurrence",
            node.column,
        )
    elif node.distance == 0:
        if isinstance(left, Term) and isinstance(right, Term):
            yield QueryIssue(
                "error",
                "can never match: NEAR/0 needs both sides on the same word; use a phrase",
                node.column,
            )
        else:
            yield QueryIssue(
                "warning",
                "NEAR/0 only matches where both sides overlap; did you mean NEAR/1?",
                node.column,
            )


_CHECKS: tuple[Callable[[Node], Iterator[QueryIssue]], ...] = (
    _short_prefix,
    _operator_word,
    _contradiction,
    _or_checks,
    _near_checks,
)


def _implies(kept: Node, excluded: Node) -> bool:
    """Whether every unit matching ``kept`` also matches ``excluded`` (conservatively)."""
    if kept == excluded:
        return True
    if isinstance(kept, Field) and isinstance(excluded, Field):
        return kept.name == excluded.name and _implies(kept.child, excluded.child)
    if not isinstance(kept, Term | Prefix | Phrase):
        return False
    if isinstance(excluded, Term):
        return excluded.word in _exact_words(kept)
    if isinstance(excluded, Prefix):
        return any(w.startswith(excluded.stem) for w in _stems(kept))
    return False


def _exact_words(leaf: Leaf) -> list[str]:
    if isinstance(leaf, Term):
        return [leaf.word]
    if isinstance(leaf, Phrase):
        return [w for w in leaf.words if not w.endswith("*")]
    return []


def _stems(leaf: Leaf) -> list[str]:
    # Every word the leaf requires starts with one of these (a prefix element by its stem).
    if isinstance(leaf, Term):
        return [leaf.word]
    if isinstance(leaf, Prefix):
        return [leaf.stem]
    return [w.removesuffix("*") for w in leaf.words]

"""``@name`` term references in queries: expansion with bounded depth and size.

A watch list's ``terms: {name: fragment}`` names shared word groups (the countries); a
query or another term writes ``@name`` and gets the fragment in parentheses. Terms may
use terms, so a hostile file can make expansion blow up: 30 terms that each use the one
before twice are 2^30 copies (issue 16: 3.2 GB, then ``MemoryError``), and a chain of
3,000 terms that each use the one before recursed 3,000 deep. Terms are therefore resolved
without recursion, in dependency order, their expanded length computed *before* it is
built (refused over ``MAX_EXPANSION``), and a chain deeper than ``MAX_TERM_DEPTH`` refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# ``@name`` in a query stands for the watch list's ``terms: {name: fragment}``.
TERM_REF = re.compile(r"@([a-z][a-z0-9_-]*)")
TERM_NAME = re.compile(r"[a-z][a-z0-9_-]*")
MAX_EXPANSION = 200_000  # characters of a query or term once its @terms are expanded
MAX_TERM_DEPTH = 20  # terms using terms using terms…: no real word group needs more


class Expansion:
    """A query with its ``@terms`` expanded, and a map back to the columns as written."""

    def __init__(self, text: str, terms: Mapping[str, str]) -> None:
        self.pieces: list[tuple[int, int, int, str | None]] = []  # (start, end, col, name)
        out: list[str] = []
        self.unknown: list[tuple[str, int]] = []
        pos = length = 0
        for match in TERM_REF.finditer(text):
            name = match.group(1)
            before = text[pos : match.start()]
            out.append(before)
            length += len(before)
            col = match.start() + 1
            start = length
            piece = "(" + terms[name] + ")" if name in terms else match.group(0)
            out.append(piece)
            length += len(piece)
            if name in terms:
                self.pieces.append((start, length, col, name))
            else:
                self.unknown.append((name, col))
            pos = match.end()
        out.append(text[pos:])
        self.text = "".join(out)

    def column(self, expanded_col: int) -> tuple[int, str | None]:
        """The column as written for a 1-based column in the expanded text."""
        shift = 0
        for start, end, col, name in self.pieces:
            if start < expanded_col <= end:
                return col, name
            if expanded_col > end:
                shift += (end - start) - (len(name or "") + 1)
        return expanded_col - shift, None


def expanded_length(text: str, lengths: Mapping[str, int]) -> int:
    """The length ``Expansion(text, terms).text`` would have, from the terms' lengths."""
    total = len(text)
    for match in TERM_REF.finditer(text):
        if match.group(1) in lengths:
            total += lengths[match.group(1)] + 2 - len(match.group(0))
    return total


@dataclass(frozen=True)
class TermProblem:
    """A term that cannot be used, and why (the caller adds the file position)."""

    name: str
    message: str


def resolve_terms(raw: Mapping[str, str]) -> tuple[dict[str, str], list[TermProblem]]:
    """Expand every term in ``raw`` (name -> fragment as written).

    Returns the expanded fragments and the problems. A term with a problem (a cycle, an
    undefined reference, too deep, too long, or one that uses such a term) keeps its text
    as written, so the problem is reported once and not again by every query using it.
    """
    refs = {name: [m.group(1) for m in TERM_REF.finditer(text)] for name, text in raw.items()}
    done: dict[str, str] = {}
    depth: dict[str, int] = {}
    bad: set[str] = set()
    problems: list[TermProblem] = []

    def fail(name: str, message: str) -> None:
        bad.add(name)
        done[name] = raw[name]
        problems.append(TermProblem(name, message))

    def finish(name: str) -> None:
        unknown = [r for r in refs[name] if r not in raw]
        for ref in dict.fromkeys(unknown):
            fail(name, f"term '@{name}' uses '@{ref}', which is not defined")
        if name in bad:
            return
        if any(r in bad for r in refs[name]):
            bad.add(name)  # already reported where it went wrong
            done[name] = raw[name]
            return
        depth[name] = 1 + max((depth[r] for r in refs[name]), default=0)
        if depth[name] > MAX_TERM_DEPTH:
            fail(name, f"term '@{name}' nests terms more than {MAX_TERM_DEPTH} levels deep")
            return
        length = expanded_length(raw[name], {r: len(done[r]) for r in refs[name]})
        if length > MAX_EXPANSION:
            fail(
                name,
                f"term '@{name}' is {length:,} characters once its @terms are expanded "
                f"(limit {MAX_EXPANSION:,})",
            )
            return
        done[name] = Expansion(raw[name], done).text

    _walk(raw, refs, done, fail, finish)
    return done, problems


def _walk(
    raw: Mapping[str, str],
    refs: Mapping[str, list[str]],
    done: Mapping[str, str],
    fail: Callable[[str, str], None],
    finish: Callable[[str], None],
) -> None:
    """Visit terms depth first without recursion; ``finish`` a term after its references."""
    on_path: dict[str, int] = {}  # name -> its index in the path being walked
    for root in raw:
        if root in done:
            continue
        path = [root]
        on_path[root] = 0
        pending = [iter(refs[root])]
        while path:
            name = path[-1]
            child = next((c for c in pending[-1] if c in raw and c not in done), None)
            if child is None:
                path.pop()
                pending.pop()
                del on_path[name]
                if name not in done:
                    finish(name)
                continue
            if child in on_path:
                trail = " → ".join([*path[on_path[child] :], child])
                fail(name, f"term '@{name}' refers to itself: {trail}")
            else:
                on_path[child] = len(path)
                path.append(child)
                pending.append(iter(refs[child]))

"""The rule language of an indicator's ``query`` (docs/notes/query.md).

::

    text ──parse_query──▶ Node ──compile_query──▶ CompiledQuery ──match(tokens, title)──▶ Hit | None
                           └──lint_query──▶ [QueryIssue]         └──index_keys()──▶ QueryIndex

A query is evaluated against one sentence at a time (the headline counts as one), with
the item's title tokens for ``title:`` terms.
"""

from __future__ import annotations

from .ast import (
    NEAR_DEFAULT,
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    format_query,
)
from .compiler import CompiledQuery, Hit, compile_query
from .index import QueryIndex
from .lint import QueryIssue, lint_query
from .parser import parse_query
from .units import Unit

__all__ = [
    "NEAR_DEFAULT",
    "And",
    "CompiledQuery",
    "Field",
    "Hit",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Prefix",
    "QueryIndex",
    "QueryIssue",
    "Term",
    "Unit",
    "compile_query",
    "format_query",
    "lint_query",
    "parse_query",
]

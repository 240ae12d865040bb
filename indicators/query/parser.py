"""Hand-written lexer and recursive-descent parser for indicator queries (docs/notes/query.md).

Grammar (EBNF; keywords are upper-case only, ``and``/``or``/``not`` are ordinary words)::

    query     = or_expr EOF ;
    or_expr   = and_expr { "OR" and_expr } ;
    and_expr  = near_expr { [ "AND" ] near_expr } ;          (* adjacency is AND *)
    near_expr = unary { near_op unary } ;                     (* left-associative *)
    near_op   = "NEAR" [ "/" digit { digit } ] ;              (* bare NEAR = NEAR/10 *)
    unary     = ( "NOT" | "-" ) unary
              | field ":" unary                               (* "title" or "item" *)
              | primary ;
    primary   = word | prefix | phrase | "(" or_expr ")" ;
    word      = wordchar { wordchar } ;                       (* normalised by tokenize *)
    prefix    = word "*" ;
    phrase    = quote { word | prefix } quote ;               (* " “ ” „ all quote *)

Precedence follows from the nesting: NOT > NEAR > AND > OR. A ``-`` negates only at the
start of a token (``rupee-ruble`` is one bare word); a bare word that tokenises into
several words (``s-400``) becomes a phrase.

Hand-written rather than a parser library: no dependency, the grammar is tiny, and
every error can name the exact 1-based column an analyst needs (docs/notes/query.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, auto

from indicators.errors import QuerySyntaxError
from indicators.text import tokenize

from .ast import NEAR_DEFAULT, And, Field, Near, Node, Not, Or, Phrase, Prefix, Term

FIELDS = frozenset({"title", "item"})
_QUOTES = frozenset('"\u201c\u201d\u201e\uff02')
# A token ends at whitespace, a bracket or a quote; ``title:"x"`` and ``a(b)`` lex apart.
_WORD_END = re.compile(r"[\s()\"\u201c\u201d\u201e\uff02]")
_FIELD = re.compile(r"([^\W\d_]+):")
_PIECE = re.compile(r"\S+")
_KEYWORDS = frozenset({"AND", "OR", "NOT"})
# Brackets and prefix operators recurse; a cap turns a pathological query into a syntax
# error with a column instead of a RecursionError here or in the compiler.
MAX_DEPTH = 50


class _Kind(Enum):
    LEAF = auto()
    LPAREN = auto()
    RPAREN = auto()
    AND = auto()
    OR = auto()
    NOT = auto()
    NEAR = auto()
    FIELD = auto()
    EOF = auto()


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str
    column: int
    leaf: Node | None = None  # LEAF: the Term / Prefix / Phrase it stands for
    number: int = 0  # NEAR: the distance


class _Lexer:
    def __init__(self, query: str) -> None:
        self.query = query

    def error(self, message: str, index: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, index + 1, self.query)

    def tokens(self) -> list[_Token]:
        q, i, out = self.query, 0, []
        while i < len(q):
            c = q[i]
            if c.isspace():
                i += 1
            elif c in "()":
                out.append(_Token(_Kind.LPAREN if c == "(" else _Kind.RPAREN, c, i + 1))
                i += 1
            elif c in _QUOTES:
                i = self._phrase(i, out)
            elif c == "-":
                # "-a" negates; a dash followed by nothing to negate is a mistake, not a word.
                if i + 1 >= len(q) or q[i + 1].isspace() or q[i + 1] == ")":
                    raise self.error("'-' must be followed directly by a term, as in -word", i)
                out.append(_Token(_Kind.NOT, "-", i + 1))
                i += 1
            elif field := _FIELD.match(q, i):
                name = field.group(1)
                if name.casefold() not in FIELDS:
                    raise self.error(f"unknown field '{name}:' (fields: 'title:', 'item:')", i)
                out.append(_Token(_Kind.FIELD, name + ":", i + 1))
                i = field.end()
            else:
                end = _WORD_END.search(q, i)
                j = end.start() if end else len(q)
                out.append(self._word(q[i:j], i))
                i = j
        out.append(_Token(_Kind.EOF, "end of query", len(q) + 1))
        return out

    def _phrase(self, start: int, out: list[_Token]) -> int:
        q = self.query
        close = next((k for k in range(start + 1, len(q)) if q[k] in _QUOTES), -1)
        if close < 0:
            raise self.error("unclosed quote", start)
        words: list[str] = []
        for piece in _PIECE.finditer(q, start + 1, close):
            words.extend(self._words(piece.group(0), piece.start(), in_phrase=True))
        if not words:
            raise self.error("empty phrase", start)
        out.append(_Token(_Kind.LEAF, q[start : close + 1], start + 1, _leaf(words, start + 1)))
        return close + 1

    def _word(self, raw: str, index: int) -> _Token:
        if raw in _KEYWORDS:
            return _Token(_Kind[raw], raw, index + 1)
        if raw == "NEAR" or raw.startswith("NEAR/"):
            return _Token(_Kind.NEAR, raw, index + 1, number=self._distance(raw, index))
        words = self._words(raw, index, in_phrase=False)
        return _Token(_Kind.LEAF, raw, index + 1, _leaf(words, index + 1))

    def _distance(self, raw: str, index: int) -> int:
        if raw == "NEAR":
            return NEAR_DEFAULT
        number = raw[len("NEAR/") :]
        if not number:
            raise self.error("NEAR/ needs a number of words, as in NEAR/5", index + 5)
        if not number.isascii() or not number.isdigit():
            raise self.error(f"bad NEAR distance '{number}': expected a number", index + 5)
        return int(number)

    def _words(self, raw: str, index: int, *, in_phrase: bool) -> list[str]:
        """Normalised words of one whitespace-free piece; a trailing ``*`` marks a prefix."""
        star = raw.find("*")
        if star == 0:
            raise self.error("'*' must follow a word, as in agree*", index)
        if star > 0 and star != len(raw) - 1:
            raise self.error("'*' is only allowed at the end of a word", index + star)
        stem = raw[:-1] if star > 0 else raw
        words = tokenize(stem)
        if not words:
            if star > 0:
                raise self.error("'*' must follow a word, as in agree*", index + star)
            if in_phrase:
                return []  # punctuation between phrase words, as in "India — Russia"
            raise self.error(f"'{raw}' has no letters or digits", index)
        if star > 0:
            words[-1] += "*"
        return words


def _leaf(words: list[str], column: int) -> Node:
    if len(words) > 1:
        return Phrase(tuple(words), column)
    if words[0].endswith("*"):
        return Prefix(words[0][:-1], column)
    return Term(words[0], column)


# Tokens that can start an operand; one of these after an operand is an implicit AND.
_STARTS = frozenset({_Kind.LEAF, _Kind.LPAREN, _Kind.NOT, _Kind.FIELD})


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _Lexer(query).tokens()
        self.pos = 0
        self.depth = 0

    def error(self, message: str, column: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, column, self.query)

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        if self.peek().kind is _Kind.EOF:
            raise self.error("empty query", 1)
        node = self.or_expr()
        token = self.peek()
        if token.kind is _Kind.RPAREN:
            raise self.error("unbalanced ')'", token.column)
        if token.kind is not _Kind.EOF:  # pragma: no cover - every operand start is consumed
            raise self.error(f"unexpected '{token.text}'", token.column)
        return node

    def or_expr(self) -> Node:
        nodes = [self.and_expr(None)]
        while self.peek().kind is _Kind.OR:
            nodes.append(self.and_expr(self.take()))
        return _flat(Or, nodes)

    def and_expr(self, after: _Token | None) -> Node:
        nodes = [self.near_expr(after)]
        while True:
            kind = self.peek().kind
            if kind is _Kind.AND:
                nodes.append(self.near_expr(self.take()))
            elif kind in _STARTS:
                nodes.append(self.near_expr(None))
            else:
                return _flat(And, nodes)

    def near_expr(self, after: _Token | None) -> Node:
        left = self.unary(after)
        links = 0
        while self.peek().kind is _Kind.NEAR:
            op = self.take()
            # Each NEAR of a chain nests the tree one level (left-associative), and every
            # walk over the tree recurses: a 500-NEAR chain was a RecursionError (issue 16).
            links += 1
            if self.depth + links > MAX_DEPTH:
                raise self.error(
                    f"query nested more than {MAX_DEPTH} levels deep (each NEAR of a chain "
                    "counts as one)",
                    op.column,
                )
            right = self.unary(op)
            for side in (left, right):
                if not _has_position(side):
                    raise self.error(
                        "NEAR needs a word or phrase on each side, not only NOT or title:",
                        side.column,
                    )
            left = Near(left, right, op.number, left.column)
        return left

    def unary(self, after: _Token | None) -> Node:
        token = self.peek()
        if token.kind not in (_Kind.NOT, _Kind.FIELD, _Kind.LPAREN):
            return self.primary(after)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"query nested more than {MAX_DEPTH} levels deep", token.column)
        if token.kind is _Kind.NOT:
            self.take()
            node: Node = Not(self.unary(token), token.column)
        elif token.kind is _Kind.FIELD:
            self.take()
            node = Field(token.text[:-1].casefold(), self.unary(token), token.column)
        else:
            node = self.primary(after)
        self.depth -= 1
        return node

    def primary(self, after: _Token | None) -> Node:
        token = self.peek()
        if token.kind is _Kind.LEAF:
            self.take()
            assert token.leaf is not None
            return token.leaf
        if token.kind is _Kind.LPAREN:
            self.take()
            if self.peek().kind is _Kind.RPAREN:
                raise self.error("empty group '()'", token.column)
            if self.peek().kind is _Kind.EOF:
                raise self.error("unclosed '('", token.column)
            node = self.or_expr()
            if self.peek().kind is not _Kind.RPAREN:
                raise self.error("unclosed '('", token.column)
            self.take()
            return node
        # No operand here: blame the operator that wanted one, else the one that needed a left side.
        if after is not None:
            raise self.error(f"'{after.text}' needs a term after it", after.column)
        if token.kind in (_Kind.AND, _Kind.OR, _Kind.NEAR):
            raise self.error(f"'{token.text}' needs a term before it", token.column)
        if token.kind is _Kind.RPAREN:
            raise self.error("unbalanced ')'", token.column)
        raise self.error(f"unexpected '{token.text}'", token.column)  # pragma: no cover


def _flat(kind: type[And] | type[Or], nodes: list[Node]) -> Node:
    """One node, or an n-ary AND/OR with same-kind children merged (``a (b c)`` is ``a b c``)."""
    if len(nodes) == 1:
        return nodes[0]
    merged: list[Node] = []
    for node in nodes:
        merged.extend(node.children if isinstance(node, kind) else (node,))
    return kind(tuple(merged), nodes[0].column)


def _has_position(node: Node) -> bool:
    """Whether ``node`` can occupy positions in a sentence: what NEAR measures between."""
    if isinstance(node, Term | Prefix | Phrase | Near):
        return True
    if isinstance(node, And | Or):
        return any(_has_position(c) for c in node.children)
    return False  # NOT has no position; title: positions are in the title, not the sentence


def parse_query(text: str) -> Node:
    """Parse a query into its tree; raise ``QuerySyntaxError`` with the 1-based column."""
    return _Parser(text).parse()

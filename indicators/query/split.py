"""A query as the conjuncts that read the sentence and those that read only its item.

Watch-list queries are ANDs of a sentence's terms and item-wide conditions
(``item:(@india @russia)``, ``NOT title:(opinion)``). What the sentence's conjuncts find
depends on the sentence's words alone, so a sentence met again (a wire copy in another
feed, a stock sentence of the topic) needs them evaluated once: the matcher keeps their
``Hit`` by sentence and tests the item's conjuncts (settled once per item anyway) for
each item it comes in. The result is the whole query's: its test is the AND of the two
parts', its positions are the sentence part's (a ``title:``/``item:`` term has none), its
terms both parts', put back in the whole query's order (``CompiledQuery.ordered``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .ast import And, Field, Node, Not, Or, children
from .compiler import CompiledQuery, Hit, Runnable, Shared, compile_query
from .units import Unit


@dataclass(frozen=True)
class SplitQuery:
    sentence: Runnable  # the conjuncts with no title:/item: anywhere in them
    item: Runnable  # the conjuncts that read only the title or the whole item
    whole: Runnable

    def hit(self, sentence: Hit, unit: Unit) -> Hit:
        """The whole query's hit on ``unit``, from its sentence part's (the item part
        holding on ``unit``'s item)."""
        terms = [*sentence.terms, *self.item.names_unit(unit)]
        return Hit(self.whole.ordered(terms), sentence.positions)

    def runnable(self) -> SplitQuery:
        """The parts without their parse trees (``Runnable``)."""
        return SplitQuery(self.sentence.runnable(), self.item.runnable(), self.whole.runnable())


def split_query(query: CompiledQuery, shared: Shared) -> SplitQuery | None:
    """``query`` split, or None when it is not an AND of both kinds of conjuncts."""
    node = query.node
    if not isinstance(node, And):
        return None
    sentence = [c for c in node.children if not _reads_fields(c)]
    item = [c for c in node.children if _item_only(c)]
    if not sentence or not item or len(sentence) + len(item) != len(node.children):
        return None
    return SplitQuery(
        compile_query(_all(sentence), shared=shared),
        compile_query(_all(item), shared=shared),
        query,
    )


def _all(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes), nodes[0].column)


def _reads_fields(node: Node) -> bool:
    return isinstance(node, Field) or any(_reads_fields(c) for c in children(node))


def _item_only(node: Node) -> bool:
    """Every term of ``node`` is inside a ``title:`` or ``item:`` (NEAR measures sentence
    positions: never)."""
    if isinstance(node, Field):
        return True
    if isinstance(node, Not | And | Or):
        return all(_item_only(c) for c in children(node))
    return False  # a leaf outside any field, or a NEAR

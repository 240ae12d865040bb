"""Compose untrusted YAML into nodes with bounded depth and bounded expanded size.

PyYAML's composer recurses once per nesting level (20,000 nested ``[`` ended in a raw
``RecursionError``), and an alias is a reference, so a few lines of anchors (the "billion
laughs" of YAML) describe a document of 2^30 nodes that is small until a reader walks it
(issue 16: 2.9 GB in 55 s when such a node was used as a mapping key). ``compose`` counts,
as it composes, how many nodes the document holds once every alias is expanded, and stops
at ``MAX_NODES``; it stops at ``MAX_DEPTH`` levels of nesting. Both are ``ComposerError``s
with the position of the offending node, so the loader reports ``FILE:LINE:COL``.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

# A watch list is a mapping of lists of mappings: 5 or 6 levels. 64 leaves room for any
# hand-written file and stays far from the interpreter's recursion limit.
MAX_DEPTH = 64
# Nodes once aliases are expanded: the seed watch lists hold ~1,500; 200,000 is a watch list
# of ~10,000 indicators, and walking it costs well under a second.
MAX_NODES = 200_000


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader whose composer counts depth and expanded size (see module docstring)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._total = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its size with aliases expanded

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            self._count(self._sizes.get(id(node), 1), event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
            )
        node = super().compose_node(parent, index)
        self._depth -= 1
        if node is None:
            return None
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, MappingNode):
            size += sum(
                self._sizes.get(id(key), 1) + self._sizes.get(id(value), 1)
                for key, value in node.value
            )
        if size > 1:
            self._sizes[id(node)] = size
        # Children were counted as they were composed; only the node itself is new here.
        self._count(1, node.start_mark)
        return node

    def _count(self, nodes: int, mark: Any) -> None:
        self._total += nodes
        if self._total > MAX_NODES:
            raise ComposerError(
                None,
                None,
                f"more than {MAX_NODES:,} values once aliases are expanded (an alias bomb?)",
                mark,
            )


def compose(text: str) -> Node | None:
    """``yaml.compose(text, SafeLoader)`` with the limits above."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()

"""Subscription lists in OPML 1.0/2.0 (http://opml.org/spec2.opml): read and write.

Reading follows nested ``<outline>`` elements (streamed by expat, without recursion): one
with an ``xmlUrl`` is a feed, one with children is a folder, and the path of folder names
above a feed is its ``folder`` (``("News", "Wires")``). Attribute names are matched
case-insensitively because exports in the wild write ``xmlURL`` or ``XMLUrl``. A feed's
title is its ``title`` attribute, else its ``text`` unless that is just the URL again.

Writing produces OPML 2.0 in UTF-8, indented, folders as nested outlines, feeds with
``type="rss"``; a feed without a title gets its URL as ``text`` (the spec requires one)
and no ``title``, so ``read_opml(write_opml(feeds))`` gives back exactly ``feeds``.

The document goes through ``guard.check_xml_safety`` first, like every feed: no entity
declarations, no external DTDs.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from xml.parsers import expat

from indicators.text import clean_text
from monitor.errors import FeedError, FeedErrorKind
from monitor.feeds.guard import check_xml_safety

__all__ = ["OutlineFeed", "read_opml", "write_opml"]

# Folders a person files feeds in: a few levels. Elements of any kind nest at most
# MAX_NESTING deep inside the body, and a list holds at most MAX_OUTLINES outlines.
MAX_FOLDER_DEPTH = 32
MAX_NESTING = 256
MAX_OUTLINES = 20_000


@dataclass(frozen=True)
class OutlineFeed:
    """One subscription: its URL, its title if any, and the folders it sits in."""

    url: str
    title: str | None
    folder: tuple[str, ...] = ()


def read_opml(data: bytes, source: str = "OPML document") -> list[OutlineFeed]:
    """The feeds listed in an OPML document, in document order.

    Raises ``FeedError`` with kind ``malformed`` for a document that is not OPML or nests
    deeper or lists more than the limits, and kind ``unsafe`` for one the guard refuses.
    Messages start with ``source`` (a file name, for ``FILE:LINE:COL``).
    """
    check_xml_safety(data, source=source)
    reader = _OutlineReader(source)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = lambda name, attrs: reader.start(name, attrs, parser)
    parser.EndElementHandler = lambda name: reader.end()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise FeedError(
            FeedErrorKind.MALFORMED,
            f"{source}: not well-formed XML at line {exc.lineno}, column {exc.offset + 1}",
        ) from exc
    if reader.root is None:  # pragma: no cover - expat refuses a document without one
        raise FeedError(
            FeedErrorKind.MALFORMED, f"{source}: not well-formed XML at line 1, column 1"
        )
    if not reader.body_seen:
        raise FeedError(FeedErrorKind.MALFORMED, f"{source}: no <body> element")
    return reader.feeds


class _OutlineReader:
    """Expat callbacks: folders as a stack, so nesting costs no recursion (a file of 5,000
    nested outlines was a RecursionError: issue 16), with limits on depth and size."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.root: str | None = None
        self.body_seen = False
        self.feeds: list[OutlineFeed] = []
        # One frame per open element: None outside the body, else the folder path inside it.
        self.stack: list[tuple[str, ...] | None] = []
        self.outlines = 0

    def start(self, name: str, attrs: dict[str, str], parser: expat.XMLParserType) -> None:
        tag = _local_name(name)
        if self.root is None:
            self.root = tag
            if tag != "opml":
                raise FeedError(
                    FeedErrorKind.MALFORMED,
                    f"{self.source}: root element is <{name}>, expected <opml>",
                )
            self.stack.append(None)
            return
        parent = self.stack[-1]
        if len(self.stack) == 1 and tag == "body":
            self.body_seen = True
            self.stack.append(())
            return
        if parent is None or tag != "outline":
            self.stack.append(None)  # outside the body, or not an outline: nothing to read
            return
        if len(parent) >= MAX_FOLDER_DEPTH or len(self.stack) > MAX_NESTING:
            raise self._error(parser, f"outlines nested more than {MAX_FOLDER_DEPTH} deep")
        self.outlines += 1
        if self.outlines > MAX_OUTLINES:
            raise self._error(parser, f"more than {MAX_OUTLINES:,} outlines")
        attributes = {key.lower(): value for key, value in attrs.items()}
        text = _attribute(attributes, "text")
        title = _attribute(attributes, "title")
        url = _attribute(attributes, "xmlurl")
        if url is not None:
            if title is None and text != url:
                title = text
            self.feeds.append(OutlineFeed(url=url, title=title, folder=parent))
        name_ = text or title
        # A folder without a name adds no level: its feeds belong to the enclosing folder.
        self.stack.append((*parent, name_) if name_ and url is None else parent)

    def end(self) -> None:
        self.stack.pop()

    def _error(self, parser: expat.XMLParserType, message: str) -> FeedError:
        line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        return FeedError(FeedErrorKind.MALFORMED, f"{self.source}:{line}:{column}: {message}")


def write_opml(feeds: Sequence[OutlineFeed], title: str) -> bytes:
    """An OPML 2.0 document (UTF-8, indented) listing ``feeds`` in nested folders."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = clean_text(title)
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for feed in feeds:
        parent = _folder_element(folders, tuple(clean_text(name) for name in feed.folder))
        url = clean_text(feed.url)
        attributes = {"type": "rss", "text": clean_text(feed.title or url)}
        if feed.title is not None:
            attributes["title"] = clean_text(feed.title)
        attributes["xmlUrl"] = url
        ET.SubElement(parent, "outline", attributes)
    ET.indent(root, space="  ")
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"


def _folder_element(
    folders: dict[tuple[str, ...], ET.Element], path: tuple[str, ...]
) -> ET.Element:
    """The outline for ``path``, created (with its parents) on first use."""
    if path not in folders:
        parent = _folder_element(folders, path[:-1])
        folders[path] = ET.SubElement(parent, "outline", text=path[-1], title=path[-1])
    return folders[path]


def _attribute(attributes: dict[str, str], name: str) -> str | None:
    value = attributes.get(name)
    if value is None:
        return None
    value = clean_text(value).strip()
    return value or None


def _local_name(tag: str) -> str:
    """``{namespace}name`` → ``name``, lower-cased (some exporters write ``<OPML>``)."""
    return tag.rpartition("}")[2].lower()

"""Subscription lists in OPML 1.0/2.0 (http://opml.org/spec2.opml): read and write.

Reading walks nested ``<outline>`` elements: one with an ``xmlUrl`` is a feed, one with
children is a folder, and the path of folder names above a feed is its ``folder``
(``("News", "Wires")``). Attribute names are matched case-insensitively because exports
in the wild write ``xmlURL`` or ``XMLUrl``. A feed's title is its ``title`` attribute,
else its ``text`` unless that is just the URL again.

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

from indicators.text import clean_text
from monitor.errors import FeedError, FeedErrorKind
from monitor.feeds.guard import check_xml_safety

__all__ = ["OutlineFeed", "read_opml", "write_opml"]


@dataclass(frozen=True)
class OutlineFeed:
    """One subscription: its URL, its title if any, and the folders it sits in."""

    url: str
    title: str | None
    folder: tuple[str, ...] = ()


def read_opml(data: bytes) -> list[OutlineFeed]:
    """The feeds listed in an OPML document, in document order.

    Raises ``FeedError`` with kind ``malformed`` for a document that is not OPML, and kind
    ``unsafe`` for one the guard refuses.
    """
    check_xml_safety(data, source="OPML document")
    try:
        root = ET.fromstring(data)  # noqa: S314 - entities and DTDs refused by the guard
    except ET.ParseError as exc:
        line, column = exc.position
        raise FeedError(
            FeedErrorKind.MALFORMED,
            f"OPML document: not well-formed XML at line {line}, column {column}",
        ) from exc
    if _local_name(root.tag) != "opml":
        raise FeedError(
            FeedErrorKind.MALFORMED, f"OPML document: root element is <{root.tag}>, expected <opml>"
        )
    body = next((child for child in root if _local_name(child.tag) == "body"), None)
    if body is None:
        raise FeedError(FeedErrorKind.MALFORMED, "OPML document: no <body> element")
    feeds: list[OutlineFeed] = []
    _walk(body, (), feeds)
    return feeds


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


def _walk(element: ET.Element, folder: tuple[str, ...], feeds: list[OutlineFeed]) -> None:
    for outline in element:
        if _local_name(outline.tag) != "outline":
            continue
        attributes = {name.lower(): value for name, value in outline.attrib.items()}
        text = _attribute(attributes, "text")
        title = _attribute(attributes, "title")
        url = _attribute(attributes, "xmlurl")
        if url is not None:
            if title is None and text != url:
                title = text
            feeds.append(OutlineFeed(url=url, title=title, folder=folder))
        name = text or title
        # A folder without a name adds no level: its feeds belong to the enclosing folder.
        _walk(outline, (*folder, name) if name and url is None else folder, feeds)


def _attribute(attributes: dict[str, str], name: str) -> str | None:
    value = attributes.get(name)
    if value is None:
        return None
    value = clean_text(value).strip()
    return value or None


def _local_name(tag: str) -> str:
    """``{namespace}name`` → ``name``, lower-cased (some exporters write ``<OPML>``)."""
    return tag.rpartition("}")[2].lower()

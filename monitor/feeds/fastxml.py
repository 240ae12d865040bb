"""A fast path for the two feed formats most feeds use: RSS 2.0 and Atom 1.0.

feedparser costs ~0.3-0.5 ms per entry and was most of a poll (docs/benchmarks.md);
the C ``ElementTree`` parser reads the same well-formed document ~20x faster. A fast
parser that silently blanks a field is a defect (docs/benchmarks.md: one measured lxml-based
parser dropped every title holding ``&nbsp;``), so this one answers only for documents it
fully understands and returns None for everything else, which then goes to feedparser:

* well-formed XML in UTF-8 (or ASCII) with no DOCTYPE, so expat needs nothing external
  and an undeclared entity such as ``&nbsp;`` is a parse error (→ feedparser, which
  recovers it), never a blank;
* ``<rss version="2.0">`` or an Atom 1.0 ``<feed>``, no ``xml:base``;
* every child of every entry is an element whose meaning is known here; an extension
  element (``itunes:summary``, ``media:description`` …) that feedparser could map onto
  a field sends the whole document to feedparser;
* Atom text constructs of type text or html only (``xhtml`` is markup in the tree) and at
  most one alternate link per entry.

The values it returns are the strings feedparser would have handed to ``parse.py``'s
entry builder; dates go through feedparser's own date parser. ``tests/monitor/
test_fastxml.py`` checks the whole ``ParsedFeed`` against feedparser's on every test
feed, the seed feeds and generated ones.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RawEntry", "RawFeed", "parse_fast"]

_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_DECLARED = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)""")
_UTF8 = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.I)

# RSS 2.0 item children and what they carry; None: known, carries nothing we keep.
_RSS_ITEM = {
    "title": "title",
    "link": "link",
    "description": "summary",
    "guid": "guid",
    "pubDate": "published",
    _CONTENT + "encoded": "content",
    _DC + "creator": "author",
    "author": "author",
    "category": None,
    "comments": None,
    "enclosure": None,
    "source": None,  # read separately
}
_ATOM_ENTRY = {
    _ATOM + "id": "guid",
    _ATOM + "title": "title",
    _ATOM + "summary": "summary",
    _ATOM + "content": "content",
    _ATOM + "published": "published",
    _ATOM + "updated": "updated",
    _ATOM + "link": None,  # read separately
    _ATOM + "author": None,  # read separately
    _ATOM + "category": None,
    _ATOM + "rights": None,
}


@dataclass(frozen=True)
class RawEntry:
    """One entry's values as feedparser would give them (strings, not yet cleaned)."""

    guid: str | None
    link: str | None
    title: str | None
    summary: str | None
    published: Any  # time.struct_time in UTC, or None
    author: str | None
    source: str | None = None  # RSS <source url="…">Name</source>: the URL, else the name


@dataclass(frozen=True)
class RawFeed:
    title: str | None
    link: str | None
    entries: tuple[RawEntry, ...]
    format: str


class _Unsupported(Exception):
    """Not a document for the fast path: feedparser reads it."""


def parse_fast(
    body: bytes, headers: Mapping[str, str], date: Callable[[str], Any]
) -> RawFeed | None:
    """The feed in ``body``, or None when the fast path does not fully understand it.

    ``headers`` have lower-case names; ``date`` is feedparser's date parser (string →
    UTC ``struct_time`` or None).
    """
    charset = _CHARSET.search(headers.get("content-type", ""))
    if charset and charset.group(1).lower() not in _UTF8:
        return None
    declared = _DECLARED.match(body)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _UTF8:
        return None
    if b"<!DOCTYPE" in body[:4096] or b"<!doctype" in body[:4096]:
        return None
    try:
        # parse_feed ran guard.check_xml_safety first (no entity declarations, no external
        # DTD), and a DOCTYPE was turned away above: expat sees nothing to expand.
        root = ET.fromstring(body)  # noqa: S314
    except (ET.ParseError, ValueError, UnicodeError):
        return None
    try:
        if root.tag == "rss" and root.get("version") == "2.0":
            return _rss(root, date)
        if root.tag == _ATOM + "feed":
            return _atom(root, date)
    except _Unsupported:
        return None
    return None


def _text(element: ET.Element) -> str:
    if len(element):
        raise _Unsupported  # markup inside a text field
    return (element.text or "").strip()


def _rss(root: ET.Element, date: Callable[[str], Any]) -> RawFeed:
    channels = root.findall("channel")
    if len(channels) != 1 or _has_base(root):
        raise _Unsupported
    channel = channels[0]
    entries = []
    for item in channel.iter("item"):
        values: dict[str, str] = {}
        permalink = True
        source: str | None = None
        for child in item:
            if child.tag not in _RSS_ITEM:
                raise _Unsupported
            if child.tag == "source":
                if source is not None:
                    raise _Unsupported
                source = (child.get("url") or "").strip() or _text(child) or None
                continue
            field = _RSS_ITEM[child.tag]
            if field is None:
                continue
            if field in values:
                raise _Unsupported  # repeated: which one feedparser keeps is its business
            values[field] = _text(child)
            if field == "guid":
                permalink = child.get("isPermaLink", "true").lower() != "false"
        guid = values.get("guid") or None
        link = values.get("link") or None
        if link is None and guid is not None and permalink:
            link = guid  # RSS 2.0: a permalink guid is the item's link
        stamp = values.get("published")
        entries.append(
            RawEntry(
                guid=guid,
                link=link,
                title=values.get("title"),
                summary=values.get("summary") or values.get("content"),
                published=date(stamp) if stamp else None,
                author=values.get("author") or None,
                source=source,
            )
        )
    title = channel.find("title")
    home = channel.find("link")
    return RawFeed(
        title=_text(title) if title is not None else None,
        link=_text(home) if home is not None else None,
        entries=tuple(entries),
        format="rss20",
    )


def _atom(root: ET.Element, date: Callable[[str], Any]) -> RawFeed:
    if _has_base(root):
        raise _Unsupported
    entries = []
    for entry in root.iter(_ATOM + "entry"):
        values: dict[str, str] = {}
        links: list[str] = []
        author: str | None = None
        for child in entry:
            if child.tag not in _ATOM_ENTRY:
                raise _Unsupported
            if child.tag == _ATOM + "link":
                if child.get("rel", "alternate") == "alternate":
                    links.append((child.get("href") or "").strip())
                continue
            if child.tag == _ATOM + "author":
                author = _atom_author(child)
                continue
            field = _ATOM_ENTRY[child.tag]
            if field is None:
                continue
            if field in values or child.get("type", "text") not in ("text", "html"):
                raise _Unsupported
            values[field] = _text(child)
        if len(links) > 1 or links == [""]:
            raise _Unsupported
        stamp = values.get("published") or values.get("updated")
        guid = values.get("guid") or None
        entries.append(
            RawEntry(
                guid=guid,
                link=links[0] if links else guid,  # feedparser: no link, the id is the link
                title=values.get("title"),
                summary=values.get("summary") or values.get("content"),
                published=date(stamp) if stamp else None,
                author=author or None,
            )
        )
    title = root.find(_ATOM + "title")
    if title is not None and title.get("type", "text") not in ("text", "html"):
        raise _Unsupported
    feed_links = [
        (e.get("href") or "").strip()
        for e in root.findall(_ATOM + "link")
        if e.get("rel", "alternate") == "alternate"
    ]
    if len(feed_links) > 1:
        raise _Unsupported
    return RawFeed(
        title=_text(title) if title is not None else None,
        link=feed_links[0] if feed_links and feed_links[0] else None,
        entries=tuple(entries),
        format="atom10",
    )


def _atom_author(element: ET.Element) -> str | None:
    """feedparser's author string: "Name (email)", or the name alone."""
    name, email = element.find(_ATOM + "name"), element.find(_ATOM + "email")
    if name is None:
        if email is not None:
            raise _Unsupported  # an address alone: left to feedparser's rules
        return None
    text = _text(name)
    if email is not None and _text(email):
        return f"{text} ({_text(email)})"
    return text


def _has_base(root: ET.Element) -> bool:
    return any(e.get(_XML_BASE) is not None for e in root.iter())

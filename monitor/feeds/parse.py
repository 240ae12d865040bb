"""Turn a fetched document into a ``ParsedFeed``: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed.

``parse_feed(body, headers, url)``, in this order:

1. an empty body is not a feed;
2. a body that starts with ``{`` is read as JSON Feed 1.0/1.1 with the ``json`` module;
3. an HTML page is not a feed (checked before the guard: XHTML pages carry a PUBLIC DTD);
4. ``guard.check_xml_safety`` refuses entity declarations and external DTDs;
5. feedparser reads the bytes from a ``BytesIO`` with the response headers, so the charset
   of ``Content-Type`` is honoured. Never a URL or a path: given a string, feedparser would
   open the file or fetch the URL it names. ``sanitize_html`` and ``resolve_relative_uris``
   are off (docs/benchmarks.md: ~2x faster); HTML is reduced to text once, here;
6. each entry becomes a ``ParsedEntry``: text via ``html_to_text``, links resolved against
   the feed's link (else ``url``) and kept only if http(s), dates in aware UTC. At most
   ``max_entries`` are kept, the first ones, and ``ParsedFeed.truncated`` says so.

Errors are ``FeedError``: ``not_a_feed`` (empty, HTML, anything without a feed in it),
``malformed`` (broken XML or JSON with no entry recoverable), ``unsafe`` (the guard).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import time
import xml.sax
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.datetimes import _parse_date  # the date parser feedparser itself applies

from monitor.errors import FeedError, FeedErrorKind
from monitor.feeds import clean
from monitor.feeds.clean import MAX_LINK_CHARS, MAX_TITLE_CHARS
from monitor.feeds.fastxml import RawEntry, RawFeed, parse_fast
from monitor.feeds.guard import check_xml_safety
from monitor.feeds.types import ParsedEntry, ParsedFeed

__all__ = ["MAX_ENTRIES", "MAX_LINK_CHARS", "MAX_SUMMARY_CHARS", "MAX_TITLE_CHARS", "parse_feed"]

MAX_ENTRIES = 5_000
MAX_SUMMARY_CHARS = 20_000
FAST_PATH_MAX_BYTES = 2 * 1024 * 1024  # a 60-entry news feed is ~120 KB

_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"
_HTML_PAGE = re.compile(
    rb"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.S
)
# A root element that says "this meant to be a feed": broken, rather than not a feed.
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf|channel)\b")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.I)
_JSON_TYPES = ("application/feed+json", "application/json")
_JSON_FEED_VERSIONS = {
    "https://jsonfeed.org/version/1": "json1",
    "https://jsonfeed.org/version/1.1": "json11",
}
# An entry's start tag (<item>, <entry ...>, <rss:item/>) and the document's root element.
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]", re.I)
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
# Values json.loads may build: a JSON Feed of 5,000 items has ~100,000. Each costs 30-70
# bytes of memory against 2-3 bytes of JSON ("{},"): a 10 MiB body of them took 360 MB.
MAX_JSON_VALUES = 500_000


def parse_feed(
    body: bytes, headers: Mapping[str, str], url: str, *, max_entries: int = MAX_ENTRIES
) -> ParsedFeed:
    """Parse ``body`` (as fetched from ``url`` with ``headers``) or raise ``FeedError``."""
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "").lower()
    start = body.lstrip(_BOM_AND_SPACE)
    if not start:
        raise FeedError(FeedErrorKind.NOT_A_FEED, f"{url}: empty document")
    if start.startswith(b"{"):
        return _parse_json_feed(body, content_type, url, max_entries)
    head = body[:4096].replace(b"\x00", b"").lstrip(_BOM_AND_SPACE).lower()
    if _HTML_PAGE.match(head):
        raise FeedError(FeedErrorKind.NOT_A_FEED, f"{url}: an HTML page, not a feed")
    charset = _CHARSET.search(content_type)
    check_xml_safety(body, encoding=charset.group(1) if charset else None, source=url)
    looks_like_feed = bool(_FEED_ROOT.search(head))
    return _parse_xml_feed(body, lowered, url, max_entries, looks_like_feed=looks_like_feed)


# --- RSS and Atom, through feedparser -------------------------------------------------------


def _parse_xml_feed(
    body: bytes, headers: dict[str, str], url: str, max_entries: int, *, looks_like_feed: bool
) -> ParsedFeed:
    # The fast path builds the whole tree: only for feed-sized documents (a flood of tiny
    # entries filling the body cap goes to feedparser, which is cut first; issue 7).
    fast = parse_fast(body, headers, _parse_date) if len(body) <= FAST_PATH_MAX_BYTES else None
    if fast is not None and len(fast.entries) <= max_entries:
        return _from_raw(fast, url)
    return _parse_with_feedparser(body, headers, url, max_entries, looks_like_feed=looks_like_feed)


def _from_raw(raw: RawFeed, url: str) -> ParsedFeed:
    link = clean.http_link(url, clean.text_or_none(raw.link))
    base = link or url
    return ParsedFeed(
        title=clean.title(raw.title),
        link=link,
        entries=tuple(_entry(e, base) for e in raw.entries),
        format=raw.format,
    )


def _parse_with_feedparser(
    body: bytes, headers: dict[str, str], url: str, max_entries: int, *, looks_like_feed: bool
) -> ParsedFeed:
    body, cut = _first_entries(body, max_entries)
    try:
        result = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser has no exception tree of its own
        raise FeedError(FeedErrorKind.MALFORMED, f"{url}: the feed parser failed: {exc!r}") from exc
    raw_entries: list[Any] = [e for e in result.get("entries") or [] if isinstance(e, dict)]
    version = str(result.get("version") or "")
    problem = result.get("bozo_exception")
    if not raw_entries:
        if isinstance(problem, xml.sax.SAXException) and (version or looks_like_feed):
            raise FeedError(
                FeedErrorKind.MALFORMED,
                f"{url}: broken XML and no entry could be recovered: {problem}",
            )
        if not version:
            raise FeedError(
                FeedErrorKind.NOT_A_FEED, f"{url}: no RSS, Atom or JSON Feed document found"
            )
    channel = result.get("feed") or {}
    link = clean.http_link(url, clean.text_or_none(_get(channel, "link")))
    base = link or url
    entries = tuple(_xml_entry(raw, base) for raw in raw_entries[:max_entries])
    return ParsedFeed(
        title=clean.title(_get(channel, "title")),
        link=link,
        entries=entries,
        format=version or "unknown",
        truncated=cut or len(raw_entries) > max_entries,
    )


def _first_entries(body: bytes, limit: int) -> tuple[bytes, bool]:
    """``body`` cut before its entry number ``limit + 1`` and closed again; whether it was.

    feedparser builds every entry before we keep the first ``limit``: a flood of small
    entries filling the 10 MiB body cap took 11 s and 165 MB (issue 7). Cut first, the cost
    is bounded by ``limit``. A cut document the strict parser refuses (an entry tag inside
    CDATA, an unusual nesting) goes to feedparser's forgiving parser like any broken feed.
    """
    cut = next(itertools.islice(_ENTRY_START.finditer(body), limit, None), None)
    if cut is None:
        return body, False
    head = body[: cut.start()]
    root = _ROOT.search(head)
    if root is None:
        return head, True
    name = root.group(1)
    channel = b"</channel>" if name.rpartition(b":")[2].lower() == b"rss" else b""
    return head + channel + b"</" + name + b">", True


def _xml_entry(raw: dict[str, Any], base: str) -> ParsedEntry:
    summary = _get(raw, "summary")
    if not summary:
        content = _get(raw, "content") or []
        summary = content[0].get("value") if content else None
    return _entry(
        RawEntry(
            guid=_get(raw, "id"),
            link=_get(raw, "link"),
            title=_get(raw, "title"),
            summary=summary,
            published=_get(raw, "published_parsed") or _get(raw, "updated_parsed"),
            author=_get(raw, "author"),
            source=_source(_get(raw, "source")),
        ),
        base,
    )


def _source(value: object) -> str | None:
    """An entry's ``<source>`` as feedparser reads it: its URL (RSS ``url``, Atom link),
    else its name."""
    if not isinstance(value, dict):
        return None
    for key in ("href", "link", "title"):
        text = _get(value, key)
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None


def _entry(raw: RawEntry, base: str) -> ParsedEntry:
    """One entry from the values feedparser (or the fast path) found: the same cleaning."""
    return ParsedEntry(
        guid=clean.text_or_none(raw.guid),
        link=clean.http_link(base, clean.text_or_none(raw.link)),
        title=clean.title(raw.title) or "",
        summary=clean.html(raw.summary, MAX_SUMMARY_CHARS),
        published=_struct_time_utc(raw.published),
        author=clean.title(raw.author),
        source=clean.title(raw.source),
    )


def _get(raw: object, key: str) -> Any:
    """``raw[key]`` without feedparser's aliasing (``updated`` ↔ ``published`` fallbacks
    that emit DeprecationWarning): its dicts are dicts underneath."""
    return dict.get(raw, key) if isinstance(raw, dict) else None


def _struct_time_utc(value: object) -> datetime | None:
    """feedparser's ``*_parsed`` values are ``time.struct_time`` already converted to UTC."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


# --- JSON Feed 1.0 / 1.1 (https://www.jsonfeed.org/version/1.1/) -----------------------------


def _parse_json_feed(body: bytes, content_type: str, url: str, max_entries: int) -> ParsedFeed:
    declared_json = content_type.startswith(_JSON_TYPES)
    # An upper bound of the values to build (separators inside strings count too), in C.
    values = body.count(b",") + body.count(b"[") + body.count(b"{")
    if values > MAX_JSON_VALUES:
        raise FeedError(
            FeedErrorKind.TOO_LARGE,
            f"{url}: more than {MAX_JSON_VALUES} JSON values (separators) refused",
        )
    try:
        # RFC 8259 allows a UTF-8 BOM to be ignored; json.loads(bytes) would refuse it.
        document = json.loads(body.removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, deep nesting
        kind = FeedErrorKind.MALFORMED if declared_json else FeedErrorKind.NOT_A_FEED
        raise FeedError(kind, f"{url}: not valid JSON: {clean.short(exc)}") from exc
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or "jsonfeed.org" not in version:
        raise FeedError(
            FeedErrorKind.NOT_A_FEED, f"{url}: JSON, but not a JSON Feed (no jsonfeed.org version)"
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError(FeedErrorKind.MALFORMED, f"{url}: JSON Feed without an 'items' list")
    link = clean.http_link(url, _json_str(document, "home_page_url"))
    base = link or url
    entries = tuple(
        _json_entry(item, base) for item in items[:max_entries] if isinstance(item, dict)
    )
    return ParsedFeed(
        title=clean.plain_or_none(_json_str(document, "title")),
        link=link,
        entries=entries,
        format=_JSON_FEED_VERSIONS.get(version.rstrip("/"), "json"),
        truncated=len(items) > max_entries,
    )


def _json_entry(item: dict[str, Any], base: str) -> ParsedEntry:
    guid = item.get("id")
    if isinstance(guid, int | float) and not isinstance(guid, bool):
        guid = str(guid)  # the spec says string; numbers are common in the wild
    summary = _json_str(item, "summary")
    if summary is not None:
        text = clean.plain(summary)
    elif (content_html := _json_str(item, "content_html")) is not None:
        text = clean.html(content_html, MAX_SUMMARY_CHARS)
    else:
        text = clean.plain(_json_str(item, "content_text") or "")
    return ParsedEntry(
        guid=clean.text_or_none(guid),
        link=clean.http_link(base, _json_str(item, "url") or _json_str(item, "external_url")),
        title=clean.plain(_json_str(item, "title") or "")[:MAX_TITLE_CHARS],
        summary=text[:MAX_SUMMARY_CHARS],
        published=_iso_utc(_json_str(item, "date_published") or _json_str(item, "date_modified")),
        author=_json_authors(item),
    )


def _json_authors(item: dict[str, Any]) -> str | None:
    # 1.1 has "authors" (a list); 1.0 had "author" (one object).
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = [item.get("author")]
    names = [a.get("name") for a in authors if isinstance(a, dict)]
    return clean.plain_or_none(
        ", ".join(n.strip() for n in names if isinstance(n, str) and n.strip())
    )


def _iso_utc(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # RFC 3339 requires an offset; assume UTC
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # 0001-01-01T00:00+05:00 is before year 1 in UTC
        return None


def _json_str(mapping: dict[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) else None

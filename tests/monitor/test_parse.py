"""parse_feed: golden documents, the XML guard, JSON Feed, and the limits.

Golden files: every document in tests/data/feeds/ has an expectation in
tests/data/feeds/expected/<name>.json holding the url and headers it is parsed with and the
ParsedFeed (or the error kind) it must give. After a deliberate change regenerate them with
``WATCHLIST_UPDATE_GOLDEN=1 pytest tests/monitor/test_parse.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer

from monitor.errors import FeedError
from monitor.feeds.parse import MAX_ENTRIES, MAX_SUMMARY_CHARS, parse_feed
from monitor.feeds.types import ParsedFeed

DATA = Path(__file__).parents[1] / "data" / "feeds"
EXPECTED = DATA / "expected"
DOCUMENTS = sorted(p for p in DATA.iterdir() if p.is_file() and p.suffix != ".opml")
RSS = "application/rss+xml; charset=utf-8"


def _load(name: str, url: str = "https://feeds.example.test/feed", **headers: str) -> ParsedFeed:
    return parse_feed((DATA / name).read_bytes(), headers, url)


def _as_json(feed: ParsedFeed) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    data = dataclasses.asdict(feed)
    data["entries"] = [{k: convert(v) for k, v in entry.items()} for entry in data["entries"]]
    return data


def _default_headers(document: Path) -> dict[str, str]:
    types = {".json": "application/feed+json", ".html": "text/html", ".rdf": "application/rdf+xml"}
    return {"content-type": types.get(document.suffix, "application/xml")}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_golden_document(document: Path) -> None:
    expected_file = EXPECTED / f"{document.name}.json"
    update = os.environ.get("WATCHLIST_UPDATE_GOLDEN") == "1"
    if expected_file.exists():
        spec = json.loads(expected_file.read_text(encoding="utf-8"))
    elif update:
        spec = {"url": f"https://feeds.example.test/{document.name}"}
        spec["headers"] = _default_headers(document)
    else:
        pytest.fail(f"no {expected_file}; run with WATCHLIST_UPDATE_GOLDEN=1 and review it")
    try:
        actual: dict[str, Any] = {
            "feed": _as_json(parse_feed(document.read_bytes(), spec["headers"], spec["url"]))
        }
    except FeedError as exc:
        actual = {"error": exc.kind}
    if update:
        spec["expect"] = actual
        text = json.dumps(spec, indent=2, ensure_ascii=False) + "\n"
        expected_file.write_text(text, encoding="utf-8")
    assert actual == spec["expect"]


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("rss091.xml", "rss091n"),
        ("rss10.rdf", "rss10"),
        ("rss20.xml", "rss20"),
        ("atom03.xml", "atom03"),
        ("atom10.xml", "atom10"),
        ("jsonfeed10.json", "json1"),
        ("jsonfeed11.json", "json11"),
    ],
)
def test_every_format_is_recognised(name: str, version: str) -> None:
    feed = _load(name)
    assert feed.format == version
    assert feed.entries
    assert all(entry.title for entry in feed.entries)


def test_relative_links_resolve_against_the_feed_link() -> None:
    rss = _load("rss20.xml")
    assert rss.entries[1].link == "https://news.example.com/2024/07/10/rupee-payments"
    assert rss.entries[2].link == "https://news.example.com/relative/path/story.html"
    atom = _load("atom10.xml")
    assert atom.entries[0].link == "https://policy.example.com/blog/posts/sanctions-bottlenecks"
    assert atom.entries[1].link == "https://policy.example.com/blog/posts/updated-only"
    assert (
        _load("jsonfeed10.json").entries[1].link == "https://ports.example.com/2024/07/09/insurance"
    )


def test_relative_links_resolve_against_the_url_without_a_feed_link() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><link>b/c</link></item></channel></rss>'
    )
    feed = parse_feed(body, {}, "https://host.example/feeds/a.xml")
    assert feed.entries[0].link == "https://host.example/feeds/b/c"


def test_non_http_links_are_dropped() -> None:
    assert _load("rss20.xml").entries[3].link is None


def test_html_and_entities_become_plain_text() -> None:
    first, second, third, _ = _load("rss20.xml").entries
    assert first.title == "India, Russia sign industrial-technology pact"
    assert first.summary == (
        "Moscow — The two governments signed a cooperation agreement…\n"
        "Firms in both countries welcomed the deal."
    )
    assert "alert" not in first.summary
    assert second.title == "Trade-finance: what’s next for rupee payments"
    assert second.summary == 'Banks & exporters await "vostro" account guidance — officials say.'
    assert third.summary == "Body heading\nOnly content:encoded carries the text."


def test_summary_is_preferred_to_content() -> None:
    entry = _load("atom10.xml").entries[0]
    assert entry.summary == "Payment routes via third countries reopened."
    assert _load("atom10.xml").entries[1].summary.startswith("First paragraph.\nSecond paragraph")


def test_dates_are_aware_utc_from_published_else_updated() -> None:
    rss = _load("rss20.xml").entries
    assert rss[0].published == datetime(2024, 7, 9, 11, 5, tzinfo=UTC)
    assert rss[2].published is None
    assert rss[3].published is None  # "not a date"
    atom = _load("atom10.xml").entries
    assert atom[0].published == datetime(2024, 7, 10, 14, 0, tzinfo=UTC)  # published, not updated
    assert atom[1].published == datetime(2024, 7, 10, 18, 45, tzinfo=UTC)  # updated only
    json11 = _load("jsonfeed11.json").entries
    assert json11[1].published == datetime(2024, 7, 10, 9, 0, tzinfo=UTC)  # naive: UTC assumed


def test_entries_without_guids() -> None:
    entries = _load("rss20-noguid.xml").entries
    assert [(e.guid, e.link) for e in entries] == [
        (None, "https://noguid.example.com/a"),
        (None, None),
    ]


def test_charset_from_the_content_type_header_is_honoured() -> None:
    feed = _load(
        "rss20-cp1251.xml", **{"Content-Type": "application/rss+xml; charset=windows-1251"}
    )
    assert feed.title == "Новости: Россия и Индия"
    assert feed.entries[0].title == "Подписано соглашение о сотрудничестве"
    without = _load("rss20-cp1251.xml", **{"Content-Type": "application/rss+xml"})
    assert without.title != feed.title  # the header is what made the difference


def test_broken_xml_with_recoverable_entries_is_parsed() -> None:
    feed = _load("broken-recoverable.xml")
    assert [e.guid for e in feed.entries] == ["b-1", "b-2"]
    assert feed.entries[0].title.startswith("Unescaped ampersand: R&D")


def test_broken_xml_without_any_entry_is_malformed() -> None:
    with pytest.raises(FeedError) as caught:
        _load("broken-unrecoverable.xml", url="https://broken.example.com/rss")
    assert caught.value.kind == "malformed"
    assert "https://broken.example.com/rss" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"  \r\n\t ",
        b"\xef\xbb\xbf",
        (DATA / "page.html").read_bytes(),
        (DATA / "xhtml-page.html").read_bytes(),
        b"just some text",
        b"<note><to>x</to></note>",
        b'{"version": "1.0", "items": []}',
        b"{not json at all",
    ],
    ids=["empty", "blank", "bom", "html", "xhtml", "text", "other-xml", "json", "bad-json"],
)
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body, {"content-type": "text/html"}, "https://example.test/")
    assert caught.value.kind == "not_a_feed"


def test_a_valid_feed_without_entries_is_fine() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(body, {}, "https://example.test/")
    assert (feed.title, feed.entries, feed.format) == ("Quiet", (), "rss20")


def test_bodies_naming_a_path_or_url_are_only_content(feed_server: FeedServer) -> None:
    feed_server.add("/x", (DATA / "rss20.xml").read_bytes())
    for body in [
        "/etc/passwd",
        feed_server.url("/x"),
        str(DATA / "rss20.xml"),  # a real feed on disk: must not be read
        (DATA / "rss20.xml").as_uri(),
    ]:
        with pytest.raises(FeedError) as caught:
            parse_feed(body.encode(), {}, "https://example.test/feed")
        assert caught.value.kind == "not_a_feed", body
    assert feed_server.requests() == []


# --- the guard: entity declarations and external DTDs ----------------------------------------

UNSAFE = {
    "xxe-external-entity": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{evil}/xxe">]>'
        '<rss version="2.0"><channel><title>&xxe;</title></channel></rss>'
    ),
    "xxe-file": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><item><title>&xxe;</title></item></channel></rss>'
    ),
    "parameter-entity": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % dtd SYSTEM "{evil}/param.dtd"> %dtd;]>'
        '<rss version="2.0"><channel><title>x</title></channel></rss>'
    ),
    "billion-laughs": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + ']><rss version="2.0"><channel><item><title>&lol9;</title></item></channel></rss>'
    ),
    "quadratic-blowup": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "a" * 50_000 + '">]>'
        '<rss version="2.0"><channel><item><title>'
        + "&a;" * 5_000
        + "</title></item></channel></rss>"
    ),
    "external-dtd-system": (
        '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{evil}/rss.dtd">'
        '<rss version="2.0"><channel><title>x</title></channel></rss>'
    ),
    "external-dtd-public": (
        '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Evil//DTD RSS//EN" "{evil}/rss.dtd">'
        '<rss version="2.0"><channel><title>x</title></channel></rss>'
    ),
    "netscape-id-other-url": (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "{evil}/rss.dtd">'
        '<rss version="0.91"><channel><title>x</title></channel></rss>'
    ),
    "entity-in-head-comment-trick": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!-- <b> --><!ENTITY a "{evil}">]>'
        '<rss version="2.0"><channel><title>&a;</title></channel></rss>'
    ),
    "lower-case": (
        '<!doctype rss [<!entity a system "{evil}/x">]><rss version="2.0"><channel/></rss>'
    ),
}


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_guard_refuses_entities_and_external_dtds(feed_server: FeedServer, name: str) -> None:
    body = UNSAFE[name].replace("{evil}", feed_server.url("/evil")).encode()
    with pytest.raises(FeedError) as caught:
        parse_feed(body, {"content-type": RSS}, "https://example.test/feed")
    assert caught.value.kind == "unsafe"
    assert "https://example.test/feed" in caught.value.message
    assert feed_server.requests() == []  # nothing was fetched on the document's behalf


@pytest.mark.parametrize(
    ("encoding", "headers"),
    [
        ("utf-16", {}),
        ("utf-16-le", {"content-type": "application/xml; charset=utf-16le"}),
        ("utf-32", {}),
        ("utf-7", {"content-type": "application/xml; charset=utf-7"}),
    ],
)
def test_guard_sees_through_other_encodings(
    feed_server: FeedServer, encoding: str, headers: dict[str, str]
) -> None:
    doc = UNSAFE["xxe-external-entity"].replace("{evil}", feed_server.url("/evil"))
    with pytest.raises(FeedError) as caught:
        parse_feed(doc.encode(encoding), headers, "https://example.test/feed")
    assert caught.value.kind == "unsafe"
    assert feed_server.requests() == []


def test_guard_allows_a_plain_doctype() -> None:
    body = (
        b'<!DOCTYPE rss><rss version="2.0"><channel><item><title>ok</title></item></channel></rss>'
    )
    assert parse_feed(body, {}, "https://example.test/").entries[0].title == "ok"


def test_guard_allows_the_rss091_netscape_doctype_and_html_pages_in_cdata() -> None:
    assert (
        _load("rss091.xml").entries[1].title == "Café owners in Chennai welcome new shipping route"
    )
    assert "no false alarm" in _load("rss20-embedded-html.xml").entries[0].summary


# --- limits ----------------------------------------------------------------------------------


def _rss_with(count: int) -> bytes:
    items = "".join(f"<item><guid>item-{i}</guid><title>t{i}</title></item>" for i in range(count))
    return f'<rss version="2.0"><channel><title>big</title>{items}</channel></rss>'.encode()


def test_a_feed_with_6000_entries_is_truncated_to_the_first_5000() -> None:
    feed = parse_feed(_rss_with(6_000), {"content-type": RSS}, "https://example.test/")
    assert feed.truncated is True
    assert len(feed.entries) == MAX_ENTRIES
    assert (feed.entries[0].guid, feed.entries[-1].guid) == ("item-0", "item-4999")


def test_a_feed_at_the_cap_is_not_truncated() -> None:
    feed = parse_feed(_rss_with(10), {}, "https://example.test/", max_entries=10)
    assert (len(feed.entries), feed.truncated) == (10, False)


def test_json_feed_is_truncated_too() -> None:
    items = [{"id": str(i), "title": f"t{i}"} for i in range(12)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parse_feed(body, {}, "https://example.test/", max_entries=5)
    assert (len(feed.entries), feed.truncated, feed.entries[-1].guid) == (5, True, "4")


def test_summary_is_capped() -> None:
    long_text = "word " * 10_000
    body = (
        '<rss version="2.0"><channel><item><title>t</title>'
        f"<description>{long_text}</description></item></channel></rss>"
    ).encode()
    assert (
        len(parse_feed(body, {}, "https://example.test/").entries[0].summary) == MAX_SUMMARY_CHARS
    )


# --- JSON Feed specifics ---------------------------------------------------------------------


def test_json_feed_fields() -> None:
    first, second = _load("jsonfeed11.json").entries
    assert first.author == "S. Kulkarni, I. Orlova"
    assert first.summary == "The firms inked the agreement & a roadmap."
    assert second.link == "https://elsewhere.example.net/story"  # external_url when no url
    older = _load("jsonfeed10.json").entries
    assert older[0].summary == "First sailing on the eastern maritime corridor."  # summary first
    assert older[0].author == "K. Rao"
    assert older[1].guid == "42"
    assert older[1].summary == "Plain text content.\nSecond paragraph."


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"{not json", "malformed"),
        (b'{"a": ' + b"[" * 100_000, "malformed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "malformed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}', "malformed"),
        (b'{"version": 1}', "not_a_feed"),
    ],
    ids=["syntax", "deep-nesting", "items-not-list", "no-items", "no-jsonfeed-version"],
)
def test_broken_json_feeds(body: bytes, kind: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body, {"content-type": "application/feed+json"}, "https://example.test/")
    assert caught.value.kind == kind


def test_hostile_markup_is_cheap_to_reduce() -> None:
    # 10,000+ unclosed tags make a naive tag-stripping regex quadratic (seconds per entry).
    markups = ["<script>" * 200_000, "<!--" * 300_000, "<a" * 500_000]
    items = "".join(
        f"<item><title>t</title><description><![CDATA[ok {m}]]></description></item>"
        for m in markups
    )
    body = f'<rss version="2.0"><channel>{items}</channel></rss>'.encode()
    started = time.monotonic()
    feed = parse_feed(body, {}, "https://example.test/")
    assert time.monotonic() - started < 2.0
    assert [entry.summary for entry in feed.entries] == ["ok", "ok", "ok"]

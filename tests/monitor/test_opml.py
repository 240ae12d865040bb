"""OPML import and export: round trip, a hand-written file with odd attributes, bad input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from monitor.errors import FeedError
from monitor.feeds.opml import OutlineFeed, read_opml, write_opml

DATA = Path(__file__).parents[1] / "data" / "feeds"

FEEDS = [
    OutlineFeed("https://top.example.com/rss", "Top level", ()),
    OutlineFeed("https://wire-a.example.com/feed?x=1&y=2", 'Wire <A> & "quotes"', ("News",)),
    OutlineFeed("https://wire-b.example.com/atom.xml", None, ("News", "Wires")),
    OutlineFeed("https://wire-c.example.com/rss", "Wire C", ("News", "Wires")),
    OutlineFeed("https://idf.example.fr/rss", "Actualités Île-de-France", ("Régions",)),
    OutlineFeed("https://late.example.com/rss", "Back in News", ("News",)),
    OutlineFeed("feeds/local-demo.xml", "A local file", ("Demo",)),
    OutlineFeed("https://same-as-url.example.com/", "https://same-as-url.example.com/", ()),
]


def test_round_trip_preserves_urls_titles_and_folders() -> None:
    back = read_opml(write_opml(FEEDS, "Watchlist feeds"))
    assert sorted(back, key=FEEDS.index) == FEEDS
    assert len(back) == len(FEEDS)


def test_written_document_is_pretty_utf8_opml_2_with_nested_folders() -> None:
    data = write_opml(FEEDS, "Watchlist feeds")
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<opml version=\"2.0\">")
    assert "Actualités".encode() in data
    assert b"\n  <head>\n    <title>Watchlist feeds</title>" in data
    root = ET.fromstring(data)
    news = root.find("./body/outline[@text='News']")
    assert news is not None
    wires = news.find("./outline[@text='Wires']")
    assert wires is not None
    assert [o.get("xmlUrl") for o in wires] == [
        "https://wire-b.example.com/atom.xml",
        "https://wire-c.example.com/rss",
    ]
    untitled = wires[0]
    assert (untitled.get("text"), untitled.get("title"), untitled.get("type")) == (
        "https://wire-b.example.com/atom.xml",
        None,
        "rss",
    )
    # A folder met again later is the same outline, not a second "News".
    assert len(root.findall("./body/outline[@text='News']")) == 1


def test_write_then_read_an_empty_list() -> None:
    assert read_opml(write_opml([], "Nothing")) == []


def test_hand_written_opml_with_odd_attributes() -> None:
    feeds = read_opml((DATA / "odd.opml").read_bytes())
    assert feeds == [
        OutlineFeed("https://top.example.com/rss", "Plain top-level feed", ()),
        OutlineFeed("https://wire-a.example.com/feed?x=1&y=2", "Wire A (official)", ("News",)),
        OutlineFeed("https://wire-b.example.com/atom.xml", "Wire B", ("News", "Wires")),
        OutlineFeed("https://wire-c.example.com/rss", None, ("News", "Wires")),
        OutlineFeed("https://nameless.example.com/rss", "Nameless folder child", ()),
        OutlineFeed("https://idf.example.fr/rss", "Actualités", ("Région Île-de-France",)),
    ]


@pytest.mark.parametrize(
    ("data", "kind", "words"),
    [
        (b"", "malformed", "not well-formed"),
        (b"<opml><body><outline text='x'></body></opml>", "malformed", "line 1"),
        (b"<rss version='2.0'><channel/></rss>", "malformed", "<rss>"),
        (b"<opml version='2.0'><head/></opml>", "malformed", "<body>"),
        (
            b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<opml><body><outline text='&x;' xmlUrl='https://a/'/></body></opml>",
            "unsafe",
            "entity",
        ),
        (
            b"<!DOCTYPE opml [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;'>]>"
            b"<opml><body><outline text='&b;' xmlUrl='https://a/'/></body></opml>",
            "unsafe",
            "entity",
        ),
    ],
    ids=["empty", "unclosed", "not-opml", "no-body", "xxe", "entities"],
)
def test_bad_opml_is_refused_with_a_clear_error(data: bytes, kind: str, words: str) -> None:
    with pytest.raises(FeedError) as caught:
        read_opml(data)
    assert caught.value.kind == kind
    assert words in caught.value.message
    assert "OPML" in caught.value.message


def test_control_characters_never_make_invalid_xml() -> None:
    feeds = [OutlineFeed("https://a.example/rss", "bell\x07 title", ("fold\x00er",))]
    assert read_opml(write_opml(feeds, "t\x1b")) == [
        OutlineFeed("https://a.example/rss", "bell title", ("folder",))
    ]

"""Issue 14, item 4: who published an entry (redirectors, ``<source>``, one-host feeds)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedserver import FeedServer
from helpers import Story, day, rss
from sqlalchemy import select

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.feeds.publisher import attribute, is_publisher, real_link
from monitor.feeds.types import ParsedEntry, ParsedFeed
from monitor.storage.db import Database
from monitor.storage.models import Entry

RULES = """
id: t
title: T
indicators:
  - id: pact
    title: Shipbuilding pact
    query: (india OR indian) (russia OR russian) shipbuilding
"""


@pytest.mark.parametrize(
    ("link", "target"),
    [
        (
            "https://www.google.com/url?rct=j&sa=t&url=https://www.thehindu.com/a.ece&ct=ga&cd=1",
            "https://www.thehindu.com/a.ece",
        ),
        (
            "https://news.google.com/news/url?sa=t&url=https://reuters.com/x",
            "https://reuters.com/x",
        ),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fbbc.co.uk%2Fn", "https://bbc.co.uk/n"),
        ("https://tracker.example/redirect?to=https://a.example/1", "https://a.example/1"),
        ("https://a.example/share?url=https://b.example/", None),  # not a redirector path
        ("https://a.example/url?url=https://a.example/2", None),  # same host: no hop
        ("https://www.google.com/url?q=javascript:alert(1)", None),
        ("https://reuters.com/world/x", None),
    ],
)
def test_real_link(link: str, target: str | None) -> None:
    assert real_link(link) == target


def test_non_publishers() -> None:
    assert not is_publisher("127.0.0.1")
    assert not is_publisher("localhost")
    assert not is_publisher("10.1.2.3")
    assert not is_publisher("news.google.com")
    assert not is_publisher("intranet")
    assert is_publisher("reuters.com")


def _entry(link: str | None, source: str | None = None) -> ParsedEntry:
    return ParsedEntry(None, link, "t", "s", None, source=source)


def test_attribution_order() -> None:
    feed = ParsedFeed(
        "Google Alert - pact",
        None,
        (
            _entry("https://www.google.com/url?url=https://www.a.example/1"),
            _entry("https://news.google.com/rss/articles/CBMi", source="https://www.reuters.com"),
            _entry("https://news.google.com/rss/articles/CBMj", source="The Hindu"),
            _entry("https://b.example/2"),
            _entry("http://127.0.0.1:8000/3"),
            _entry(None),
        ),
        "rss20",
    )
    done = attribute(feed, "https://www.google.com/alerts/feeds/1/2")
    assert [e.publisher for e in done.entries] == [
        "a.example",
        "reuters.com",
        "The Hindu",
        "b.example",
        "Google Alert - pact",  # a loopback host names no outlet: the feed's title
        "Google Alert - pact",
    ]
    assert done.entries[0].link == "https://www.a.example/1"  # alerts link the article


def _cli(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db_url, *args])
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.stdout


def _setup(db_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "t.yaml"
    rules.write_text(RULES, encoding="utf-8")
    _cli(db_url, "init", "--config-file", str(tmp_path / "w.toml"))
    _cli(db_url, "watchlists", "load", str(rules))


def _google_alerts(stories: list[tuple[str, str, str]]) -> str:
    """A Google Alerts Atom feed: every link goes through google.com/url."""
    entries = "".join(
        f"<entry><id>tag:google.com,2013:googlealerts/feed:{n}</id>"
        f"<title type='html'>{escape(title)}</title>"
        f"<link href='{escape(f'https://www.google.com/url?rct=j&sa=t&url={url}&ct=ga')}'/>"
        f"<published>2025-12-0{n + 3}T09:00:00Z</published>"
        f"<content type='html'>{escape(text)}</content></entry>"
        for n, (title, text, url) in enumerate(stories)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Google Alert - shipbuilding</title>{entries}</feed>"
    )


def test_two_publishers_behind_google_links_confirm(
    db_url: str, tmp_path: Path, feed_server: FeedServer
) -> None:
    _setup(db_url, tmp_path)
    url = feed_server.add(
        "/alerts.xml",
        _google_alerts(
            [
                (
                    "Shipbuilding pact signed",
                    "India and Russia signed the shipbuilding pact on Friday.",
                    "https://www.thehindu.com/news/pact.ece",
                ),
                (
                    "Yards agree",
                    "The Indian and Russian shipbuilding agreement was signed in Moscow, "
                    "ministers confirmed after talks on naval yards.",
                    "https://www.reuters.com/world/pact/",
                ),
            ]
        ),
    )
    _cli(db_url, "feeds", "add", url)
    out = _cli(db_url, "poll")
    assert "watching → confirmed" in out
    status = json.loads(_cli(db_url, "status", "--format", "json"))
    assert status[0]["status"] == "confirmed"
    assert status[0]["sources"] == 2
    db = Database(db_url)
    try:
        with db.read() as session:
            rows = session.execute(select(Entry.publisher, Entry.link).order_by(Entry.id)).all()
    finally:
        db.dispose()
    assert [tuple(r) for r in rows] == [
        ("thehindu.com", "https://www.thehindu.com/news/pact.ece"),
        ("reuters.com", "https://www.reuters.com/world/pact/"),
    ]


def test_feeds_on_one_loopback_host_are_told_apart_by_title(
    db_url: str, tmp_path: Path, feed_server: FeedServer
) -> None:
    _setup(db_url, tmp_path)
    base = feed_server.url("")
    texts = [
        "India and Russia signed the shipbuilding pact on Friday.",
        "The Indian and Russian shipbuilding agreement was signed in Moscow, "
        "ministers confirmed after talks on naval yards.",
    ]
    urls = []
    for n, (name, text) in enumerate(zip(("Wire One", "Wire Two"), texts, strict=True)):
        story = Story(f"s{n}", "Pact", text, f"{base}/story/{n}", day(4 + n))
        urls.append(feed_server.add(f"/f{n}.xml", rss([story], title=name)))
    _cli(db_url, "feeds", "add", "--no-check", *urls)
    _cli(db_url, "poll")
    db = Database(db_url)
    try:
        with db.read() as session:
            publishers = session.scalars(select(Entry.publisher).order_by(Entry.id)).all()
    finally:
        db.dispose()
    assert sorted(publishers) == ["Wire One", "Wire Two"]
    assert json.loads(_cli(db_url, "status", "--format", "json"))[0]["status"] == "confirmed"


def test_an_rss_source_element_names_the_outlet() -> None:
    from monitor.feeds.parse import parse_feed

    body = (
        b"<rss version='2.0'><channel><title>Google News</title>"
        b"<item><title>Pact</title><link>https://news.google.com/rss/articles/CBMi1</link>"
        b"<source url='https://www.reuters.com'>Reuters</source></item>"
        b"<item><title>Pact 2</title><link>https://news.google.com/rss/articles/CBMi2</link>"
        b"<source>The Hindu</source></item></channel></rss>"
    )
    feed = attribute(parse_feed(body, {}, "https://news.google.com/rss"), "https://x")
    assert [e.publisher for e in feed.entries] == ["reuters.com", "The Hindu"]

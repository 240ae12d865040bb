"""The pipeline end to end against a real HTTP server on 127.0.0.1 and both databases."""

from __future__ import annotations

from datetime import timedelta

from feedserver import FeedServer
from helpers import Clock, Story, day, load_rules, pipeline, rss
from sqlalchemy import func, select

from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.storage.models import Entry, EvidenceRow, Feed

RULES = """
id: test
title: Test
indicators:
  - id: labour
    title: Labour mobility agreement
    query: (india OR indian) (russia OR russian) "labour mobility"
"""


def _add(db: Database, url: str, clock: Clock) -> int:
    with db.write() as session:
        return feeds_repo.add_feed(session, url, clock())


STORIES = [
    Story(
        "a-1",
        "India, Russia to sign labour mobility pact",
        "Officials said the deal is expected at the summit.",
        "https://a.example/1",
        day(1),
    ),
    Story(None, "Markets rally in Mumbai", "Shares rose on Monday.", "https://a.example/2", day(1)),
    Story(None, "Weather: cold wave", "Temperatures fell.", None, day(1)),
]


def test_first_poll_stores_second_poll_is_not_modified(
    db: Database, feed_server: FeedServer
) -> None:
    clock = Clock(day(1))
    url = feed_server.add("/a.xml", rss(STORIES), etag='"v1"')
    _add(db, url, clock)
    load_rules(db, RULES, clock())
    p = pipeline(db, clock)

    first = p.poll(all_feeds=True)
    assert (first.ok, first.new_entries, first.evidence) == (1, 3, 1)
    assert [c.to_status for c in first.changes] == ["anticipated"]

    clock.now += timedelta(hours=1)
    second = p.poll(all_feeds=True)
    assert (second.ok, second.not_modified, second.new_entries) == (0, 1, 0)
    assert feed_server.requests("/a.xml")[-1].headers.get("if-none-match") == '"v1"'
    with db.read() as session:
        assert session.scalar(select(func.count(Entry.id))) == 3
        assert session.scalar(select(func.count(EvidenceRow.id))) == 1
        feed = session.scalars(select(Feed)).one()
        assert feed.last_outcome == "not_modified"
        assert feed.next_poll_at > clock.now


def test_repoll_without_validators_adds_nothing_and_skips_parse(
    db: Database, feed_server: FeedServer
) -> None:
    clock = Clock(day(1))
    url = feed_server.add("/plain.xml", rss(STORIES))  # no ETag, no Last-Modified
    _add(db, url, clock)
    p = pipeline(db, clock)
    assert p.poll(all_feeds=True).new_entries == 3
    again = p.poll(all_feeds=True)
    assert again.new_entries == 0
    assert again.not_modified == 1  # same body hash: recorded as unchanged, not parsed
    with db.read() as session:
        assert session.scalar(select(Feed.last_outcome)) == "unchanged"


def test_changed_entry_is_updated_not_duplicated(db: Database, feed_server: FeedServer) -> None:
    clock = Clock(day(1))
    url = feed_server.add("/c.xml", rss(STORIES[:1]))
    _add(db, url, clock)
    load_rules(db, RULES, clock())
    p = pipeline(db, clock)
    p.poll(all_feeds=True)
    edited = Story(
        "a-1",
        "India, Russia sign labour mobility pact",
        "The agreement was signed on Friday.",
        "https://a.example/1",
        day(2),
    )
    feed_server.add("/c.xml", rss([edited]))
    result = p.poll(all_feeds=True)
    # Matched again because its text changed, but counted as updated, not new (issue 16).
    assert (result.new_entries, result.updated_entries) == (0, 1)
    with db.read() as session:
        assert session.scalar(select(func.count(Entry.id))) == 1
        modalities = session.scalars(select(EvidenceRow.modality)).all()
    assert modalities == ["occurred"]
    assert [c.to_status for c in result.changes] == ["observed"]


def test_a_failing_feed_is_recorded_backed_off_and_does_not_stop_others(
    db: Database, feed_server: FeedServer
) -> None:
    clock = Clock(day(1))
    good = feed_server.add("/good.xml", rss(STORIES))
    bad = feed_server.add("/bad.xml", "oops", status=500)
    html = feed_server.add(
        "/page.html", "<html><body>hello</body></html>", content_type="text/html"
    )
    for url in (good, bad, html):
        _add(db, url, clock)
    p = pipeline(db, clock)
    summary = p.poll(all_feeds=True)
    assert (summary.ok, summary.failed, summary.new_entries) == (1, 2, 3)
    with db.read() as session:
        infos = {f.url: f for f in feeds_repo.list_feeds(session)}
    assert infos[bad].last_error_kind == "http"
    assert infos[bad].last_status == 500
    assert infos[html].last_error_kind == "not_a_feed"
    first_delay = infos[bad].next_poll_at - clock.now
    clock.now += timedelta(days=1)
    p.poll(all_feeds=True)
    with db.read() as session:
        again = {f.url: f for f in feeds_repo.list_feeds(session)}
    assert again[bad].error_count == 2
    assert again[bad].next_poll_at - clock.now > first_delay  # exponential backoff
    assert again[good].error_count == 0


def test_permanent_redirect_updates_the_stored_url(db: Database, feed_server: FeedServer) -> None:
    clock = Clock(day(1))
    new = feed_server.add("/new.xml", rss(STORIES))
    old = feed_server.redirect("/old.xml", "/new.xml", status=301)
    _add(db, old, clock)
    pipeline(db, clock).poll(all_feeds=True)
    with db.read() as session:
        assert session.scalar(select(Feed.url)) == new


def test_due_feeds_only_unless_all(db: Database, feed_server: FeedServer) -> None:
    clock = Clock(day(1))
    url = feed_server.add("/d.xml", rss(STORIES))
    _add(db, url, clock)
    p = pipeline(db, clock)
    assert p.poll().feeds == 1
    assert p.poll().feeds == 0  # not due again for 15 minutes
    clock.now += timedelta(minutes=16)
    assert p.poll().feeds == 1

"""A watch list with evidence (hostile text included) and a dashboard server on 127.0.0.1.

``loaded_db`` polls real feeds from ``FeedServer`` through the real pipeline, so the
dashboard shows what the product recorded: occurred, anticipated and negated evidence,
status changes, and entries whose text tries every trick on a browser (script tags,
event-handler attributes, ``javascript:`` links, bidi overrides).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from feedserver import FeedServer
from helpers import Clock, Story, day, load_rules, pipeline, rss
from sqlalchemy import select

from monitor.alerts.outbox import AlertSink
from monitor.secret import Secret
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.storage.models import Entry, EvidenceRow, IndicatorRow
from monitor.web import Auth, WebServer, create_app

RULES = """
id: web
title: Web test watch list
indicators:
  - id: ships
    title: Shipbuilding pact
    description: Shipbuilding cooperation between Indian and Russian yards.
    query: (india OR indian) (russia OR russian) shipbuilding
    expected_by: 2025-12-31
  - id: rupee
    title: Rupee trade settlement
    query: rupee (trade OR settlement)
    expected_by: 2025-12-28
  - id: zeppelin
    title: Zeppelin armada
    query: zeppelin armada
  - id: quiet
    title: Nothing happens here
    query: unobtainium
"""
HOSTILE_TITLE = (
    "<script>window.__pwned = 1</script>India, Russia sign shipbuilding pact "
    '<img src=x onerror="window.__pwned = 2"> \u202eevil\u202c'
)
HOSTILE_SUMMARY = (
    'Indian and Russian yards signed the shipbuilding deal <a href="javascript:window.__pwned=3">'
    'click</a> <svg onload="window.__pwned=4"></svg>.'
)
TOKEN = "correct-horse-battery-staple"


def stories() -> list[Story]:
    return [
        Story(
            "a1",
            "India and Russia signed a shipbuilding pact",
            "Yards agreed.",
            "https://a.example/1",
            day(3),
        ),
        Story("h1", HOSTILE_TITLE, HOSTILE_SUMMARY, "https://a.example/h", day(4)),
        Story(
            "z1",
            "Zeppelin armada expected over the harbour <script>window.__pwned = 6</script>",
            "Officials expect a zeppelin armada.",
            "javascript:window.__pwned=5",
            day(4, hour=15),
        ),
        Story(
            "r1",
            "Rupee trade settlement to be expanded next year, officials say",
            "Officials said.",
            "https://c.example/3",
            day(5),
        ),
    ]


def loaded_db(db: Database, feed_server: FeedServer) -> Database:
    clock = Clock(day(6))
    load_rules(db, RULES, clock())
    url = feed_server.add("/web.xml", rss(stories()))
    url2 = feed_server.add(
        "/web2.xml",
        rss(
            [
                Story(
                    "b1",
                    "Russia and India inked the shipbuilding pact on Friday",
                    "Done.",
                    "https://b.example/2",
                    day(4, hour=12),
                ),
            ]
        ),
    )
    with db.write() as session:
        feeds_repo.add_feed(session, url, clock())
        feeds_repo.add_feed(session, url2, clock())
        feeds_repo.add_feed(session, feed_server.url("/missing.xml"), clock())
    pipe = pipeline(db, clock)
    try:
        pipe.poll(all_feeds=True)
    finally:
        pipe.close()
    plant_raw_markup(db)
    return db


RAW_SENTENCE = (
    '<script>window.__pwned = 7</script><img src=x onerror="window.__pwned = 8">'
    ' A zeppelin armada is \u202eexpected\u202c <a href="javascript:window.__pwned = 9">here</a>'
)


def plant_raw_markup(db: Database) -> None:
    """The pipeline strips HTML from feed text; the pages must not rely on it. Put raw
    markup straight into the zeppelin evidence and its entry, as a future bug might."""
    with db.write() as session:
        row = session.scalars(
            select(EvidenceRow)
            .join(IndicatorRow, IndicatorRow.id == EvidenceRow.indicator_id)
            .where(IndicatorRow.key == "zeppelin")
            .order_by(EvidenceRow.id)
        ).first()
        assert row is not None
        row.sentence = RAW_SENTENCE
        row.publisher = '<b onmouseover="window.__pwned = 10">evil.example</b>'
        entry = session.get(Entry, row.entry_id)
        assert entry is not None
        entry.title = '<script>window.__pwned = 11</script>"><svg onload="window.__pwned = 12">'


@contextmanager
def dashboard(
    db: Database,
    token: str | None = TOKEN,
    alerts: AlertSink | None = None,
    **options: int | float,
) -> Iterator[str]:
    """The dashboard of ``db`` on a free port; yields its base URL (no trailing slash)."""
    auth = Auth(Secret(token) if token else None)
    app = create_app(db, auth=auth, clock=Clock(day(6)), alerts=alerts)
    server = WebServer("127.0.0.1:0", app, **options)  # type: ignore[arg-type]
    server.start()
    try:
        yield server.url.rstrip("/")
    finally:
        server.stop()

"""Issue 5, acceptance 1: a story through the real pipeline, feeds changing between polls.

previews → anticipated; one report of the signing → observed; the same wire story on two
more sites → still observed; an independent report → confirmed; a deadline passing on
another indicator → overdue; ``history --format json`` shows exactly that, with reasons.
"""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from feedserver import FeedServer
from helpers import Clock, Story, day, load_rules, pipeline, rss

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database

RULES = """
id: summit
title: Summit
indicators:
  - id: labour
    title: Labour mobility agreement
    query: (india OR indian) (russia OR russian) ("labour mobility" OR "mobility agreement")
    corroboration: 2
  - id: roadmap
    title: High-tech export roadmap
    query: (india OR indian) (russia OR russian) roadmap
    expected_by: 2025-12-31
"""

WIRE = (
    "India and Russia signed an agreement on labour mobility on Thursday that will let "
    "skilled Indian workers take jobs in Russian construction and manufacturing, officials said."
)


def test_story_moves_statuses_and_history_records_it(db: Database, feed_server: FeedServer) -> None:
    clock = Clock(day(1))
    load_rules(db, RULES, clock())
    sites = ["wire", "metro", "coast", "ledger"]
    docs: dict[str, list[Story]] = {s: [] for s in sites}
    urls = {s: feed_server.add(f"/{s}.xml", rss([])) for s in sites}
    with db.write() as session:
        for url in urls.values():
            feeds_repo.add_feed(session, url, clock())
    p = pipeline(db, clock)

    def publish(site: str, story: Story) -> None:
        docs[site].append(story)
        feed_server.add(f"/{site}.xml", rss(docs[site]))

    def poll() -> list[str]:
        clock.now += timedelta(hours=6)
        return [f"{c.indicator}:{c.to_status}" for c in p.poll(all_feeds=True).changes]

    publish(
        "wire",
        Story(
            "w1",
            "India, Russia expected to sign labour mobility pact",
            "Officials said the agreement is likely to be signed at the summit.",
            "https://wire.example/preview",
            day(1),
        ),
    )
    assert poll() == ["summit/labour:anticipated"]

    publish(
        "wire",
        Story(
            "w2",
            "India, Russia sign labour mobility agreement",
            WIRE,
            "https://wire.example/signed",
            day(4),
        ),
    )
    assert poll() == ["summit/labour:observed"]

    # The same wire copy, lightly edited, on two more sites: one source, still observed.
    publish(
        "metro",
        Story(
            "m1",
            "Labour mobility pact signed with Russia",
            WIRE.replace("officials said", "according to officials") + " (Wire)",
            "https://metro.example/a",
            day(4, hour=12),
        ),
    )
    publish(
        "coast",
        Story(
            "c1",
            "India and Russia sign labour mobility deal",
            "NEW DELHI - " + WIRE,
            "https://coast.example/b",
            day(4, hour=13),
        ),
    )
    assert poll() == []

    # An independent report, in its own words: the second independent source.
    publish(
        "ledger",
        Story(
            "l1",
            "Moscow and Delhi seal worker accord",
            "Russia's labour ministry said the mobility agreement it concluded with India on Thursday sets quotas for Indian engineers and nurses from next year.",
            "https://ledger.example/x",
            day(5),
        ),
    )
    assert poll() == ["summit/labour:confirmed"]

    clock.now = day(2, month=1).replace(year=2026)
    assert [f"{c.indicator}:{c.to_status}" for c in p.check_deadlines()] == [
        "summit/roadmap:overdue"
    ]

    result = CliRunner().invoke(cli, ["--db", db.url, "history", "--format", "json"], obj=None)
    assert result.exit_code == 0, result.output
    history = json.loads(result.output)
    assert [(h["indicator"], h["from"], h["to"]) for h in history] == [
        ("summit/labour", "watching", "anticipated"),
        ("summit/labour", "anticipated", "observed"),
        ("summit/labour", "observed", "confirmed"),
        ("summit/roadmap", "watching", "overdue"),
    ]
    reasons = [h["reason"] for h in history]
    assert "expected" in reasons[0]
    assert "1 more to confirm" in reasons[1]
    assert reasons[2].startswith("2nd independent source: ledger.example")
    assert "2025-12-31 passed" in reasons[3]
    assert all(h["evidence"] for h in history[:3])

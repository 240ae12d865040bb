"""Issue 5: analyst overrides (dismiss, restore, pin, unpin) and replay after a rule edit."""

from __future__ import annotations

import json

from click.testing import CliRunner
from feedserver import FeedServer
from helpers import Clock, Story, day, load_rules, pipeline, rss
from sqlalchemy import func, select

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.storage.models import AnalystAction, EvidenceRow, StatusChange

RULES = """
id: t
title: T
indicators:
  - id: pact
    title: Shipbuilding pact
    query: (india OR indian) (russia OR russian) shipbuilding
"""
EDITED = RULES.replace("shipbuilding", "(shipbuilding OR fertiliser)")

STORIES = [
    Story(
        "1",
        "Indian and Russian yards sign shipbuilding pact",
        "The shipbuilding agreement was signed on Friday.",
        "https://a.example/1",
        day(4),
    ),
    Story(
        "2",
        "Russia and India seal fertiliser venture",
        "An Indian cooperative and a Russian producer signed a fertiliser joint venture.",
        "https://b.example/2",
        day(5),
    ),
]


def run(db: Database, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db.url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def setup(db: Database, feed_server: FeedServer) -> Clock:
    clock = Clock(day(6))
    load_rules(db, RULES, clock())
    url = feed_server.add("/f.xml", rss(STORIES))
    with db.write() as session:
        feeds_repo.add_feed(session, url, clock())
    pipeline(db, clock).poll(all_feeds=True)
    return clock


def statuses(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        return [
            (c.from_status, c.to_status)
            for c in session.scalars(select(StatusChange).order_by(StatusChange.id))
        ]


def test_dismiss_recomputes_and_records_restore_undoes(
    db: Database, feed_server: FeedServer
) -> None:
    setup(db, feed_server)
    assert statuses(db) == [("watching", "observed")]
    with db.read() as session:
        ids = session.scalars(select(EvidenceRow.id).order_by(EvidenceRow.id)).all()
    for evidence_id in ids:
        out = run(db, "evidence", "dismiss", str(evidence_id), "--note", "false positive")
    assert "observed → watching" in out
    assert statuses(db)[-1] == ("observed", "watching")
    run(db, "evidence", "restore", str(ids[0]))
    assert statuses(db)[-1] == ("watching", "observed")
    with db.read() as session:
        actions = session.scalars(select(AnalystAction.action).order_by(AnalystAction.id)).all()
        causes = session.scalars(select(StatusChange.cause).order_by(StatusChange.id)).all()
    assert actions == ["dismiss"] * len(ids) + ["restore"]
    assert causes == ["evidence", "analyst", "analyst"]
    explained = json.loads(run(db, "explain", "pact", "--format", "json"))
    assert [a["note"] for a in explained["actions"]][: len(ids)] == ["false positive"] * len(ids)


def test_pin_holds_until_unpinned(db: Database, feed_server: FeedServer) -> None:
    clock = setup(db, feed_server)
    run(db, "pin", "pact", "stalled", "--note", "the yard denies it")
    assert statuses(db)[-1] == ("observed", "stalled")
    # New evidence does not move a pinned indicator.
    feed_server.add(
        "/f.xml",
        rss(
            [
                *STORIES,
                Story(
                    "3",
                    "India, Russia shipbuilding pact confirmed",
                    "Russian officials said the shipbuilding pact with India was signed.",
                    "https://c.example/3",
                    day(6),
                ),
            ]
        ),
    )
    clock.now = day(7)
    assert pipeline(db, clock).poll(all_feeds=True).changes == []
    out = run(db, "unpin", "pact")
    assert "stalled → confirmed" in out
    status = json.loads(run(db, "status", "--format", "json"))
    assert status[0]["status"] == "confirmed"
    assert status[0]["pinned"] is False


def test_replay_dry_run_shows_the_diff_and_changes_nothing_then_applies_it(
    db: Database, feed_server: FeedServer
) -> None:
    clock = setup(db, feed_server)
    with db.read() as session:
        before = session.scalar(select(func.count(EvidenceRow.id)))
    load_rules(db, EDITED, clock())
    plan = json.loads(run(db, "replay", "--dry-run", "--format", "json"))
    [row] = plan["indicators"]
    assert plan["dry_run"] is True
    assert row["status"] == "observed"
    assert row["would_be"] == "confirmed"
    assert row["gained"] == 2
    assert row["lost"] == 0
    assert {g["entry"] for g in row["gained_evidence"]} == {2}
    with db.read() as session:
        assert session.scalar(select(func.count(EvidenceRow.id))) == before
    assert statuses(db) == [("watching", "observed")]

    applied = json.loads(run(db, "replay", "--format", "json"))
    assert applied["indicators"][0]["gained_evidence"] == row["gained_evidence"]
    with db.read() as session:
        assert session.scalar(select(func.count(EvidenceRow.id))) == before + 2
        versions = dict(
            session.execute(select(EvidenceRow.entry_id, EvidenceRow.indicator_version)).all()
        )
    assert versions[2] != versions[1]  # the gained evidence names the edited rule's version
    assert statuses(db)[-1] == ("observed", "confirmed")
    again = json.loads(run(db, "replay", "--dry-run", "--format", "json"))
    assert again["indicators"][0]["gained"] == 0
    assert again["indicators"][0]["lost"] == 0

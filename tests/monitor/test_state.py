"""Issue 14: one owner of status changes; deadlines in every poll; ``reversed``; corrections.

Through the real CLI (``CliRunner``, in-process) on SQLite and PostgreSQL, feeds served on
loopback, alerts to the console channel (its lines land on the command's stdout).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from feedserver import FeedServer
from helpers import Story, day, rss
from sqlalchemy import select

from indicators.model import Evidence, Modality
from monitor.alerts.outbox import NoAlerts
from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.decisions import record_decision
from monitor.feeds.types import ParsedEntry
from monitor.model import Cause
from monitor.status import Status
from monitor.storage import evidence as evidence_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.entries import store_entries
from monitor.storage.models import Alert, EvidenceRow, StatusChange

RULES = """
id: t
title: T
indicators:
  - id: pact
    title: India and Russia sign a shipbuilding pact
    query: (india OR indian) (russia OR russian) shipbuilding
  - id: late
    title: Something promised long ago
    query: zanzibar AND quokka
    expected_by: 2020-01-01
"""


def _cli(db_url: str, config: Path, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, ["--db", db_url, "--config", str(config), *args])
    assert result.exit_code == code, (result.output, result.stderr)
    return result


@pytest.fixture
def setup(db_url: str, tmp_path: Path) -> tuple[str, Path]:
    config = tmp_path / "watchlist.toml"
    config.write_text('[alerts]\nchannels = ["console:"]\n', encoding="utf-8")
    rules = tmp_path / "t.yaml"
    rules.write_text(RULES, encoding="utf-8")
    _cli(db_url, config, "init", "--config-file", str(config))
    _cli(db_url, config, "watchlists", "load", str(rules))
    return db_url, config


def _statuses(db_url: str, config: Path) -> dict[str, str]:
    rows = json.loads(_cli(db_url, config, "status", "--format", "json").stdout)
    return {row["indicator"]: row["status"] for row in rows}


def test_a_plain_poll_records_a_passed_deadline(setup: tuple[str, Path]) -> None:
    db_url, config = setup
    out = _cli(db_url, config, "poll").stdout
    assert "status: t/late watching → overdue (deadline): deadline 2020-01-01 passed" in out
    assert "ALERT t/late: watching → overdue" in out  # alerted like any change
    assert _statuses(db_url, config)["t/late"] == "overdue"
    assert "overdue" not in _cli(db_url, config, "poll").stdout  # recorded once


def _outlet(server: FeedServer, name: str, title: str, text: str, d: int) -> str:
    story = Story(f"{name}-1", title, text, f"https://{name}.example/1", day(d))
    return server.add(f"/{name}.xml", rss([story], title=f"{name} news"))


def _undone_evidence_id(db_url: str) -> int:
    """The evidence that reports the deal undone (the matcher sets ``undone``; the
    cancellation's headline and sentence may both be evidence: the newest decides)."""
    db = Database(db_url)
    try:
        with db.read() as session:
            rows = session.scalars(
                select(EvidenceRow.id).where(
                    EvidenceRow.publisher == "gamma.example", EvidenceRow.undone.is_(True)
                )
            ).all()
    finally:
        db.dispose()
    assert len(rows) == 1, rows
    return rows[0]


def test_signed_twice_then_cancelled_is_reversed_and_a_dismissal_corrects_it(
    setup: tuple[str, Path], feed_server: FeedServer
) -> None:
    db_url, config = setup
    signed = "India and Russia signed the shipbuilding pact on Friday."
    urls = [
        _outlet(feed_server, "alpha", "Shipbuilding pact signed", signed, 4),
        _outlet(
            feed_server,
            "beta",
            "India, Russia sign shipbuilding pact",
            "The Indian and Russian shipbuilding agreement was signed in Moscow, "
            "ministers confirmed after talks on naval yards.",
            5,
        ),
    ]
    _cli(db_url, config, "feeds", "add", *urls)
    out = _cli(db_url, config, "poll").stdout
    assert "t/pact observed → confirmed (evidence): 2nd independent source" in out
    assert "ALERT t/pact: observed → confirmed" in out
    # The console line links the source the reason quotes (the confirming one).
    confirmed = next(line for line in out.splitlines() if line.startswith("ALERT t/pact: obs"))
    assert "beta.example: “India, Russia sign" in confirmed
    assert "<https://beta.example/1>" in confirmed

    cancelled = "Russia cancelled the shipbuilding pact with India, officials said."
    third = _outlet(feed_server, "gamma", "Shipbuilding pact cancelled", cancelled, 8)
    _cli(db_url, config, "feeds", "add", third)
    out = _cli(db_url, config, "poll").stdout
    assert "t/pact confirmed → reversed (evidence): reversed: gamma.example" in out
    assert "ALERT t/pact: confirmed → reversed" in out  # reversed alerts by default
    assert _statuses(db_url, config)["t/pact"] == "reversed"
    history = json.loads(
        _cli(db_url, config, "history", "--indicator", "t/pact", "--format", "json").stdout
    )
    assert history[-1]["to"] == "reversed"
    assert "reversed: gamma.example" in history[-1]["reason"]

    # Dismissing the cancellation gives the status back, and the channel hears of it.
    reversing = _undone_evidence_id(db_url)
    done = _cli(db_url, config, "evidence", "dismiss", str(reversing), "--note", "misread")
    assert "status: reversed → confirmed" in done.stdout
    assert "ALERT CORRECTION t/pact: reversed → confirmed" in done.stdout
    assert _statuses(db_url, config)["t/pact"] == "confirmed"
    restored = _cli(db_url, config, "evidence", "restore", str(reversing))
    assert "ALERT CORRECTION t/pact: confirmed → reversed" in restored.stdout
    history = json.loads(
        _cli(db_url, config, "history", "--indicator", "t/pact", "--format", "json").stdout
    )
    assert [(h["cause"], h["correction"]) for h in history[-2:]] == [
        ("analyst", True),
        ("analyst", True),
    ]


def test_a_pin_and_unpin_alert_as_corrections_in_one_transaction(
    setup: tuple[str, Path], feed_server: FeedServer
) -> None:
    db_url, config = setup
    _cli(db_url, config, "poll")  # t/late → overdue
    out = _cli(db_url, config, "pin", "t/late", "watching", "--note", "extended").stdout
    # A correction of an alerted status reaches the channel even though "watching" does
    # not alert on its own.
    assert "ALERT CORRECTION t/late: overdue → watching" in out
    out = _cli(db_url, config, "unpin", "t/late").stdout
    assert "ALERT CORRECTION t/late: watching → overdue" in out
    db = Database(db_url)
    try:
        with db.read() as session:
            changes = session.scalars(select(StatusChange).order_by(StatusChange.id)).all()
            alerts = session.scalars(select(Alert).order_by(Alert.id)).all()
    finally:
        db.dispose()
    assert [c.cause for c in changes] == ["deadline", "analyst", "analyst"]
    # Every change has its alert, queued with it (one transaction: same change ids).
    assert [a.status_change_id for a in alerts] == [c.id for c in changes]
    assert [a.payload["correction"] for a in alerts] == [False, True, True]


def test_replay_changes_alert_as_corrections(
    setup: tuple[str, Path], feed_server: FeedServer, tmp_path: Path
) -> None:
    db_url, config = setup
    signed = "India and Russia signed the shipbuilding pact on Friday."
    _cli(db_url, config, "feeds", "add", _outlet(feed_server, "alpha", "Pact", signed, 4))
    _cli(db_url, config, "poll")
    narrower = tmp_path / "t.yaml"
    narrower.write_text(RULES.replace("shipbuilding", "shipbuilding AND tanker"), "utf-8")
    _cli(db_url, config, "watchlists", "load", str(narrower))
    out = _cli(db_url, config, "replay", "--format", "json").stdout
    assert "ALERT CORRECTION t/pact: observed → watching" in out


@pytest.mark.parametrize(
    ("canceller", "expected"), [("a.example", Status.REVERSED), ("b.example", Status.CONFIRMED)]
)
def test_reversal_needs_a_later_independent_source(
    db: Database, canceller: str, expected: Status
) -> None:
    """The rule, decided through the owner on stored evidence (both databases): a report of
    the deal cancelled by the source of the last "signed" report is not independent."""
    from helpers import load_rules

    load_rules(db, RULES, day(1))
    with db.write() as session:
        rows = [
            ParsedEntry(f"g{i}", f"https://{site}/{i}", title, title, day(d), publisher=site)
            for i, (site, title, d) in enumerate(
                [
                    ("a.example", "Indian Russian shipbuilding pact signed", 3),
                    ("b.example", "India and Russia seal a shipbuilding deal", 4),
                    (canceller, "Indian Russian shipbuilding pact cancelled", 5),
                ]
            )
        ]
        entries = store_entries(session, _feed(session), rows, day(6), None)
        pact = 1
        for entry, undone in zip(entries, (False, False, True), strict=True):
            found = [Evidence("t/pact", Modality.OCCURRED, entry.title, ("pact",), undone=undone)]
            evidence_repo.replace_evidence(session, entry, pact, "v1", found, day(6))
        change = record_decision(session, pact, day(6), Cause.EVIDENCE, NoAlerts())
    assert change is not None
    assert change.to_status == expected


def _feed(session: object) -> int:
    from monitor.storage import feeds as feeds_repo

    return feeds_repo.add_feed(session, "https://feeds.example/rss", day(1))  # type: ignore[arg-type]


def test_migration_0004_adds_undone(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db, "0002")
        migrate.upgrade(db)
        assert migrate.current_revision(db) == migrate.head_revision()
        assert "undone" in {c["name"] for c in sa.inspect(db.engine).get_columns("evidence")}
        migrate.downgrade(db, "0002")
        migrate.upgrade(db)
    finally:
        db.dispose()

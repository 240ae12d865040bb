"""Issue 5, acceptance 5: status, history and explain in every format, with hostile titles."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from feedserver import FeedServer
from helpers import Clock, Story, day, load_rules, pipeline, rss

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.textsafe import inert

RULES = """
id: t
title: T
indicators:
  - id: pact
    title: Shipbuilding pact
    query: (india OR indian) (russia OR russian) shipbuilding
"""
HOSTILE_TITLE = "India, Russia sign shipbuilding pact \x1b[31mRED\x1b[0m \x1b]0;owned\x07 <b>bold</b> &amp; \u202eevil\u202c"
HOSTILE_SUMMARY = "<p>Russian and Indian yards signed the <script>alert(1)</script>shipbuilding deal.\r\nInjected line</p>"


@pytest.fixture
def loaded(db: Database, feed_server: FeedServer) -> Database:
    clock = Clock(day(6))
    load_rules(db, RULES, clock())
    url = feed_server.add(
        "/f.xml", rss([Story("1", HOSTILE_TITLE, HOSTILE_SUMMARY, "https://a.example/1", day(4))])
    )
    with db.write() as session:
        feeds_repo.add_feed(session, url, clock())
    pipeline(db, clock).poll(all_feeds=True)
    return db


def run(db: Database, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db.url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_inert(text: str) -> None:
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\u202e" not in text
    assert "\r" not in text
    assert "<script>" not in text


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "csv"])
@pytest.mark.parametrize("command", [["status"], ["history"], ["explain", "pact"]])
def test_reports_in_every_format_are_inert(loaded: Database, command: list[str], fmt: str) -> None:
    out = run(loaded, *command, "--format", fmt)
    assert_inert(out)
    assert "pact" in out or "observed" in out
    if fmt == "json":
        json.loads(out)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) >= 2
        assert len({len(r) for r in rows}) == 1


def test_status_json_fields(loaded: Database) -> None:
    [row] = json.loads(run(loaded, "status", "--format", "json"))
    assert row["indicator"] == "t/pact"
    assert row["status"] == "observed"
    assert row["occurred"] >= 1
    assert row["sources"] == 1
    assert "since" in row
    assert "expected_by" in row
    assert "shipbuilding" in row["newest_sentence"].lower()


def test_explain_json_has_the_trail_with_links_and_history(loaded: Database) -> None:
    doc = json.loads(run(loaded, "explain", "t/pact", "--format", "json"))
    assert doc["status"] == "observed"
    assert doc["evidence"][0]["link"] == "https://a.example/1"
    assert doc["evidence"][0]["source"] == "a.example"
    assert doc["evidence"][0]["title"].startswith("India, Russia sign shipbuilding pact")
    assert "RED" in doc["evidence"][0]["title"]
    assert "<b>" not in doc["evidence"][0]["title"]  # HTML stripped on the way in
    assert [(h["from"], h["to"]) for h in doc["history"]] == [("watching", "observed")]


def test_explain_says_why_each_modality(loaded: Database) -> None:
    """Issue 12, item 5: each piece of evidence says the words naming the event (none here:
    "Shipbuilding pact" names no action, so the query's terms are judged) and the cue."""
    doc = json.loads(run(loaded, "explain", "t/pact", "--format", "json"))
    reasons = {(e["sentence"].split()[0], e["modality"], e["cue"]) for e in doc["evidence"]}
    assert ("India,", "occurred", "sign") in reasons  # the headline's present tense
    assert ("Russian", "occurred", "signed") in reasons
    assert {e["trigger"] for e in doc["evidence"]} == {""}
    table = run(loaded, "explain", "t/pact", "--format", "table")
    assert "cue" in table


def test_table_fits_100_columns(loaded: Database) -> None:
    out = run(loaded, "status", "--format", "table")
    assert max(len(line) for line in out.splitlines()) <= 100


def test_history_filters(loaded: Database) -> None:
    assert json.loads(run(loaded, "history", "--indicator", "pact", "--format", "json"))
    assert json.loads(run(loaded, "history", "--watchlist", "nope", "--format", "json")) == []
    assert json.loads(run(loaded, "history", "--since", "2999-01-01", "--format", "json")) == []


def test_inert_strips_escapes_controls_and_bidi() -> None:
    assert inert("a\x1b[2Jb\x1b]0;t\x07c\u202ed\x00e\r\nf") == "abcde f"

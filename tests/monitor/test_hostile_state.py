"""Issue 16, items 1, 6, 7 and 9 through the command line, on SQLite and PostgreSQL.

Feeds are served from 127.0.0.1 and polled with ``watchlist poll --all``; statuses,
evidence and the history are read back with ``status``, ``explain`` and ``history`` in
JSON. Alerts go to a ``console:`` channel, so every alert is a line on stdout.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from feedserver import FeedServer
from helpers import Story, rss
from sqlalchemy import insert, select

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Base, Entry, EvidenceRow, IndicatorRow, WatchlistRow

RULES = """
id: t
title: T
indicators:
  - id: labour
    title: Labour mobility agreement
    query: (india OR indian) (russia OR russian) "labour mobility"
"""
SIGNED = "India and Russia signed the labour mobility agreement on Friday."
FAILED = "India and Russia failed to sign the labour mobility agreement on Friday."
WILL = "India and Russia will sign a labour mobility agreement next month."


def run(db: Database, config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--db", db.url, "--config", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def config(tmp_path: Path, db: Database) -> Path:
    path = tmp_path / "watchlist.toml"
    every = '["watching", "anticipated", "observed", "confirmed", "stalled", "overdue"]'
    path.write_text(f'[alerts]\nchannels = ["console:"]\nalert_on = {every}\n', encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    run(db, path, "watchlists", "load", str(rules))
    return path


def _explain(db: Database, config: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run(db, config, "explain", "t/labour", "--format", "json"))
    return doc


def _status(db: Database, config: Path) -> str:
    rows = json.loads(run(db, config, "status", "--format", "json"))
    return str(rows[0]["status"])


def _story(guid: str, summary: str, published: datetime) -> Story:
    return Story(guid, "Labour talks", summary, f"https://news.example/{guid}", published)


def _alerts(output: str) -> int:
    """Console alerts (``ALERT …``), not the status changes ``poll`` prints as well."""
    return sum(1 for line in output.splitlines() if line.startswith("ALERT") and "t/labour" in line)


def _cited_ids_resolve(doc: dict[str, Any]) -> None:
    shown = {ev["id"] for ev in doc["evidence"]} | {ev["id"] for ev in doc["archived"]}
    for change in doc["history"]:
        assert set(change["evidence"]) <= shown, change


# --- item 1: feed entry dates -----------------------------------------------------------------


def test_entry_dates_are_clamped_to_the_fetch_and_a_floor(
    db: Database, config: Path, feed_server: FeedServer
) -> None:
    far = datetime(9999, 12, 31, tzinfo=UTC)
    url = feed_server.add("/f.xml", rss([_story("future", WILL, far)]))
    run(db, config, "feeds", "add", url)
    before = datetime.now(UTC)
    run(db, config, "poll", "--all")
    assert _status(db, config) == "anticipated"
    # A later story that says the agreement fell through: it is the newest evidence now,
    # whatever date the first one claimed (9999 pinned the status before).
    later = datetime.now(UTC) + timedelta(minutes=5)  # a clock ahead: the fetch time counts
    feed_server.add("/f.xml", rss([_story("future", WILL, far), _story("now", FAILED, later)]))
    run(db, config, "poll", "--all")
    assert _status(db, config) == "stalled"
    published = [datetime.fromisoformat(ev["published"]) for ev in _explain(db, config)["evidence"]]
    assert all(before.replace(microsecond=0) <= p <= datetime.now(UTC) for p in published)


def test_a_year_one_date_is_taken_as_unknown(
    db: Database, config: Path, feed_server: FeedServer
) -> None:
    item = {
        "id": "old",
        "title": "Labour talks",
        "content_text": SIGNED,
        "date_published": "0001-01-01T00:00:00Z",
        "url": "https://news.example/old",
    }
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": [item]}
    )
    url = feed_server.add("/j.json", body, content_type="application/feed+json")
    run(db, config, "feeds", "add", url)
    before = datetime.now(UTC)
    run(db, config, "poll", "--all")
    (evidence,) = _explain(db, config)["evidence"]
    assert datetime.fromisoformat(evidence["published"]) >= before.replace(microsecond=0)


# --- item 6: an entry rewritten between polls -----------------------------------------------------


def test_an_entry_flipping_between_polls_keeps_its_history_and_does_not_storm(
    db: Database, config: Path, feed_server: FeedServer
) -> None:
    now = datetime.now(UTC)
    url = feed_server.add("/flip.xml", rss([_story("flip", SIGNED, now)]))
    run(db, config, "feeds", "add", url)
    alerts = _alerts(run(db, config, "poll", "--all"))
    statuses = [_status(db, config)]
    lines = []
    for text in [FAILED, SIGNED] * 4:
        feed_server.add("/flip.xml", rss([_story("flip", text, now)]))
        output = run(db, config, "poll", "--all")
        lines.append(output.splitlines()[-1])
        alerts += _alerts(output)
        statuses.append(_status(db, config))
    assert statuses == ["observed"] + ["stalled", "observed"] * 4
    # Every flip is in the status log, but a status alerted within the cooling period
    # (24 h) is not alerted again: watching → observed, observed → stalled, then quiet.
    assert alerts == 2
    assert all("0 new entries (1 updated)" in line for line in lines), lines
    doc = _explain(db, config)
    assert len(doc["history"]) == 9
    _cited_ids_resolve(doc)
    assert {ev["why"] for ev in doc["archived"]} == {"superseded"}
    assert len(doc["evidence"]) == 1  # what the entry says now


# --- item 7: removal leaves no ghosts -------------------------------------------------------------


def test_removing_a_feed_redecides_and_alerts_and_the_history_still_resolves(
    db: Database, config: Path, feed_server: FeedServer
) -> None:
    now = datetime.now(UTC)
    first = feed_server.add("/a.xml", rss([_story("a", SIGNED, now)]))
    second = feed_server.add("/b.xml", rss([_story("b", WILL, now)]))
    run(db, config, "feeds", "add", first, second)
    run(db, config, "poll", "--all")
    assert _status(db, config) == "observed"
    output = run(db, config, "feeds", "remove", first)
    assert "status: t/labour observed → anticipated" in output
    assert _status(db, config) == "anticipated"
    queued = json.loads(run(db, config, "alerts", "list", "--format", "json"))
    assert any("anticipated" in json.dumps(a) for a in queued)  # alerted like any change
    doc = _explain(db, config)
    _cited_ids_resolve(doc)
    assert [ev["why"] for ev in doc["archived"]] == ["feed removed"]
    run(db, config, "feeds", "remove", second)
    assert _status(db, config) == "watching"
    doc = _explain(db, config)
    assert doc["evidence"] == []
    _cited_ids_resolve(doc)


def test_removing_a_watch_list_retires_its_indicators(db: Database, config: Path) -> None:
    assert "t: 1 indicators retired" in run(db, config, "watchlists", "remove", "t")
    assert json.loads(run(db, config, "status", "--format", "json")) == []
    assert "no watch list 'nope'" in run(db, config, "watchlists", "remove", "nope", code=1)


# --- item 9: lengths the same on both databases ---------------------------------------------------


def test_values_longer_than_the_columns_are_refused_the_same_on_both_databases(
    db: Database, config: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "long.yaml"
    rules.write_text(RULES.replace("title: Labour", "title: " + "L" * 1001), encoding="utf-8")
    output = run(db, config, "watchlists", "load", str(rules), code=1)
    assert "long.yaml:6:12: indicator 'labour': title is 1,020 characters (limit 1,000)" in output
    long_url = "https://a.example/" + "p" * 2100
    assert "feed URL is 2,118 characters (limit 2,048)" in run(
        db, config, "feeds", "add", "--no-check", long_url, code=1
    )
    for option in ("--title", "--folder"):
        output = run(
            db,
            config,
            "feeds",
            "add",
            "--no-check",
            "https://a.example/x",
            option,
            "x" * 501,
            code=1,
        )
        assert "characters (limit 500)" in output
    opml = tmp_path / "long.opml"
    opml.write_text(
        "<opml version='2.0'><body>"
        f"<outline text='{'f' * 501}'><outline text='x' xmlUrl='https://b.example/rss'/></outline>"
        f"<outline text='{'t' * 501}' xmlUrl='https://c.example/rss'/>"
        "<outline text='ok' xmlUrl='https://d.example/rss'/>"
        f"<outline text='u' xmlUrl='https://e.example/{'u' * 2100}'/>"
        "</body></opml>",
        encoding="utf-8",
    )
    output = run(db, config, "feeds", "import", str(opml), code=1)
    assert "imported 1 feeds" in output
    assert output.count("skipped: feed") == 3
    listed = json.loads(run(db, config, "feeds", "list", "--format", "json"))
    assert [f["url"] for f in listed] == ["https://d.example/rss"]


# --- item 1: dates an older version stored --------------------------------------------------------


def test_upgrading_repairs_dates_an_older_version_stored(db_url: str, tmp_path: Path) -> None:
    old = Database(db_url)
    try:
        migrate.upgrade(old, "0002")
        tables = Base.metadata.tables
        seen = datetime(2025, 12, 1, 9, tzinfo=UTC)
        with old.write() as session:
            run_sql = session.execute
            run_sql(
                insert(tables["watchlists"]).values(
                    id="t",
                    title="T",
                    source="",
                    path="",
                    expected_by=date(9999, 12, 31),
                    loaded_at=seen,
                )
            )
            run_sql(
                insert(tables["indicators"]).values(
                    id=1,
                    watchlist_id="t",
                    key="a",
                    title="A",
                    query="india",
                    description="",
                    expected_by=date(9999, 12, 31),
                    corroboration=2,
                    severity="medium",
                    tags=[],
                    cues={},
                    version="v",
                    active=True,
                    status="watching",
                    status_since=seen,
                )
            )
            run_sql(
                insert(tables["feeds"]).values(
                    id=1,
                    url="https://f.example/rss",
                    folder="",
                    added_at=seen,
                    interval_seconds=900,
                    next_poll_at=seen,
                    error_count=0,
                    total_errors=0,
                )
            )
            for n, published in enumerate(
                [datetime(9999, 12, 31, tzinfo=UTC), datetime(1, 1, 2, tzinfo=UTC), seen], 1
            ):
                run_sql(
                    insert(tables["entries"]).values(
                        id=n,
                        feed_id=1,
                        dedup_key=f"g:{n}",
                        title="t",
                        summary="s",
                        content_hash="h",
                        published_at=published,
                        first_seen_at=seen,
                        updated_at=seen,
                    )
                )
                run_sql(
                    insert(tables["evidence"]).values(
                        id=n,
                        entry_id=n,
                        indicator_id=1,
                        indicator_version="v",
                        position=0,
                        modality="occurred",
                        sentence="s",
                        terms=[],
                        published_at=published,
                        created_at=seen,
                        dismissed=False,
                    )
                )
    finally:
        old.dispose()
    result = CliRunner().invoke(cli, ["--db", db_url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    db = Database(db_url)
    try:
        with db.read() as session:
            entries = session.execute(select(Entry.id, Entry.published_at).order_by(Entry.id))
            assert [p for _, p in entries] == [seen, None, seen]
            evidence = session.scalars(select(EvidenceRow.published_at).order_by(EvidenceRow.id))
            assert list(evidence) == [seen, seen, seen]
            assert session.scalar(select(IndicatorRow.expected_by)) is None
            assert session.scalar(select(WatchlistRow.expected_by)) is None
    finally:
        db.dispose()

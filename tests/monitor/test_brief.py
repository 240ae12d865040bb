"""Issue 17, item 2: ``watchlist brief`` and the scheduled digest (real SMTP: aiosmtpd)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alert_servers import SmtpServer
from click.testing import CliRunner
from feedserver import FeedServer
from helpers import day
from sqlalchemy import select
from webhelpers import RAW_SENTENCE, loaded_db

from monitor.brief import gather
from monitor.brief import render as brief_render
from monitor.brief.digest import send_digest
from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.config import Settings, load_settings
from monitor.errors import ConfigError
from monitor.secret import Secret
from monitor.storage.db import Database
from monitor.storage.models import Alert


@pytest.fixture
def loaded(db: Database, feed_server: FeedServer) -> Database:
    return loaded_db(db, feed_server)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def _brief(db: Database, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db.url, "brief", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_brief_names_the_changed_indicators_in_every_format(loaded: Database) -> None:
    document = json.loads(_brief(loaded, "--since", "3650d", "--format", "json"))
    assert document["changed_indicators"] == ["web/rupee", "web/ships", "web/zeppelin"]
    ships = [c for c in document["changes"] if c["indicator"] == "web/ships"]
    assert [(c["from"], c["to"]) for c in ships] == [
        ("watching", "observed"),
        ("observed", "confirmed"),
    ]
    assert all(c["reason"] for c in document["changes"])
    evidence = {e["indicator"]: e for e in document["new_evidence"]}
    result = CliRunner().invoke(cli, ["--db", loaded.url, "status", "--format", "json"])
    for row in json.loads(result.stdout):  # all evidence is new in this period
        counts = evidence.get(row["indicator"], {"occurred": 0, "anticipated": 0, "negated": 0})
        for modality in ("occurred", "anticipated", "negated"):
            assert counts[modality] == row[modality], (row["indicator"], modality)
    assert any("/missing.xml" in f["url"] for f in document["failing_feeds"])
    markdown = _brief(loaded, "--since", "3650d")
    for ref in ("web/rupee", "web/ships", "web/zeppelin"):
        assert ref in markdown
    assert "## Status changes (4)" in markdown
    html = _brief(loaded, "--since", "3650d", "--format", "html")
    assert "<script" not in html
    assert "&lt;script&gt;window.__pwned = 7" in html
    assert re.search(r"(?<!\\)[<>\[\]]", markdown) is None  # every <, >, [, ] escaped
    assert "\\<script\\>" in markdown


def test_a_recent_period_leaves_older_changes_out(loaded: Database) -> None:
    document = json.loads(_brief(loaded, "--since", "1d", "--format", "json"))
    assert document["changes"] == []
    assert document["new_evidence"] == []


def test_deadlines_in_the_next_14_days_and_watchlist_filter(loaded: Database) -> None:
    brief = gather(loaded, day(1), day(20), "web")
    assert [(d.indicator, d.status) for d in brief.deadlines] == [("web/rupee", "anticipated")]
    assert gather(loaded, day(1), day(1), "web").deadlines == ()  # 27 days ahead
    assert gather(loaded, day(1), day(20), "other").changes == ()


def _settings(db: Database, smtp: SmtpServer) -> Settings:
    return Settings(
        database_url=db.url,
        alert_named_channels={"mail": {"url": Secret(smtp.url(to="desk@example.org"))}},
        brief_at="07:00",
        brief_channels=("mail",),
        brief_since="3650d",
    )


def test_digest_is_an_html_email_with_a_text_part_once_a_day(
    loaded: Database, smtp: SmtpServer
) -> None:
    settings = _settings(loaded, smtp)
    now = day(20, hour=7)
    first = send_digest(settings, loaded, now)
    assert (first.sent, first.skipped, first.failed) == (("mail",), (), ())
    [message] = smtp.messages
    assert "watchlist brief" in message["Subject"]
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert "web/ships: observed → confirmed" in plain.get_content()
    assert "web/rupee" in plain.get_content()  # its deadline is in 8 days
    html_text = html.get_content()
    assert "<h2>Status changes (4)</h2>" in html_text
    assert "<script" not in html_text
    # Again the same day (a restart, a second worker): nothing more is sent.
    again = send_digest(settings, loaded, now + timedelta(hours=1))
    assert again.skipped == ("mail",)
    assert len(smtp.messages) == 1
    send_digest(settings, loaded, now + timedelta(days=1))
    assert len(smtp.messages) == 2
    with loaded.read() as session:
        rows = session.scalars(select(Alert).where(Alert.idempotency_key.like("brief:%"))).all()
        assert [(r.state, r.sent_at is not None) for r in rows] == [("sent", True)] * 2


def test_a_failed_digest_is_recorded_and_not_retried_the_same_day(loaded: Database) -> None:
    settings = Settings(
        database_url=loaded.url,
        alert_named_channels={"mail": {"url": Secret("smtp://127.0.0.1:9?from=a@b.c&to=d@e.f")}},
        brief_at="07:00",
        brief_channels=("mail",),
    )
    result = send_digest(settings, loaded, day(20))
    assert result.failed == ("mail",)
    with loaded.read() as session:
        row = session.scalars(select(Alert).where(Alert.idempotency_key.like("brief:%"))).one()
        assert row.state == "dead"
        assert "cannot connect" in (row.last_error or "")


def test_digest_to_the_console_is_plain_text(
    loaded: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        database_url=loaded.url,
        alert_channels=("console:",),
        brief_at="07:00",
        brief_channels=("console",),
        brief_since="3650d",
    )
    send_digest(settings, loaded, day(20))
    out = capsys.readouterr().out
    assert "BRIEF Status changes (4):" in out
    assert "web/ships: observed → confirmed" in out
    assert "\u202e" not in out
    assert RAW_SENTENCE not in out  # made inert (bidi overrides removed)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[brief]\nat = "25:00"\nchannels = ["console"]\n', "not a time of day HH:MM"),
        ('[brief]\nat = "07:00"\nchannels = ["nope"]\n', "no alert channel named 'nope'"),
        ('[brief]\nchannels = ["console"]\n', "not at ="),
        ('[brief]\nat = "07:00"\nsince = "lately"\n', "'lately' is not a time"),
        ("[web]\nmax_connections = 1\n", "whole number of at least 2"),
    ],
)
def test_brief_and_web_config_mistakes_are_clear(tmp_path: Path, body: str, message: str) -> None:
    config = tmp_path / "watchlist.toml"
    config.write_text('[alerts]\nchannels = ["console:"]\n' + body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(str(config))


def test_text_render_has_every_section(loaded: Database) -> None:
    text = brief_render.text(gather(loaded, day(1), day(20)))
    for heading in ("Status changes", "New evidence", "Deadlines in the next 14 days", "Failing"):
        assert heading in text


def test_the_daemons_brief_job_sends_through_the_digest(
    loaded: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.daemon import brief_digest

    settings = Settings(
        database_url=loaded.url,
        alert_channels=("console:",),
        brief_at="07:00",
        brief_channels=("console",),
        brief_since="3650d",
    )
    brief_digest(settings, loaded, lambda: day(21, hour=7))
    brief_digest(settings, loaded, lambda: day(21, hour=8))  # a second run that day: nothing
    out = capsys.readouterr().out
    assert out.count("BRIEF Status changes (4):") == 1

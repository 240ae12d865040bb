"""``watchlist alerts list|retry|test|send|channels`` through Click, and the secret-leak test.

The leak test follows alertmanager's notify/test helper: configure channels whose URLs and
passwords are distinctive strings, make every kind of failure happen, then search every
log record (DEBUG), CLI output, error message and outbox column for them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alert_servers import Answer, SmtpServer, Story, WebhookServer, seed_changes
from click.testing import CliRunner, Result
from sqlalchemy import select

import monitor.cli.alerts  # noqa: F401  (registers ``alerts``)
from monitor.alerts import Outbox, alert_config
from monitor.cli import cli
from monitor.config import load_settings
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Alert

NOW = datetime(2025, 11, 7, 10, 15, tzinfo=UTC)


@pytest.fixture
def hooks() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server
    assert not server.errors


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _no_env_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHLIST_ALERTS", raising=False)
    monkeypatch.delenv("WATCHLIST_CONFIG", raising=False)


def write_config(tmp_path: Path, channels: dict[str, str]) -> Path:
    path = tmp_path / "watchlist.toml"
    tables = "".join(f'[alerts.channels.{n}]\nurl = "{u}"\n\n' for n, u in channels.items())
    path.write_text(tables, encoding="utf-8")
    return path


def run(db: Database, config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db.url, "--config", str(config), *args])


def seed(db: Database, config: Path, *keys: str) -> None:
    settings = load_settings(str(config), db.url)
    seed_changes(db, [Story(k) for k in keys], Outbox(alert_config(settings)), NOW)


def test_send_then_list(db: Database, hooks: WebhookServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"hook": f"webhook:{hooks.url('/hook')}"})
    seed(db, config, "a", "b")
    listed = run(db, config, "alerts", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["channel"], r["state"], r["indicator"]) for r in rows] == [
        ("hook", "pending", "india-russia/a"),
        ("hook", "pending", "india-russia/b"),
    ]
    sent = run(db, config, "alerts", "send")
    assert sent.exit_code == 0, sent.output
    assert "2 alerts sent in 2 messages, 0 to retry, 0 dead" in sent.output
    assert len(hooks.received("/hook")) == 2
    assert run(db, config, "alerts", "send").output.startswith("0 alerts sent")
    table = run(db, config, "alerts", "list", "--state", "sent", "--format", "csv")
    assert table.output.count("\n") == 3
    assert ",sent," in table.output
    assert json.loads(run(db, config, "alerts", "list", "--state", "dead").output) == []


def test_retry_dead_letters(db: Database, hooks: WebhookServer, tmp_path: Path) -> None:
    url = hooks.script("/hook", Answer(410, b"gone"), Answer(410, b"gone"))
    config = write_config(tmp_path, {"hook": f"webhook:{url}"})
    seed(db, config, "a", "b")
    sent = run(db, config, "alerts", "send")
    assert "0 alerts sent in 0 messages, 0 to retry, 2 dead" in sent.output
    assert "answered HTTP 410: gone" in sent.output  # stderr is mixed into output
    dead = json.loads(run(db, config, "alerts", "list", "--state", "dead").output)
    assert len(dead) == 2
    assert "HTTP 410" in dead[0]["last_error"]

    usage = run(db, config, "alerts", "retry")
    assert usage.exit_code == 2
    assert "give alert IDs or --all-dead" in usage.output
    one = run(db, config, "alerts", "retry", str(dead[0]["id"]))
    assert one.output == f"1 alerts queued again: {dead[0]['id']}\n"
    rest = run(db, config, "alerts", "retry", "--all-dead")
    assert rest.output == f"1 alerts queued again: {dead[1]['id']}\n"
    assert run(db, config, "alerts", "send").output.startswith("2 alerts sent")
    missing = run(db, config, "alerts", "retry", "999")
    assert missing.exit_code == 1
    assert "no alert with id 999" in missing.output


def test_test_command_reports_each_channel(
    db: Database, hooks: WebhookServer, tmp_path: Path
) -> None:
    with SmtpServer() as smtp:
        config = write_config(
            tmp_path,
            {
                "hook": f"webhook:{hooks.url('/hook')}",
                "mail": smtp.url(),
                "broken": f"slack:{hooks.script('/broken', Answer(403, b'invalid_token'))}",
            },
        )
        result = run(db, config, "alerts", "test", "--format", "json")
        assert result.exit_code == 1
        outcome = {r["channel"]: r for r in json.loads(result.output)}
        assert outcome["hook"]["outcome"] == outcome["mail"]["outcome"] == "ok"
        assert outcome["broken"]["outcome"] == "error"
        assert "HTTP 403: invalid_token (permanent)" in outcome["broken"]["detail"]
        assert outcome["mail"]["target"].endswith("→ desk@example.org")
        assert smtp.messages[0]["Subject"] == "[watchlist] test message"
        only = run(db, config, "alerts", "test", "hook", "--format", "json")
        assert only.exit_code == 0
        assert len(json.loads(only.output)) == 1
    assert [h.json()["kind"] for h in hooks.received("/hook")] == ["test", "test"]
    channels = json.loads(run(db, config, "alerts", "channels", "--format", "json").output)
    assert [c["channel"] for c in channels] == ["hook", "mail", "broken"]


def test_console_channel_prints_one_line_per_alert(db: Database, tmp_path: Path) -> None:
    config = tmp_path / "watchlist.toml"
    config.write_text('[alerts]\nchannels = ["console:"]\n', encoding="utf-8")
    seed(db, config, "a", "b")
    result = run(db, config, "alerts", "send")
    lines = result.output.splitlines()
    assert lines[0].startswith("ALERT india-russia/a: watching → observed: ")
    assert "[news.example <https://news.example/pact>]" in lines[0]
    assert lines[1].startswith("ALERT india-russia/b")
    assert lines[2] == "2 alerts sent in 2 messages, 0 to retry, 0 dead"


# --- secrets never leak -------------------------------------------------------------------

SLACK_TOKEN = "T0SECRET/B0SECRET/xoxbLeakyToken42"
PASSWORD = "pw-Sup3rSecret!"


def test_secrets_appear_in_no_log_error_output_or_row(
    db: Database, hooks: WebhookServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = [SLACK_TOKEN, "xoxbLeakyToken42", PASSWORD, PASSWORD.replace("!", "%21")]
    with SmtpServer(credentials=("bot", "the-right-password")) as smtp:
        failing = hooks.script(f"/services/{SLACK_TOKEN}", Answer(404, b"no_service"))
        flaky = hooks.script("/hook/xoxbLeakyToken42", Answer(500, b"oops"))
        config = write_config(
            tmp_path,
            {
                "desk": f"slack:{failing}",
                "flaky": f"webhook:{flaky}",
                "down": f"webhook:http://127.0.0.1:1/services/{SLACK_TOKEN}",
                "mail": smtp.url(user=f"bot:{PASSWORD.replace('!', '%21')}"),
            },
        )
        seed(db, config, "a")
        outputs: list[Any] = []
        with caplog.at_level(logging.DEBUG):
            for args in (
                ["-vv", "alerts", "send"],
                ["alerts", "test"],
                ["alerts", "channels", "--format", "json"],
                *(["alerts", "list", "--format", f] for f in ("json", "csv", "markdown", "table")),
            ):
                result = run(db, config, *args)
                outputs.append(result.output)
                outputs.append(repr(result.exception))
            settings = load_settings(str(config), db.url)
            outputs.append(repr(settings))
            outputs.append(repr(alert_config(settings)))
    with db.read() as session:
        rows = [
            {c.name: getattr(row, c.name) for c in Alert.__table__.columns}
            for row in session.scalars(select(Alert))
        ]
    states = {row["channel"]: row["state"] for row in rows}
    assert states == {"desk": "dead", "flaky": "pending", "down": "pending", "mail": "dead"}
    assert "535" in next(r["last_error"] for r in rows if r["channel"] == "mail")
    # httpx logged the secret URLs, redacted by the filter on its logger…
    assert any("HTTP Request: POST <secret>" in m for m in caplog.messages)
    haystack = "\n".join([caplog.text, *map(str, outputs), json.dumps(rows, default=str)])
    for secret in secrets:
        assert secret not in haystack  # …but never the secret part of it

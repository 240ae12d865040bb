"""Issue 17, item 3: one parser for every time a person types (relative or ISO)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.when import WhenError, parse_when

NOW = datetime(2025, 12, 10, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", NOW - timedelta(days=1)),
        ("2w", NOW - timedelta(weeks=2)),
        ("36h", NOW - timedelta(hours=36)),
        ("30m", NOW - timedelta(minutes=30)),
        ("45s", NOW - timedelta(seconds=45)),
        (" 3D ", NOW - timedelta(days=3)),
        ("3650d", NOW - timedelta(days=3650)),
        ("2025-12-01", datetime(2025, 12, 1, tzinfo=UTC)),
        ("2025-12-01T08:15", datetime(2025, 12, 1, 8, 15, tzinfo=UTC)),
        ("2025-12-01T08:15:00Z", datetime(2025, 12, 1, 8, 15, tzinfo=UTC)),
        ("2025-12-01T10:15:00+02:00", datetime(2025, 12, 1, 8, 15, tzinfo=UTC)),
    ],
)
def test_relative_and_iso_times(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "1y", "-1d", "1.5d", "2025-13-01", "d1"])
def test_anything_else_is_one_clear_line(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, NOW)
    message = str(caught.value)
    assert "\n" not in message
    assert repr(text) in message
    assert "1d" in message  # says what is accepted


def test_too_far_back_is_an_error_not_a_crash() -> None:
    with pytest.raises(WhenError, match="before the year 1"):
        parse_when("999999w", NOW)


def test_history_and_brief_take_relative_dates(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    migrate.upgrade(Database(url))
    runner = CliRunner()
    for args in (["history", "--since", "2w", "--until", "1d"], ["brief", "--since", "36h"]):
        result = runner.invoke(cli, ["--db", url, *args, "--format", "json"])
        assert result.exit_code == 0, result.output
    bad = runner.invoke(cli, ["--db", url, "history", "--since", "last tuesday"])
    assert bad.exit_code == 2
    assert "'last tuesday' is not a time" in bad.output
    bad = runner.invoke(cli, ["--db", url, "brief", "--since", "soon"])
    assert bad.exit_code == 2
    assert "'soon' is not a time" in bad.output

"""Whole-number settings are checked when the config file is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.errors import ConfigError


def _write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "watchlist.toml"
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_parse_workers_is_read(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "[polling]\nparse_workers = 0\nconcurrency = 8\n"))
    assert (settings.parse_workers, settings.concurrency) == (0, 8)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('parse_workers = "two"', "parse_workers must be a whole number of at least 0"),
        ("parse_workers = -1", "parse_workers must be a whole number of at least 0"),
        ("concurrency = 0", "concurrency must be a whole number of at least 1"),
        ("per_host = 1.5", "per_host must be a whole number of at least 1"),
        ("max_bytes = true", "max_bytes must be a whole number of at least 1"),
    ],
)
def test_a_bad_count_names_the_file_and_key(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path, f"[polling]\n{line}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(path)
    assert path in str(caught.value)

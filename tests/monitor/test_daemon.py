"""The daemon as a real process: it polls, stops cleanly on signals, and holds SQLite alone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feedserver import FeedServer
from helpers import SEED_WATCHLIST, Story, day, rss

WATCHLIST = [sys.executable, "-m", "monitor.cli"]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WATCHLIST, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = dict(os.environ)
    values["WATCHLIST_DB"] = f"sqlite:///{tmp_path / 'd.db'}"
    values.pop("WATCHLIST_CONFIG", None)
    values["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return values


def _start(env: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen[str]:
    with (tmp_path / f"{name}.log").open("w") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [*WATCHLIST, "daemon"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
        )


def _wait_for(path: Path, text: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {path}: {path.read_text() if path.exists() else ''}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_daemon_polls_then_exits_zero_within_10s_of_a_signal(
    signum: int, env: dict[str, str], tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add(
        "/f.xml",
        rss(
            [
                Story(
                    "1",
                    "India, Russia sign labour mobility agreement",
                    "The pact was signed.",
                    "https://x.example/1",
                    day(4),
                )
            ]
        ),
    )
    assert _run(["init", "--config-file", str(tmp_path / "w.toml")], env).returncode == 0
    assert _run(["feeds", "add", url], env).returncode == 0
    assert _run(["watchlists", "load", str(SEED_WATCHLIST)], env).returncode == 0
    proc = _start(env, tmp_path, "daemon")
    try:
        _wait_for(tmp_path / "daemon.log", "poll: 1 feeds: 1 ok")
        started = time.monotonic()
        proc.send_signal(signum)
        code = proc.wait(timeout=10)
        assert time.monotonic() - started < 10
        assert code == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = (tmp_path / "daemon.log").read_text()
    # The deadline job may run first (2025-12-31 has passed): then overdue → observed.
    assert re.search(r"labour-mobility-agreement: (watching|overdue) → observed", log)
    assert "daemon stopped" in log


def test_second_daemon_on_the_same_sqlite_file_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert _run(["init", "--config-file", str(tmp_path / "w.toml")], env).returncode == 0
    first = _start(env, tmp_path, "first")
    try:
        _wait_for(tmp_path / "first.log", "daemon started")
        second = _run(["daemon"], env)
        assert second.returncode == 1
        assert "another watchlist daemon" in second.stderr
        assert f"pid {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=10) == 0

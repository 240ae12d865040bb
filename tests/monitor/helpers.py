"""Builders shared by pipeline, report and daemon tests: feed documents and a pipeline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest

from indicators.loader import read_watchlist_text
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database


@dataclass(frozen=True)
class Story:
    guid: str | None
    title: str
    summary: str
    link: str | None
    published: datetime


def rss(stories: Sequence[Story], title: str = "Test feed") -> str:
    items = []
    for s in stories:
        guid = f"<guid isPermaLink='false'>{escape(s.guid)}</guid>" if s.guid else ""
        link = f"<link>{escape(s.link)}</link>" if s.link else ""
        items.append(
            f"<item><title>{escape(s.title)}</title>{link}{guid}"
            f"<description>{escape(s.summary)}</description>"
            f"<pubDate>{format_datetime(s.published)}</pubDate></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        f"<description>test</description>{''.join(items)}</channel></rss>"
    )


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def load_rules(db: Database, text: str, now: datetime) -> None:
    watchlist, findings = read_watchlist_text(text, "test.yaml")
    assert watchlist is not None, [str(f) for f in findings]
    with db.write() as session:
        indicators_repo.sync_watchlist(session, watchlist, now)


def pipeline(db: Database, clock: Clock, **settings: object) -> Pipeline:
    # No parse workers unless a test asks for them (test_prepare): a pipeline a test does
    # not close would leave its pool to the garbage collector.
    values = {"database_url": db.url, "concurrency": 4, "parse_workers": 0, **settings}
    return Pipeline(db, Settings(**values), clock=clock, owner="test")  # type: ignore[arg-type]


def day(d: int, month: int = 12, hour: int = 9) -> datetime:
    return datetime(2025, month, d, hour, tzinfo=UTC)


SEED_WATCHLIST = Path(__file__).resolve().parents[2] / "seeds/watchlists/india-russia-2025.yaml"


STORIES_FOR_CLI = [
    Story(
        "s1",
        "Port traffic rises",
        "Cargo volumes grew in November.",
        "https://ok.example/1",
        day(1),
    ),
    Story("s2", "Rain in Chennai", "Showers are expected.", "https://ok.example/2", day(2)),
]


def three_rules(watchlist_id: str, title: str) -> str:
    """A small watch list shared by the health and scale-out tests."""
    return f"""
id: {watchlist_id}
title: {title}
indicators:
  - id: labour
    title: Labour mobility agreement
    query: (india OR indian) (russia OR russian) "labour mobility"
  - id: ships
    title: Shipbuilding
    query: (india OR indian) (russia OR russian) shipbuilding
  - id: rupee
    title: Rupee trade
    query: rupee (trade OR settlement)
"""


ROOT = Path(__file__).resolve().parents[2]


def start_daemon(
    db_url: str, config: Path, log: Path, *, db_in_env: bool = False
) -> subprocess.Popen[bytes]:
    """``watchlist daemon`` as a subprocess, its output appended to ``log``; the database
    is given by ``--db``, or by ``WATCHLIST_DB`` with ``db_in_env``. Other WATCHLIST_
    variables of the test run are not passed on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHLIST_")}
    command = [sys.executable, "-m", "monitor.cli"]
    if db_in_env:
        env["WATCHLIST_DB"] = db_url
    else:
        command += ["--db", db_url]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*command, "--config", str(config), "daemon"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    detail: Callable[[], object] = lambda: "",
) -> float:
    """Poll ``condition`` until it holds (returns the seconds waited) or fail the test."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout}s waiting for {what}: {detail()}")
        time.sleep(0.05)
    return time.monotonic() - started


# Started by a fresh interpreter: ru_maxrss counts the pages a child shares with its parent
# between fork and exec, so a child forked from this (large) test process would report the
# test's own size. The launcher is small, and reports its child's peak alone.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
print(f"peak-rss-kb={usage.ru_maxrss}", file=sys.stderr)
print(f"cpu-seconds={usage.ru_utime + usage.ru_stime:.3f}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list[str], cwd: Path, timeout: float) -> tuple[int, float, float, str]:
    """Run ``args``; returns (exit status, peak RSS in MB, seconds, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHLIST_")}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.monotonic() - started
    found = re.search(r"peak-rss-kb=(\d+)", done.stderr)
    assert found, done.stderr[-2000:]
    return done.returncode, int(found.group(1)) / 1024, elapsed, done.stdout + done.stderr


def cpu_seconds(output: str) -> float:
    """The CPU time (user + system) ``run_measured`` reported for its command: a bound
    that, unlike the wall clock, does not grow with the load of a shared machine."""
    found = re.search(r"cpu-seconds=([\d.]+)", output)
    assert found, output[-2000:]
    return float(found.group(1))


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real ``watchlist`` command in a subprocess (no WATCHLIST_ variable passed on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHLIST_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

"""Scenario 4: resident memory of ``watchlist daemon`` with 1,000 feeds, 1,000 indicators and
100,000 stored entries.

The database is the replay archive (100,000 entries over 1,000 feeds; the realistic corpus
unless ``--corpus general``) plus the entries the feeds already served last time, replayed
with the seed watch list so that it holds their evidence, clusters and sources as a daemon
that has been running would (~250,000 pieces on the realistic corpus), then 1,000
generated indicators loaded. Every feed serves 20 entries, 18 of them already stored: the
first tick polls all
1,000 feeds (they are due), parses 20,000 entries and stores and matches the 2,000 new
ones, like a daemon catching up after a restart. The daemon runs as a subprocess with a
2 s tick; its ``VmRSS`` is sampled while it works, and after the first poll and a few more
ticks ``VmRSS`` and ``VmHWM`` (peak) are read from ``/proc/PID/status`` before SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bench.common import VENV_BIN, Figure, Results, log, timed
from bench.corpus import (
    RuleGenerator,
    Story,
    TextGenerator,
    feed_document,
    feed_stories,
    make_vocabulary,
    watchlist_yaml,
)
from bench.realistic import RealisticText, realistic_feed_stories
from bench.replay import build_archive, checkpoint, copy_database, replay_once
from bench.server import FeedServer
from indicators.loader import read_watchlist_text
from monitor.feeds.parse import parse_feed
from monitor.feeds.publisher import site_of
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database
from monitor.storage.entries import content_hash, dedup_key
from monitor.storage.models import Entry


@dataclass(frozen=True)
class MemoryConfig:
    feeds: int = 1_000
    indicators: int = 1_000
    entries: int = 100_000  # the archive (shared with the replay scenario)
    corpus: str = "realistic"  # of the archive and the feeds (bench.replay.CORPORA)
    per_feed: int = 20
    new_per_feed: int = 2
    ticks_after_poll: int = 3
    tick: float = 2.0
    first_poll_timeout: float = 300.0


QUICK = MemoryConfig(
    feeds=40, indicators=100, entries=2_000, ticks_after_poll=1, first_poll_timeout=60.0
)


def status(pid: int) -> dict[str, int]:
    """``VmRSS``, ``VmHWM`` … of a process, in kB."""
    out: dict[str, int] = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # the process is gone
        return out
    for line in lines:
        if line.startswith("Vm"):
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0])
    return out


def descendants(pid: int) -> list[int]:
    """Child processes of ``pid``, recursively (the forkserver and the parse workers)."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(k) for k in children.read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *descendants(kid)]
    return found


def pss(pid: int) -> int:
    """Proportional set size of a process, in kB: its private pages plus its share of
    pages shared with others (the forkserver's children share its imported modules)."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_rss(pid: int) -> int:
    """Memory of ``pid`` and all its descendants, in kB: the sum of their PSS (summing
    VmRSS would count every shared page once per process)."""
    return sum(pss(p) for p in [pid, *descendants(pid)])


def _served(corpus: str, seed: int) -> Callable[[int, int], tuple[str, list[Story]]]:
    """Feed number ``n``'s site and ``per_feed`` entries, in the archive's corpus."""
    if corpus == "realistic":
        realistic = RealisticText(seed)
        return lambda n, per_feed: realistic_feed_stories(realistic, n, per_feed)
    general = TextGenerator(make_vocabulary(), seed)
    return lambda n, per_feed: feed_stories(general, n, per_feed)


def prepare(
    config: MemoryConfig, server: FeedServer, data: Path, archive: Path, target: Path
) -> int:
    """The daemon's database at ``target``; returns the number of entries stored."""
    if not archive.exists():
        log(f"memory: building the archive ({config.entries:,} {config.corpus} entries)")
        build_archive(archive, server, config.feeds, config.entries, config.corpus, "mem")
    copy_database(archive, target)
    folder = data / "mem"
    folder.mkdir(parents=True, exist_ok=True)
    served = _served(config.corpus, seed=41)
    db = Database(f"sqlite:///{target}")
    now = datetime.now(UTC)
    known = 0
    try:
        rows: list[dict[str, object]] = []
        for n in range(config.feeds):
            site, items = served(n, config.per_feed)
            body = feed_document(n, site, items)
            (folder / f"{n}.xml").write_bytes(body)
            parsed = parse_feed(body, {"content-type": "application/rss+xml"}, server.url("mem", n))
            for entry in parsed.entries[config.new_per_feed :]:  # the newest ones are new
                digest = content_hash(entry)
                rows.append(
                    {
                        "feed_id": n + 1,
                        "dedup_key": dedup_key(entry, digest),
                        "guid": entry.guid,
                        "link": entry.link,
                        "title": entry.title,
                        "summary": entry.summary,
                        "content_hash": digest,
                        "publisher": (site_of(entry.link) if entry.link else None) or site,
                        "published_at": entry.published,
                        "first_seen_at": now,
                        "updated_at": now,
                    }
                )
        with db.write() as session:
            session.execute(insert(Entry), rows)
    finally:
        db.dispose()
    log("memory: replaying the stored entries (their evidence, as a running daemon holds it)")
    elapsed, done = timed(lambda: replay_once(f"sqlite:///{target}"))
    log(f"memory: {int(done['gained']):,} pieces of evidence stored in {elapsed:.0f} s")
    db = Database(f"sqlite:///{target}")
    try:
        known = len(rows)
        vocab = make_vocabulary()
        with db.write() as session:
            rules = RuleGenerator(vocab, seed=42).rules(config.indicators)
            watchlist, findings = read_watchlist_text(watchlist_yaml(rules), "bench.yaml")
            if watchlist is None:
                raise RuntimeError(f"generated watch list rejected: {findings[:3]}")
            indicators_repo.sync_watchlist(session, watchlist, now)
    finally:
        db.dispose()
    checkpoint(target)
    return config.entries + known


def run(results: Results, config: MemoryConfig, server: FeedServer, data: Path, tmp: Path) -> None:
    archive = tmp / "archive.db"
    target = tmp / "daemon.db"
    log(
        f"memory: preparing {config.feeds:,} feeds, {config.indicators:,} generated indicators "
        "+ the seed watch list"
    )
    stored = prepare(config, server, data, archive, target)
    config_file = tmp / "daemon.toml"
    config_file.write_text(
        f'[polling]\ntick = "{config.tick}s"\nconcurrency = 16\nper_host = 16\n', encoding="utf-8"
    )
    stderr_path = tmp / "daemon.log"
    command = [str(VENV_BIN / "watchlist"), "--db", f"sqlite:///{target}"]
    command += ["--config", str(config_file), "daemon"]
    log("memory: starting the daemon")
    samples: list[int] = []
    tree_samples: list[int] = []
    with stderr_path.open("w", encoding="utf-8") as stderr:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        poll_done = 0.0
        try:
            while time.monotonic() - started < config.first_poll_timeout:
                if process.poll() is not None:
                    break
                samples.append(status(process.pid).get("VmRSS", 0))
                tree_samples.append(tree_rss(process.pid))
                if not poll_done and "poll: " in stderr_path.read_text(encoding="utf-8"):
                    poll_done = time.monotonic() - started
                if poll_done and time.monotonic() - started > (
                    poll_done + config.ticks_after_poll * config.tick
                ):
                    break
                time.sleep(0.2)
            final = status(process.pid) if process.poll() is None else {}
            workers = len(descendants(process.pid)) if process.poll() is None else 0
            stop_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
            stopped = time.monotonic() - stop_at
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    text = stderr_path.read_text(encoding="utf-8")
    poll_lines = [line.split("poll: ", 1)[1] for line in text.splitlines() if "poll: " in line]
    rss = final.get("VmRSS", 0) / 1024
    hwm = final.get("VmHWM", max(samples, default=0)) / 1024
    tree = max(tree_samples, default=0) / 1024
    note = (
        f"VmRSS after the poll {rss:.0f} MB, peak (VmHWM) {hwm:.0f} MB; with its {workers} "
        f"child processes (forkserver, parse workers) at most {tree:.0f} MB PSS sampled; "
        f"{stored:,} entries stored before; first poll: {poll_lines[0] if poll_lines else '-'} "
        f"in {poll_done:.1f} s after start; SIGTERM → exit {code} in {stopped:.1f} s"
    )
    if not poll_done:
        note += f"; NO POLL COMPLETED, log tail: {text[-300:]!r}"
    results.add(
        Figure(
            "memory",
            f"daemon, {config.feeds:,} feeds, {config.indicators:,}+9 indicators, "
            f"{config.corpus} corpus (1 run)",
            [poll_done],
            unit_count=config.feeds,
            unit="feeds",
            note=note,
            extra={"rss_mb": rss, "hwm_mb": hwm, "tree_mb": tree, "exit": code},
        )
    )
    results.check(
        f"memory: daemon peak RSS ({config.feeds:,} feeds, {config.indicators:,} indicators, "
        f"{stored:,} entries), with its parse workers",
        f"{max(hwm, tree):.0f} MB (daemon alone: peak {hwm:.0f} MB, VmRSS {rss:.0f} MB)",
        "< 250 MB",
        0 < max(hwm, tree) < 250,
    )
    results.check(
        "memory: daemon exits 0 on SIGTERM", f"exit {code} in {stopped:.1f} s", "0", code == 0
    )

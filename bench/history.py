"""Scenario 5 (issue 15): polls that look like the job, and polls at any history.

The feeds carry the realistic corpus (``bench/realistic.py``: short India–Russia stories,
most of them evidence for the seed watch list, a fifth of them wire copies).

1. **Realistic poll**: ``poll --all`` of 200 feeds × 60 entries at 100 ms latency on a
   fresh SQLite file and a fresh PostgreSQL schema, against the sequential
   ``feedparser.parse(url)`` loop over the same feeds; then a re-poll of the unchanged
   feeds into the database the last SQLite run filled (its validators, as stored).
2. **History**: 20 new feeds (60 entries each, published over the same days as the
   stored ones, so their copies and sources meet the history) polled at 0 ms latency into
   an empty database, into one holding the 12,000 entries of the 200 feeds and their
   evidence, and into one holding enough feeds for 100,000 pieces of evidence. Each run
   polls into a fresh copy of the filled file; only the poll is timed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from bench.common import Figure, Results, log, timed
from bench.corpus import feed_document
from bench.polling import (
    _poll,
    baseline_runs,
    fresh_database,
    pg_available,
    prepare,
    settings,
    warm,
)
from bench.realistic import RealisticText, realistic_feed_stories
from bench.replay import checkpoint, copy_database
from bench.server import FeedServer
from monitor.app import build_pipeline
from monitor.pipeline import PollSummary
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.storage.models import Entry, EvidenceRow, Feed

NEW_FEEDS_BASE = 9_000  # the 20 new feeds' numbers in the generator: their own sites


@dataclass(frozen=True)
class HistoryConfig:
    feeds: int = 200
    entries_per_feed: int = 60
    latency: int = 100
    runs: int = 3
    baseline_runs: int = 3
    repoll_runs: int = 3
    postgres: bool = True
    new_feeds: int = 20
    big_feeds: int = 1_000  # enough feeds for ~100,000 pieces of evidence
    big_evidence: int = 100_000
    history_runs: int = 3
    concurrency: int = 16
    realnews: bool = False


QUICK = HistoryConfig(
    feeds=20, runs=1, baseline_runs=1, repoll_runs=1, new_feeds=5, big_feeds=40, history_runs=1
)


def write_realistic(
    root: Path, doc_set: str, numbers: range, per_feed: int, seed: int, realnews: bool
) -> None:
    folder = root / doc_set
    folder.mkdir(parents=True, exist_ok=True)
    gen = RealisticText(seed, realnews=realnews)
    for n in numbers:
        site, items = realistic_feed_stories(gen, n, per_feed)
        (folder / f"{n % NEW_FEEDS_BASE}.xml").write_bytes(feed_document(n, site, items))


def _counts(db: Database) -> tuple[int, int]:
    with db.read() as session:
        entries = session.scalar(select(func.count()).select_from(Entry)) or 0
        evidence = session.scalar(select(func.count()).select_from(EvidenceRow)) or 0
    return entries, evidence


def run(results: Results, config: HistoryConfig, server: FeedServer, data: Path, tmp: Path) -> None:
    per_feed = config.entries_per_feed
    most = max(config.feeds, config.big_feeds)
    log(f"history: writing {most:,} realistic feeds and {config.new_feeds} new ones")
    write_realistic(data, "real", range(most), per_feed, seed=51, realnews=config.realnews)
    write_realistic(
        data,
        "real-new",
        range(NEW_FEEDS_BASE, NEW_FEEDS_BASE + config.new_feeds),
        per_feed,
        seed=52,
        realnews=config.realnews,
    )

    def urls(doc_set: str, count: int, latency: int) -> list[str]:
        return [server.url(doc_set, n, latency) for n in range(count)]

    warm(urls("real", most, 0) + urls("real-new", config.new_feeds, 0))
    filled = _realistic_poll(results, config, tmp, urls("real", config.feeds, config.latency))
    _history(results, config, tmp, filled, urls)


def _realistic_poll(
    results: Results, config: HistoryConfig, tmp: Path, feed_urls: list[str]
) -> Path:
    """Item 1; returns a checkpointed copy of the last SQLite database it filled."""
    c = config.concurrency
    entries = len(feed_urls) * config.entries_per_feed
    label = (
        f"{len(feed_urls)} feeds × {config.entries_per_feed} realistic entries, {config.latency} ms"
    )
    kept = tmp / "history-12k.db"
    figures: dict[str, Figure] = {}
    kinds = ["sqlite"]
    problem = pg_available() if config.postgres else "not asked for"
    if problem is None:
        kinds.append("postgresql")
    else:
        results.note(f"realistic PostgreSQL poll skipped: {problem}")
    for kind in kinds:
        seconds, evidence = [], 0
        for run_no in range(config.runs):
            log(f"history: {label}, {kind}, run {run_no + 1}")
            with fresh_database(kind, tmp) as url:
                db = prepare(url, feed_urls)
                try:
                    elapsed, summary = timed(lambda db=db, u=url: _poll(db, settings(u, c, c)))
                    seconds.append(elapsed)
                    evidence = summary.evidence
                    if summary.new_entries != entries or summary.failed:
                        results.note(f"realistic poll, {kind}: UNEXPECTED {summary.line()}")
                    if kind == "sqlite" and run_no == config.runs - 1:
                        _repoll(results, config, db, url, len(feed_urls))
                        db.dispose()
                        path = Path(url.removeprefix("sqlite:///"))
                        checkpoint(path)
                        copy_database(path, kept)
                finally:
                    db.dispose()
        name = "SQLite" if kind == "sqlite" else "PostgreSQL"
        figures[kind] = results.add(
            Figure(
                "history",
                f"poll --all, {label}, {name}",
                seconds,
                unit_count=len(feed_urls),
                unit="feeds",
                note=f"{entries:,} entries, {evidence:,} pieces of evidence",
            )
        )
    log(f"history: {label}, sequential feedparser")
    baseline = baseline_runs(
        results,
        feed_urls,
        config.baseline_runs,
        f"baseline: sequential feedparser.parse(url), {label}",
    )
    for kind, target in (("sqlite", 4.0), ("postgresql", 3.0)):
        if kind in figures:
            ratio = baseline.median / figures[kind].median
            results.check(
                f"realistic poll: {label}, {kind}, vs sequential feedparser",
                f"{ratio:.2f}x ({figures[kind].median:.1f} s vs {baseline.median:.1f} s)",
                f">= {target:.0f}x faster",
                ratio >= target,
            )
    return kept


def _repoll(results: Results, config: HistoryConfig, db: Database, url: str, feeds: int) -> None:
    """The same feeds again, unchanged: answered 304 to the validators the poll stored."""
    c = config.concurrency
    seconds = []
    summary = None
    for _ in range(config.repoll_runs):
        elapsed, summary = timed(lambda: _poll(db, settings(url, c, c)))
        seconds.append(elapsed)
    assert summary is not None
    figure = results.add(
        Figure(
            "history",
            f"re-poll of the {feeds} unchanged realistic feeds, SQLite",
            seconds,
            unit_count=feeds,
            unit="feeds",
            note=f"{summary.not_modified} not modified, {summary.new_entries} new entries",
        )
    )
    results.check(
        f"realistic re-poll of {feeds} unchanged feeds",
        f"{figure.median:.2f} s",
        "< 5 s",
        figure.median < 5 and summary.new_entries == 0,
    )


def _history(results: Results, config: HistoryConfig, tmp: Path, small: Path, urls: Any) -> None:
    """Item 2: 20 new feeds into an empty database, 12,000 entries, ~100,000 evidence."""
    c = config.concurrency
    new_urls = urls("real-new", config.new_feeds, 0)
    big = tmp / "history-big.db"
    log(f"history: filling a database with {config.big_feeds:,} feeds (0 ms)")
    copy_database(small, big)
    db = Database(f"sqlite:///{big}")
    try:
        more = urls("real", config.big_feeds, 0)[config.feeds :]
        with db.write() as session:
            for url in more:
                feeds_repo.add_feed(session, url, datetime.now(UTC))
        fill_s, _ = timed(lambda: _poll(db, settings(db.url, c, c)))
        big_counts = _counts(db)
    finally:
        db.dispose()
    checkpoint(big)
    small_db = Database(f"sqlite:///{small}")
    small_counts = _counts(small_db)
    small_db.dispose()
    results.note(
        f"history: filling {config.big_feeds - config.feeds:,} more feeds into the 12,000-entry "
        f"database took {fill_s:.0f} s (0 ms latency): {big_counts[0]:,} entries, "
        f"{big_counts[1]:,} pieces of evidence"
    )
    figures: dict[str, Figure] = {}
    for name, source in (("empty", None), ("12k", small), ("big", big)):
        seconds, evidence = [], 0
        for run_no in range(config.history_runs):
            log(f"history: {config.new_feeds} new feeds into the {name} database, run {run_no + 1}")
            target = tmp / "history-run.db"
            if source is None:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
                db = prepare(f"sqlite:///{target}", new_urls)
            else:
                copy_database(source, target)
                db = Database(f"sqlite:///{target}")
                with db.write() as session:
                    later = datetime.now(UTC) + timedelta(days=1)
                    session.execute(update(Feed).values(next_poll_at=later))  # not due
                    for url in new_urls:
                        feeds_repo.add_feed(session, url, datetime.now(UTC))
            try:
                # Only the new feeds: the stored ones are not due (``poll --all`` would
                # re-poll them too, and measure their 304s).
                elapsed, summary = timed(lambda db=db: _poll_due(db, c))
                seconds.append(elapsed)
                evidence = summary.evidence
            finally:
                db.dispose()
        counts = {"empty": (0, 0), "12k": small_counts, "big": big_counts}[name]
        figures[name] = results.add(
            Figure(
                "history",
                f"{config.new_feeds} new feeds into a database holding {counts[0]:,} entries "
                f"and {counts[1]:,} pieces of evidence, SQLite, 0 ms",
                seconds,
                unit_count=config.new_feeds,
                unit="feeds",
                note=f"{evidence:,} new pieces of evidence",
            )
        )
    for name, target in (("12k", 1.5), ("big", 2.0)):
        ratio = figures[name].median / figures["empty"].median
        held = small_counts if name == "12k" else big_counts
        results.check(
            f"history: {config.new_feeds} new feeds into {held[0]:,} entries / "
            f"{held[1]:,} evidence vs into an empty database",
            f"{ratio:.2f}x ({figures[name].median:.2f} s vs {figures['empty'].median:.2f} s)",
            f"<= {target}x",
            ratio <= target,
        )


def _poll_due(db: Database, concurrency: int) -> PollSummary:
    pipeline = build_pipeline(settings(db.url, concurrency, concurrency), db)
    try:
        return pipeline.poll()
    finally:
        pipeline.close()

"""Scenario 2: ``poll --all`` through the real pipeline vs a sequential feedparser loop.

Each run starts from a fresh database (SQLite file, or a PostgreSQL schema created for the
run and dropped after it), migrated, with the seed watch list loaded and the feeds added;
only ``Pipeline.poll(all_feeds=True)`` is timed. The feeds are generated once (60 entries of
about 2 KB, every fourth one Atom) and served by ``bench.server`` from another process,
which sleeps the configured latency before every answer.

The fetch concurrency is the product default (16). All feeds live on one host here
(127.0.0.1), where the default per-host limit (4) would make the benchmark measure that
politeness rule rather than the pipeline; real feed lists spread over many hosts, so the
main figures set ``per_host`` to the concurrency, and one extra line keeps the default.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.baselines import sequential_feedparser
from bench.common import ROOT, Figure, Results, log, timed
from bench.corpus import TextGenerator, Vocabulary, feed_document, feed_stories, make_vocabulary
from bench.server import FeedServer
from indicators.loader import load_watchlist
from monitor.config import Settings
from monitor.daemon import build_pipeline
from monitor.pipeline import PollSummary
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Feed

SEED_WATCHLIST = ROOT / "seeds" / "watchlists" / "india-russia-2025.yaml"
PG_URL = os.environ.get("WATCHLIST_BENCH_PG") or os.environ.get(
    "WATCHLIST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class PollConfig:
    feeds: int = 200
    entries_per_feed: int = 60
    latencies: tuple[int, ...] = (100, 0)
    big_feeds: int = 1_000
    big_latency: int = 0
    runs: int = 3
    big_runs: int = 3
    baseline_runs: int = 3
    big_baseline_runs: int = 1
    repoll_runs: int = 5
    concurrency: int = 16
    postgres: bool = True


QUICK = PollConfig(
    feeds=20,
    latencies=(100, 0),
    big_feeds=100,
    runs=3,
    big_runs=1,
    baseline_runs=1,
    big_baseline_runs=1,
    repoll_runs=3,
)


def write_feeds(
    root: Path, doc_set: str, count: int, per_feed: int, vocab: Vocabulary, seed: int
) -> None:
    """Generate ``count`` feed documents into ``root/doc_set`` (skipped if present)."""
    folder = root / doc_set
    if folder.exists() and len(list(folder.glob("*.xml"))) >= count:
        return
    folder.mkdir(parents=True, exist_ok=True)
    gen = TextGenerator(vocab, seed)
    for n in range(count):
        site, items = feed_stories(gen, n, per_feed)
        (folder / f"{n}.xml").write_bytes(feed_document(n, site, items))


def warm(urls: Sequence[str]) -> None:
    """Fetch every document once so the server has it in memory before timing."""
    with httpx.Client() as client:
        for url in urls:
            client.get(url).raise_for_status()


@contextlib.contextmanager
def fresh_database(kind: str, tmp: Path) -> Iterator[str]:
    """A URL to an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="db-", dir=tmp))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    base = PG_URL.replace("+psycopg", "")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:
        return str(exc).strip().splitlines()[0]


def prepare(url: str, feed_urls: Sequence[str], watchlist: Path = SEED_WATCHLIST) -> Database:
    db = Database(url)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    with db.write() as session:
        indicators_repo.sync_watchlist(session, load_watchlist(watchlist), now)
        for feed_url in feed_urls:
            feeds_repo.add_feed(session, feed_url, now)
    return db


def settings(url: str, concurrency: int, per_host: int) -> Settings:
    return Settings(database_url=url, concurrency=concurrency, per_host=per_host)


def _poll(db: Database, config: Settings) -> PollSummary:
    pipeline = build_pipeline(config, db, owner="bench")
    return pipeline.poll(all_feeds=True)


def _check_summary(summary: PollSummary, feeds: int, entries: int, what: str) -> str:
    note = f"{summary.ok} ok, {summary.new_entries:,} new entries, {summary.evidence} evidence"
    if summary.failed or summary.ok != feeds or summary.new_entries != entries:
        note += f" — UNEXPECTED ({what}: {summary.line()}; {summary.errors[:2]})"
    return note


def poll_runs(
    results: Results,
    tmp: Path,
    urls: Sequence[str],
    *,
    kind: str,
    name: str,
    runs: int,
    entries: int,
    concurrency: int,
    per_host: int,
    repoll_runs: int = 0,
) -> Figure:
    """Time ``runs`` first polls (each on a fresh database); optionally re-polls after each."""
    seconds: list[float] = []
    repolls: list[float] = []
    same_body: list[float] = []
    note = ""
    repoll_note = ""
    for run in range(runs):
        with fresh_database(kind, tmp) as url:
            db = prepare(url, urls)
            try:
                config = settings(url, concurrency, per_host)
                elapsed, summary = timed(lambda db=db, c=config: _poll(db, c))
                seconds.append(elapsed)
                note = _check_summary(summary, len(urls), entries, "first poll")
                if repoll_runs and run == 0:
                    # Re-poll, every feed unchanged: 304 to If-None-Match.
                    for _ in range(repoll_runs):
                        elapsed, again = timed(lambda db=db, c=config: _poll(db, c))
                        repolls.append(elapsed)
                        repoll_note = f"{again.not_modified} not modified, {again.ok} parsed"
                    # Same again without validators: the server sends the same body.
                    with db.write() as session:
                        for feed in session.scalars(select(Feed)):
                            feed.url = feed.url.replace("/etag/", "/plain/")
                            feed.etag = feed.last_modified = None
                    for _ in range(repoll_runs):
                        elapsed, again = timed(lambda db=db, c=config: _poll(db, c))
                        same_body.append(elapsed)
            finally:
                db.dispose()
    figure = results.add(
        Figure(
            "polling",
            name,
            seconds,
            unit_count=len(urls),
            unit="feeds",
            note=f"{entries:,} entries; {note}",
        )
    )
    if repolls:
        results.add(
            Figure(
                "polling",
                f"re-poll of {len(urls):,} unchanged feeds, 304 ({kind})",
                repolls,
                unit_count=len(urls),
                unit="feeds",
                note=repoll_note,
            )
        )
        results.add(
            Figure(
                "polling",
                f"re-poll of {len(urls):,} unchanged feeds, same body, no validators ({kind})",
                same_body,
                unit_count=len(urls),
                unit="feeds",
                note="200 with the body of the last poll: hashed, not parsed",
            )
        )
    return figure


def baseline_runs(results: Results, urls: Sequence[str], runs: int, name: str) -> Figure:
    seconds = []
    entries = 0
    for _ in range(runs):
        elapsed, entries = timed(lambda: sequential_feedparser(urls))
        seconds.append(elapsed)
    return results.add(
        Figure(
            "polling",
            name,
            seconds,
            unit_count=len(urls),
            unit="feeds",
            note=f"{entries:,} entries parsed; nothing stored or matched",
        )
    )


def run(results: Results, config: PollConfig, server: FeedServer, data: Path, tmp: Path) -> None:
    vocab = make_vocabulary()
    per_feed = config.entries_per_feed
    log(f"polling: generating {max(config.feeds, config.big_feeds):,} feeds of {per_feed} entries")
    write_feeds(data, "poll", max(config.feeds, config.big_feeds), per_feed, vocab, seed=21)

    def urls(count: int, latency: int) -> list[str]:
        return [server.url("poll", n, latency) for n in range(count)]

    warm(urls(max(config.feeds, config.big_feeds), 0))
    c = config.concurrency
    for latency in config.latencies:
        feed_urls = urls(config.feeds, latency)
        entries = config.feeds * per_feed
        log(f"polling: {config.feeds} feeds at {latency} ms")
        product = poll_runs(
            results,
            tmp,
            feed_urls,
            kind="sqlite",
            name=f"poll --all, {config.feeds} feeds, {latency} ms, SQLite",
            runs=config.runs,
            entries=entries,
            concurrency=c,
            per_host=c,
        )
        baseline = baseline_runs(
            results,
            feed_urls,
            config.baseline_runs,
            f"baseline: sequential feedparser.parse(url), {config.feeds} feeds, {latency} ms",
        )
        ratio = baseline.median / product.median
        results.check(
            f"polling: {config.feeds} feeds at {latency} ms vs sequential feedparser",
            f"{ratio:.1f}x faster ({product.median:.2f} s vs {baseline.median:.2f} s)",
            ">= 5x",
            ratio >= 5,
        )
        if latency == max(config.latencies):
            poll_runs(
                results,
                tmp,
                feed_urls,
                kind="sqlite",
                name=(
                    f"poll --all, {config.feeds} feeds, {latency} ms, SQLite, default per_host=4 "
                    "(all feeds on one host)"
                ),
                runs=1,
                entries=entries,
                concurrency=c,
                per_host=4,
            )
        if config.postgres:
            problem = pg_available()
            if problem:
                results.notes.append(f"PostgreSQL poll skipped: {problem}")
            else:
                log(f"polling: {config.feeds} feeds at {latency} ms on PostgreSQL")
                pg = poll_runs(
                    results,
                    tmp,
                    feed_urls,
                    kind="postgresql",
                    name=f"poll --all, {config.feeds} feeds, {latency} ms, PostgreSQL",
                    runs=config.runs,
                    entries=entries,
                    concurrency=c,
                    per_host=c,
                )
                ratio = baseline.median / pg.median
                results.check(
                    f"polling (PostgreSQL): {config.feeds} feeds at {latency} ms vs sequential",
                    f"{ratio:.1f}x faster ({pg.median:.2f} s)",
                    ">= 5x",
                    ratio >= 5,
                )

    # --- 1,000 feeds, and the re-poll --------------------------------------------------------
    feed_urls = urls(config.big_feeds, config.big_latency)
    log(f"polling: {config.big_feeds:,} feeds at {config.big_latency} ms, then re-polls")
    product = poll_runs(
        results,
        tmp,
        feed_urls,
        kind="sqlite",
        name=f"poll --all, {config.big_feeds:,} feeds, {config.big_latency} ms, SQLite",
        runs=config.big_runs,
        entries=config.big_feeds * per_feed,
        concurrency=c,
        per_host=c,
        repoll_runs=config.repoll_runs,
    )
    baseline = baseline_runs(
        results,
        feed_urls,
        config.big_baseline_runs,
        f"baseline: sequential feedparser.parse(url), {config.big_feeds:,} feeds, "
        f"{config.big_latency} ms",
    )
    ratio = baseline.median / product.median
    results.notes.append(
        f"polling {config.big_feeds:,} feeds at {config.big_latency} ms: {ratio:.2f}x the "
        "sequential feedparser loop (which stores and matches nothing)"
    )
    for figure in results.figures:
        if figure.name.startswith(f"re-poll of {config.big_feeds:,} unchanged feeds"):
            results.check(
                f"polling: {figure.name}",
                f"{figure.median:.2f} s",
                "< 3 s",
                figure.median < 3,
            )

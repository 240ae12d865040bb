"""Scenario 3: ``watchlist replay`` over 100,000 stored entries with the seed watch list.

The archive is generated once per session into a migrated SQLite database with SQLAlchemy
Core (bulk ``INSERT``, not timed): 1,000 feeds on the benchmark server, 100 entries each,
one every 50 s over 58 days, feed after feed in turn. By default the entries are the
realistic corpus (``bench/realistic.py``, issue 15: ~97 % of them evidence for the seed
list, a fifth wire copies, which land on other feeds within the hour); ``--corpus general``
uses ``bench/corpus.py`` (3 % topical), the corpus of the figures before issue 15.
Each run copies that file, then times what ``watchlist replay`` does (monitor/cli/reports.py):
``monitor.app.rules(db)`` and ``monitor.replay_apply.run`` (its entries matched in one
worker process per core, started inside the timing, and the diff written as they arrive).
With ``--extra``, a last run replays again on the applied database (nothing left to
change: the steady state of re-running unchanged rules).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.common import Figure, Results, log, timed
from bench.corpus import FEEDS_END, TOPICAL_RATE, Story, TextGenerator, make_vocabulary
from bench.realistic import RealisticText
from bench.server import FeedServer
from indicators.loader import load_watchlist
from monitor import app, replay_apply
from monitor.alerts.outbox import NoAlerts
from monitor.clock import utcnow
from monitor.config import Settings
from monitor.storage import indicators as indicators_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Entry, Feed

SEED_WATCHLIST = Path(__file__).resolve().parents[1] / "seeds/watchlists/india-russia-2025.yaml"


@dataclass(frozen=True)
class ReplayConfig:
    feeds: int = 1_000
    entries: int = 100_000
    runs: int = 3
    corpus: str = "realistic"  # or "general" (CORPORA)
    again: bool = False  # one more replay on the applied database (nothing to change)


QUICK = ReplayConfig(feeds=40, entries=2_000, runs=3)
CORPORA = ("realistic", "general")
ARCHIVE_END = FEEDS_END - timedelta(days=2)  # fixed: the same archive whatever the date
SPACING = timedelta(seconds=50)


def _paragraph_text(html: str) -> str:
    return html.replace("</p><p>", "\n").removeprefix("<p>").removesuffix("</p>")


def archive_site(corpus: str, feed: int) -> str:
    """The site of archive feed ``feed``: the one its served documents use too."""
    return f"desk{feed:04d}.example" if corpus == "realistic" else f"outlet{feed:04d}.example"


def archive_stories(corpus: str, feeds: int, entries: int) -> Iterator[tuple[int, Story]]:
    """(feed number, story) of the archive, oldest first, the feeds taking turns."""
    start = ARCHIVE_END - SPACING * entries
    realistic = RealisticText(seed=31)
    general = TextGenerator(make_vocabulary(), seed=31) if corpus == "general" else None
    for number in range(entries):
        feed = number % feeds
        site, when = archive_site(corpus, feed), start + SPACING * number
        if general is not None:
            yield feed, general.story(number, when, site, TOPICAL_RATE)
        else:
            yield feed, realistic.story(number, when, site)


def build_archive(
    path: Path, server: FeedServer, feeds: int, entries: int, corpus: str, doc_set: str
) -> None:
    """A migrated SQLite file with the seed watch list, ``feeds`` feeds and ``entries``
    generated entries of ``corpus`` spread evenly over them (Core bulk inserts). Written
    under another name and renamed at the end, so ``path`` exists only once complete."""
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}: one of {', '.join(CORPORA)}")
    final, path = path, path.with_name(path.name + ".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    db = Database(url)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    start = ARCHIVE_END - SPACING * entries
    with db.write() as session:
        indicators_repo.sync_watchlist(session, load_watchlist(SEED_WATCHLIST), now)
        session.execute(
            insert(Feed),
            [
                {
                    "id": n + 1,
                    "url": server.url(doc_set, n),
                    "site": archive_site(corpus, n),
                    "folder": "",
                    "added_at": start,
                    "interval_seconds": 900,
                    "next_poll_at": now,
                    "error_count": 0,
                    "total_errors": 0,
                }
                for n in range(feeds)
            ],
        )
    batch: list[dict[str, object]] = []
    for number, (feed, story) in enumerate(archive_stories(corpus, feeds, entries)):
        summary = _paragraph_text(story.summary_html)
        batch.append(
            {
                "feed_id": feed + 1,
                "dedup_key": "g:archive-" + story.guid,
                "guid": "archive-" + story.guid,
                "link": story.link,
                "title": story.title,
                "summary": summary,
                "content_hash": hashlib.sha256(
                    "\x1f".join((story.title, summary, story.link)).encode()
                ).hexdigest(),
                "publisher": archive_site(corpus, feed),
                "published_at": story.published,
                "first_seen_at": story.published,
                "updated_at": story.published,
            }
        )
        if len(batch) == 5_000 or number == entries - 1:
            with db.write() as session:
                session.execute(insert(Entry), batch)
            batch = []
    db.dispose()
    checkpoint(path)
    path.rename(final)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the file so that a plain copy is a complete database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def replay_once(url: str) -> dict[str, float]:
    """What ``watchlist replay`` does, timed: the rules loaded, then the entries matched
    (one worker per core, started inside the timing, the default) and the diff applied as
    they arrive (``replay_apply.run``)."""
    db = Database(url)
    try:
        rules_s, rules = timed(lambda: app.rules(db))
        now = utcnow()
        workers = app.replay_workers(Settings(database_url=url), db)
        try:
            run_s, done = timed(lambda: replay_apply.run(db, rules, now, NoAlerts(), workers))
        finally:
            if workers is not None:
                workers.close()
        return {
            "rules": rules_s,
            "run": run_s,
            "total": rules_s + run_s,
            "entries": done.entries,
            "gained": sum(len(d.gained) for d in done.diffs),
            "touched": len(done.touched),
            "changes": len(done.changes),
        }
    finally:
        db.dispose()


def run(
    results: Results, config: ReplayConfig, server: FeedServer, tmp: Path, archive: Path
) -> None:
    if not archive.exists():
        log(
            f"replay: building the archive ({config.entries:,} {config.corpus} entries, "
            f"{config.feeds:,} feeds)"
        )
        elapsed, _ = timed(
            lambda: build_archive(
                archive, server, config.feeds, config.entries, config.corpus, "mem"
            )
        )
        log(f"replay: archive built in {elapsed:.1f} s")
    work = tmp / "replay.db"
    steps: list[dict[str, float]] = []
    for _ in range(config.runs):
        copy_database(archive, work)
        log("replay: match and apply")
        steps.append(replay_once(f"sqlite:///{work}"))
    last = steps[-1]
    totals = [s["total"] for s in steps]
    figure = results.add(
        Figure(
            "replay",
            f"replay (matched and applied), {config.entries:,} {config.corpus} entries,"
            " seed watch list",
            totals,
            unit_count=config.entries,
            unit="entries",
            note=(
                f"median rules {_med(steps, 'rules'):.2f} s, matched and applied "
                f"{_med(steps, 'run'):.1f} s; {int(last['gained']):,} evidence gained, "
                f"{int(last['touched'])} indicators touched, {int(last['changes'])} status changes"
            ),
        )
    )
    if config.again:
        again = replay_once(f"sqlite:///{work}")
        results.add(
            Figure(
                "replay",
                f"replay again, nothing to change, {config.entries:,} entries",
                [again["total"]],
                unit_count=config.entries,
                unit="entries",
                note="1 run",
            )
        )
    results.check(
        f"replay: {config.entries:,} entries",
        f"{figure.median:.1f} s",
        "< 60 s",
        figure.median < 60,
    )


def _med(steps: list[dict[str, float]], key: str) -> float:
    values = sorted(s[key] for s in steps)
    return values[len(values) // 2]

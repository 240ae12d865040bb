"""Scenario 3: ``watchlist replay`` over 100,000 stored entries with the seed watch list.

The archive is generated once per session into a migrated SQLite database with SQLAlchemy
Core (bulk ``INSERT``, not timed): 1,000 feeds on the benchmark server, 100 entries each.
Each run copies that file, then times what ``watchlist replay`` does (monitor/cli/reports.py):
``monitor.app.rules(db)``, ``monitor.replay.plan`` and ``monitor.replay.apply``.
With ``--extra``, a last run replays again on the applied database (nothing left to
change: the steady state of re-running unchanged rules).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.common import Figure, Results, log, timed
from bench.corpus import TOPICAL_RATE, TextGenerator, make_vocabulary
from bench.server import FeedServer
from indicators.loader import load_watchlist
from monitor import app
from monitor import replay as replay_mod
from monitor.alerts.outbox import NoAlerts
from monitor.clock import utcnow
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
    topical_rate: float = TOPICAL_RATE
    again: bool = False  # one more replay on the applied database (nothing to change)


QUICK = ReplayConfig(feeds=40, entries=2_000, runs=3)


def _paragraph_text(html: str) -> str:
    return html.replace("</p><p>", "\n").removeprefix("<p>").removesuffix("</p>")


def build_archive(
    path: Path, server: FeedServer, feeds: int, entries: int, topical_rate: float, doc_set: str
) -> None:
    """A migrated SQLite file with the seed watch list, ``feeds`` feeds and ``entries``
    generated entries spread evenly over them (Core bulk inserts). Written under another
    name and renamed at the end, so ``path`` exists only once complete."""
    final, path = path, path.with_name(path.name + ".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    db = Database(url)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    start = now - timedelta(days=60)
    with db.write() as session:
        indicators_repo.sync_watchlist(session, load_watchlist(SEED_WATCHLIST), now)
        session.execute(
            insert(Feed),
            [
                {
                    "id": n + 1,
                    "url": server.url(doc_set, n),
                    "site": f"outlet{n:04d}.example",
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
    gen = TextGenerator(make_vocabulary(), seed=31)
    batch: list[dict[str, object]] = []
    for number in range(entries):
        feed = number % feeds
        site = f"outlet{feed:04d}.example"
        story = gen.story(number, start + timedelta(seconds=50 * number), site, topical_rate)
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
                "publisher": site,
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


def _replay(url: str) -> dict[str, float]:
    """What ``watchlist replay`` does, with each step timed."""
    db = Database(url)
    try:
        rules_s, rules = timed(lambda: app.rules(db))
        now = utcnow()
        plan_s, plan = timed(lambda: replay_mod.plan(db, rules, now))
        apply_s, changes = timed(lambda: replay_mod.apply(db, plan, rules, now, NoAlerts()))
        gained = sum(len(d.gained) for d in plan.diffs)
        return {
            "rules": rules_s,
            "plan": plan_s,
            "apply": apply_s,
            "total": rules_s + plan_s + apply_s,
            "entries": plan.entries,
            "gained": gained,
            "touched": len(plan.touched),
            "changes": len(changes),
        }
    finally:
        db.dispose()


def run(
    results: Results, config: ReplayConfig, server: FeedServer, tmp: Path, archive: Path
) -> None:
    if not archive.exists():
        log(f"replay: building the archive ({config.entries:,} entries, {config.feeds:,} feeds)")
        elapsed, _ = timed(
            lambda: build_archive(
                archive, server, config.feeds, config.entries, config.topical_rate, "mem"
            )
        )
        log(f"replay: archive built in {elapsed:.1f} s")
    work = tmp / "replay.db"
    steps: list[dict[str, float]] = []
    for _ in range(config.runs):
        copy_database(archive, work)
        log("replay: plan + apply")
        steps.append(_replay(f"sqlite:///{work}"))
    last = steps[-1]
    totals = [s["total"] for s in steps]
    figure = results.add(
        Figure(
            "replay",
            f"replay (plan + apply), {config.entries:,} entries, seed watch list",
            totals,
            unit_count=config.entries,
            unit="entries",
            note=(
                f"median plan {_med(steps, 'plan'):.1f} s, apply {_med(steps, 'apply'):.2f} s, "
                f"rules {_med(steps, 'rules'):.2f} s; {int(last['gained']):,} evidence gained, "
                f"{int(last['touched'])} indicators touched, {int(last['changes'])} status changes"
            ),
        )
    )
    if config.again:
        again = _replay(f"sqlite:///{work}")
        results.add(
            Figure(
                "replay",
                f"replay again, nothing to change, {config.entries:,} entries",
                [again["total"]],
                unit_count=config.entries,
                unit="entries",
                note=f"plan {again['plan']:.1f} s, apply {again['apply']:.2f} s (1 run)",
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

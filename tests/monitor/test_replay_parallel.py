"""Replay in the parse workers (issue 15): the same plan, and the same rows, as on one thread.

The archive is polled from a loopback feed server with a small watch list; the seed watch
list is then loaded and the small list edited, so a replay gains evidence everywhere
(inserted in batches: nothing stored for those entries and indicators) and loses and
replaces some (one entry at a time, as before).
"""

from __future__ import annotations

import os
import signal
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer
from helpers import SEED_WATCHLIST, Clock, Story, day, load_rules, pipeline, rss
from integrity import assert_clusters_are_the_full_computation, problems
from sqlalchemy import select

from indicators.loader import load_watchlist
from indicators.matcher import Matcher
from monitor import replay as replay_mod
from monitor import replay_apply
from monitor.alerts.outbox import NoAlerts
from monitor.app import REPLAY_POOL_MIN_ENTRIES, replay_workers
from monitor.config import Settings
from monitor.decisions import record_decision
from monitor.model import Cause
from monitor.prepare import Preparer, match_text, match_texts
from monitor.ruleset import load_rules as load_ruleset
from monitor.storage import evidence as evidence_repo
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import (
    Entry,
    EvidenceRow,
    IndicatorRow,
    StatusChange,
    UnitBand,
)

RULES = """
id: t
title: T
indicators:
  - id: oil
    title: Crude
    query: (india OR indian) (russia OR russian OR rosneft) (crude OR squadron)
"""
EDITED = RULES.replace("(crude OR squadron)", "(crude OR rupee)")

LEADS = [
    "India signed a contract with Rosneft for crude oil supplies of {n} barrels a day.",
    "Russia delivered the fifth squadron of S-400 air defence systems to India in {m}.",
    "India and Russia agreed a rupee-rouble settlement mechanism for trade payments.",
    "India and Russia postponed the INSTC corridor freight agreement in {m}.",
    "Rosatom will commission units 3 and 4 of the Kudankulam nuclear plant by 2027.",
    "The leaders concluded a joint statement at the India-Russia summit in Kazan.",
]
BACKGROUND = [
    "Officials said the terms were still being discussed on {d}.",
    "Traders in Mumbai noted that freight costs had climbed since {m}.",
    "Analysts cautioned that insurance remained the main hurdle.",
    "Bankers in Chennai estimated volumes could rise by {n} percent next year.",
]
MONTHS = ["March", "April", "May"]
DAYS = ["Monday", "Tuesday", "Friday"]


def _story(n: int) -> tuple[str, str]:
    """Story ``n``: every third one a wire copy of the one before it (a dateline added)."""
    base = n - 1 if n % 3 == 2 else n
    fill = {"n": 100 + base, "m": MONTHS[base % 3], "d": DAYS[base % 3]}
    lead = LEADS[base % len(LEADS)].format(**fill)
    body = [BACKGROUND[(base + k) % len(BACKGROUND)].format(**fill) for k in range(2)]
    if base != n:
        lead = "MUMBAI - " + lead
    return lead.split(",")[0].rstrip("."), " ".join([lead, *body])


def _archive(db: Database, feed_server: FeedServer, feeds: int = 6, per_feed: int = 12) -> Clock:
    clock = Clock(day(20))
    load_rules(db, RULES, clock())
    with db.write() as session:
        for f in range(feeds):
            stories = []
            for k in range(per_feed):
                n = f * per_feed + k
                title, summary = _story(n)
                when = day(1) + timedelta(hours=3 * n)
                stories.append(Story(f"e{n}", title, summary, f"https://s{f}.example/{n}", when))
            feeds_repo.add_feed(session, feed_server.add(f"/f{f}.xml", rss(stories)), clock())
    pipeline(db, clock).poll(all_feeds=True)
    load_rules(db, EDITED, clock())
    with db.write() as session:
        indicators_repo.sync_watchlist(session, load_watchlist(SEED_WATCHLIST), clock())
    return clock


def test_the_parallel_plan_equals_the_in_process_plan(
    db: Database, feed_server: FeedServer
) -> None:
    clock = _archive(db, feed_server)
    rules = load_ruleset(db)
    here = replay_mod.plan(db, rules, clock())
    workers = Preparer(2)
    try:
        there = replay_mod.plan(db, rules, clock(), workers)
        assert workers._pool is not None  # the workers matched
    finally:
        workers.close()
    assert here.entries == there.entries == 72
    gained = sum(len(d.gained) for d in here.diffs)
    assert gained > 100
    assert any(d.lost for d in here.diffs)
    assert there == here  # diffs, proposed evidence, entries and sketches


@pytest.mark.parametrize("workers", [0, 2])
def test_the_applied_diff_is_the_dry_run_diff(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """What ``watchlist replay`` applies and reports (entries written as the matches
    arrive) is what ``--dry-run`` showed (the whole plan, decided in memory)."""
    monkeypatch.setattr(replay_apply, "CHUNK", 7)
    clock = _archive(db, feed_server)
    rules = load_ruleset(db)
    preview = replay_mod.plan(db, rules, clock())
    pool = Preparer(workers) if workers else None
    try:
        done = replay_apply.run(db, rules, clock(), NoAlerts(), pool)
    finally:
        if pool is not None:
            pool.close()
    assert done.entries == preview.entries == 72
    assert done.diffs == preview.diffs  # gained, lost, status, new status and reason
    assert {d.indicator_id for d in done.touched} == {d.indicator_id for d in preview.touched}
    assert [c.to_status for c in done.changes] == [
        d.new_status for d in preview.diffs if d.changes_status
    ]
    again = replay_mod.plan(db, rules, clock())
    assert not again.touched  # nothing left to change


def test_an_applied_replay_stores_what_the_rules_give_and_decides_from_it(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay_apply, "CHUNK", 7)  # written in several chunks
    clock = _archive(db, feed_server)
    rules = load_ruleset(db)
    changes = replay_apply.run(db, rules, clock(), NoAlerts()).changes
    assert len(changes) >= 3
    runner = pipeline(db, clock)
    assert problems(db, runner, clock()) == []  # evidence, statuses and their log
    with db.write() as session:
        for indicator_id in session.scalars(select(IndicatorRow.id)):
            assert_clusters_are_the_full_computation(session, indicator_id)
        assert (
            session.scalar(
                select(Entry.id)
                .where(Entry.sketch.is_(None))
                .join(EvidenceRow, EvidenceRow.entry_id == Entry.id)
                .limit(1)
            )
            is None
        )  # every entry with evidence has its sketch


@pytest.mark.parametrize("chunk", [replay_apply.CHUNK, 7, 1])
def test_batched_inserts_give_the_rows_and_ids_of_one_entry_at_a_time(
    feed_server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The same database replayed twice: by ``replay_apply.run`` (``chunk`` entries
    written, and their pieces placed, at a time), and by the loop it had before issue 15
    (``replace_evidence`` for every entry and indicator whose evidence changes, then the
    decisions, which place every piece at once). Same rows, ids, clusters, sketches and
    status log (SQLite: the database is copied as a file)."""
    monkeypatch.setattr(replay_apply, "CHUNK", chunk)
    first = Database(f"sqlite:///{tmp_path / 'a.db'}")
    migrate.upgrade(first)
    clock = _archive(first, feed_server)
    first.dispose()
    with sqlite3.connect(tmp_path / "a.db") as source, sqlite3.connect(tmp_path / "b.db") as copy:
        source.backup(copy)
    source.close()
    copy.close()
    first, second = (Database(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db"))
    try:
        rules = load_ruleset(first)
        replay_apply.run(first, rules, clock(), NoAlerts())
        _apply_one_entry_at_a_time(second, replay_mod.plan(second, rules, clock()), clock)
        assert _dump(first) == _dump(second)
    finally:
        first.dispose()
        second.dispose()


def _apply_one_entry_at_a_time(db: Database, plan: replay_mod.ReplayPlan, clock: Clock) -> None:
    """In entry order, then indicator order: the order of the rows' ids."""
    rules = load_ruleset(db)
    affected = sorted(
        (key[0], diff.indicator_id) for diff in plan.touched for key in (*diff.gained, *diff.lost)
    )
    with db.write() as session:
        for entry_id, indicator_id in dict.fromkeys(affected):
            found = plan.proposed.get((entry_id, indicator_id), [])
            entry = plan.stored.get(entry_id)
            if entry is None:
                evidence_repo.delete_evidence(session, entry_id, indicator_id, clock())
                continue
            version = rules.versions[indicator_id]
            evidence_repo.replace_evidence(session, entry, indicator_id, version, found, clock())
        for indicator_id in sorted(d.indicator_id for d in plan.touched):
            record_decision(session, indicator_id, clock(), Cause.REPLAY, NoAlerts())


def _dump(db: Database) -> tuple[list[tuple[object, ...]], ...]:
    queries = [
        select(
            EvidenceRow.id,
            EvidenceRow.entry_id,
            EvidenceRow.indicator_id,
            EvidenceRow.position,
            EvidenceRow.modality,
            EvidenceRow.sentence,
            EvidenceRow.cluster_id,
            EvidenceRow.dismissed,
        ).order_by(EvidenceRow.id),
        select(Entry.id, Entry.sketch).order_by(Entry.id),
        select(StatusChange.indicator_id, StatusChange.to_status, StatusChange.reason).order_by(
            StatusChange.id
        ),
        select(UnitBand.entry_id, UnitBand.published_at, UnitBand.hash).order_by(
            UnitBand.entry_id, UnitBand.published_at, UnitBand.hash
        ),
    ]
    with db.read() as session:
        return tuple([tuple(row) for row in session.execute(query)] for query in queries)


def test_a_dead_worker_costs_nothing_but_time() -> None:
    """A worker killed in the middle: its batches and the rest are matched in process."""
    indicators = load_watchlist(SEED_WATCHLIST).indicators
    texts = [(str(n), *_story(n)) for n in range(60)]
    batches = [texts[k : k + 5] for k in range(0, len(texts), 5)]
    workers = Preparer(2)
    try:
        results = workers.match_all((indicators, ((1, "v"),)), batches, lambda batch: batch)
        first = next(results)
        pool = workers._pool
        assert pool is not None
        assert first[1] is not None
        for pid in list(pool._processes):  # a hostile batch exhausting memory, say
            os.kill(pid, signal.SIGKILL)
        rest = list(results)
    finally:
        workers.close()
    assert any(matched is None for _, matched in rest)  # left to the caller
    assert workers._pool is None  # the next use starts a fresh pool
    assert [batch for batch, _ in [first, *rest]] == batches


def test_a_worker_holding_other_rules_matches_nothing() -> None:
    """In this process no worker rules are loaded: the batch is the caller's to match."""
    assert match_texts([("1", "India and Russia", "signed a pact")], ((1, "v"),)) is None


def test_an_entry_without_evidence_has_no_sketch() -> None:
    matcher = Matcher(load_watchlist(SEED_WATCHLIST).indicators)
    quiet = match_text(matcher, ("1", "Monsoon arrives", "Rain reached the coast."))
    assert quiet.evidence == ()
    assert quiet.sketch is None
    assert quiet.bands is None
    found = match_text(matcher, ("2", *_story(0)))
    assert found.evidence
    assert found.sketch
    assert found.bands


def test_a_small_replay_needs_no_workers(db: Database, feed_server: FeedServer) -> None:
    _archive(db, feed_server, feeds=1, per_feed=3)
    assert replay_workers(Settings(database_url=db.url), db) is None
    assert REPLAY_POOL_MIN_ENTRIES > 3


def test_no_workers_leave_every_batch_to_the_caller() -> None:
    workers = Preparer(0)
    indicators = load_watchlist(SEED_WATCHLIST).indicators
    batches = [[("1", *_story(0))], [("2", *_story(1))]]
    got = list(workers.match_all((indicators, ((1, "v"),)), batches, lambda batch: batch))
    assert got == [(batch, None) for batch in batches]

"""Parsing and matching in worker processes: the same evidence as on the polling thread."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

from feedserver import FeedServer
from helpers import SEED_WATCHLIST, Clock, Story, day, pipeline, rss
from sqlalchemy import select

from indicators.loader import load_watchlist
from indicators.matcher import Matcher
from monitor.pipeline import UNCHANGED_BATCH
from monitor.prepare import POOL_MIN_FEEDS, WORKER_NICENESS, Prepared, Preparer, prepare
from monitor.ruleset import entry_item
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database
from monitor.storage.entries import iter_entries
from monitor.storage.models import EvidenceRow, IndicatorRow

# Stories that the seed watch list finds evidence in, and some it does not.
TEXTS = [
    ("India, Russia sign labour mobility agreement", "The pact was signed in New Delhi."),
    ("Refiners resume Russian crude purchases", "Indian Oil bought two cargoes of Urals."),
    ("Rupee-rouble settlement mechanism goes live", "Banks in India and Russia cleared trades."),
    ("Monsoon arrives early in Kerala", "The weather office said rains reached the coast."),
    ("Fourth S-400 squadron delivered to India", "Russia has delivered the squadron."),
]


def _feeds(feed_server: FeedServer, count: int) -> list[str]:
    urls = []
    for n in range(count):
        stories = [
            Story(f"f{n}-{k}", title, summary, f"https://site{n}.example/{k}", day(1 + k))
            for k, (title, summary) in enumerate(TEXTS)
        ]
        urls.append(feed_server.add(f"/feed-{n}.xml", rss(stories)))
    return urls


def test_a_big_poll_matches_in_workers_and_finds_what_the_matcher_finds(
    db: Database, feed_server: FeedServer
) -> None:
    clock = Clock(day(10))
    urls = _feeds(feed_server, POOL_MIN_FEEDS)
    with db.write() as session:
        indicators_repo.sync_watchlist(session, load_watchlist(SEED_WATCHLIST), clock())
        for url in urls:
            feeds_repo.add_feed(session, url, clock())
    runner = pipeline(db, clock, parse_workers=2)
    try:
        summary = runner.poll(all_feeds=True)
        assert runner.preparer._pool is not None  # the pool did the parsing and matching
    finally:
        runner.close()
    assert summary.ok == POOL_MIN_FEEDS
    assert summary.new_entries == POOL_MIN_FEEDS * len(TEXTS)
    matcher = Matcher(load_watchlist(SEED_WATCHLIST).indicators)
    with db.read() as session:
        keys = dict(session.execute(select(IndicatorRow.id, IndicatorRow.key)).all())
        stored = {
            (row.entry_id, keys[row.indicator_id], row.modality, row.sentence)
            for row in session.scalars(select(EvidenceRow))
        }
        expected = {
            (entry.id, ev.indicator_id, ev.modality.value, ev.sentence)
            for entry in iter_entries(session)
            for ev in matcher.match(entry_item(entry))
        }
    assert len(expected) >= 4 * POOL_MIN_FEEDS
    assert stored == expected


def test_a_small_poll_needs_no_pool(db: Database, feed_server: FeedServer) -> None:
    clock = Clock(day(10))
    with db.write() as session:
        for url in _feeds(feed_server, 2):
            feeds_repo.add_feed(session, url, clock())
    runner = pipeline(db, clock, parse_workers=2)
    try:
        assert runner.poll(all_feeds=True).ok == 2
        assert runner.preparer._pool is None
    finally:
        runner.close()


def test_prepare_reports_a_feed_error_as_data() -> None:
    done = prepare(b"<html><body>not a feed</body></html>", {}, "https://x.example/", "shown")
    assert done.parsed is None
    assert done.error is not None
    assert done.error[0] == "not_a_feed"
    assert done.error[1].startswith("shown: ")


def test_a_pool_of_zero_workers_is_disabled() -> None:
    preparer = Preparer(0)
    preparer.arm((), ())
    assert not preparer.enabled
    assert preparer.prepare(b"<rss/>", {}, "https://x.example/", "x") is None


def test_unchanged_feeds_are_recorded_in_batches_and_none_is_lost(
    db: Database, feed_server: FeedServer
) -> None:
    # More than one batch of 304s (UNCHANGED_BATCH), each feed recorded and rescheduled.
    count = UNCHANGED_BATCH + 7
    clock = Clock(day(10))
    body = rss([Story("s", "Monsoon arrives early", "Rain.", "https://w.example/1", day(1))])
    urls = [feed_server.add(f"/same-{n}.xml", body, etag=f'"v{n}"') for n in range(count)]
    with db.write() as session:
        for url in urls:
            feeds_repo.add_feed(session, url, clock())
    runner = pipeline(db, clock, parse_workers=0)
    assert runner.poll(all_feeds=True).ok == count
    clock.now += timedelta(hours=1)
    again = runner.poll(all_feeds=True)
    assert (again.feeds, again.not_modified, again.ok) == (count, count, 0)
    with db.read() as session:
        infos = feeds_repo.list_feeds(session)
    assert {i.last_outcome for i in infos} == {"not_modified"}
    assert all(i.next_poll_at > clock() for i in infos)


def _die(body: bytes, headers: Any, url: str, shown_url: str) -> Any:
    """A worker that dies mid-task, as one killed by the kernel for memory would."""
    os._exit(1)


def test_a_worker_that_dies_costs_only_that_parse() -> None:
    preparer = Preparer(1, task=_die)
    preparer.arm((), ())
    try:
        # The caller is told to parse on its own thread; the broken pool is dropped ...
        assert preparer.prepare(b"<rss/>", {}, "https://x.example/", "x") is None
        assert preparer._pool is None
        # ... and the next body gets a fresh pool (which dies again here, harmlessly).
        assert preparer.prepare(b"<rss/>", {}, "https://x.example/", "x") is None
    finally:
        preparer.close()


def _niceness_as_error(body: bytes, headers: Any, url: str, shown_url: str) -> Prepared:
    """A task that reports the worker's niceness (as an error: a plain picklable value)."""
    return Prepared(None, ("niceness", str(os.nice(0))), (), ())


def test_workers_run_below_the_thread_that_writes() -> None:
    """A big poll waits on the thread that writes; the parse workers yield to it."""
    preparer = Preparer(1, task=_niceness_as_error)
    preparer.arm((), ())
    try:
        done = preparer.prepare(b"<rss/>", {}, "https://x.example/", "x")
    finally:
        preparer.close()
    assert done is not None
    assert done.error is not None
    assert int(done.error[1]) == min(19, os.nice(0) + WORKER_NICENESS)


def test_arming_starts_the_workers_before_any_body() -> None:
    """A big poll's workers start while its first fetches are out (issue 15)."""
    preparer = Preparer(1)
    preparer.arm((), ())
    try:
        pool = preparer._pool
        assert pool is not None
        deadline = time.monotonic() + 20
        while not pool._processes and time.monotonic() < deadline:  # spawned by the warm-up
            time.sleep(0.05)
        assert len(pool._processes) == 1
        preparer.arm((), ())  # armed again with the same rules: the same pool
        assert preparer._pool is pool
    finally:
        preparer.close()

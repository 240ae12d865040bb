"""Issue 7, item 6: polling goes on when the wall clock jumps back or forward.

Two layers. The pipeline with an injected clock (``helpers.Clock``) moved back a day and
forward a day between polls: due feeds are still claimed (a last poll "in the future" means
the clock went back) and a lease written before a jump back does not hold a feed for a day.
Then ``run_daemon`` itself, in this process, with every clock it reads shifted together (the
pipeline's clock, APScheduler's and the daemon's ``datetime.now``) as a real jump would
shift them: the monotonic watchdog must pull the tick forward after a jump back, and a jump
forward must simply poll.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

import apscheduler.schedulers.base
import apscheduler.triggers.interval
import pytest
from feedserver import FeedServer
from helpers import Clock, Story, day, pipeline, rss
from sqlalchemy import select

import monitor.daemon
from monitor.config import Settings
from monitor.daemon import run_daemon
from monitor.storage import feeds as feeds_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Feed

DAY = timedelta(days=1)


def _feeds(db: Database, server: FeedServer, clock: Clock, count: int = 3) -> list[str]:
    urls = [
        server.add(
            f"/f{n}.xml",
            rss([Story(f"{n}", f"Story {n}", "Text.", f"https://s{n}.example/1", day(1))]),
        )
        for n in range(count)
    ]
    with db.write() as session:
        for url in urls:
            feeds_repo.add_feed(session, url, clock(), interval=timedelta(minutes=15))
    return urls


def _last_polled(db: Database) -> list[datetime | None]:
    with db.read() as session:
        return list(session.scalars(select(Feed.last_polled_at).order_by(Feed.id)))


def test_due_feeds_are_polled_after_the_clock_jumps_back_and_forward(
    db: Database, feed_server: FeedServer
) -> None:
    clock = Clock(day(10))
    urls = _feeds(db, feed_server, clock)
    p = pipeline(db, clock)
    assert p.poll().feeds == 3  # due at once

    clock.now += timedelta(minutes=1)
    assert p.poll().feeds == 0  # not due again for 15 minutes: nothing to do

    clock.now -= DAY  # the wall clock goes back a day
    back = p.poll()
    assert back.feeds == 3, "a feed last polled 'in the future' must count as due"
    assert _last_polled(db) == [clock.now] * 3
    clock.now += timedelta(minutes=1)
    assert p.poll().feeds == 0  # and the schedule is sane again in the new timeline

    clock.now += 2 * DAY  # and forward, past the old timeline
    assert p.poll().feeds == 3
    assert _last_polled(db) == [clock.now] * 3
    assert [feed_server.hits(f"/f{n}.xml") for n in range(len(urls))] == [3, 3, 3]


def test_a_lease_taken_before_the_clock_went_back_does_not_hold_a_feed_for_a_day(
    db: Database, feed_server: FeedServer
) -> None:
    clock = Clock(day(10))
    _feeds(db, feed_server, clock, count=1)
    with db.write() as session:  # a worker claims the feed, then dies without a trace
        [_claimed] = feeds_repo.claim_due_feeds(
            session, clock(), owner="dead", lease=timedelta(minutes=5), limit=10
        )
    clock.now -= DAY
    summary = pipeline(db, clock, lease=300.0).poll()
    assert summary.feeds == 1, "the lease ends a day and 5 minutes from 'now': stale"
    assert feed_server.hits("/f0.xml") == 1


def test_a_live_lease_still_holds_after_a_small_step_back(
    db: Database, feed_server: FeedServer
) -> None:
    """NTP slews and small steps back are normal: a lease that is still plausible holds."""
    clock = Clock(day(10))
    _feeds(db, feed_server, clock, count=1)
    with db.write() as session:
        feeds_repo.claim_due_feeds(
            session, clock(), owner="alive", lease=timedelta(minutes=5), limit=10
        )
    clock.now -= timedelta(seconds=30)
    assert pipeline(db, clock, lease=300.0).poll().feeds == 0
    assert feed_server.hits("/f0.xml") == 0


def test_a_pass_polls_each_due_feed_once_even_at_a_zero_interval(
    db: Database, feed_server: FeedServer
) -> None:
    """Found on the way: a feed due again before its pass ended (a 0 s or very short
    interval) was claimed again by the same pass, so ``watchlist poll`` never returned."""
    clock = Clock(day(10))
    url = feed_server.add("/zero.xml", rss([Story("1", "S", "T.", "https://z.example/1", day(1))]))
    with db.write() as session:
        feeds_repo.add_feed(session, url, clock(), interval=timedelta(0))
    p = pipeline(db, clock)
    assert p.poll().feeds == 1
    assert feed_server.hits("/zero.xml") == 1
    clock.now += timedelta(seconds=1)
    assert p.poll().feeds == 1  # and due again at the next pass


# --- the daemon ---------------------------------------------------------------------------------


class Shift:
    """An offset added to every wall-clock reading of the daemon, moved by the test."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def shifted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Shift]:
    shift = Shift()

    class ShiftedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> ShiftedDatetime:
            real = datetime.now(tz) + shift.offset
            return cls.fromtimestamp(real.timestamp(), tz)

    for module in (apscheduler.schedulers.base, apscheduler.triggers.interval, monitor.daemon):
        monkeypatch.setattr(module, "datetime", ShiftedDatetime)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield shift
    for signum, handler in handlers.items():  # run_daemon installs its own
        signal.signal(signum, handler)


def _wait(condition: Callable[[], bool], timeout: float) -> float | None:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.mark.slow
def test_daemon_keeps_polling_through_clock_jumps(
    tmp_path: Path, feed_server: FeedServer, shifted: Shift
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database(url)
    migrate.upgrade(db)
    feed = feed_server.add(
        "/f.xml", rss([Story("1", "Story", "Text.", "https://s.example/1", day(1))])
    )
    with db.write() as session:
        feeds_repo.add_feed(session, feed, shifted.now(), interval=timedelta(seconds=1))
    settings = Settings(
        database_url=url, tick=0.5, fetch_deadline=1.0, deadline_check=3600.0, lease=5.0
    )
    watchdog = 3 * settings.tick + settings.fetch_deadline  # monitor/daemon.py
    results: dict[str, float | None] = {}

    def polls() -> int:
        return feed_server.hits("/f.xml")

    def drive() -> None:
        try:
            results["start"] = _wait(lambda: polls() >= 2, 15)
            for name, jump in (("back", -DAY), ("forward", DAY)):
                before = polls()
                shifted.offset += jump
                results[name] = _wait(lambda b=before: polls() > b, 15)
                results[f"{name}, 3 polls"] = _wait(lambda b=before: polls() >= b + 3, 15)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # run_daemon's handler: a clean stop

    driver = threading.Thread(target=drive)
    driver.start()
    code = run_daemon(settings, db, clock=shifted.now)
    driver.join(10)
    with db.read() as session:
        last = session.scalar(select(Feed.last_polled_at))
    db.dispose()
    print(f"\npolling resumed {results} s after each jump (watchdog after {watchdog:g}s)")
    assert code == 0
    assert results["start"] is not None
    assert results["back"] is not None, "no poll after the clock went back a day"
    assert results["forward"] is not None, "no poll after the clock went forward"
    assert results["back"] < watchdog + settings.tick + 1.5  # the watchdog's work
    # APScheduler first computes every run time it missed (coalesced into one run): with a
    # 0.5 s tick a day is 172,800 of them, a second of CPU. (At the default 10 s: 8,640.)
    assert results["forward"] < settings.tick + 2.5
    assert results["back, 3 polls"] is not None  # and polling goes on at its pace
    assert results["forward, 3 polls"] is not None
    assert last is not None
    assert abs(last - shifted.now()) < timedelta(minutes=1)  # polled in the new timeline

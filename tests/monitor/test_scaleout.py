"""Issue 7, item 4: several ``watchlist daemon`` processes share one PostgreSQL database.

Three daemons (real processes, ``WATCHLIST_DB`` pointing at a fresh schema) poll 300 feeds
served by a counting server on 127.0.0.1, with a 20 s interval and a 1 s tick:

* after the first round, the server's timestamps show every feed fetched exactly once in a
  window of one interval, and every gap between two fetches of a feed is one interval
  (plus at most a tick of scheduling), never less: no feed is fetched twice by two workers;
* a third of the feeds then answer slowly, and one daemon is killed with SIGKILL while it
  holds leases on some; a survivor on the same host frees them at its next poll (issue 14:
  a claim whose owner no longer runs on this host is free), not after the 30 s lease, and
  the survivors fetch every orphaned feed;
* the database passes the integrity checks (tests/monitor/integrity.py): no entry, evidence,
  status change or alert duplicated, every status log a consistent chain, although the three
  workers decided the same indicators concurrently.

Two direct checks on PostgreSQL back this up: the claim is ``FOR UPDATE SKIP LOCKED`` (a
second worker passes over the rows a first one is claiming, without waiting), and status
decisions take a row lock on the indicator (a second decision waits for the first).
"""

from __future__ import annotations

import contextlib
import itertools
import signal
import socket
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer, Reply, Request
from helpers import Story, day, load_rules, pipeline, rss, start_daemon, three_rules, wait_for
from integrity import problems
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from monitor.storage import feeds as feeds_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.indicators import lock_indicator
from monitor.storage.models import Alert, AnalystAction, Feed, IndicatorRow, StatusChange

FEEDS = 300
WORKERS = 3
INTERVAL = 20.0
TICK = 1.0
LEASE = 30.0  # far longer than a poll: a takeover before it runs out is not its expiry
SLOW = 2.5  # seconds a slow feed takes to answer in the kill phase

RULES = three_rules("scale", "Scale-out")
# One feed in five carries evidence (20 per indicator, decided concurrently by the three
# workers); the rest are the quiet majority of a real feed list.
TEMPLATES = (
    "India and Russia signed a labour mobility agreement, desk {n} reports",
    "Desk {n}: India and Russia are expected to sign a shipbuilding deal",
    "Rupee trade settlement stalled, officials told desk {n}",
    *(["Markets closed higher, desk {n} notes"] * 12),
)


class CountingServer:
    """300 feeds; every request is timestamped (wall clock) per path; some can be slow."""

    def __init__(self, server: FeedServer) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.slow: set[str] = set()
        self.urls: list[str] = []
        for n in range(FEEDS):
            body = rss(
                [
                    Story(
                        f"{n}",
                        TEMPLATES[n % len(TEMPLATES)].format(n=n),
                        "",
                        f"https://desk{n}.example/{n}",
                        day(4),
                    )
                ]
            ).encode()
            self.urls.append(server.add_handler(f"/feed{n}.xml", self._handler(body)))

    def _handler(self, body: bytes) -> Callable[[Request], Reply]:
        def handle(request: Request) -> Reply:
            path = request.path.split("?", 1)[0]
            with self.lock:
                self.times[path].append(time.time())
                delay = SLOW if path in self.slow else 0.0
            return Reply(200, body, {"Content-Type": "application/rss+xml"}, delay=delay)

        return handle

    def fetches(self) -> dict[str, list[float]]:
        with self.lock:
            return {path: list(times) for path, times in self.times.items()}


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.slow
@pytest.mark.postgres
def test_three_daemons_share_300_feeds_and_take_over_a_dead_ones_leases(
    pg_url: str,
    tmp_path: Path,
    feed_server: FeedServer,
    workers: list[subprocess.Popen[bytes]],
    request: pytest.FixtureRequest,
) -> None:
    db = Database(pg_url)
    # Closed even when the test fails: a failure's traceback keeps this frame, and its pooled
    # connections would otherwise be collected (and warn) during a later test.
    request.addfinalizer(db.dispose)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    load_rules(db, RULES, now)
    counting = CountingServer(feed_server)
    with db.write() as session:
        for url in counting.urls:
            feeds_repo.add_feed(session, url, now, interval=timedelta(seconds=INTERVAL))
    config = tmp_path / "watchlist.toml"
    config.write_text(
        f"""
[polling]
tick = "{TICK:g}s"
lease = "{LEASE:g}s"
concurrency = 16
per_host = 16           # every feed is on 127.0.0.1 here
deadline_check = "1h"
fetch_deadline = "10s"

[alerts]
group_over = 1000       # one console line per alert
lease = "3s"

[alerts.channels.out]
url = "console:"
timeout = "1s"
""",
        encoding="utf-8",
    )
    logs = [tmp_path / f"worker{n}.log" for n in range(WORKERS)]
    workers.extend(start_daemon(pg_url, config, log, db_in_env=True) for log in logs)

    # -- the first round: every feed is due at once ---------------------------------------------
    def all_polled() -> bool:
        with db.read() as session:
            return not session.scalar(
                select(func.count(Feed.id)).where(Feed.last_polled_at.is_(None))
            )

    first_round = wait_for(all_polled, 60, "every feed to be polled once")
    first = counting.fetches()
    twice = {p: len(times) for p, times in first.items() if len(times) > 1}
    assert not twice, f"fetched more than once in the first round ({first_round:.1f}s): {twice}"
    # The window starts in the quiet time after the first round (it took a few seconds of
    # the interval) and ends in the next one: each feed's second fetch falls inside it,
    # unless a worker fetched it early (two in the window) or skipped it (none).
    window_start = max(times[0] for times in first.values()) + 3 * TICK
    window_end = window_start + INTERVAL

    # -- the steady state: one interval window --------------------------------------------------
    time.sleep(max(0.0, window_end + 0.5 - time.time()))
    fetched = counting.fetches()
    in_window = Counter(
        {
            path: sum(window_start <= t < window_end for t in times)
            for path, times in fetched.items()
        }
    )
    gaps = [b - a for times in fetched.values() for a, b in itertools.pairwise(times)]
    per_worker = [
        sum(
            int(line.split("poll: ", 1)[1].split(" ", 1)[0])
            for line in log.read_text().splitlines()
            if "poll: " in line
        )
        for log in logs
    ]
    began = min(times[0] for times in first.values())
    print(
        f"\nfirst round of {FEEDS} feeds: {first_round:.1f}s; in the window "
        f"[+{window_start - began:.1f}s, +{window_end - began:.1f}s): fetches per feed "
        f"{dict(Counter(in_window.values()))}; gaps between fetches "
        f"{min(gaps):.2f}-{max(gaps):.2f}s; polls per worker {per_worker}"
    )
    assert len(fetched) == FEEDS
    assert set(in_window.values()) == {1}, "every feed exactly once per interval"
    assert min(gaps) >= INTERVAL - 0.1  # never early: no second worker fetched it again
    # Never skipped: a skipped interval is a gap of two intervals. How late within one
    # interval depends on the machine's load (a loaded CI host was 3.8 s late), which is
    # not what this test is about: the "exactly once per interval" window above is.
    assert max(gaps) < 1.5 * INTERVAL
    assert all(n > 0 for n in per_worker), "every worker took a share"

    # -- kill a worker while it holds leases ----------------------------------------------------
    with counting.lock:
        counting.slow = {f"/feed{n}.xml" for n in range(0, FEEDS, 3)}
    victim = workers[0]
    owner = f"{socket.gethostname()}:{victim.pid}"

    def held() -> list[tuple[int, datetime]]:
        with db.read() as session:
            return list(
                session.execute(
                    select(Feed.id, Feed.lease_until).where(
                        Feed.lease_owner == owner, Feed.lease_until > datetime.now(UTC)
                    )
                ).all()
            )

    wait_for(lambda: bool(held()), 30, "the victim to hold leases")
    victim.send_signal(signal.SIGKILL)
    victim.wait(5)
    killed_at = time.time()
    orphans = dict(held())
    assert orphans, "the victim held no lease when it died"
    with db.read() as session:
        paths = {
            feed_id: "/" + url.split("/", 3)[3]
            for feed_id, url in session.execute(
                select(Feed.id, Feed.url).where(Feed.id.in_(orphans))
            )
        }

    def taken_over() -> bool:
        fetched = counting.fetches()
        return all(any(t > killed_at for t in fetched[paths[i]]) for i in orphans)

    wait_for(taken_over, 20, "the survivors to take the orphaned feeds over")
    fetched = counting.fetches()
    takeover = {i: min(t for t in fetched[paths[i]] if t > killed_at) for i in orphans}
    print(
        f"killed worker {owner} holding {len(orphans)} leases; taken over after "
        f"{min(takeover.values()) - killed_at:.2f}-{max(takeover.values()) - killed_at:.2f}s "
        f"(leases ran out {min(u.timestamp() for u in orphans.values()) - killed_at:.2f}-"
        f"{max(u.timestamp() for u in orphans.values()) - killed_at:.2f}s after the kill)"
    )
    # Issue 14: the victim ran on this host and is gone, so a survivor frees its claims at
    # the start of its next poll instead of waiting for the lease. With a lease far longer
    # than a poll, "at once" is "before the lease ran out", whatever the host's load does to
    # how soon the survivors' polls come round (their fetches queue behind the slow feeds).
    late = {
        i: takeover[i] - orphans[i].timestamp()
        for i in orphans
        if takeover[i] >= orphans[i].timestamp()
    }
    assert not late, f"orphans fetched only after their lease ran out: {late}"

    # -- the survivors settle; then the database must be sound --------------------------------
    with counting.lock:
        counting.slow = set()

    def settled() -> bool:
        with db.read() as session:
            unsent = session.scalar(select(func.count(Alert.id)).where(Alert.state != "sent"))
            leased = session.scalar(select(func.count(Feed.id)).where(Feed.lease_owner == owner))
        return unsent == 0 and leased == 0

    wait_for(settled, 30, "every alert sent and every orphan released")
    for proc in workers[1:]:
        proc.send_signal(signal.SIGTERM)
    codes = [proc.wait(10) for proc in workers[1:]]
    assert codes == [0] * (WORKERS - 1)
    checker = pipeline(db, lambda: datetime.now(UTC))
    found = problems(db, checker, datetime.now(UTC))
    with db.read() as session:
        changes = session.scalar(select(func.count(StatusChange.id)))
        alerts = session.scalar(select(func.count(Alert.id)))
        statuses = dict(session.execute(select(IndicatorRow.key, IndicatorRow.status)).all())
    lines = sum(
        1 for log in logs for line in log.read_text().splitlines() if line.startswith("ALERT ")
    )
    db.dispose()
    print(f"statuses {statuses}; {changes} status changes, {alerts} alerts, {lines} ALERT lines")
    assert found == []
    assert set(statuses.values()) == {"observed", "anticipated", "stalled"}
    assert alerts <= lines <= alerts + 1  # at most the one message in flight at the kill


# --- the locks themselves ---------------------------------------------------------------------


@contextlib.contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements ``db`` sends while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.postgres
def test_claims_skip_locked_rows_without_waiting(pg_url: str) -> None:
    db = Database(pg_url)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    with db.write() as session:
        for n in range(10):
            feeds_repo.add_feed(session, f"https://f{n}.example/rss", now)
    lease = timedelta(seconds=60)
    with _statements(db) as seen, db.write() as first:
        # A worker in the middle of its claim: rows locked, not committed.
        mine = feeds_repo.claim_due_feeds(first, now, owner="a", lease=lease, limit=4)
        started = time.monotonic()
        with db.write() as second:
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            theirs = feeds_repo.claim_due_feeds(second, now, owner="b", lease=lease, limit=100)
        waited = time.monotonic() - started
    claims = [s for s in seen if "FROM feeds" in s and "lease_until" in s]
    db.dispose()
    assert claims
    assert all("FOR UPDATE SKIP LOCKED" in s for s in claims)
    assert len(mine) == 4
    assert len(theirs) == 6
    assert not {j.id for j in mine} & {j.id for j in theirs}
    assert waited < 1.0  # passed over the locked rows at once


@pytest.mark.postgres
def test_status_decisions_lock_the_indicator_row(pg_url: str) -> None:
    db = Database(pg_url)
    migrate.upgrade(db)
    load_rules(db, RULES, datetime.now(UTC))
    with db.read() as session:
        indicator = session.scalars(select(IndicatorRow.id)).first()
    assert indicator is not None

    def decide_meanwhile() -> None:
        with db.write() as other:
            other.execute(text("SET LOCAL lock_timeout = '300ms'"))
            lock_indicator(other, indicator)

    with _statements(db) as seen:
        with db.write() as first:
            lock_indicator(first, indicator)  # a decision in progress ...
            with pytest.raises(OperationalError, match="lock"):
                decide_meanwhile()  # ... so a second one has to wait for it
        decide_meanwhile()  # and may go ahead once the first committed
    db.dispose()
    locks = [s for s in seen if "FROM indicators" in s and "FOR NO KEY UPDATE" in s]
    assert locks
    assert all("SKIP LOCKED" not in s for s in locks)  # waits: a decision is never skipped


@pytest.mark.postgres
def test_two_workers_deciding_one_indicator_do_not_deadlock(pg_url: str) -> None:
    """Found by the scale-out test: each worker had inserted evidence for the indicator (its
    foreign key takes FOR KEY SHARE on the indicator row) before locking the row to decide;
    with FOR UPDATE the two waited for each other and PostgreSQL killed one (a whole poll
    lost). FOR NO KEY UPDATE does not conflict with key-share locks: one waits, both commit."""
    db = Database(pg_url)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    load_rules(db, RULES, now)
    with db.read() as session:
        indicator = session.scalars(select(IndicatorRow.id)).first()
    assert indicator is not None
    inserted = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            with db.write() as session:
                session.execute(text("SET LOCAL lock_timeout = '5s'"))
                session.add(AnalystAction(action="note", indicator_id=indicator, note=name, at=now))
                session.flush()  # the foreign key check: FOR KEY SHARE on the indicator
                inserted.wait()
                lock_indicator(session, indicator)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    db.dispose()
    assert errors == []


def test_a_worker_renews_the_leases_of_the_feeds_it_still_holds(
    db: Database, feed_server: FeedServer
) -> None:
    """Found by the scale-out test: claimed feeds wait their turn, and their leases ran out
    before they were recorded, so other workers fetched them again. Here three slow feeds
    are claimed at once and fetched one after the other, longer than a lease in all; a rival
    claiming all the while must get none of them, and the pass records all three."""
    now = datetime.now(UTC)
    urls = [
        feed_server.add(
            f"/slow{n}.xml",
            rss([Story(f"{n}", "S", "T.", f"https://s{n}.example/", day(1))]),
            delay=0.4,
        )
        for n in range(3)
    ]
    with db.write() as session:
        for url in urls:
            feeds_repo.add_feed(session, url, now)
    p = pipeline(db, lambda: datetime.now(UTC), lease=0.6, concurrency=2, per_host=1)
    stolen: list[int] = []
    finished = threading.Event()

    def rival() -> None:
        with db.read() as session:  # start once the pass has claimed all three
            claimed = session.scalar(select(func.count()).where(Feed.lease_owner == "test"))
        while not finished.is_set() and claimed != 3:
            time.sleep(0.01)
            with db.read() as session:
                claimed = session.scalar(select(func.count()).where(Feed.lease_owner == "test"))
        while not finished.is_set():
            with db.write() as session:
                jobs = feeds_repo.claim_due_feeds(
                    session, datetime.now(UTC), owner="rival", lease=timedelta(minutes=1), limit=10
                )
            stolen.extend(j.id for j in jobs)
            time.sleep(0.05)

    thread = threading.Thread(target=rival)
    thread.start()
    try:
        started = time.monotonic()
        summary = p.poll()
        elapsed = time.monotonic() - started
    finally:
        finished.set()
        thread.join(10)
    assert elapsed > 2 * 0.6  # the pass outlived its leases ...
    assert stolen == []  # ... yet nobody could claim its feeds
    assert summary.feeds == 3

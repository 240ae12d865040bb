"""The daemon: APScheduler 3.x as a clock, the database as the schedule.

Jobs (each ``max_instances=1`` so runs never overlap, ``coalesce=True`` so missed runs
collapse into one): ``tick`` polls due feeds, ``alerts:NAME`` (one per channel, so no
channel waits for another) delivers the outbox, ``deadlines`` records ``overdue``
indicators (every poll checks them too). SIGTERM/SIGINT set a stop flag: the poll in
flight stops taking new feeds, finishes the feed it is writing, gives back the leases of
the rest, and the process exits 0 well within 10 seconds.

On SQLite only one daemon may run per database file: an exclusive ``flock`` on
``<db>.daemon.lock`` (released by the kernel if the process dies) enforces it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler

from monitor import app
from monitor.alerts import DeliverySummary
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.errors import DaemonLockedError
from monitor.health import HealthServer
from monitor.model import ChangeInfo
from monitor.pipeline import Pipeline
from monitor.secret import redact
from monitor.storage.db import Database, sqlite_path

log = logging.getLogger("watchlist.daemon")
_COMMON = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


@contextlib.contextmanager
def sqlite_daemon_lock(db: Database) -> Iterator[None]:
    """Hold the single-daemon lock of a SQLite database for the life of the daemon."""
    path = sqlite_path(db.url)
    if path is None:
        yield
        return
    lock_path = Path(f"{path}.daemon.lock")
    handle: IO[str] = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise DaemonLockedError(
                f"another watchlist daemon ({holder}) is already running on {path}; "
                "SQLite allows one daemon per database (use PostgreSQL for several workers)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        yield
    finally:
        handle.close()


def run_daemon(
    settings: Settings,
    db: Database,
    *,
    http: str | None = None,
    once: bool = False,
    clock: Clock = utcnow,
) -> int:
    """Run until a signal arrives; returns the process exit status."""
    with (
        sqlite_daemon_lock(db),
        contextlib.closing(app.build_pipeline(settings, db, clock=clock)) as pipeline,
    ):
        daemon = _Daemon(settings, db, pipeline, clock)
        try:
            if once:
                daemon.tick()
                daemon.alerts()
                return 0
            daemon.run(http)
        finally:
            daemon.dispatcher.close()
        return 0


def log_changes(changes: list[ChangeInfo]) -> None:
    for change in changes:
        log.info(
            "%s: %s → %s (%s): %s",
            change.indicator,
            change.from_status,
            change.to_status,
            change.cause,
            change.reason,
        )


class _Daemon:
    """The daemon's jobs over one pipeline and one dispatcher."""

    def __init__(self, settings: Settings, db: Database, pipeline: Pipeline, clock: Clock) -> None:
        self.settings = settings
        self.db = db
        self.pipeline = pipeline
        self.clock = clock
        self.stopping = threading.Event()
        self.dispatcher = app.dispatcher(settings, db, clock=clock, stop=pipeline.stop)
        self.last_tick = [time.monotonic()]  # monotonic: immune to wall-clock jumps

    def tick(self) -> None:
        """One poll (the deadlines included)."""
        summary = self.pipeline.poll()
        if summary.feeds:
            log.info("poll: %s", summary.line())
        for url, message in summary.errors:
            # one redaction for every line (issue 16): the URL may carry a password
            log.warning(
                "feed failed: %s", redact(message if url in message else f"{url}: {message}")
            )
        log_changes(summary.changes)
        self.last_tick[0] = time.monotonic()
        self.pipeline.metrics.last_tick.set(time.time())
        self.pipeline.metrics.feeds_in_backoff.set(self.pipeline.feeds_in_backoff())

    def deadlines(self) -> None:
        log_changes(self.pipeline.check_deadlines())

    def alerts(self) -> None:
        self._count(self.dispatcher.deliver())

    def deliver_channel(self, name: str) -> None:
        self._count(self.dispatcher.deliver_channel(name))

    def _count(self, result: DeliverySummary) -> None:
        for outcome, n in (
            ("sent", result.sent),
            ("retry", result.retrying),
            ("dead", result.dead),
        ):
            if n:
                self.pipeline.metrics.alerts.labels(outcome=outcome).inc(n)

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the work in flight", signal.Signals(signum).name)
        self.pipeline.stop.set()
        self.stopping.set()

    def run(self, http: str | None) -> None:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        scheduler = self._scheduler()
        health = None
        if http:
            check = partial(ready, self.db, scheduler, self.settings, self.last_tick)
            health = HealthServer(
                http,
                self.pipeline.metrics,
                check,
                db=self.db,
                settings=self.settings,
                clock=self.clock,
            )
            health.start()
            log.info(
                "serving /healthz, /readyz, /metrics on %s:%s", http.rpartition(":")[0], health.port
            )
            log.info("dashboard: %s", health.url)
        scheduler.start()
        log.info("daemon started (%s); polling every %ss", app.worker_name(), self.settings.tick)
        try:
            self._watch(scheduler)
            scheduler.shutdown(wait=True)
        finally:
            if health is not None:
                health.stop()
        log.info("daemon stopped")

    def _scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone=UTC)
        start = datetime.now(UTC)
        every = partial(scheduler.add_job, trigger="interval", next_run_time=start)
        every(self.tick, seconds=self.settings.tick, id="tick", **_COMMON)
        # One job per channel: a slow or failing channel never holds up another. A run
        # that finds its channel still draining a burst returns at once (the dispatcher's
        # per-channel lock), so two instances are allowed: APScheduler would otherwise log
        # a "skipped" warning every 2 s of a long burst.
        for channel in self.dispatcher.channel_names:
            every(
                self.deliver_channel,
                args=[channel],
                seconds=2,
                id=f"alerts:{channel}",
                **{**_COMMON, "max_instances": 2},
            )
        # Every poll checks the deadlines too; this job covers a daemon with no due feed.
        every(self.deadlines, seconds=self.settings.deadline_check, id="deadlines", **_COMMON)
        if self.settings.brief_at and self.settings.brief_channels:
            hour, minute = (int(part) for part in self.settings.brief_at.split(":"))
            scheduler.add_job(
                brief_digest,
                "cron",
                args=[self.settings, self.db, self.clock],
                hour=hour,
                minute=minute,
                timezone=UTC,
                id="brief",
                **_COMMON,
            )
        return scheduler

    def _watch(self, scheduler: BackgroundScheduler) -> None:
        """Wait for a signal. APScheduler 3 schedules on the wall clock: after the clock
        jumps back it would wait out the jump, so a monotonic watchdog pulls the tick
        forward."""
        while not self.stopping.wait(0.5):
            late = 3 * self.settings.tick + self.settings.fetch_deadline
            if time.monotonic() - self.last_tick[0] > late:
                job = scheduler.get_job("tick")
                if job is not None and job.next_run_time > datetime.now(UTC):
                    log.warning("no tick for a while (clock jump?): running one now")
                    job.modify(next_run_time=datetime.now(UTC))
                    self.last_tick[0] = time.monotonic()


def brief_digest(settings: Settings, db: Database, clock: Clock) -> None:
    """The scheduled brief (``[brief]``): once a day to its channels."""
    from monitor.brief.digest import send_digest

    result = send_digest(settings, db, clock())
    if result.sent or result.failed:
        log.info("brief sent to %s; failed: %s", result.sent or "none", result.failed or "none")


def ready(
    db: Database, scheduler: BackgroundScheduler, settings: Settings, last_tick: list[float]
) -> tuple[bool, str]:
    """Ready: the database answers, the scheduler runs, and a tick ended recently."""
    if not scheduler.running:
        return False, "scheduler not running"
    problem = db.ping()
    if problem is not None:
        return False, f"database unreachable: {problem}"
    allowed = 3 * settings.tick + settings.fetch_deadline + 30
    if time.monotonic() - last_tick[0] > allowed:
        return False, "no recent tick"
    return True, "ready"

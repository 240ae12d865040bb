"""The daemon: APScheduler 3.x as a clock, the database as the schedule.

Jobs (each ``max_instances=1`` so runs never overlap, ``coalesce=True`` so missed runs
collapse into one): ``tick`` polls due feeds, ``alerts:NAME`` (one per channel, so no
channel waits for another) delivers the outbox, ``deadlines`` records ``overdue``
indicators. SIGTERM/SIGINT set a stop flag: the poll in flight stops taking new feeds,
finishes the feed it is writing, gives back the leases of the rest, and the process
exits 0 well within 10 seconds.

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
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler

from monitor.alerts import DeliverySummary, make_dispatcher, make_sink
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.errors import DaemonLockedError
from monitor.pipeline import Pipeline
from monitor.storage.db import Database, sqlite_path

log = logging.getLogger("watchlist.daemon")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def build_pipeline(
    settings: Settings, db: Database, *, owner: str, clock: Clock = utcnow
) -> Pipeline:
    def deliver() -> DeliverySummary:
        """One delivery pass over every channel (``poll``, ``daemon --once``)."""
        dispatcher = make_dispatcher(settings, db, owner=owner, clock=clock)
        try:
            return dispatcher.deliver()
        finally:
            dispatcher.close()

    return Pipeline(
        db,
        settings,
        clock=clock,
        owner=owner,
        alerts=make_sink(settings),
        deliver=deliver,
    )


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
    with sqlite_daemon_lock(db):
        pipeline = build_pipeline(settings, db, owner=worker_name(), clock=clock)
        stop = threading.Event()

        def tick() -> None:
            summary = pipeline.poll()
            if summary.feeds:
                log.info("poll: %s", summary.line())
            for url, message in summary.errors:
                log.warning("feed failed: %s: %s", url, message)
            for change in summary.changes:
                log.info(
                    "%s: %s → %s: %s",
                    change.indicator,
                    change.from_status,
                    change.to_status,
                    change.reason,
                )
            pipeline.last_tick = clock()

        dispatcher = make_dispatcher(
            settings, db, owner=worker_name(), clock=clock, stop=pipeline.stop
        )

        def alerts() -> None:
            dispatcher.deliver()

        def deadlines() -> None:
            for change in pipeline.check_deadlines():
                log.info(
                    "%s: %s → %s: %s",
                    change.indicator,
                    change.from_status,
                    change.to_status,
                    change.reason,
                )

        if once:
            tick()
            deadlines()
            alerts()
            return 0

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: finishing the work in flight", signal.Signals(signum).name)
            pipeline.stop.set()
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        scheduler = BackgroundScheduler(timezone=UTC)
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        start = datetime.now(UTC)
        scheduler.add_job(
            tick, "interval", seconds=settings.tick, next_run_time=start, id="tick", **common
        )
        # One job per channel: a slow or failing channel never holds up another. A run
        # that finds its channel still draining a burst returns at once (the dispatcher's
        # per-channel lock), so two instances are allowed: APScheduler would otherwise log
        # a "skipped" warning every 2 s of a long burst.
        for channel in dispatcher.channel_names:
            scheduler.add_job(
                dispatcher.deliver_channel,
                "interval",
                args=[channel],
                seconds=2,
                next_run_time=start,
                id=f"alerts:{channel}",
                **{**common, "max_instances": 2},
            )
        scheduler.add_job(
            deadlines,
            "interval",
            seconds=settings.deadline_check,
            next_run_time=start,
            id="deadlines",
            **common,
        )
        scheduler.start()
        log.info("daemon started (%s); polling every %ss", worker_name(), settings.tick)
        while not stop.wait(0.5):
            pass
        scheduler.shutdown(wait=True)
        log.info("daemon stopped")
        return 0

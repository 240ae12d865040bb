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
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from monitor.alerts import DeliverySummary, make_dispatcher, make_sink
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.errors import DaemonLockedError
from monitor.health import HealthServer
from monitor.pipeline import Pipeline
from monitor.secret import redact
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
    with (
        sqlite_daemon_lock(db),
        contextlib.closing(
            build_pipeline(settings, db, owner=worker_name(), clock=clock)
        ) as pipeline,
    ):
        stop = threading.Event()

        last_tick = [time.monotonic()]  # monotonic: immune to wall-clock jumps

        def tick() -> None:
            summary = pipeline.poll()
            if summary.feeds:
                log.info("poll: %s", summary.line())
            for url, message in summary.errors:
                log.warning(
                    "feed failed: %s", redact(message if url in message else f"{url}: {message}")
                )
            for change in summary.changes:
                log.info(
                    "%s: %s → %s: %s",
                    change.indicator,
                    change.from_status,
                    change.to_status,
                    change.reason,
                )
            pipeline.last_tick = clock()
            last_tick[0] = time.monotonic()
            pipeline.metrics.last_tick.set(time.time())
            pipeline.metrics.feeds_in_backoff.set(pipeline.feeds_in_backoff())

        dispatcher = make_dispatcher(
            settings, db, owner=worker_name(), clock=clock, stop=pipeline.stop
        )

        def count_alerts(result: DeliverySummary) -> None:
            for outcome, n in (
                ("sent", result.sent),
                ("retry", result.retrying),
                ("dead", result.dead),
            ):
                if n:
                    pipeline.metrics.alerts.labels(outcome=outcome).inc(n)

        def alerts() -> None:
            count_alerts(dispatcher.deliver())

        def deliver_channel(name: str) -> None:
            count_alerts(dispatcher.deliver_channel(name))

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
                deliver_channel,
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
        if settings.brief_at and settings.brief_channels:
            hour, minute = (int(part) for part in settings.brief_at.split(":"))
            scheduler.add_job(
                brief_digest,
                "cron",
                args=[settings, db, clock],
                hour=hour,
                minute=minute,
                timezone=UTC,
                id="brief",
                **common,
            )
        health = None
        if http:
            health = HealthServer(
                http,
                pipeline.metrics,
                partial(ready, db, scheduler, settings, last_tick),
                db=db,
                settings=settings,
                clock=clock,
            )
            health.start()
            log.info(
                "serving /healthz, /readyz, /metrics on %s:%s", http.rpartition(":")[0], health.port
            )
            log.info("dashboard: %s", health.url)
        scheduler.start()
        log.info("daemon started (%s); polling every %ss", worker_name(), settings.tick)
        try:
            while not stop.wait(0.5):
                # APScheduler 3 schedules on the wall clock: after the clock jumps back it
                # would wait out the jump. A monotonic watchdog pulls the tick forward.
                if time.monotonic() - last_tick[0] > 3 * settings.tick + settings.fetch_deadline:
                    job = scheduler.get_job("tick")
                    if job is not None and job.next_run_time > datetime.now(UTC):
                        log.warning("no tick for a while (clock jump?): running one now")
                        job.modify(next_run_time=datetime.now(UTC))
                        last_tick[0] = time.monotonic()
            scheduler.shutdown(wait=True)
        finally:
            if health is not None:
                health.stop()
            dispatcher.close()
        log.info("daemon stopped")
        return 0


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
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return False, f"database unreachable: {type(exc).__name__}"
    allowed = 3 * settings.tick + settings.fetch_deadline + 30
    if time.monotonic() - last_tick[0] > allowed:
        return False, "no recent tick"
    return True, "ready"

"""The application's wiring, in one place: the rules, the pipeline, the alert sink and the
dispatcher built from the settings, for the CLI and the daemon alike."""

from __future__ import annotations

import threading

from monitor.alerts import DeliverySummary, Dispatcher, make_dispatcher, make_sink
from monitor.alerts.outbox import AlertSink
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.metrics import Metrics
from monitor.pipeline import Pipeline
from monitor.prepare import Preparer
from monitor.ruleset import RuleSet, load_rules
from monitor.storage.db import Database
from monitor.storage.entries import count_entries
from monitor.workers import worker_name

__all__ = [
    "alert_sink",
    "build_pipeline",
    "deliver_now",
    "dispatcher",
    "replay_workers",
    "rules",
    "worker_name",
]

# A replay of fewer stored entries matches them on its own thread: starting the workers
# (~1 s) would cost more than it saves (2,000 realistic entries: ~1 s of matching).
REPLAY_POOL_MIN_ENTRIES = 2_000


def alert_sink(settings: Settings) -> AlertSink:
    """Where status changes queue their alerts (nothing when no channel is configured)."""
    return make_sink(settings)


def dispatcher(
    settings: Settings,
    db: Database,
    *,
    clock: Clock = utcnow,
    stop: threading.Event | None = None,
) -> Dispatcher:
    return make_dispatcher(settings, db, owner=worker_name(), clock=clock, stop=stop)


def deliver_now(settings: Settings, db: Database, *, clock: Clock = utcnow) -> DeliverySummary:
    """One delivery pass over every channel (after ``poll``, an override, ``replay``)."""
    sender = dispatcher(settings, db, clock=clock)
    try:
        return sender.deliver()
    finally:
        sender.close()


def build_pipeline(
    settings: Settings, db: Database, *, clock: Clock = utcnow, metrics: Metrics | None = None
) -> Pipeline:
    """The pipeline of this process (its leases are named ``HOST:PID``)."""
    return Pipeline(
        db,
        settings,
        clock=clock,
        owner=worker_name(),
        alerts=alert_sink(settings),
        deliver=lambda: deliver_now(settings, db, clock=clock),
        metrics=metrics,
    )


def rules(db: Database) -> RuleSet:
    """The active rules (replay); compiled on this thread only if it matches."""
    return load_rules(db)


def replay_workers(settings: Settings, db: Database) -> Preparer | None:
    """The worker processes that match a replay's entries (``parse_workers``), or None
    when it is small enough to match on this thread. The caller closes them."""
    with db.read() as session:
        if count_entries(session) < REPLAY_POOL_MIN_ENTRIES:
            return None
    workers = Preparer(settings.parse_workers)
    return workers if workers.enabled else None

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
from monitor.ruleset import RuleSet, load_rules
from monitor.storage.db import Database
from monitor.workers import worker_name

__all__ = ["alert_sink", "build_pipeline", "deliver_now", "dispatcher", "rules", "worker_name"]


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
    """The active rules, compiled for matching on this thread (replay)."""
    return load_rules(db)

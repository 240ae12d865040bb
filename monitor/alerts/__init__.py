"""Alerts: the outbox (written with the status change), routing, channels, delivery.

::

    status change ─(same transaction)→ Outbox.enqueue: route → payload → rows   outbox, routing
    after commit:  Dispatcher: claim (lease) → compose → send → record          dispatch, store
    channels:      console | slack | smtp(s) | webhook, one module each          channels/
    decisions:     retry/backoff/dead and digest periods, pure, ``now`` given    policy

Errors: a channel raises ``monitor.errors.AlertError`` with ``retryable`` (and
``retry_after`` when rate limited); bad configuration is ``ConfigError`` at start.
Secrets (webhook URLs, passwords) are ``monitor.secret.Secret`` from the config on.
"""

from __future__ import annotations

import threading

from monitor.alerts.config import AlertConfig, alert_config
from monitor.alerts.dispatch import DeliverySummary, Dispatcher
from monitor.alerts.outbox import AlertSink, NoAlerts, Outbox
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.storage.db import Database

__all__ = [
    "AlertConfig",
    "AlertSink",
    "DeliverySummary",
    "Dispatcher",
    "NoAlerts",
    "Outbox",
    "alert_config",
    "make_dispatcher",
    "make_sink",
]


def make_sink(settings: Settings) -> AlertSink:
    """The pipeline's outbox (or nothing, when no channel is configured)."""
    config = alert_config(settings)
    return Outbox(config) if config.channels else NoAlerts()


def make_dispatcher(
    settings: Settings,
    db: Database,
    *,
    owner: str,
    clock: Clock = utcnow,
    stop: threading.Event | None = None,
) -> Dispatcher:
    return Dispatcher(db, alert_config(settings), owner=owner, clock=clock, stop=stop)

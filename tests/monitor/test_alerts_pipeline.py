"""Alerts with the rest of the system: a real poll's outbox, and two workers on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alert_servers import Answer, Story, WebhookServer, seed_changes
from sqlalchemy import select

from indicators.loader import load_watchlist
from monitor.alerts import Dispatcher, Outbox, alert_config
from monitor.alerts.config import DEFAULT_ALERT_ON, AlertConfig
from monitor.app import build_pipeline
from monitor.config import Settings
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Alert

NOW = datetime(2025, 11, 7, 10, 15, tzinfo=UTC)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def hooks() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server
    assert not server.errors


def configure(channels: dict[str, dict[str, Any]]) -> AlertConfig:
    return alert_config(Settings(alert_named_channels=channels))


def test_a_real_poll_queues_alerts_in_its_transaction_and_sends_them_grouped(
    sqlite_url: str, hooks: WebhookServer
) -> None:
    db = Database(sqlite_url)
    migrate.upgrade(db)
    settings = Settings(
        database_url=sqlite_url,
        alert_named_channels={"hook": {"url": f"webhook:{hooks.url('/hook')}"}},
    )
    with db.write() as session:
        watchlist = load_watchlist(SEEDS / "watchlists" / "india-russia-2025.yaml")
        indicators_repo.sync_watchlist(session, watchlist, NOW)
        for feed in sorted((SEEDS / "feeds").glob("*.*")):
            if feed.suffix in (".xml", ".json"):
                feeds_repo.add_feed(session, str(feed), NOW)
    pipeline = build_pipeline(settings, db)
    summary = pipeline.poll()
    with db.read() as session:
        queued = list(session.scalars(select(Alert)))
    alerting = [c for c in summary.changes if c.to_status in DEFAULT_ALERT_ON]
    assert len(alerting) > 3
    assert sorted(a.status_change_id or 0 for a in queued) == sorted(c.id for c in alerting)
    pipeline.deliver_alerts()
    db.dispose()
    (grouped,) = hooks.received("/hook")  # more than group_over changes: one message
    assert grouped.json()["count"] == len(alerting)
    assert all(a["evidence"] and a["evidence"][0]["sentence"] for a in grouped.json()["alerts"])


@pytest.mark.postgres
def test_two_workers_on_postgres_share_the_outbox_without_duplicates(
    pg_url: str, hooks: WebhookServer
) -> None:
    db = Database(pg_url)
    migrate.upgrade(db)
    hooks.default = Answer(200, delay=0.02)
    config = configure({"hook": {"url": f"webhook:{hooks.url('/hook')}", "group_over": 1000}})
    seed_changes(db, [Story(f"s{n:02d}") for n in range(24)], Outbox(config), NOW)
    workers = [Dispatcher(db, config, owner=f"worker-{n}") for n in range(2)]
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda d=d: results.append(d.deliver(NOW).sent)) for d in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.close()
    db.dispose()
    keys = [h.headers["idempotency-key"] for h in hooks.received("/hook")]
    assert len(keys) == len(set(keys)) == 24
    assert sum(results) == 24

"""SIGKILL in the middle of a burst: nothing lost, at most the message in flight repeated.

``watchlist daemon`` runs as a real subprocess on a SQLite file, delivering 30 queued
alerts to a webhook on 127.0.0.1 that takes 0.2 s per request; the test kills it with
SIGKILL after about a third have arrived, restarts it, and counts requests per
``Idempotency-Key``. One worker per channel means at most one message is in flight, so
at most one alert may arrive twice; every alert must arrive at least once.
"""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alert_servers import Answer, Story, WebhookServer, seed_changes
from helpers import start_daemon, wait_for
from sqlalchemy import func, select

from monitor.alerts import Outbox, alert_config
from monitor.config import load_settings
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Alert

BURST = 30
IN_FLIGHT = 1  # one delivery worker per channel in a daemon


@pytest.mark.slow
def test_sigkill_mid_burst_loses_nothing_and_repeats_at_most_the_one_in_flight(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'watchlist.db'}"
    db = Database(url)
    migrate.upgrade(db)
    log = tmp_path / "daemon.log"
    with WebhookServer(default=Answer(200, delay=0.2)) as hooks:
        config = tmp_path / "watchlist.toml"
        config.write_text(
            f"""
[polling]
tick = "1h"
deadline_check = "1h"

[alerts]
lease = "2s"          # a dead worker's claim comes back after 2 s
group_over = 1000     # one request per alert, so requests can be counted per alert

[alerts.channels.hook]
url = "webhook:{hooks.url("/hook")}"
timeout = "1s"
""",
            encoding="utf-8",
        )
        settings = load_settings(str(config), url)
        stories = [Story(f"indicator-{n:02d}") for n in range(BURST)]
        seed_changes(db, stories, Outbox(alert_config(settings)), datetime.now(UTC))
        with db.read() as session:
            expected = set(session.scalars(select(Alert.idempotency_key)))
        assert len(expected) == BURST

        def arrived() -> Counter[str]:
            return Counter(h.headers["idempotency-key"] for h in hooks.received("/hook"))

        first = start_daemon(url, config, log)
        try:
            wait_for(lambda: len(arrived()) >= BURST // 3, 15, "a third of the burst")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(5)
        before_restart = arrived()
        assert len(before_restart) < BURST, "the burst finished before the kill"

        second = start_daemon(url, config, log)
        try:

            def all_sent() -> bool:
                with db.read() as session:
                    query = select(func.count()).where(Alert.state == "sent")
                    return session.scalar(query) == BURST

            wait_for(all_sent, 15, "every alert to be marked sent")
        finally:
            second.send_signal(signal.SIGTERM)
            code = second.wait(10)
    db.dispose()

    counts = arrived()
    lost = expected - set(counts)
    duplicates = sum(n - 1 for n in counts.values())
    print(f"\nkilled after {len(before_restart)} of {BURST}; lost {len(lost)}, dupes {duplicates}")
    assert code == 0, log.read_text()
    assert lost == set()
    assert set(counts) == expected
    assert duplicates <= IN_FLIGHT
    assert not hooks.errors

"""Issue 7, item 5: ``watchlist daemon --http``: /healthz, /readyz and /metrics.

The daemon runs as a real process on SQLite over good, failing and not-a-feed feeds with a
watch list that turns their stories into evidence, status changes and console alerts. Its
/metrics must parse as Prometheus text, and once the run has settled every counter must
agree with the database: polls by outcome with the feeds' last outcomes, entries, evidence
by modality, status changes by target status, alerts sent, feeds in backoff. /readyz is
checked in its failing states too, against ``monitor.daemon.ready`` and the server itself.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from feedserver import FeedServer
from helpers import Story, day, load_rules, rss, three_rules, wait_for
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from monitor.config import Settings
from monitor.daemon import ready
from monitor.health import HealthServer
from monitor.metrics import Metrics
from monitor.storage import feeds as feeds_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Alert, Entry, EvidenceRow, Feed, StatusChange

ROOT = Path(__file__).resolve().parents[2]
RULES = three_rules("health", "Health")
STORIES = [
    ("India and Russia signed a labour mobility agreement", "a"),
    ("Russia and India inked the labour mobility pact on Friday", "b"),
    ("India and Russia are expected to sign a shipbuilding deal", "c"),
    ("India-Russia shipbuilding talks stalled over yard quotas", "d"),
    ("Rupee trade settlement to be expanded next year, officials say", "e"),
    ("Markets in Mumbai closed higher", "f"),
]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.slow
def test_metrics_parse_and_agree_with_the_database(tmp_path: Path, feed_server: FeedServer) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database(url)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    load_rules(db, RULES, now)
    feeds = [
        feed_server.add(
            f"/f{n}.xml",
            rss(
                [
                    Story(f"{n}-{k}", title, "", f"https://{who}.example/{n}/{k}", day(4))
                    for k, (title, who) in enumerate(STORIES[n::2])
                ]
            ),
        )
        for n in range(2)
    ]
    feeds += [
        feed_server.add(
            "/all.xml",
            rss(
                [
                    Story(f"all-{k}", t, "", f"https://{w}x.example/{k}", day(5))
                    for k, (t, w) in enumerate(STORIES)
                ]
            ),
        ),
        feed_server.url("/missing.xml"),  # 404
        feed_server.add(
            "/page.html", "<html><body>no feed</body></html>", content_type="text/html"
        ),
    ]
    with db.write() as session:
        for feed in feeds:
            feeds_repo.add_feed(session, feed, now)
    config = tmp_path / "watchlist.toml"
    config.write_text(
        """
[polling]
tick = "0.5s"
deadline_check = "1h"

[alerts]
group_over = 1000
alert_on = ["anticipated", "observed", "confirmed", "stalled"]

[alerts.channels.out]
url = "console:"
""",
        encoding="utf-8",
    )
    log = tmp_path / "daemon.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHLIST_")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor.cli",
                "--db",
                url,
                "--config",
                str(config),
                "daemon",
                "--http",
                "127.0.0.1:0",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        port: list[int] = []

        def serving() -> bool:
            found = re.search(r"/metrics on 127\.0\.0\.1:(\d+)", log.read_text())
            if found:
                port.append(int(found.group(1)))
            return bool(found)

        wait_for(serving, 20, "the daemon to serve HTTP")
        base = f"http://127.0.0.1:{port[0]}"
        with httpx.Client(base_url=base, timeout=5) as client:
            health = client.get("/healthz")
            assert (health.status_code, health.text) == (200, "ok\n")

            def settled() -> bool:
                samples = _samples(client.get("/metrics").text)
                polls = sum(
                    _value(samples, "watchlist_polls_total", outcome=o)
                    for o in ("ok", "error", "not_modified", "unchanged")
                )
                with db.read() as session:
                    alerts = session.scalar(select(func.count(Alert.id))) or 0
                sent = _value(samples, "watchlist_alerts_total", outcome="sent")
                return polls == len(feeds) and alerts > 0 and sent == alerts

            wait_for(settled, 30, "every feed polled and every alert sent")
            ready_ = client.get("/readyz")
            metrics = client.get("/metrics")
            missing = client.get("/nothing")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
    assert code == 0, log.read_text()[-2000:]
    assert (ready_.status_code, ready_.text) == (200, "ready\n")
    assert missing.status_code == 404
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(metrics.text)

    with db.read() as session:
        outcomes = dict(
            session.execute(
                select(Feed.last_outcome, func.count()).group_by(Feed.last_outcome)
            ).all()
        )
        entries = session.scalar(select(func.count(Entry.id)))
        evidence = dict(
            session.execute(
                select(EvidenceRow.modality, func.count()).group_by(EvidenceRow.modality)
            ).all()
        )
        changes = dict(
            session.execute(
                select(StatusChange.to_status, func.count()).group_by(StatusChange.to_status)
            ).all()
        )
        alerts = dict(
            session.execute(select(Alert.state, func.count()).group_by(Alert.state)).all()
        )
        failing = session.scalar(select(func.count(Feed.id)).where(Feed.error_count > 0))
    db.dispose()
    print(
        f"\nfeeds {outcomes}, entries {entries}, evidence {evidence}, changes {changes}, alerts {alerts}"
    )
    assert outcomes == {"ok": 3, "error": 2}
    for outcome, count in outcomes.items():
        assert _value(samples, "watchlist_polls_total", outcome=outcome) == count
    assert _value(samples, "watchlist_fetch_seconds_count") == len(feeds)
    assert _value(samples, "watchlist_entries_total") == entries
    assert set(evidence) == {"occurred", "anticipated", "negated"}
    for modality, count in evidence.items():
        assert _value(samples, "watchlist_evidence_total", modality=modality) == count
    assert sum(changes.values()) >= 3
    for status, count in changes.items():
        assert _value(samples, "watchlist_status_changes_total", to=status) == count
    assert alerts == {"sent": sum(n for s, n in changes.items() if s != "watching")}
    assert _value(samples, "watchlist_alerts_total", outcome="sent") == alerts["sent"]
    assert _value(samples, "watchlist_feeds_in_backoff") == failing == 2
    assert _value(samples, "watchlist_last_tick_timestamp_seconds") > now.timestamp()
    assert (
        sum(1 for line in log.read_text().splitlines() if line.startswith("ALERT "))
        == alerts["sent"]
    )


def test_readyz_says_why_it_is_not_ready(tmp_path: Path) -> None:
    settings = Settings(tick=10.0, fetch_deadline=30.0)
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    scheduler = BackgroundScheduler(timezone=UTC)
    fresh = [time.monotonic()]
    assert ready(db, scheduler, settings, fresh) == (False, "scheduler not running")
    scheduler.start(paused=True)
    try:
        assert ready(db, scheduler, settings, fresh) == (True, "ready")
        stale = [time.monotonic() - (3 * 10 + 30 + 31)]
        assert ready(db, scheduler, settings, stale) == (False, "no recent tick")
        unreachable = Database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        ok, why = ready(unreachable, scheduler, settings, fresh)
        assert (ok, why) == (False, "database unreachable: OperationalError")
        unreachable.dispose()
    finally:
        scheduler.shutdown(wait=False)
        db.dispose()


def test_health_server_answers_503_while_not_ready() -> None:
    state = {"ok": False}
    server = HealthServer(
        "127.0.0.1:0",
        Metrics(),
        lambda: (state["ok"], "no recent tick" if not state["ok"] else "ready"),
    )
    server.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as client:
            assert client.get("/healthz").status_code == 200  # alive, though not ready
            refused = client.get("/readyz")
            assert (refused.status_code, refused.text) == (503, "no recent tick\n")
            state["ok"] = True
            assert client.get("/readyz").status_code == 200
            assert list(text_string_to_metric_families(client.get("/metrics").text))
    finally:
        server.stop()

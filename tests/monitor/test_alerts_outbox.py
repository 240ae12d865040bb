"""The outbox on every backend: enqueue in the change's transaction, routing, claims, leases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alert_servers import Story, seed_changes
from sqlalchemy import select, update

from monitor.alerts import NoAlerts, Outbox, alert_config
from monitor.alerts.config import AlertConfig
from monitor.config import Settings
from monitor.errors import StorageError
from monitor.pipeline import Pipeline
from monitor.storage import alerts as outbox
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Alert, StatusChange

NOW = datetime(2025, 11, 7, 10, 15, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def configure(channels: dict[str, str], **rules: Any) -> AlertConfig:
    named = {name: {"url": url} for name, url in channels.items()}
    return alert_config(Settings(alert_named_channels=named, alert_rules=rules))


TWO = {"desk": "webhook:http://127.0.0.1:9/desk", "ops": "webhook:http://127.0.0.1:9/ops"}


def alerts(db: Database) -> list[Alert]:
    with db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_a_change_queues_one_row_per_channel_with_the_evidence(db: Database) -> None:
    (change,) = seed_changes(
        db, [Story("pact-signed", tags=("trade",))], Outbox(configure(TWO)), NOW
    )
    rows = alerts(db)
    assert [(r.channel, r.state, r.attempts) for r in rows] == [
        ("desk", "pending", 0),
        ("ops", "pending", 0),
    ]
    assert all(r.status_change_id == change.id and r.next_attempt_at == NOW for r in rows)
    assert rows[0].idempotency_key.startswith(f"desk.{change.id}.")
    assert len({r.idempotency_key for r in rows}) == 2
    payload = rows[0].payload
    assert payload["indicator"] == "india-russia/pact-signed"
    assert (payload["from"], payload["to"], payload["tags"]) == ("watching", "observed", ["trade"])
    assert payload["reason"] == change.reason
    (evidence,) = payload["evidence"]
    assert evidence == {
        "sentence": "India and Russia signed an industrial cooperation pact on Friday.",
        "publisher": "news.example",
        "title": "India, Russia sign industrial cooperation pact",
        "link": "https://news.example/pact",
        "published": NOW.isoformat(),
    }


def test_alerts_roll_back_with_their_change(db: Database) -> None:
    sink = Outbox(configure(TWO))
    (change,) = seed_changes(db, [Story("a")], NoAlerts(), NOW)

    def feed_transaction_fails_after_the_change() -> None:
        with db.write() as session:
            sink.enqueue(session, change, NOW)
            session.flush()
            assert len(list(session.scalars(select(Alert)))) == 2
            raise RuntimeError("the feed's transaction fails")

    with pytest.raises(RuntimeError, match="the feed's transaction fails"):
        feed_transaction_fails_after_the_change()
    assert alerts(db) == []


def test_default_alert_on_and_routes(db: Database) -> None:
    config = configure(
        {**TWO, "all": "webhook:http://127.0.0.1:9/all"},
        routes=[
            {"channels": ["desk"], "watchlists": ["india-russia"], "severity": "high"},
            {"channels": ["ops"], "tags": ["ops"], "statuses": ["observed", "anticipated"]},
            {"channels": ["all"]},
        ],
    )
    seed_changes(
        db,
        [
            Story("high", severity="high"),
            Story("low", severity="low"),
            Story("tagged", tags=("ops", "x")),
            Story("elsewhere", severity="high", watchlist="other"),
        ],
        Outbox(config),
        NOW,
    )
    got = {(r.payload["indicator"].split("/")[1], r.channel) for r in alerts(db)}
    assert got == {
        ("high", "desk"),
        ("high", "all"),
        ("low", "all"),
        ("tagged", "ops"),
        ("tagged", "all"),
        ("elsewhere", "all"),
    }


def test_statuses_outside_alert_on_do_not_alert(db: Database) -> None:
    sink = Outbox(configure(TWO, alert_on=["confirmed"]))
    seed_changes(db, [Story("observed-only")], sink, NOW)  # watching → observed
    assert alerts(db) == []


def test_the_pipeline_seam_is_the_sink(db: Database) -> None:
    # The pipeline calls enqueue inside the feed's transaction (monitor/pipeline.py).
    pipeline = Pipeline(db, Settings(), alerts=Outbox(configure(TWO)))
    assert isinstance(pipeline.alerts, Outbox)


def test_claim_leases_and_a_dead_workers_lease_expires(db: Database) -> None:
    seed_changes(db, [Story("a"), Story("b")], Outbox(configure(TWO)), NOW)
    with db.write() as session:
        mine = outbox.claim(session, "desk", NOW, due_by=NOW, owner="w1", lease=LEASE, limit=5)
    assert [c.notice.indicator for c in mine] == ["india-russia/a", "india-russia/b"]
    assert {(r.state, r.lease_owner) for r in alerts(db) if r.channel == "desk"} == {
        ("sending", "w1")
    }
    later = NOW + timedelta(seconds=59)
    with db.write() as session:
        assert (
            outbox.claim(session, "desk", later, due_by=later, owner="w2", lease=LEASE, limit=5)
            == []
        )
        assert outbox.count_due(session, "ops", later, later) == 2  # other channels unaffected
    expired = NOW + timedelta(seconds=61)  # w1 died: its lease ran out
    with db.write() as session:
        again = outbox.claim(
            session, "desk", expired, due_by=expired, owner="w2", lease=LEASE, limit=5
        )
    assert len(again) == 2
    with db.write() as session:
        # w1 wakes up and reports a failure: ignored, the lease is w2's now.
        from monitor.alerts.policy import DEAD, Verdict

        outbox.mark_failed(session, again[0].id, Verdict(DEAD, 1, expired, "late"), "w1")
        outbox.mark_sent(session, [again[0].id, again[1].id], expired)
    desk = [r for r in alerts(db) if r.channel == "desk"]
    assert {(r.state, r.lease_owner, r.last_error) for r in desk} == {("sent", None, None)}


def test_list_and_retry(db: Database) -> None:
    seed_changes(db, [Story("a"), Story("b")], Outbox(configure(TWO)), NOW)
    with db.write() as session:
        session.execute(update(Alert).where(Alert.channel == "desk").values(state="dead"))
    with db.read() as session:
        dead = outbox.list_alerts(session, state="dead")
        assert [a.indicator for a in dead] == ["india-russia/a", "india-russia/b"]
        assert dead[0].change == "watching → observed"
    with db.write() as session:
        assert outbox.retry(session, [dead[0].id], NOW) == [dead[0].id]
    with db.write() as session:
        assert outbox.retry(session, [], NOW, all_dead=True) == [dead[1].id]
    with pytest.raises(StorageError, match="no alert with id 999"), db.write() as session:
        outbox.retry(session, [999], NOW)
    with db.read() as session:
        assert outbox.list_alerts(session, state="dead") == []
        assert outbox.waiting_by_channel(session) == {"desk": 2, "ops": 2}


def test_deleting_a_change_deletes_its_alerts(db: Database) -> None:
    seed_changes(db, [Story("a")], Outbox(configure(TWO)), NOW)
    with db.write() as session:
        for change in session.scalars(select(StatusChange)):
            session.delete(change)
    assert alerts(db) == []


@pytest.mark.postgres
def test_postgres_workers_skip_each_others_locked_rows(pg_url: str) -> None:
    db = Database(pg_url)
    migrate.upgrade(db)
    try:
        seed_changes(db, [Story(f"s{n}") for n in range(6)], Outbox(configure(TWO)), NOW)
        with db.write() as first:
            a = outbox.claim(first, "desk", NOW, due_by=NOW, owner="a", lease=LEASE, limit=4)
            # While the first transaction still holds its row locks, a second worker
            # skips them instead of waiting, and gets the rest.
            with db.write() as second:
                b = outbox.claim(second, "desk", NOW, due_by=NOW, owner="b", lease=LEASE, limit=4)
        assert (len(a), len(b)) == (4, 2)
        assert not {c.id for c in a} & {c.id for c in b}
    finally:
        db.dispose()

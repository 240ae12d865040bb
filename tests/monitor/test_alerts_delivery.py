"""Delivery end to end against real servers on 127.0.0.1: Slack (webhook), SMTP, webhook.

The dispatcher takes ``now``, so retries and digests run on a clock the test controls;
only pacing (Slack's one message per second) and "not held up" use real time.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alert_servers import Answer, SmtpServer, Story, WebhookServer, seed_changes
from sqlalchemy import select

from monitor.alerts import Dispatcher, Outbox, alert_config
from monitor.alerts.config import AlertConfig
from monitor.config import Settings
from monitor.storage.db import Database
from monitor.storage.models import Alert

NOW = datetime(2025, 11, 7, 10, 15, tzinfo=UTC)


@pytest.fixture
def hooks() -> Iterator[WebhookServer]:
    with WebhookServer() as server:
        yield server
    assert not server.errors


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def configure(channels: dict[str, dict[str, Any]], **rules: Any) -> AlertConfig:
    return alert_config(Settings(alert_named_channels=channels, alert_rules=rules))


def dispatcher(db: Database, config: AlertConfig) -> Dispatcher:
    return Dispatcher(db, config, owner="test", jitter=lambda: 0.0)


def rows(db: Database) -> list[Alert]:
    with db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_one_change_delivers_one_slack_message_and_one_email(
    db: Database, hooks: WebhookServer, smtp: SmtpServer
) -> None:
    config = configure(
        {"desk": {"url": f"slack:{hooks.url('/slack')}"}, "mail": {"url": smtp.url()}}
    )
    (change,) = seed_changes(db, [Story("pact-signed")], Outbox(config), NOW)
    d = dispatcher(db, config)
    try:
        summary = d.deliver(NOW)
        again = d.deliver(NOW + timedelta(hours=1))  # a repeated pass sends nothing twice
    finally:
        d.close()
    assert (summary.sent, summary.messages, again.sent) == (2, 2, 0)

    (slack,) = hooks.received("/slack")
    body = slack.json()
    assert "india-russia/pact-signed" in body["text"]
    assert "watching → observed" in body["text"]
    blocks = str(body["blocks"])
    assert "India and Russia signed an industrial cooperation pact on Friday." in blocks
    assert "news.example" in blocks
    assert "<https://news.example/pact|" in blocks
    assert (
        slack.headers["idempotency-key"]
        == f"desk.{change.id}." + slack.headers["idempotency-key"].rsplit(".", 1)[1]
    )

    (mail,) = smtp.messages
    assert smtp.envelopes == [("watchlist@example.org", ["desk@example.org"])]
    assert mail["Subject"].startswith("[watchlist] india-russia/pact-signed: watching → observed")
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "signed an industrial cooperation pact" in text.get_content()
    assert "https://news.example/pact" in text.get_content()
    assert '<a href="https://news.example/pact">' in html.get_content()

    sent = {row.channel: row for row in rows(db)}
    assert {r.state for r in sent.values()} == {"sent"}
    assert mail["Message-ID"] == f"<{sent['mail'].idempotency_key}@watchlist>"
    assert slack.headers["idempotency-key"] == sent["desk"].idempotency_key
    assert sent["desk"].payload["evidence"][0]["link"] == "https://news.example/pact"


def test_transient_failures_back_off_and_deliver_exactly_once(
    db: Database, hooks: WebhookServer, smtp: SmtpServer
) -> None:
    url = hooks.script("/slack", Answer(500), Answer(503), Answer(429, retry_after=7))
    slack = {"url": f"slack:{url}", "min_interval": 0}  # pacing is tested on its own
    config = configure({"desk": slack, "mail": {"url": smtp.url()}})
    seed_changes(db, [Story("pact-signed")], Outbox(config), NOW)
    d = dispatcher(db, config)

    def slack_row() -> Alert:
        return next(r for r in rows(db) if r.channel == "desk")

    try:
        first = d.deliver(NOW)
        # The failing Slack channel did not hold up the email.
        assert (first.sent, first.retrying, len(smtp.messages)) == (1, 1, 1)
        row = slack_row()
        assert (row.state, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == NOW + timedelta(seconds=15)  # 30s base, jitter 0 → 15s
        assert "HTTP 500" in (row.last_error or "")

        assert d.deliver(NOW + timedelta(seconds=14)).sent == 0  # not due yet: no request
        assert len(hooks.received("/slack")) == 1

        t = NOW + timedelta(seconds=15)
        d.deliver(t)  # 503 → second failed attempt, 30s
        row = slack_row()
        assert (row.attempts, row.next_attempt_at) == (2, t + timedelta(seconds=30))

        t += timedelta(seconds=30)
        d.deliver(t)  # 429 Retry-After: 7 → wait 7s; not a failed attempt
        row = slack_row()
        assert (row.state, row.attempts) == ("pending", 2)
        assert row.next_attempt_at == t + timedelta(seconds=7)
        assert "rate limited" in (row.last_error or "")

        assert d.deliver(t + timedelta(seconds=6)).sent == 0
        done = d.deliver(t + timedelta(seconds=7))
        assert done.sent == 1
        assert d.deliver(t + timedelta(hours=2)).sent == 0
    finally:
        d.close()
    statuses = [500, 503, 429, 200]
    assert len(hooks.received("/slack")) == len(statuses)  # one success: arrived exactly once
    keys = {h.headers["idempotency-key"] for h in hooks.received("/slack")}
    assert len(keys) == 1
    row = slack_row()
    assert (row.state, row.attempts) == ("sent", 3)
    assert len(smtp.messages) == 1


def test_404_dead_letters_at_once_with_the_services_words(
    db: Database, hooks: WebhookServer, smtp: SmtpServer
) -> None:
    url = hooks.script("/slack", Answer(404, b"no_service"))
    config = configure({"desk": {"url": f"slack:{url}"}, "mail": {"url": smtp.url()}})
    seed_changes(db, [Story("pact-signed")], Outbox(config), NOW)
    d = dispatcher(db, config)
    try:
        summary = d.deliver(NOW)
        assert d.deliver(NOW + timedelta(days=1)).sent == 0
    finally:
        d.close()
    assert (summary.sent, summary.dead) == (1, 1)
    dead = next(r for r in rows(db) if r.channel == "desk")
    assert (dead.state, dead.attempts) == ("dead", 1)
    assert dead.last_error == "desk: 127.0.0.1 answered HTTP 404: no_service"
    assert len(hooks.received("/slack")) == 1


def test_smtp_4xx_retries_5xx_dead_letters_and_partial_refusals_are_recorded(
    db: Database, smtp: SmtpServer
) -> None:
    smtp.data_replies = ["451 4.3.0 try again later"]
    smtp.refuse["gone@example.org"] = "550 5.1.1 no such user"
    config = configure(
        {
            "mail": {"url": smtp.url(to="desk@example.org,gone@example.org")},
            "bad": {"url": smtp.url(to="gone@example.org")},
        }
    )
    seed_changes(db, [Story("pact-signed")], Outbox(config), NOW)
    d = dispatcher(db, config)
    try:
        d.deliver_channel("mail", NOW)
        mail = next(r for r in rows(db) if r.channel == "mail")
        assert (mail.state, mail.attempts) == ("pending", 1)
        assert "451 4.3.0 try again later" in (mail.last_error or "")
        d.deliver(NOW + timedelta(minutes=5))
    finally:
        d.close()
    by_channel = {r.channel: r for r in rows(db)}
    assert by_channel["mail"].state == "sent"
    assert by_channel["mail"].recipient_errors == {"gone@example.org": "550 5.1.1 no such user"}
    assert by_channel["bad"].state == "dead"
    assert "refused every recipient" in (by_channel["bad"].last_error or "")
    assert list(smtp.envelopes) == [("watchlist@example.org", ["desk@example.org"])]


def test_a_slow_failing_slack_does_not_hold_up_email(
    db: Database, hooks: WebhookServer, smtp: SmtpServer
) -> None:
    url = hooks.script("/slack", Answer(500, delay=1.0))
    config = configure({"desk": {"url": f"slack:{url}"}, "mail": {"url": smtp.url()}})
    seed_changes(db, [Story("pact-signed")], Outbox(config), NOW)
    d = dispatcher(db, config)
    started = time.monotonic()
    worker = threading.Thread(target=d.deliver, args=(NOW,))
    worker.start()
    try:
        while not smtp.messages and time.monotonic() - started < 5:
            time.sleep(0.01)
        mail_after = time.monotonic() - started
        assert smtp.messages
        assert mail_after < 0.8
        assert worker.is_alive()  # Slack is still waiting for its answer
    finally:
        worker.join()
        d.close()


def test_many_changes_in_one_pass_go_out_grouped(
    db: Database, hooks: WebhookServer, smtp: SmtpServer
) -> None:
    config = configure(
        {
            "desk": {"url": f"slack:{hooks.url('/slack')}"},
            "hook": {"url": f"webhook:{hooks.url('/hook')}"},
            "mail": {"url": smtp.url()},
        }
    )
    stories = [Story(f"indicator-{n:02d}") for n in range(50)]
    seed_changes(db, stories, Outbox(config), NOW)
    d = dispatcher(db, config)
    try:
        summary = d.deliver(NOW)
    finally:
        d.close()
    assert (summary.sent, summary.messages) == (150, 3)
    (slack,) = hooks.received("/slack")
    assert "50 status changes" in slack.json()["text"]
    assert len(slack.json()["blocks"]) <= 50
    (hook,) = hooks.received("/hook")
    assert hook.json()["kind"] == "group"
    assert len({a["key"] for a in hook.json()["alerts"]}) == 50
    (mail,) = smtp.messages
    assert "50 changes" in mail["Subject"]
    assert {r.state for r in rows(db)} == {"sent"}


def test_a_few_changes_go_out_one_by_one_at_most_one_per_interval(
    db: Database, hooks: WebhookServer
) -> None:
    config = configure({"desk": {"url": f"slack:{hooks.url('/slack')}", "min_interval": 0.3}})
    seed_changes(db, [Story(f"indicator-{n}") for n in range(3)], Outbox(config), NOW)
    d = dispatcher(db, config)
    try:
        assert d.deliver(NOW).messages == 3
    finally:
        d.close()
    arrivals = [h.at for h in hooks.received("/slack")]
    assert len(arrivals) == 3
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(arrivals))


def test_a_digest_channel_sends_one_message_per_period(db: Database, hooks: WebhookServer) -> None:
    config = configure(
        {
            "hourly": {"url": f"webhook:{hooks.url('/hourly')}", "digest": "hourly"},
            "now": {"url": f"webhook:{hooks.url('/now')}"},
        }
    )
    seed_changes(db, [Story("a"), Story("b")], Outbox(config), NOW)  # 10:15
    seed_changes(db, [Story("c")], Outbox(config), NOW + timedelta(minutes=30))  # 10:45
    seed_changes(db, [Story("d")], Outbox(config), NOW + timedelta(minutes=50))  # 11:05
    d = dispatcher(db, config)
    try:
        d.deliver(NOW + timedelta(minutes=44))  # 10:59: immediate channel only
        assert hooks.received("/hourly") == []
        d.deliver(datetime(2025, 11, 7, 11, 0, tzinfo=UTC))
        d.deliver(datetime(2025, 11, 7, 11, 30, tzinfo=UTC))
        assert len(hooks.received("/hourly")) == 1
        d.deliver(datetime(2025, 11, 7, 12, 0, tzinfo=UTC))
    finally:
        d.close()
    first, second = (h.json() for h in hooks.received("/hourly"))
    assert first["kind"] == second["kind"] == "digest"
    assert first["period"] == "hourly digest 2025-11-07 10:00 UTC"
    assert sorted(a["indicator"] for a in first["alerts"]) == [
        "india-russia/a",
        "india-russia/b",
        "india-russia/c",
    ]
    assert [a["indicator"] for a in second["alerts"]] == ["india-russia/d"]
    assert len(hooks.received("/now")) == 4  # 1, then 1, then 1 (each below group_over)


HOSTILE_TITLE = (
    "Pact signed\r\nBcc: victim@example.org <!channel> @here <script>alert(1)</script> "
    "\x1b]0;owned\x07\x1b[31mred\x1b[0m <https://evil.example|click me>"
)


def test_hostile_feed_text_arrives_inert_in_slack_and_email(
    db: Database, hooks: WebhookServer, smtp: SmtpServer
) -> None:
    config = configure(
        {"desk": {"url": f"slack:{hooks.url('/slack')}"}, "mail": {"url": smtp.url()}}
    )
    story = Story(
        "pact-signed",
        title=HOSTILE_TITLE,
        entry_title=HOSTILE_TITLE,
        sentence="India and Russia signed the pact <!everyone> & <b>more</b>\x1b[2J.",
        link="javascript:alert(document.cookie)",
        publisher="evil.example\r\nX-Injected: yes",
    )
    seed_changes(db, [story], Outbox(config), NOW)
    d = dispatcher(db, config)
    try:
        assert d.deliver(NOW).sent == 2  # delivered, not refused
    finally:
        d.close()

    raw = hooks.received("/slack")[0].body.decode()
    body = hooks.received("/slack")[0].json()
    rendered = body["text"] + str(body["blocks"])
    for bad in ("<!channel>", "<!everyone>", "<script>", "<https://evil", "javascript:", "\x1b"):
        assert bad not in rendered, bad
    assert "\\u001b" not in raw
    assert "\\r" not in raw
    assert "&lt;!channel&gt;" in rendered
    assert "@\u2060here" in rendered

    (mail,) = smtp.messages
    assert "\r" not in mail["Subject"]
    assert "\n" not in mail["Subject"]
    assert mail["Bcc"] is None
    assert mail["X-Injected"] is None
    html = mail.get_body(("html",))
    text = mail.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert "<script>" not in html.get_content()
    assert "&lt;script&gt;" in html.get_content()
    assert "javascript:" not in html.get_content() + text.get_content()
    assert "\x1b" not in html.get_content() + text.get_content() + mail["Subject"]
    assert {r.state for r in rows(db)} == {"sent"}


def test_smtp_tls_problems_are_permanent(db: Database, smtp: SmtpServer) -> None:
    config = configure(
        {
            "starttls": {"url": smtp.url(extra="&starttls=true")},
            "smtps": {"url": smtp.url().replace("smtp://", "smtps://")},
        }
    )
    seed_changes(db, [Story("pact-signed")], Outbox(config), NOW)
    d = dispatcher(db, config)
    try:
        assert d.deliver(NOW).dead == 2
    finally:
        d.close()
    errors = {r.channel: r.last_error or "" for r in rows(db)}
    assert "STARTTLS extension not supported" in errors["starttls"]
    assert "TLS failed" in errors["smtps"]
    assert smtp.messages == []

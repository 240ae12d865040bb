"""The pure parts of alerts: retry policy, digest periods, config, safe text, secrets."""

from __future__ import annotations

import logging
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.alerts import alert_config
from monitor.alerts.channels.http import retry_after
from monitor.alerts.channels.slack import slack_body
from monitor.alerts.message import EvidenceNote, Message, Notice, compose
from monitor.alerts.policy import (
    DEAD,
    PENDING,
    Failure,
    RetryPolicy,
    after_failure,
    backoff_delay,
    digest_period,
)
from monitor.alerts.render import one_line, safe_link, slack_escape, subject
from monitor.config import Settings, load_settings
from monitor.errors import ConfigError
from monitor.secret import Secret, guard_logger, protect, redact

NOW = datetime(2025, 11, 7, 10, 15, tzinfo=UTC)
POLICY = RetryPolicy(base=30, cap=3600, max_attempts=5)


# --- retry policy ---------------------------------------------------------------------


def test_permanent_failures_go_dead_at_once() -> None:
    verdict = after_failure(Failure("HTTP 404: no_service", False), 0, NOW, POLICY, 0.5)
    assert (verdict.state, verdict.attempts, verdict.error) == (DEAD, 1, "HTTP 404: no_service")


def test_transient_failures_back_off_exponentially_then_give_up() -> None:
    delays = []
    attempts = 0
    for _ in range(4):
        verdict = after_failure(Failure("HTTP 500", True), attempts, NOW, POLICY, 0.0)
        assert verdict.state == PENDING
        attempts = verdict.attempts
        delays.append((verdict.next_attempt_at - NOW).total_seconds())
    assert delays == [15, 30, 60, 120]  # equal jitter at 0: half of 30·2ⁿ
    last = after_failure(Failure("HTTP 500", True), attempts, NOW, POLICY, 0.0)
    assert (last.state, last.attempts) == (DEAD, 5)
    assert last.error == "gave up after 5 attempts: HTTP 500"


def test_rate_limits_wait_as_asked_and_do_not_count() -> None:
    verdict = after_failure(Failure("HTTP 429", True, retry_after=7), 2, NOW, POLICY, 0.9)
    assert (verdict.state, verdict.attempts) == (PENDING, 2)
    assert verdict.next_attempt_at == NOW + timedelta(seconds=7)
    no_hint = after_failure(Failure("HTTP 429", True, retry_after=0), 2, NOW, POLICY, 0.9)
    assert no_hint.next_attempt_at == NOW + timedelta(seconds=POLICY.default_retry_after)
    huge = after_failure(Failure("HTTP 429", True, retry_after=10**9), 0, NOW, POLICY, 0.9)
    assert huge.next_attempt_at == NOW + timedelta(seconds=POLICY.cap)


@given(st.integers(1, 60), st.floats(0, 1, exclude_max=True))
def test_backoff_is_bounded_and_jittered(attempt: int, jitter: float) -> None:
    ceiling = min(POLICY.cap, POLICY.base * 2 ** (attempt - 1))
    assert ceiling / 2 <= backoff_delay(attempt, POLICY, jitter) <= ceiling


def test_retry_after_header_forms() -> None:
    assert retry_after("7") == timedelta(seconds=7)
    date = "Fri, 07 Nov 2025 10:15:00 GMT"
    assert retry_after("Fri, 07 Nov 2025 10:15:30 GMT", date) == timedelta(seconds=30)
    assert retry_after("soon") == retry_after(None) == timedelta(0)


def test_digest_periods() -> None:
    assert digest_period(NOW, "hourly") == (
        "hourly:2025-11-07T10",
        datetime(2025, 11, 7, 11, tzinfo=UTC),
    )
    assert digest_period(NOW, "daily") == ("daily:2025-11-07", datetime(2025, 11, 8, tzinfo=UTC))


def test_compose_keys_are_stable_for_the_same_set() -> None:
    a = Notice("k.1.x", "wl/a", "A", "watching", "observed", "r", NOW)
    b = Notice("k.2.y", "wl/b", "B", "watching", "observed", "r", NOW)
    assert compose("k", [a]).key == "k.1.x"
    assert compose("k", [a, b]).key == compose("k", [b, a]).key
    assert compose("k", [a, b]).kind == "group"
    digest = compose("k", [a], digest_key="daily:2025-11-07")
    assert (digest.kind, digest.period) == ("digest", "daily digest 2025-11-07")


# --- config ---------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "watchlist.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_config_tables_lists_names_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WATCHLIST_ALERTS", raising=False)
    path = write(
        tmp_path,
        """
[alerts]
alert_on = ["confirmed", "overdue"]
group_over = 5
lease = "2m"
max_attempts = 4
backoff = "10s"

[alerts.channels.desk]
url = "slack:https://hooks.slack.com/services/T000/B000/XXXXSECRET"
digest = "daily"
min_interval = "2s"

[alerts.channels.mail]
url = "smtp://bot:hunter22@mail.example.org:587?from=w@example.org&to=a@example.org,b@example.org&starttls=true"

[[alerts.routes]]
channels = ["desk"]
tags = ["trade"]
""",
    )
    config = alert_config(load_settings(path))
    desk, mail = config.channels
    assert (desk.name, desk.kind, desk.digest, desk.min_interval) == ("desk", "slack", "daily", 2)
    assert desk.url.reveal() == "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    assert (mail.kind, mail.group_over, config.lease, config.retry.max_attempts) == (
        "smtp",
        5,
        120,
        4,
    )
    assert config.alert_on == {"confirmed", "overdue"}
    assert config.routes[0].tags == {"trade"}


def test_listed_channels_get_stable_secret_free_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./watchlist.toml
    monkeypatch.delenv("WATCHLIST_CONFIG", raising=False)
    monkeypatch.setenv(
        "WATCHLIST_ALERTS",
        "console: slack:https://hooks.slack.com/services/T0/B0/SECRETTOKEN "
        "ops=webhook:https://example.org/hook?token=abc123456",
    )
    names = [spec.name for spec in alert_config(load_settings()).channels]
    assert names[0] == "console"
    assert names[2] == "ops"
    assert names[1].startswith("slack-")
    assert "SECRET" not in names[1]
    again = [spec.name for spec in alert_config(load_settings()).channels]
    assert names == again
    # An SMTP password is not part of the name: changing it keeps the alerts' channel.
    url = "smtp://u:{}@mail.example.org?from=a@example.org&to=b@example.org"
    first = alert_config(Settings(alert_channels=(url.format("one-pass"),))).channels[0].name
    second = alert_config(Settings(alert_channels=(url.format("two-pass"),))).channels[0].name
    assert first == second


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[alerts]\nchannels = ["pager:https://x"]', "unknown alert channel 'pager'"),
        ('[alerts]\nchannels = ["smtp://h?to=a@b"]', "needs from=ADDRESS and to="),
        ('[alerts]\nchannels = ["smtp://h?from=a@b&to=c@d&bcc=x"]', "unknown parameter(s) bcc"),
        ('[alerts]\nchannels = ["webhook:ftp://h/x"]', "needs an http:// or https:// URL"),
        ('[alerts]\nchannels = ["console:", "console:"]', "two channels are named 'console'"),
        ('[alerts]\nalert_on = ["done"]', "unknown status done"),
        ("[alerts]\ngroup_over = 0", "group_over: must be a whole number ≥ 1"),
        ("[alerts]\nsurprise = 1", "unknown key 'surprise'"),
        ('[alerts]\nchannels = ["console:"]\n[[alerts.routes]]\nchannels = ["desk"]', "'desk'"),
        ('[alerts.channels.Desk]\nurl = "console:"', "a name is 1-40 of a-z"),
        ('[alerts.channels.d]\nurl = "console:"\ndigest = "weekly"', "digest must be one of"),
        ('[alerts.channels.d]\nurl = "console:"\nlevel = 1', "unknown key(s) level"),
        ('[alerts]\nlease = "3s"\nchannels = ["console:"]', "lease (3s) must be longer"),
    ],
)
def test_bad_alert_config_fails_at_load_naming_the_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.delenv("WATCHLIST_ALERTS", raising=False)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def test_config_errors_never_show_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHLIST_CONFIG", raising=False)
    monkeypatch.setenv("WATCHLIST_ALERTS", "slock:https://hooks.slack.com/services/T/B/TOPSECRET9")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "TOPSECRET9" not in str(info.value)
    assert "hooks.slack.com" not in str(info.value)


# --- safe text ------------------------------------------------------------------------


def test_safe_link_keeps_only_http_links() -> None:
    assert safe_link("https://news.example/a?b=1&c=2") == "https://news.example/a?b=1&c=2"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://", "http://a b", "//x.org"):
        assert safe_link(bad) is None, bad
    assert safe_link("https://x.org/\x1b[31m") is None


@given(st.text())
def test_one_line_is_a_single_safe_line(text: str) -> None:
    line = one_line(text, 50)
    assert len(line) <= 50
    assert not any(c in line for c in "\r\n\x1b\x00\x07\u202e")


@given(st.text())
def test_slack_escaping_leaves_no_control_sequence(text: str) -> None:
    escaped = slack_escape(one_line(text))
    assert "<" not in escaped
    assert ">" not in escaped
    assert "@channel" not in escaped.lower()
    assert "@here" not in escaped.lower()


def test_slack_body_shape_and_escaping() -> None:
    notice = Notice(
        "desk.1.x",
        "wl/a",
        "Title <!channel> & co",
        "watching",
        "observed",
        "first report: “x”",
        NOW,
        evidence=(
            EvidenceNote(
                "It <b>happened</b>.", "news.example", "T|x", "https://n.example/?a=1&b=2"
            ),
        ),
    )
    body = slack_body(Message("desk.1.x", "alert", (notice,)))
    assert body["text"] == "wl/a: watching → observed: Title &lt;!channel&gt; &amp; co"
    blocks = str(body["blocks"])
    assert "<https://n.example/?a=1&amp;b=2|T¦x>" in blocks
    assert "It &lt;b&gt;happened&lt;/b&gt;." in blocks


def test_subjects_are_one_line() -> None:
    notice = Notice("k", "wl/a", "Evil\r\nBcc: x@y", "watching", "observed", "r", NOW)
    assert subject(Message("k", "alert", (notice,))) == (
        "[watchlist] wl/a: watching → observed: Evil Bcc: x@y"
    )


# --- secrets --------------------------------------------------------------------------


def test_secret_never_prints() -> None:
    secret = Secret("hunter2-password")
    assert str(secret) == repr(secret) == f"{secret}" == "<secret>"
    assert f"{secret:>10}" == "  <secret>"
    assert secret.reveal() == "hunter2-password"
    assert "hunter2" not in repr([secret, {"k": secret}])
    assert Secret.of(secret) is secret
    assert Secret(secret) == secret
    with pytest.raises(TypeError, match="cannot be serialised"):
        pickle.dumps(secret)


def test_redact_and_the_logging_filter(caplog: pytest.LogCaptureFixture) -> None:
    protect(Secret("https://hooks.example/T/B/abcdef"))
    protect("short")  # too short to scrub without garbling ordinary text
    assert redact("a short note") == "a short note"
    assert redact("POST https://hooks.example/T/B/abcdef 200") == "POST <secret> 200"
    guard_logger("test.lib")
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test.lib").info(
            "HTTP Request: POST %s", "https://hooks.example/T/B/abcdef"
        )
    assert caplog.messages == ["HTTP Request: POST <secret>"]


def test_settings_repr_hides_channel_urls() -> None:
    settings = Settings(
        alert_channels=(Secret("slack:https://hooks.slack.com/services/Z/Z/QQQQQQ"),)
    )
    assert "QQQQQQ" not in repr(settings)

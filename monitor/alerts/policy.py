"""Retry decisions: pure functions of the failure, the attempts so far, ``now`` and a jitter.

* permanent failure (HTTP 4xx but 429, SMTP 5yz, bad configuration) → ``dead`` at once;
* rate limited (HTTP 429) → wait ``Retry-After`` (or ``default_retry_after`` without a
  hint); **not** a failed attempt, the service asked us to wait;
* transient failure → retry after an exponential delay with "equal jitter"
  (half fixed, half random: aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter),
  so workers that failed together do not retry together; ``dead`` after ``max_attempts``.

Digest periods are decided here too: which period a change belongs to and when it is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class AlertState(StrEnum):
    """An outbox row's state: pending → sending (only under a lease) → sent, or → dead."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


PENDING, SENDING = AlertState.PENDING, AlertState.SENDING
SENT, DEAD = AlertState.SENT, AlertState.DEAD
STATES = tuple(state.value for state in AlertState)


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 30.0  # seconds before the first retry (before jitter)
    cap: float = 3600.0  # longest wait between two attempts
    max_attempts: int = 10
    default_retry_after: float = 60.0  # a 429 without a usable Retry-After
    min_delay: float = 1.0


@dataclass(frozen=True)
class Failure:
    message: str
    retryable: bool
    retry_after: float | None = None  # seconds; set only when rate limited


@dataclass(frozen=True)
class Verdict:
    state: AlertState  # PENDING (retry later) or DEAD
    attempts: int
    next_attempt_at: datetime
    error: str


def backoff_delay(attempt: int, policy: RetryPolicy, jitter: float) -> float:
    """Seconds to wait after the ``attempt``-th failure; ``jitter`` in [0, 1)."""
    ceiling = min(policy.cap, policy.base * 2.0 ** max(0, attempt - 1))
    return max(policy.min_delay, ceiling / 2 + ceiling / 2 * jitter)


def after_failure(
    failure: Failure, attempts: int, now: datetime, policy: RetryPolicy, jitter: float
) -> Verdict:
    """What to do with an alert whose delivery failed, having failed ``attempts`` times before."""
    if not failure.retryable:
        return Verdict(DEAD, attempts + 1, now, failure.message)
    if failure.retry_after is not None:
        wait = failure.retry_after or policy.default_retry_after
        wait = min(policy.cap, max(policy.min_delay, wait))
        error = f"{failure.message}; waiting {wait:g}s as asked"
        return Verdict(PENDING, attempts, now + timedelta(seconds=wait), error)
    attempts += 1
    if attempts >= policy.max_attempts:
        return Verdict(DEAD, attempts, now, f"gave up after {attempts} attempts: {failure.message}")
    delay = backoff_delay(attempts, policy, jitter)
    return Verdict(PENDING, attempts, now + timedelta(seconds=delay), failure.message)


def digest_period(now: datetime, mode: str) -> tuple[str, datetime]:
    """The digest period ``now`` falls in (UTC) and when its digest is due.

    ``("hourly:2025-11-07T10", 2025-11-07 11:00)``; ``("daily:2025-11-07", 2025-11-08 00:00)``.
    """
    now = now.astimezone(UTC)
    if mode == "hourly":
        start = now.replace(minute=0, second=0, microsecond=0)
        return f"hourly:{start:%Y-%m-%dT%H}", start + timedelta(hours=1)
    if mode == "daily":
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return f"daily:{start:%Y-%m-%d}", start + timedelta(days=1)
    raise ValueError(f"unknown digest mode {mode!r}")

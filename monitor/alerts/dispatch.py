"""Deliver the outbox: per channel, claim → compose → send → record, after commit.

::

    for each channel, independently (its own thread; a slow or failing channel holds up
    no other, and in the daemon each channel is its own scheduler job):
      loop until nothing is due, or stop:
        claim       the next due alerts under a lease            storage.alerts (one txn)
                    (a digest period; all due when more than ``group_over``; else one)
        compose     one Message: alert, group or digest           alerts.message (pure)
        send        the channel says accepted, or why not          alerts.channels
        record      sent (only now), or retry at a time decided   alerts.policy (pure)
                    by the policy, or dead                         storage.alerts (one txn)

Each message is recorded as soon as its channel answers, so a process killed at any
moment can repeat at most the message in flight; claimed rows it never sent come back
when their lease expires. ``now`` can be fixed (tests, ``alerts send``) or taken from the
clock at each step (the daemon).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.alerts.channels import Channel, ChannelSpec, open_channel
from monitor.alerts.config import AlertConfig
from monitor.alerts.message import Message, Notice, compose
from monitor.alerts.policy import DEAD, Failure, after_failure
from monitor.clock import Clock, utcnow
from monitor.errors import AlertError
from monitor.secret import redact
from monitor.storage import alerts as store
from monitor.storage.db import Database

log = logging.getLogger("watchlist.alerts")


@dataclass
class DeliverySummary:
    sent: int = 0  # alerts delivered
    messages: int = 0  # messages that carried them (a group counts once)
    retrying: int = 0  # alerts that failed and will be tried again
    dead: int = 0  # alerts that failed for good
    errors: tuple[str, ...] = ()

    def add(self, other: DeliverySummary) -> None:
        self.sent += other.sent
        self.messages += other.messages
        self.retrying += other.retrying
        self.dead += other.dead
        self.errors += other.errors

    def line(self) -> str:
        return (
            f"{self.sent} alerts sent in {self.messages} messages, "
            f"{self.retrying} to retry, {self.dead} dead"
        )


class Dispatcher:
    """Delivers the outbox to the configured channels."""

    def __init__(
        self,
        db: Database,
        config: AlertConfig,
        *,
        owner: str,
        clock: Clock = utcnow,
        stop: threading.Event | None = None,
        channels: Mapping[str, Channel] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.config = config
        self.owner = owner
        self.clock = clock
        self.stop = stop or threading.Event()
        self.jitter = jitter
        self.channels: dict[str, Channel] = (
            dict(channels)
            if channels is not None
            else {spec.name: open_channel(spec) for spec in config.channels}
        )
        self._busy = {name: threading.Lock() for name in self.channels}

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(self.channels)

    def deliver(self, now: datetime | None = None) -> DeliverySummary:
        """One pass over every channel, run side by side; returns when all are done."""
        total = DeliverySummary()
        if not self.channels:
            return total
        with ThreadPoolExecutor(len(self.channels), thread_name_prefix="alerts") as pool:
            futures = [pool.submit(self.deliver_channel, name, now) for name in self.channels]
        for future in futures:
            total.add(future.result())
        return total

    def deliver_channel(self, name: str, now: datetime | None = None) -> DeliverySummary:
        """Deliver everything due on one channel; a no-op if it is already delivering."""
        busy = self._busy[name]
        if not busy.acquire(blocking=False):
            return DeliverySummary()
        try:
            return self._pass(self.config.channel(name), self.channels[name], now)
        finally:
            busy.release()

    def close(self) -> None:
        self.stop.set()
        for channel in self.channels.values():
            channel.close()

    # -- one channel -----------------------------------------------------------------------
    def _pass(self, spec: ChannelSpec, channel: Channel, fixed: datetime | None) -> DeliverySummary:
        summary = DeliverySummary()
        due_by = fixed or self.clock()
        while not self.stop.is_set():
            claimed = self._claim(spec, fixed or self.clock(), due_by)
            if not claimed:
                break
            digest_key = claimed[0].digest_key if spec.digest else None
            message = compose(spec.name, [c.notice for c in claimed], digest_key=digest_key)
            self._send(spec, channel, message, claimed, fixed, summary)
        return summary

    def _claim(self, spec: ChannelSpec, now: datetime, due_by: datetime) -> list[store.Claimed]:
        lease = timedelta(seconds=self.config.lease)
        with self.db.write() as session:
            limit = self.config.max_group
            if not spec.digest:
                due = store.count_due(session, spec.name, now, due_by)
                if due == 0:
                    return []
                limit = limit if due > spec.group_over else 1
            return store.claim(
                session,
                spec.name,
                now,
                due_by=due_by,
                owner=self.owner,
                lease=lease,
                limit=limit,
                digest=bool(spec.digest),
            )

    def _send(
        self,
        spec: ChannelSpec,
        channel: Channel,
        message: Message,
        claimed: list[store.Claimed],
        fixed: datetime | None,
        summary: DeliverySummary,
    ) -> None:
        ids = [c.id for c in claimed]
        try:
            receipt = channel.send(message)
        except AlertError as exc:
            wait = exc.retry_after.total_seconds() if exc.retry_after is not None else None
            failure = Failure(redact(str(exc)), exc.retryable, wait)
        except Exception as exc:  # a bug in one channel must not stop the others
            failure = Failure(
                f"{spec.name}: unexpected {type(exc).__name__}: {redact(str(exc))}", True
            )
        else:
            with self.db.write() as session:
                store.mark_sent(session, ids, fixed or self.clock(), receipt.recipient_errors)
            summary.sent += len(ids)
            summary.messages += 1
            log.info("%s: sent %s %s (alerts: %d)", spec.name, message.kind, message.key, len(ids))
            for rcpt, why in receipt.recipient_errors.items():
                log.warning("%s: %s refused by the server: %s", spec.name, rcpt, why)
            return
        now, jitter = fixed or self.clock(), self.jitter()
        verdicts = [
            after_failure(failure, item.attempts, now, self.config.retry, jitter)
            for item in claimed
        ]
        with self.db.write() as session:
            for item, verdict in zip(claimed, verdicts, strict=True):
                store.mark_failed(session, item.id, verdict, self.owner)
        dead = sum(v.state == DEAD for v in verdicts)
        summary.dead += dead
        summary.retrying += len(verdicts) - dead
        verdict = verdicts[0]
        summary.errors += (verdict.error,)
        log.warning(
            "%s: %s not delivered (alerts: %d): %s; %s",
            spec.name,
            message.key,
            len(ids),
            verdict.error,
            "dead-lettered" if verdict.state == DEAD else f"next attempt {verdict.next_attempt_at}",
        )


def probe_message(channel: str, now: datetime) -> Message:
    """A harmless message that exercises a channel end to end (``alerts test``)."""
    key = f"test.{channel}.{now:%Y%m%dT%H%M%S}"
    notice = Notice(
        key=key,
        indicator="watchlist/test",
        title="Test message: no indicator changed",
        from_status="watching",
        to_status="observed",
        reason="sent by `watchlist alerts test` to check this channel",
        at=now,
        cause="test",
    )
    return Message(key, "test", (notice,))


def send_test(channel: Channel, now: datetime) -> str | None:
    """Send a test message; None on success, else why it failed (no secrets)."""
    try:
        receipt = channel.send(probe_message(channel.spec.name, now))
    except AlertError as exc:
        kind = "temporary" if exc.retryable else "permanent"
        return f"{redact(str(exc))} ({kind})"
    except Exception as exc:
        return f"{channel.spec.name}: unexpected {type(exc).__name__}: {redact(str(exc))}"
    if receipt.recipient_errors:
        refused = "; ".join(f"{r}: {why}" for r, why in receipt.recipient_errors.items())
        return f"delivered, but some recipients were refused: {refused}"
    return None

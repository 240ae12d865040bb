"""The outbox: alert rows written in the same transaction as the status change.

``AlertSink`` is the seam the pipeline calls; delivery happens later, after commit, by
the dispatcher, so a crash can never lose an alert whose change was recorded, and the
idempotency key (change id + channel) means no change is queued twice for a channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from monitor.storage.evidence import ChangeInfo
from monitor.storage.models import Alert

# DESIGN §8 / issue 6: by default only these arrivals are worth waking someone for.
DEFAULT_ALERT_ON = ("observed", "confirmed", "stalled", "overdue")


class AlertSink(Protocol):
    def enqueue(self, session: Session, change: ChangeInfo, now: datetime) -> None: ...


class NoAlerts:
    """A sink that queues nothing (no channel configured)."""

    def enqueue(self, session: Session, change: ChangeInfo, now: datetime) -> None:
        return None


class Outbox:
    """Queue one alert row per channel for each change that should alert."""

    def __init__(self, channels: Sequence[str], alert_on: Sequence[str] = DEFAULT_ALERT_ON) -> None:
        self.channels = tuple(channels)
        self.alert_on = frozenset(alert_on)

    def enqueue(self, session: Session, change: ChangeInfo, now: datetime) -> None:
        if change.to_status not in self.alert_on:
            return
        for channel in self.channels:
            session.add(
                Alert(
                    status_change_id=change.id,
                    channel=channel,
                    idempotency_key=f"change-{change.id}-{channel}",
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    payload={},
                )
            )

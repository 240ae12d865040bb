"""Deliver queued alerts (minimal: console only; the full dispatcher replaces this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import click
from sqlalchemy import select

from monitor.storage.db import Database
from monitor.storage.models import Alert, IndicatorRow, StatusChange
from monitor.textsafe import inert


@dataclass
class DeliverySummary:
    sent: int = 0
    retried: int = 0
    dead: int = 0


def deliver_once(db: Database, now: datetime, owner: str) -> DeliverySummary:
    summary = DeliverySummary()
    with db.write() as session:
        rows = session.execute(
            select(Alert, StatusChange, IndicatorRow)
            .join(StatusChange, StatusChange.id == Alert.status_change_id)
            .join(IndicatorRow, IndicatorRow.id == StatusChange.indicator_id)
            .where(Alert.state == "pending", Alert.next_attempt_at <= now)
            .order_by(Alert.id)
        ).all()
        for alert, change, indicator in rows:
            click.echo(
                f"ALERT {indicator.watchlist_id}/{indicator.key}: {change.from_status} → "
                f"{change.to_status}: {inert(change.reason)}"
            )
            alert.state = "sent"
            alert.sent_at = now
            alert.attempts += 1
            summary.sent += 1
    return summary

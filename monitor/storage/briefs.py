"""The scheduled brief's record: one outbox row per channel and day, so it goes out once.

The row's unique idempotency key (``brief:DAY:CHANNEL``) is the claim: of several
daemons, or one restarted, only the first to insert it sends. The row is written as
``sent`` (the dispatcher claims only ``pending`` and ``sending`` rows, so it never picks a
brief up) with no ``sent_at`` until the channel accepted it; a failure marks it ``dead``
with the error, and the next day's brief is the retry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.storage.models import Alert


def claim_brief(session: Session, key: str, channel: str, title: str, now: datetime) -> bool:
    """Insert the day's row for ``channel``; False when another worker already has."""
    if session.scalar(select(Alert.id).where(Alert.idempotency_key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Alert(
                    channel=channel,
                    idempotency_key=key,
                    state="sent",
                    attempts=1,
                    next_attempt_at=now,
                    created_at=now,
                    payload={"indicator": "[brief]", "from": "", "to": "brief", "reason": title},
                )
            )
    except IntegrityError:
        return False
    return True


def record_brief(session: Session, key: str, now: datetime, error: str | None) -> None:
    row = session.scalar(select(Alert).where(Alert.idempotency_key == key))
    if row is None:
        return
    if error is None:
        row.sent_at = now
    else:
        row.state, row.last_error = "dead", error

"""The outbox table's repository: queue, claim under a lease, record outcomes, list, retry.

A worker claims due rows of one channel in one short transaction: ``pending`` rows whose
``next_attempt_at`` has come, and ``sending`` rows whose lease has expired (their worker
died mid-send). Claiming sets ``sending``, ``lease_owner`` and ``lease_until`` together —
``sending`` exists only under a lease. On PostgreSQL the select takes
``FOR UPDATE SKIP LOCKED`` so concurrent daemons pass over each other's rows; on SQLite
writes are serialised by ``BEGIN IMMEDIATE`` (monitor.storage.db).

Outcomes are recorded right after the channel answers, one transaction per message: a
crash can then repeat only the message in flight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from monitor.alerts.message import EvidenceNote, Notice
from monitor.alerts.policy import DEAD, PENDING, SENDING, SENT, Verdict
from monitor.errors import StorageError
from monitor.model import ChangeInfo
from monitor.storage.models import Alert, Entry, EvidenceRow, IndicatorRow, StatusChange


@dataclass(frozen=True)
class IndicatorCard:
    """What routing and an alert's text need of an indicator."""

    title: str
    watchlist: str
    tags: tuple[str, ...]
    severity: str


def indicator_card(session: Session, indicator_id: int) -> IndicatorCard | None:
    row = session.get(IndicatorRow, indicator_id)
    if row is None:
        return None
    return IndicatorCard(row.title, row.watchlist_id, tuple(row.tags or ()), row.severity)


def evidence_notes(session: Session, evidence_ids: Sequence[int]) -> list[EvidenceNote]:
    """The evidence with these ids, in this order, with where it was read."""
    found = {
        ev.id: (ev, entry)
        for ev, entry in session.execute(
            select(EvidenceRow, Entry)
            .join(Entry, Entry.id == EvidenceRow.entry_id)
            .where(EvidenceRow.id.in_(list(evidence_ids)))
        ).all()
    }
    return [
        EvidenceNote(
            sentence=ev.sentence,
            publisher=ev.publisher or entry.publisher,
            title=entry.title or None,
            link=entry.link,
            published=entry.published_at or ev.published_at,
        )
        for ev, entry in (found[i] for i in evidence_ids if i in found)
    ]


def queue_alert(
    session: Session,
    *,
    change_id: int,
    channel: str,
    key: str,
    due: datetime,
    now: datetime,
    payload: dict[str, Any],
    digest_key: str | None,
) -> None:
    """One outbox row, in the transaction that recorded the change."""
    session.add(
        Alert(
            status_change_id=change_id,
            channel=channel,
            idempotency_key=key,
            state=PENDING,
            attempts=0,
            next_attempt_at=due,
            created_at=now,
            payload=payload,
            digest_key=digest_key,
        )
    )


@dataclass(frozen=True)
class Claimed:
    id: int
    notice: Notice  # carries the idempotency key
    attempts: int
    digest_key: str | None


@dataclass(frozen=True)
class AlertInfo:
    """One outbox row as ``alerts list`` shows it (no payload beyond the headline)."""

    id: int
    channel: str
    state: str
    key: str
    indicator: str
    change: str  # "observed → confirmed"
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    recipient_errors: dict[str, Any] = field(default_factory=dict)


def _claimable(now: datetime, due_by: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Alert.state == PENDING, Alert.next_attempt_at <= due_by),
        and_(Alert.state == SENDING, Alert.lease_until < now),
    )


def count_due(session: Session, channel: str, now: datetime, due_by: datetime) -> int:
    query = select(func.count(Alert.id)).where(Alert.channel == channel, _claimable(now, due_by))
    return int(session.scalar(query) or 0)


def claim(
    session: Session,
    channel: str,
    now: datetime,
    *,
    due_by: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    digest: bool = False,
) -> list[Claimed]:
    """Claim up to ``limit`` due alerts of ``channel`` for ``owner`` until ``now + lease``.

    ``due_by`` bounds ``next_attempt_at`` (a pass delivers what was due when it began, so a
    failure rescheduled during the pass waits for the next one). With ``digest`` only
    rows of the oldest due period are claimed: one period, one message.
    """
    where: list[ColumnElement[bool]] = [Alert.channel == channel, _claimable(now, due_by)]
    if digest:
        first = session.scalar(select(func.min(Alert.digest_key)).where(*where))
        where.append(Alert.digest_key.is_(None) if first is None else Alert.digest_key == first)
    stmt = select(Alert).where(*where).order_by(Alert.next_attempt_at, Alert.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.state, row.lease_owner, row.lease_until = SENDING, owner, now + lease
    return [
        Claimed(
            id=row.id,
            notice=Notice.from_payload(row.idempotency_key, row.payload),
            attempts=row.attempts,
            digest_key=row.digest_key,
        )
        for row in rows
    ]


def mark_sent(
    session: Session,
    ids: Sequence[int],
    now: datetime,
    recipient_errors: Mapping[str, str] | None = None,
) -> None:
    """The channel accepted these alerts. Recorded whoever holds the lease now: it *was*
    delivered, and saying otherwise would only send it again."""
    session.execute(
        update(Alert)
        .where(Alert.id.in_(ids), Alert.state != SENT)
        .values(
            state=SENT,
            sent_at=now,
            attempts=Alert.attempts + 1,
            lease_owner=None,
            lease_until=None,
            recipient_errors=dict(recipient_errors) if recipient_errors else None,
        )
    )


def mark_failed(session: Session, alert_id: int, verdict: Verdict, owner: str) -> None:
    """Record a failed attempt, unless the lease was lost (the new owner decides then)."""
    session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.state == SENDING, Alert.lease_owner == owner)
        .values(
            state=verdict.state,
            attempts=verdict.attempts,
            next_attempt_at=verdict.next_attempt_at,
            last_error=verdict.error,
            lease_owner=None,
            lease_until=None,
        )
    )


def release(session: Session, ids: Sequence[int], owner: str) -> None:
    """Give claimed alerts back unsent (shutting down before sending them)."""
    session.execute(
        update(Alert)
        .where(Alert.id.in_(ids), Alert.state == SENDING, Alert.lease_owner == owner)
        .values(state=PENDING, lease_owner=None, lease_until=None)
    )


def list_alerts(
    session: Session, *, state: str | None = None, channel: str | None = None, limit: int = 200
) -> list[AlertInfo]:
    """The newest ``limit`` alerts (optionally of one state/channel), oldest first."""
    stmt = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(Alert.state == state)
    if channel:
        stmt = stmt.where(Alert.channel == channel)
    rows = list(session.scalars(stmt))[::-1]
    return [
        AlertInfo(
            id=row.id,
            channel=row.channel,
            state=row.state,
            key=row.idempotency_key,
            indicator=str(row.payload.get("indicator", "")),
            change=f"{row.payload.get('from', '?')} → {row.payload.get('to', '?')}",
            attempts=row.attempts,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            sent_at=row.sent_at,
            last_error=row.last_error,
            recipient_errors=dict(row.recipient_errors or {}),
        )
        for row in rows
    ]


def retry(
    session: Session, ids: Sequence[int], now: datetime, *, all_dead: bool = False
) -> list[int]:
    """Make dead (or waiting) alerts due now with a fresh attempt count; their ids."""
    if all_dead:
        chosen = list(session.scalars(select(Alert.id).where(Alert.state == DEAD)))
    else:
        states = dict(session.execute(select(Alert.id, Alert.state).where(Alert.id.in_(ids))).all())
        for alert_id in ids:
            if alert_id not in states:
                raise StorageError(f"no alert with id {alert_id} (see `watchlist alerts list`)")
            if states[alert_id] in (SENT, SENDING):
                raise StorageError(f"alert {alert_id} is {states[alert_id]}: nothing to retry")
        chosen = list(ids)
    if chosen:
        session.execute(
            update(Alert)
            .where(Alert.id.in_(chosen))
            .values(
                state=PENDING, attempts=0, next_attempt_at=now, lease_owner=None, lease_until=None
            )
        )
    return chosen


def waiting_by_channel(session: Session) -> dict[str, int]:
    """Pending or sending alerts per channel name (to spot channels no longer configured)."""
    rows = session.execute(
        select(Alert.channel, func.count(Alert.id))
        .where(Alert.state.in_((PENDING, SENDING)))
        .group_by(Alert.channel)
    ).all()
    return {channel: int(n) for channel, n in rows}


def last_alerted(session: Session, change: ChangeInfo, since: datetime) -> datetime | None:
    """When the indicator last had an alert queued for a change to ``change.to_status``
    at or after ``since`` (None if it had none)."""
    return session.scalar(
        select(StatusChange.at)
        .join(Alert, Alert.status_change_id == StatusChange.id)
        .where(
            StatusChange.indicator_id == change.indicator_id,
            StatusChange.to_status == change.to_status,
            StatusChange.id != change.id,
            StatusChange.at >= since,
        )
        .order_by(StatusChange.at.desc())
        .limit(1)
    )

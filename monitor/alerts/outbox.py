"""The outbox: alert rows written in the same transaction as the status change.

``AlertSink`` is the seam the pipeline calls inside the feed's transaction; delivery
happens later, after commit, in the dispatcher, so a crash can never lose an alert whose
change was recorded, nor announce a change that was rolled back. For each change that
routing sends somewhere, one row per channel is written, carrying:

* the payload (``Notice``): indicator, from → to, reason, and the evidence behind it
  looked up now (sentence, publisher, entry title, link, published), so delivery needs
  no joins and the message says what was true when the change happened;
* a stable idempotency key ``CHANNEL.CHANGE_ID.HASH`` (unique: a change is never queued
  twice for a channel), which is also the email's Message-ID;
* when it is due: now, or for a digest channel the end of the current period.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.config import AlertConfig
from monitor.alerts.message import EvidenceNote, Notice
from monitor.alerts.policy import PENDING, digest_period
from monitor.alerts.routing import Facts, channels_for
from monitor.storage.evidence import ChangeInfo
from monitor.storage.models import Alert, Entry, EvidenceRow, IndicatorRow

MAX_EVIDENCE = 5  # evidence items carried per alert (the deciding ones come first)


class AlertSink(Protocol):
    def enqueue(self, session: Session, change: ChangeInfo, now: datetime) -> None: ...


class NoAlerts:
    """A sink that queues nothing (no channel configured)."""

    def enqueue(self, session: Session, change: ChangeInfo, now: datetime) -> None:
        return None


class Outbox:
    """Queue one alert row per routed channel for each change that should alert."""

    def __init__(self, config: AlertConfig) -> None:
        self.config = config

    def enqueue(self, session: Session, change: ChangeInfo, now: datetime) -> None:
        if not self.config.channels:
            return
        indicator = session.get(IndicatorRow, change.indicator_id)
        facts = Facts(
            to_status=change.to_status,
            watchlist=indicator.watchlist_id if indicator else change.indicator.split("/")[0],
            tags=tuple(indicator.tags or ()) if indicator else (),
            severity=indicator.severity if indicator else "medium",
        )
        names = channels_for(self.config, facts)
        if not names:
            return
        payload = build_notice(session, change, indicator).to_payload()
        for name in names:
            spec = self.config.channel(name)
            digest_key, due = digest_period(now, spec.digest) if spec.digest else (None, now)
            session.add(
                Alert(
                    status_change_id=change.id,
                    channel=name,
                    idempotency_key=alert_key(name, change),
                    state=PENDING,
                    attempts=0,
                    next_attempt_at=due,
                    created_at=now,
                    payload=payload,
                    digest_key=digest_key,
                )
            )


def alert_key(channel: str, change: ChangeInfo) -> str:
    """``desk.42.1a2b3c4d``: stable for (channel, change); the hash keeps keys from two
    databases (or a database rebuilt from scratch) apart."""
    seed = f"{change.indicator}|{change.at.isoformat()}|{change.from_status}|{change.to_status}"
    return f"{channel}.{change.id}.{hashlib.sha256(seed.encode()).hexdigest()[:8]}"


def build_notice(
    session: Session, change: ChangeInfo, indicator: IndicatorRow | None = None
) -> Notice:
    """The alert's content, with the evidence behind the change looked up now."""
    indicator = indicator or session.get(IndicatorRow, change.indicator_id)
    wanted = list(change.evidence_ids[:MAX_EVIDENCE])
    found = {
        ev.id: (ev, entry)
        for ev, entry in session.execute(
            select(EvidenceRow, Entry)
            .join(Entry, Entry.id == EvidenceRow.entry_id)
            .where(EvidenceRow.id.in_(wanted))
        ).all()
    }
    evidence = tuple(
        EvidenceNote(
            sentence=ev.sentence,
            publisher=ev.publisher or entry.publisher,
            title=entry.title or None,
            link=entry.link,
            published=entry.published_at or ev.published_at,
        )
        for ev, entry in (found[i] for i in wanted if i in found)
    )
    return Notice(
        key="",
        indicator=change.indicator,
        title=indicator.title if indicator else change.indicator,
        from_status=change.from_status,
        to_status=change.to_status,
        reason=change.reason,
        at=change.at,
        cause=change.cause,
        watchlist=indicator.watchlist_id if indicator else "",
        severity=indicator.severity if indicator else "medium",
        tags=tuple(indicator.tags or ()) if indicator else (),
        evidence=evidence,
    )

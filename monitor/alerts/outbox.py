"""The outbox: alert rows written in the same transaction as the status change.

``AlertSink`` is the seam the pipeline calls inside the feed's transaction; delivery
happens later, after commit, in the dispatcher, so a crash can never lose an alert whose
change was recorded, nor announce a change that was rolled back. For each change that
routing sends somewhere, one row per channel is written, carrying:

* the payload (``Notice``): indicator, from → to, reason, and the evidence behind it
  looked up now (sentence, publisher, entry title, link, published), so delivery needs
  no joins and the message says what was true when the change happened;
* ``cause``: a change an analyst or a replay made is a *correction* (issue 14): it is
  routed when its new status or the status it corrects is one that alerts, so a wrong
  "stalled" that reached a channel is corrected there;
* a stable idempotency key ``CHANNEL.CHANGE_ID.HASH`` (unique: a change is never queued
  twice for a channel), which is also the email's Message-ID;
* when it is due: now, or for a digest channel the end of the current period.

A change that evidence makes back to a status the indicator was alerted about within the
cooling period (``[alerts] cooling``, 24 h) queues nothing: the change is in the status log,
but a feed that rewrites an entry between polls must not page people every poll (issue 16:
observed ↔ stalled, 96 alerts a day). Changes made by analysts, deadlines, replays and
removals always alert.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Protocol

from monitor.alerts.config import AlertConfig
from monitor.alerts.message import Notice
from monitor.alerts.policy import digest_period
from monitor.alerts.routing import Facts, channels_for
from monitor.model import ChangeInfo
from monitor.storage import alerts as alerts_repo
from monitor.storage.db import Session

log = logging.getLogger("watchlist.alerts")
COOLED_CAUSES = frozenset({"evidence"})  # what may flip back and forth on its own

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
        card = alerts_repo.indicator_card(session, change.indicator_id)
        facts = Facts(
            to_status=change.to_status,
            watchlist=card.watchlist if card else change.indicator.split("/")[0],
            tags=card.tags if card else (),
            severity=card.severity if card else "medium",
            from_status=change.from_status,
            correction=change.correction,
        )
        names = channels_for(self.config, facts)
        if not names:
            return
        if change.cause in COOLED_CAUSES and self.config.cooling > 0:
            since = now - timedelta(seconds=self.config.cooling)
            announced = alerts_repo.last_alerted(session, change, since)
            if announced is not None:
                log.info(
                    "%s → %s: no alert, %s was alerted at %s (cooling %gs)",
                    change.indicator,
                    change.to_status,
                    change.to_status,
                    announced.isoformat(),
                    self.config.cooling,
                )
                return
        payload = build_notice(session, change, card).to_payload()
        for name in names:
            spec = self.config.channel(name)
            digest_key, due = digest_period(now, spec.digest) if spec.digest else (None, now)
            alerts_repo.queue_alert(
                session,
                change_id=change.id,
                channel=name,
                key=alert_key(name, change),
                due=due,
                now=now,
                payload=payload,
                digest_key=digest_key,
            )


def alert_key(channel: str, change: ChangeInfo) -> str:
    """``desk.42.1a2b3c4d``: stable for (channel, change); the hash keeps keys from two
    databases (or a database rebuilt from scratch) apart."""
    seed = f"{change.indicator}|{change.at.isoformat()}|{change.from_status}|{change.to_status}"
    return f"{channel}.{change.id}.{hashlib.sha256(seed.encode()).hexdigest()[:8]}"


def build_notice(
    session: Session, change: ChangeInfo, card: alerts_repo.IndicatorCard | None = None
) -> Notice:
    """The alert's content, with the evidence behind the change looked up now."""
    card = card or alerts_repo.indicator_card(session, change.indicator_id)
    evidence = alerts_repo.evidence_notes(session, change.evidence_ids[:MAX_EVIDENCE])
    return Notice(
        key="",
        indicator=change.indicator,
        title=card.title if card else change.indicator,
        from_status=change.from_status,
        to_status=change.to_status,
        reason=change.reason,
        at=change.at,
        cause=change.cause,
        watchlist=card.watchlist if card else "",
        severity=card.severity if card else "medium",
        tags=card.tags if card else (),
        evidence=tuple(evidence),
    )

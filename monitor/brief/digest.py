"""The scheduled brief: ``[brief] at = "HH:MM"`` (UTC), daily, to named alert channels.

Email gets the HTML brief with a plain-text part; every other channel the plain text.
Each channel gets one brief per day, however many daemons run (``storage.briefs``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from monitor.alerts.channels import open_channel
from monitor.alerts.config import alert_config
from monitor.alerts.message import Message
from monitor.brief import gather
from monitor.brief import render as brief_render
from monitor.config import Settings
from monitor.errors import AlertError
from monitor.storage import briefs
from monitor.storage.db import Database
from monitor.when import parse_when

log = logging.getLogger("watchlist.brief")


@dataclass(frozen=True)
class DigestResult:
    sent: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # already sent today (by this or another worker)
    failed: tuple[str, ...] = ()


def send_digest(settings: Settings, db: Database, now: datetime) -> DigestResult:
    """Send today's brief to each ``[brief]`` channel that has not had it yet."""
    config = alert_config(settings)
    brief = gather(db, parse_when(settings.brief_since, now), now, settings.brief_watchlist)
    title = brief_render.title(brief)
    sent: list[str] = []
    skipped: list[str] = []
    failed: list[str] = []
    for name in settings.brief_channels:
        key = f"brief:{now.date().isoformat()}:{name}"
        with db.write() as session:
            if not briefs.claim_brief(session, key, name, title, now):
                skipped.append(name)
                continue
        message = Message(
            key,
            "brief",
            (),
            period=title,
            text=brief_render.text(brief),
            html=brief_render.html(brief),
        )
        channel = open_channel(config.channel(name))
        error: str | None = None
        try:
            channel.send(message)
        except AlertError as exc:
            error = str(exc)
            log.warning("brief to %s failed: %s", name, error)
        finally:
            channel.close()
        with db.write() as session:
            briefs.record_brief(session, key, now, error)
        (failed if error else sent).append(name)
    return DigestResult(tuple(sent), tuple(skipped), tuple(failed))

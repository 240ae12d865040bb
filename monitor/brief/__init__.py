"""``watchlist brief``: what changed in a period, and the scheduled digest of it.

::

    gather (storage.views, one read transaction) → Brief (plain values)
    render: markdown | html | json | text                               brief.render
    digest: [brief] at HH:MM UTC → one message per channel per day        brief.digest

A brief holds status changes with their reasons, new evidence per indicator, deadlines
in the next 14 days and failing feeds. Feed text in it is untrusted; each renderer makes
it safe for its medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.storage import views
from monitor.storage.db import Database

DEADLINE_HORIZON = timedelta(days=14)


@dataclass(frozen=True)
class Brief:
    since: datetime
    until: datetime
    watchlist: str | None
    changes: tuple[views.HistoryItem, ...]
    evidence: tuple[views.NewEvidence, ...]
    deadlines: tuple[views.Deadline, ...]
    failing: tuple[views.FailingFeed, ...]

    @property
    def changed_indicators(self) -> list[str]:
        return sorted({c.indicator for c in self.changes})


def gather(db: Database, since: datetime, now: datetime, watchlist: str | None = None) -> Brief:
    """The brief of [since, now] (``now`` given: reports never read the clock)."""
    with db.read() as session:
        return Brief(
            since=since,
            until=now,
            watchlist=watchlist,
            changes=tuple(views.history(session, watchlist=watchlist, since=since)),
            evidence=tuple(views.new_evidence(session, since, watchlist=watchlist)),
            deadlines=tuple(
                views.deadlines_between(
                    session, now.date(), (now + DEADLINE_HORIZON).date(), watchlist=watchlist
                )
            ),
            failing=tuple(views.failing_feeds(session)),
        )

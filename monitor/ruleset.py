"""The active rules as the matcher sees them, recompiled only when a definition changed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from indicators.matcher import Matcher
from indicators.model import Indicator, Item
from monitor.model import StoredEntry
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database


@dataclass
class RuleSet:
    """The active indicators, rebuilt when a version changes; compiled into a matcher on
    first use (a poll whose parse workers match everything never needs one here, and
    1,000 compiled rules are ~30 MB)."""

    indicators: tuple[Indicator, ...]  # as the matcher sees them ("watchlist/key" ids)
    db_ids: dict[str, int]  # "watchlist/key" → indicator id
    versions: dict[int, str]
    fingerprint: tuple[tuple[int, str], ...]
    _matcher: Matcher | None = None

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = Matcher(self.indicators)
        return self._matcher


def entry_item(entry: StoredEntry) -> Item:
    return Item(
        id=str(entry.id),
        title=entry.title,
        summary=entry.summary,
        link=entry.link,
        published=entry.published_at,
        source=entry.publisher,
    )


def load_rules(db: Database, previous: RuleSet | None = None) -> RuleSet:
    """The active indicators; ``previous`` again when no version changed (no recompile)."""
    with db.read() as session:
        active = indicators_repo.active_indicators(session)
    fingerprint = tuple((s.db_id, s.indicator.version) for s in active)
    if previous is not None and previous.fingerprint == fingerprint:
        return previous
    # Keys are unique per watch list only; the matcher sees "watchlist/key".
    return RuleSet(
        indicators=tuple(replace(s.indicator, id=s.ref) for s in active),
        db_ids={s.ref: s.db_id for s in active},
        versions={s.db_id: s.indicator.version for s in active},
        fingerprint=fingerprint,
    )

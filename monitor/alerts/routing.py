"""Which channels hear about a status change: a pure function of the change and the config.

Without routes every channel gets every change whose new status is in ``alert_on``. With
routes, only they decide: a change goes to the channels of every route it matches (a
route matches when each condition it sets holds: the watch list is one of ``watchlists``,
one of the indicator's tags is in ``tags``, its severity is in ``severity``, and the new
status is in ``statuses`` or, when the route sets none, in ``alert_on``). A correction (a
change an analyst or a replay made) also matches on the status it corrects. A channel no
route names gets nothing; add a route without conditions for a catch-all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from monitor.alerts.config import AlertConfig, Route


@dataclass(frozen=True)
class Facts:
    """What routing may look at."""

    to_status: str
    watchlist: str
    tags: Collection[str] = ()
    severity: str = "medium"
    from_status: str = ""
    correction: bool = False  # an analyst's or a replay's change: it corrects ``from_status``

    def alerts_for(self, statuses: Collection[str]) -> bool:
        """A change alerts when its new status is wanted; a correction also when the
        status it takes back was (whoever heard "stalled" must hear it was wrong)."""
        return self.to_status in statuses or (self.correction and self.from_status in statuses)


def channels_for(config: AlertConfig, facts: Facts) -> tuple[str, ...]:
    """The names of the channels to alert, in configuration order."""
    if not config.routes:
        if not facts.alerts_for(config.alert_on):
            return ()
        return tuple(spec.name for spec in config.channels)
    wanted: set[str] = set()
    for route in config.routes:
        if matches(route, facts, config.alert_on):
            wanted.update(route.channels)
    return tuple(spec.name for spec in config.channels if spec.name in wanted)


def matches(route: Route, facts: Facts, alert_on: Collection[str]) -> bool:
    statuses = alert_on if route.statuses is None else route.statuses
    return (
        facts.alerts_for(statuses)
        and (not route.watchlists or facts.watchlist in route.watchlists)
        and (not route.tags or bool(route.tags.intersection(facts.tags)))
        and (not route.severities or facts.severity in route.severities)
    )

"""``[alerts]`` of the config file (and ``WATCHLIST_ALERTS``), checked into typed values.

Channels are URLs (docs/notes/alerts.md), given as a list (``channels = ["slack:https://…"]``, or
``NAME=URL`` to name one) or as tables (``[alerts.channels.NAME] url = "…"`` plus
options). A channel's name goes into the outbox and idempotency keys, so it must be
stable and never contain a secret: a given name, ``console``, or ``KIND-<hash>`` of the
URL without its password. Every mistake is a ``ConfigError`` at start, naming the place.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from monitor.alerts.channels import REGISTRY, ChannelSpec, open_channel
from monitor.alerts.channels.base import DIGEST_MODES
from monitor.alerts.policy import RetryPolicy
from monitor.config import Settings, parse_duration
from monitor.errors import ConfigError
from monitor.secret import Secret
from monitor.status import Status

COOLING = 24 * 3600.0  # one alert per status and indicator a day, whatever flips

# docs/notes/alerts.md (issue 6; ``reversed``, issue 14): by default only these arrivals
# are worth waking someone for.
DEFAULT_ALERT_ON = ("observed", "confirmed", "stalled", "overdue", "reversed")
STATUSES = tuple(status.value for status in Status)
SEVERITIES = ("low", "medium", "high")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_NAMED_URL = re.compile(r"^([a-z0-9][a-z0-9_-]{0,39})=([a-z]+:.*)$", re.DOTALL)
_CHANNEL_KEYS = {"url", "digest", "group_over", "min_interval", "timeout"}
_ROUTE_KEYS = {"channels", "watchlists", "tags", "severity", "statuses"}


@dataclass(frozen=True)
class Route:
    """Send changes matching every given condition (any value within one) to ``channels``."""

    channels: tuple[str, ...]
    watchlists: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    statuses: frozenset[str] | None = None  # None: the global alert_on


@dataclass(frozen=True)
class AlertConfig:
    channels: tuple[ChannelSpec, ...] = ()
    routes: tuple[Route, ...] = ()
    alert_on: frozenset[str] = frozenset(DEFAULT_ALERT_ON)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lease: float = 60.0  # seconds a worker owns the alerts it claimed
    max_group: int = 200  # alerts in one grouped message at most
    # Seconds during which a status the indicator was alerted about is not alerted again
    # when evidence flips it back (monitor.alerts.outbox; docs/notes/reliability.md).
    cooling: float = COOLING

    def channel(self, name: str) -> ChannelSpec:
        for spec in self.channels:
            if spec.name == name:
                return spec
        raise ConfigError(f"no alert channel named {name!r} (configured: {self.names() or 'none'})")

    def names(self) -> str:
        return ", ".join(spec.name for spec in self.channels)


def alert_config(settings: Settings) -> AlertConfig:
    """Check and type the alert settings; ``ConfigError`` on the first problem."""
    where = f"{settings.config_path}: [alerts]" if settings.config_path else "[alerts]"
    rules = dict(settings.alert_rules)
    group_over = _int(rules.pop("group_over", 3), f"{where} group_over", minimum=1)
    alert_on = _statuses(rules.pop("alert_on", DEFAULT_ALERT_ON), f"{where} alert_on")
    retry = RetryPolicy(
        base=float(rules.pop("backoff", 30.0)),
        cap=float(rules.pop("backoff_max", 3600.0)),
        max_attempts=_int(rules.pop("max_attempts", 10), f"{where} max_attempts", minimum=1),
    )
    lease = float(rules.pop("lease", 60.0))
    cooling = float(rules.pop("cooling", COOLING))
    if cooling < 0:
        raise ConfigError(f"{where} cooling must not be negative")
    raw_routes = rules.pop("routes", [])
    if rules:
        raise ConfigError(f"{where} unknown key(s): {', '.join(sorted(rules))}")

    specs: list[ChannelSpec] = []
    for raw in settings.alert_channels:
        specs.append(_listed(Secret.of(raw), group_over, where))
    for name, table in settings.alert_named_channels.items():
        specs.append(_named(name, table, group_over, f"{where.removesuffix('[alerts]')}"))
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ConfigError(f"{where}: two channels are named {spec.name!r}; name them apart")
        seen.add(spec.name)
        if lease <= spec.timeout + (spec.min_interval or 0.0):
            raise ConfigError(
                f"{where} lease ({lease:g}s) must be longer than channel {spec.name}'s "
                f"timeout ({spec.timeout:g}s), or a second worker could send its alerts again"
            )
        try:
            open_channel(spec).close()  # the channel checks its own URL
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    routes = tuple(_route(i, raw, seen, where) for i, raw in enumerate(_list(raw_routes, where)))
    return AlertConfig(tuple(specs), routes, alert_on, retry, lease, cooling=cooling)


def _listed(url: Secret, group_over: int, where: str) -> ChannelSpec:
    text = url.reveal().strip()
    name: str | None = None
    if match := _NAMED_URL.match(text):
        name, text = match.group(1), match.group(2)
    kind = _kind(text, where)
    return ChannelSpec(
        name=name or auto_name(kind, text),
        kind=kind,
        url=Secret(_strip_kind(kind, text)),
        group_over=group_over,
    )


def _named(name: str, table: Mapping[str, Any], group_over: int, file: str) -> ChannelSpec:
    where = f"{file}[alerts.channels.{name}]"
    if not _NAME.match(name):
        raise ConfigError(f"{where}: a name is 1-40 of a-z, 0-9, '-', '_', starting a-z or 0-9")
    if unknown := set(table) - _CHANNEL_KEYS:
        known = ", ".join(sorted(_CHANNEL_KEYS))
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} ({known})")
    text = Secret.of(table["url"]).reveal().strip()
    kind = _kind(text, where)
    digest = table.get("digest")
    if digest is not None and digest not in DIGEST_MODES:
        raise ConfigError(f"{where}: digest must be one of {', '.join(DIGEST_MODES)}")
    interval = table.get("min_interval")
    return ChannelSpec(
        name=name,
        kind=kind,
        url=Secret(_strip_kind(kind, text)),
        digest=digest,
        group_over=_int(table.get("group_over", group_over), f"{where} group_over", minimum=1),
        min_interval=None
        if interval is None
        else parse_duration(interval, f"{where} min_interval"),
        timeout=parse_duration(table.get("timeout", 5.0), f"{where} timeout"),
    )


def _kind(text: str, where: str) -> str:
    kind = text.split(":", 1)[0].lower() if ":" in text else ""
    if kind not in REGISTRY:
        known = ", ".join(f"{k}:" for k in sorted(REGISTRY))
        # Say the kind, never the URL: the rest of it may be a secret.
        shown = f"{kind!r}" if kind and len(kind) < 20 else "a URL without a known kind"
        raise ConfigError(f"{where}: unknown alert channel {shown} (use one of {known})")
    return kind


def _strip_kind(kind: str, text: str) -> str:
    """``slack:https://…`` → ``https://…``; smtp(s) URLs stay whole."""
    return text if kind in ("smtp", "smtps") else text.split(":", 1)[1]


def auto_name(kind: str, url: str) -> str:
    """A stable name for a listed channel: ``console``, or ``KIND-<8 hex>`` of its URL.

    The hash leaves out an SMTP password (it would make a weak password guessable, and a
    changed password must not orphan the alerts waiting for that channel).
    """
    if kind == "console":
        return "console"
    try:
        parts = urlsplit(url)
        if parts.password is not None:
            host = parts.hostname or ""
            netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
            url = urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        pass  # the channel itself reports the bad URL
    return f"{kind}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def _route(index: int, raw: Any, names: set[str], where: str) -> Route:
    here = f"{where} routes[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{here}: a route is a table ([[alerts.routes]])")
    if unknown := set(raw) - _ROUTE_KEYS:
        known = ", ".join(sorted(_ROUTE_KEYS))
        raise ConfigError(f"{here}: unknown key(s) {', '.join(sorted(unknown))} ({known})")
    channels = _strings(raw.get("channels"), f"{here} channels")
    if not channels:
        raise ConfigError(f"{here}: needs channels = [NAME, …]")
    for name in channels:
        if name not in names:
            configured = ", ".join(sorted(names)) or "none"
            raise ConfigError(f"{here}: no channel named {name!r} (configured: {configured})")
    severities = _strings(raw.get("severity"), f"{here} severity")
    if bad := set(severities) - set(SEVERITIES):
        raise ConfigError(f"{here}: unknown severity {', '.join(sorted(bad))} ({SEVERITIES})")
    statuses = raw.get("statuses")
    return Route(
        channels=tuple(channels),
        watchlists=frozenset(_strings(raw.get("watchlists"), f"{here} watchlists")),
        tags=frozenset(_strings(raw.get("tags"), f"{here} tags")),
        severities=frozenset(severities),
        statuses=None if statuses is None else _statuses(statuses, f"{here} statuses"),
    )


def _statuses(raw: Any, where: str) -> frozenset[str]:
    values = _strings(raw, where)
    if bad := set(values) - set(STATUSES):
        raise ConfigError(f"{where}: unknown status {', '.join(sorted(bad))} ({STATUSES})")
    return frozenset(values)


def _strings(raw: Any, where: str) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
        raise ConfigError(f"{where}: must be a string or a list of strings")
    return list(raw)


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where} routes: must be an array of tables ([[alerts.routes]])")
    return raw


def _int(raw: Any, where: str, *, minimum: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise ConfigError(f"{where}: must be a whole number ≥ {minimum}")
    return raw

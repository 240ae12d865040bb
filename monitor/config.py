"""Configuration: a TOML file, environment variables and command-line options.

Precedence, highest first: command-line option, environment (``WATCHLIST_DB``,
``WATCHLIST_ALERTS``, ``WATCHLIST_CONFIG``), the config file, built-in defaults.
Unknown keys in the file are errors: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.secret import Secret

DEFAULT_DB = "sqlite:///watchlist.db"
DEFAULT_CONFIG = "watchlist.toml"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: str | int | float, what: str) -> float:
    """``"15m"`` → 900.0; plain numbers are seconds."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(value)
    if not match:
        raise ConfigError(f"{what}: {value!r} is not a duration (e.g. 30s, 15m, 2h)")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DB
    config_path: Path | None = None
    poll_interval: float = 900.0
    tick: float = 10.0
    deadline_check: float = 300.0
    concurrency: int = 16
    per_host: int = 4
    batch_size: int = 200
    lease: float = 300.0
    fetch_deadline: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    # Worker processes that parse and match fetched feeds (None: one per CPU; 0: none,
    # all on the polling thread). Used by polls of at least monitor.prepare.POOL_MIN_FEEDS,
    # and by replays of at least monitor.app.REPLAY_POOL_MIN_ENTRIES stored entries.
    parse_workers: int | None = None
    watchlists: tuple[str, ...] = ()
    # [alerts] (checked by monitor.alerts.config). Channel URLs can carry secrets: no repr.
    alert_channels: tuple[str | Secret, ...] = field(default=(), repr=False)
    alert_named_channels: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    alert_rules: dict[str, Any] = field(default_factory=dict)  # alert_on, routes, group_over, …
    # [web]: the dashboard. Analyst actions only with an admin token (WATCHLIST_ADMIN_TOKEN).
    web_admin_token: Secret | None = field(default=None, repr=False)
    web_max_connections: int = 100  # open connections at most; the oldest idle one makes room
    web_request_timeout: float = 10.0  # to send a whole request, and idle between requests
    # [brief]: the scheduled digest (monitor.brief.digest): daily at HH:MM UTC to channels.
    brief_at: str | None = None
    brief_channels: tuple[str, ...] = ()
    brief_since: str = "1d"
    brief_watchlist: str | None = None


_SCHEMA: dict[str, dict[str, str]] = {
    "database": {"url": "database_url"},
    "polling": {
        "interval": "poll_interval",
        "tick": "tick",
        "deadline_check": "deadline_check",
        "concurrency": "concurrency",
        "per_host": "per_host",
        "batch_size": "batch_size",
        "lease": "lease",
        "fetch_deadline": "fetch_deadline",
        "max_bytes": "max_bytes",
        "parse_workers": "parse_workers",
    },
    "watchlists": {"files": "watchlists"},
    "web": {
        "admin_token": "web_admin_token",
        "max_connections": "web_max_connections",
        "request_timeout": "web_request_timeout",
    },
    "brief": {
        "at": "brief_at",
        "channels": "brief_channels",
        "since": "brief_since",
        "watchlist": "brief_watchlist",
    },
    "alerts": {
        "channels": "alert_channels",  # a list of URLs, or tables [alerts.channels.NAME]
        "routes": "alert_rules",
        "alert_on": "alert_rules",
        "group_over": "alert_rules",
        "lease": "alert_rules",
        "max_attempts": "alert_rules",
        "backoff": "alert_rules",
        "backoff_max": "alert_rules",
        "cooling": "alert_rules",
    },
}
# Whole-number settings and their least allowed value.
_COUNTS = {
    "concurrency": 1,
    "per_host": 1,
    "batch_size": 1,
    "max_bytes": 1,
    "parse_workers": 0,
    "web_max_connections": 2,
}
_DURATIONS = {"poll_interval", "tick", "deadline_check", "lease", "fetch_deadline"}
_DURATIONS |= {"web_request_timeout"}
_TEXTS = {"brief_at", "brief_since", "brief_watchlist", "web_admin_token"}
_BRIEF_AT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_ALERT_DURATIONS = {"lease", "backoff", "backoff_max", "cooling"}


def _alerts_section(path: Path, body: dict[str, Any]) -> dict[str, Any]:
    """``[alerts]``: shapes and durations here; names, URLs and routes in monitor.alerts."""
    values: dict[str, Any] = {"alert_rules": {}}
    where = f"{path}: [alerts]"
    for key, raw in body.items():
        if key not in _SCHEMA["alerts"]:
            known = ", ".join(_SCHEMA["alerts"])
            raise ConfigError(f"{where} unknown key '{key}' (known: {known})")
        if key == "channels" and isinstance(raw, dict):
            named: dict[str, dict[str, Any]] = {}
            for name, table in raw.items():
                if not isinstance(table, dict) or not isinstance(table.get("url"), str):
                    raise ConfigError(f'{path}: [alerts.channels.{name}] needs url = "…"')
                named[name] = {**table, "url": Secret(table["url"])}
            values["alert_named_channels"] = named
        elif key == "channels":
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise ConfigError(f"{where} channels must be a list of URLs or channel tables")
            values["alert_channels"] = tuple(Secret(v) for v in raw)
        elif key in _ALERT_DURATIONS:
            values["alert_rules"][key] = parse_duration(raw, f"{where} {key}")
        else:
            values["alert_rules"][key] = raw
    return values


def _from_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    values: dict[str, Any] = {}
    for section, body in data.items():
        if section not in _SCHEMA or not isinstance(body, dict):
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(_SCHEMA)})")
        if section == "alerts":
            values.update(_alerts_section(path, body))
            continue
        for key, raw in body.items():
            target = _SCHEMA[section].get(key)
            if target is None:
                known = ", ".join(_SCHEMA[section])
                raise ConfigError(f"{path}: [{section}] unknown key '{key}' (known: {known})")
            value: Any = raw
            if target in _DURATIONS:
                value = parse_duration(raw, f"{path}: [{section}] {key}")
            elif target in _COUNTS:
                least = _COUNTS[target]
                if isinstance(raw, bool) or not isinstance(raw, int) or raw < least:
                    raise ConfigError(
                        f"{path}: [{section}] {key} must be a whole number of at least {least}"
                    )
            elif target in ("watchlists", "brief_channels"):
                if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                    raise ConfigError(f"{path}: [{section}] {key} must be a list of strings")
                value = tuple(raw)
            elif target in _TEXTS:
                value = _text(raw, target, f"{path}: [{section}] {key}")
            values[target] = value
    return values


def _text(raw: Any, target: str, where: str) -> Any:
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{where} must be a non-empty string")
    if target == "brief_at" and not _BRIEF_AT.match(raw):
        raise ConfigError(f"{where}: {raw!r} is not a time of day HH:MM (UTC), e.g. 07:00")
    if target == "brief_since":
        from monitor.when import WhenError, parse_when

        try:
            parse_when(raw, datetime.now(UTC))
        except WhenError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return Secret(raw) if target == "web_admin_token" else raw


def load_settings(config: str | None = None, db: str | None = None) -> Settings:
    """Build settings from a config file (optional), the environment and options."""
    values: dict[str, Any] = {}
    path_text = config or os.environ.get("WATCHLIST_CONFIG")
    path: Path | None = Path(path_text) if path_text else None
    if path is None and Path(DEFAULT_CONFIG).is_file():
        path = Path(DEFAULT_CONFIG)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        values.update(_from_file(path))
        values["config_path"] = path
    if env_alerts := os.environ.get("WATCHLIST_ALERTS"):
        # The environment replaces every channel of the file, named ones included.
        values["alert_channels"] = tuple(Secret(url) for url in env_alerts.split())
        values["alert_named_channels"] = {}
    if token := os.environ.get("WATCHLIST_ADMIN_TOKEN"):
        values["web_admin_token"] = Secret(token)
    db_url = db or os.environ.get("WATCHLIST_DB") or values.get("database_url") or DEFAULT_DB
    values["database_url"] = db_url
    settings = Settings(**values)
    from monitor.alerts.config import alert_config

    alerts = alert_config(settings)  # bad alert config fails at start, not at the first alert
    for name in settings.brief_channels:
        alerts.channel(name)  # a [brief] channel must be one of [alerts]
    if settings.brief_channels and not settings.brief_at:
        raise ConfigError('[brief] channels are set but not at = "HH:MM" (UTC)')
    return settings


CONFIG_TEMPLATE = """\
# watchlist configuration (TOML). Environment variables override this file:
# WATCHLIST_DB for [database] url, WATCHLIST_ALERTS for [alerts] channels.

[database]
url = "{db}"

[polling]
interval = "15m"        # default poll interval of a new feed
tick = "10s"            # how often the daemon looks for due feeds
deadline_check = "5m"   # how often the daemon checks indicator deadlines
concurrency = 16        # fetches in flight at once
per_host = 4            # fetches in flight per host
fetch_deadline = "30s"  # total time one fetch may take
max_bytes = 10485760    # largest feed body accepted (decompressed)
# parse_workers = 2     # processes that parse and match (polls of 20+ feeds, replays of
                        # 2,000+ entries); default one per CPU, 0 keeps all the work in
                        # the polling process

[watchlists]
files = []              # watch-list YAML files loaded by `watchlist daemon` at start

[web]
# admin_token = "…"     # enables analyst actions in the dashboard (or WATCHLIST_ADMIN_TOKEN);
                        # without it the dashboard is read-only
# max_connections = 100 # open connections at most (the oldest idle one makes room)
# request_timeout = "10s"  # to send a whole request, and idle between requests

[brief]
# at = "07:00"          # send the daily brief at this time (UTC) …
# channels = ["console"]  # … to these alert channels (by name; HTML email over smtp)
# since = "1d"          # the period it covers
# watchlist = "…"       # only this watch list

[alerts]
channels = ["console:"] # slack:URL, smtp://…, smtps://…, webhook:URL, console: (or NAME=URL)
# alert_on = ["observed", "confirmed", "stalled", "overdue"]   # which arrivals alert
# group_over = 3        # more due alerts than this for one channel go out as one message
# lease = "60s"         # how long a worker owns the alerts it is sending
# max_attempts = 10     # transient failures before an alert goes to the dead letters
# backoff = "30s"       # first retry delay (doubles each time, with jitter) …
# backoff_max = "1h"    # … up to this
# cooling = "24h"       # no alert when an indicator flips back to a status alerted this
#                       # recently (a rewritten entry flipping it every poll); "0s": off
#
# Named channels instead of the list above (names appear in `alerts list`, never URLs):
# [alerts.channels.desk]
# url = "slack:https://hooks.slack.com/services/T000/B000/XXXX"
# digest = "hourly"     # or "daily": one grouped message per period
#
# Routes (when present, only they decide who gets what):
# [[alerts.routes]]
# channels = ["desk"]
# watchlists = ["india-russia"]   # and/or tags = ["trade"], severity = ["high"],
#                                 # statuses = ["confirmed"] (default: alert_on)
"""

"""Prometheus metrics of one worker, in their own registry (no process-global state).

Counters count what this process did since it started; a fresh database polled by one
daemon therefore agrees with them exactly (tests/monitor/test_health.py checks it).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from monitor.feeds.types import FetchResult
from monitor.model import ChangeInfo


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.polls = Counter(
            "watchlist_polls", "Feed polls by outcome", ["outcome"], registry=self.registry
        )
        self.fetch_seconds = Histogram(
            "watchlist_fetch_seconds",
            "Time to fetch one feed",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.entries = Counter(
            "watchlist_entries", "New or changed entries stored", registry=self.registry
        )
        self.evidence = Counter(
            "watchlist_evidence", "Evidence recorded", ["modality"], registry=self.registry
        )
        self.status_changes = Counter(
            "watchlist_status_changes", "Status changes recorded", ["to"], registry=self.registry
        )
        self.alerts = Counter(
            "watchlist_alerts", "Alert deliveries by outcome", ["outcome"], registry=self.registry
        )
        self.feeds_in_backoff = Gauge(
            "watchlist_feeds_in_backoff", "Feeds whose last poll failed", registry=self.registry
        )
        self.last_tick = Gauge(
            "watchlist_last_tick_timestamp_seconds", "End of the last tick", registry=self.registry
        )

    def fetched(self, result: FetchResult, outcome: str) -> None:
        self.polls.labels(outcome=outcome).inc()
        self.fetch_seconds.observe(result.duration)

    def changed(self, change: ChangeInfo) -> None:
        self.status_changes.labels(to=change.to_status).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

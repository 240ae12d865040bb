"""Dashboard pages at scale: ``python -m bench.web`` (``make bench-web``).

Builds a SQLite database (or ``--db`` PostgreSQL URL, a fresh schema is up to you) with
100 indicators and 10,000 pieces of evidence (one "hot" indicator holds 2,000 of them,
the rest share the remainder), 10,000 entries over 20 feeds, five status changes per
indicator and 500 alerts, then serves it with the real server (uvicorn on 127.0.0.1)
in its own process (``watchlist serve``), and times each page over HTTP: median and
90th percentile of ``--runs`` requests, after two warm-up requests. Issue 17 asks for
every page under 200 ms (median).
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from bench.common import ROOT
from indicators.loader import read_watchlist_text
from monitor.storage import indicators as indicators_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Alert, Entry, EvidenceRow, Feed, IndicatorRow, StatusChange

NOW = datetime(2025, 12, 20, tzinfo=UTC)
BUDGET_MS = 200.0
MODALITIES = ("occurred", "anticipated", "negated")
STATUSES = ("watching", "anticipated", "observed", "confirmed", "stalled", "overdue")


def watchlist_yaml(indicators: int) -> str:
    lines = ["id: bench", "title: Bench watch list", "indicators:"]
    for i in range(indicators):
        lines += [
            f"  - id: ind-{i:03d}",
            f"    title: Indicator number {i} about shipbuilding and trade",
            f"    query: (india OR indian) (russia OR russian) (term{i} OR shipbuilding)",
            "    expected_by: 2025-12-31",
        ]
    return "\n".join(lines) + "\n"


def build(db: Database, indicators: int, evidence: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    migrate.upgrade(db)
    watchlist, findings = read_watchlist_text(watchlist_yaml(indicators), "bench.yaml")
    assert watchlist is not None, [str(f) for f in findings]
    start = NOW - timedelta(days=60)
    with db.write() as session:
        indicators_repo.sync_watchlist(session, watchlist, start)
        ids = [row.id for row in session.query(IndicatorRow).order_by(IndicatorRow.id)]
        feeds = [
            {
                "url": f"https://feeds{f}.example/rss",
                "folder": "Bench",
                "added_at": start,
                "interval_seconds": 900,
                "next_poll_at": NOW,
                "last_polled_at": NOW,
                "last_outcome": "ok" if f % 7 else "error",
                "error_count": 0 if f % 7 else 3,
                "total_errors": 0 if f % 7 else 3,
            }
            for f in range(20)
        ]
        session.execute(insert(Feed), feeds)
        session.execute(
            insert(Entry),
            [
                {
                    "feed_id": 1 + n % 20,
                    "dedup_key": f"k{n}",
                    "link": f"https://pub{n % 30}.example/story/{n}",
                    "title": f"India and Russia story {n} on shipbuilding and trade",
                    "summary": "Officials said the yards signed an agreement.",
                    "content_hash": f"{n:064x}",
                    "publisher": f"pub{n % 30}.example",
                    "published_at": start + timedelta(minutes=8 * n),
                    "first_seen_at": start + timedelta(minutes=8 * n),
                    "updated_at": start + timedelta(minutes=8 * n),
                }
                for n in range(evidence)
            ],
        )
        hot = evidence // 5
        rows = []
        for n in range(evidence):
            indicator = ids[0] if n < hot else ids[1 + n % (len(ids) - 1)]
            at = start + timedelta(minutes=8 * n)
            rows.append(
                {
                    "entry_id": n + 1,
                    "indicator_id": indicator,
                    "indicator_version": "bench",
                    "position": 0,
                    "modality": rng.choice(MODALITIES),
                    "sentence": f"India and Russia signed shipbuilding agreement number {n}.",
                    "terms": ["india", "russia", "shipbuilding"],
                    "publisher": f"pub{n % 30}.example",
                    "published_at": at,
                    "cluster_id": n + 1 - (n % 3),
                    "created_at": at,
                    "dismissed": n % 50 == 0,
                }
            )
        session.execute(insert(EvidenceRow), rows)
        changes = []
        for indicator in ids:
            previous = "watching"
            for step in range(5):
                status = rng.choice([s for s in STATUSES if s != previous])
                changes.append(
                    {
                        "indicator_id": indicator,
                        "from_status": previous,
                        "to_status": status,
                        "at": start + timedelta(days=10 * step + rng.random()),
                        "reason": f"bench change {step}",
                        "cause": "evidence",
                        "evidence_ids": [],
                    }
                )
                previous = status
            session.query(IndicatorRow).filter(IndicatorRow.id == indicator).update(
                {"status": previous, "status_since": changes[-1]["at"]}
            )
        session.execute(insert(StatusChange), changes)
        session.execute(
            insert(Alert),
            [
                {
                    "status_change_id": 1 + n % len(changes),
                    "channel": "desk",
                    "idempotency_key": f"bench-{n}",
                    "state": ("sent", "pending", "dead")[n % 3],
                    "attempts": 1,
                    "next_attempt_at": NOW,
                    "created_at": NOW,
                    "payload": {"indicator": "bench/ind-000", "from": "watching", "to": "observed"},
                }
                for n in range(500)
            ],
        )


PAGES = {
    "board": "/",
    "board, one status": "/?status=confirmed",
    "indicator (2,000 evidence)": "/indicator/bench/ind-000",
    "indicator (~80 evidence)": "/indicator/bench/ind-050",
    "feeds": "/feeds",
    "alerts": "/alerts",
}


def fetch(port: int, path: str) -> bytes:
    """One GET on a fresh connection, read to the end. A bare socket, not httpx: its own
    overhead on this machine (~50 ms a request under load) would swamp the server's."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    if not response.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"{path}: {response[:100]!r}")
    return response


def measure(port: int, runs: int) -> dict[str, tuple[float, float]]:
    results: dict[str, tuple[float, float]] = {}
    for name, path in PAGES.items():
        for _ in range(2):
            fetch(port, path)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            fetch(port, path)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[name] = (statistics.median(times), times[int(0.9 * (len(times) - 1))])
    return results


@contextmanager
def serving(url: str) -> Iterator[int]:
    """``watchlist serve`` in its own process (a client in the same process would share
    the server's GIL and time itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "--db", url, "serve", "--http", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--evidence", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.db or f"sqlite:///{Path(tmp) / 'bench-web.db'}")
        started = time.perf_counter()
        build(db, args.indicators, args.evidence)
        print(
            f"built {args.indicators} indicators, {args.evidence} evidence in "
            f"{time.perf_counter() - started:.1f} s ({db.dialect})",
            file=sys.stderr,
        )
        db.dispose()
        with serving(args.db or f"sqlite:///{Path(tmp) / 'bench-web.db'}") as port:
            results = measure(port, args.runs)
    print(
        f"| page ({args.indicators} indicators, {args.evidence:,} evidence) | median ms | p90 ms |"
    )
    print("| --- | --- | --- |")
    ok = True
    for name, (med, p90) in results.items():
        print(f"| {name} | {med:.1f} | {p90:.1f} |")
        ok &= med < BUDGET_MS
    print(f"\nevery page's median under {BUDGET_MS:.0f} ms: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

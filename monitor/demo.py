"""``make run``: the seed story, replayed on 127.0.0.1 in about a minute.

The bundled sample feeds (seeds/feeds/) cover 7 November – 20 December 2025. This demo
serves them from a local HTTP server that releases each entry when a simulated clock
reaches its date (one simulated day per real second by default), and runs the real
daemon against them on SQLite with that same clock. So a newcomer watches indicators move
from watching to anticipated, observed and confirmed, each with the sentence that moved
it, and then, once 31 December has passed, sees the ones never observed go overdue.

Nothing leaves the machine: the server binds 127.0.0.1 and the feeds use .example links.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from indicators.loader import load_watchlist
from monitor.config import Settings
from monitor.daemon import run_daemon
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage import migrate
from monitor.storage.db import Database, sqlite_path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
STORY_START = datetime(2025, 11, 6, tzinfo=UTC)
ATOM = "http://www.w3.org/2005/Atom"

log = logging.getLogger("watchlist.demo")


class SimClock:
    """Simulated time: ``start`` plus ``speed`` times the real time elapsed."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed = start, speed
        self.real_start = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.start + (datetime.now(UTC) - self.real_start) * self.speed


def _parse_when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def released(path: Path, now: datetime) -> bytes:
    """The feed document with only the entries published by ``now``."""
    if path.suffix == ".json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["items"] = [
            i for i in doc.get("items", []) if (_parse_when(i.get("date_published")) or now) <= now
        ]
        return json.dumps(doc).encode()
    ET.register_namespace("", ATOM)
    tree = ET.parse(path)  # noqa: S314 - our own bundled files, not untrusted input
    root = tree.getroot()
    for parent in root.iter():
        for child in list(parent):
            if child.tag == "item":
                when = _parse_when(child.findtext("pubDate"))
            elif child.tag == f"{{{ATOM}}}entry":
                when = _parse_when(
                    child.findtext(f"{{{ATOM}}}published") or child.findtext(f"{{{ATOM}}}updated")
                )
            else:
                continue
            if when is not None and when > now:
                parent.remove(child)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args: Any, clock: SimClock, **kwargs: Any) -> None:
        self.clock = clock
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = SEEDS / "feeds" / Path(self.path.lstrip("/")).name
        if not path.is_file() or path.suffix not in (".xml", ".json"):
            self.send_error(404)
            return
        body = released(path, self.clock())
        kind = "application/feed+json" if path.suffix == ".json" else "application/xml"
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def start_story_server(clock: SimClock) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, clock=clock))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def prepare(db: Database, base_url: str, now: datetime) -> None:
    migrate.upgrade(db)
    watchlist = load_watchlist(SEEDS / "watchlists" / "india-russia-2025.yaml")
    from monitor.feeds.opml import read_opml

    outlines = read_opml((SEEDS / "feeds" / "feeds.opml").read_bytes())
    with db.write() as session:
        indicators_repo.sync_watchlist(session, watchlist, now)
        for outline in outlines:
            url = f"{base_url}/{Path(outline.url).name}"
            feeds_repo.add_feed(
                session,
                url,
                now,
                title=outline.title,
                folder="/".join(outline.folder),
                interval=timedelta(hours=6),
            )


def free_address(address: str) -> str:
    """``address``, or the same host on a free port when another program holds it."""
    host, _, port = address.rpartition(":")
    with socket.socket() as probe:
        try:
            probe.bind((host, int(port)))
        except OSError:
            log.warning("demo: %s is taken; the dashboard takes a free port instead", address)
            return f"{host}:0"
    return address


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay the seed story through the daemon.")
    parser.add_argument("--db", default="var/demo.db", help="SQLite file (recreated each run)")
    parser.add_argument("--speed", type=float, default=86400.0, help="simulated s per real s")
    parser.add_argument(
        "--http", default="127.0.0.1:8080", help="the dashboard's HOST:PORT (a busy port: any)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("watchlist").setLevel(logging.INFO)
    path = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    clock = SimClock(STORY_START, args.speed)
    server = start_story_server(clock)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    db = Database(f"sqlite:///{path}")
    prepare(db, base, clock())
    log.info(
        "demo: the India–Russia story from %s, one day a second; feeds served at %s; "
        "database %s. The dashboard's address follows. Ctrl-C stops it; then try: "
        ".venv/bin/watchlist --db %s status",
        STORY_START.date(),
        base,
        sqlite_path(db.url),
        path,
    )
    settings = Settings(
        database_url=db.url, tick=1.0, deadline_check=1.0, alert_channels=("console:",)
    )
    try:
        return run_daemon(settings, db, clock=clock, http=free_address(args.http))
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    raise SystemExit(main())

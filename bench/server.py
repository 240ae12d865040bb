"""A threaded HTTP server on 127.0.0.1 that serves generated feed documents with latency.

It runs in its own process (``python -m bench.server DIR``) so that serving does not take
the GIL from the code being measured. Documents are read from ``DIR/<set>/<n>.xml`` on
first request and kept in memory (a benchmark warms them up before timing). A request
for ``/d<ms>/<mode>/<set>/<n>.xml``:

* sleeps ``<ms>`` milliseconds first (the latency of a distant server), every request;
* with ``mode`` ``etag``, sends an ``ETag`` and answers ``304 Not Modified`` to a matching
  ``If-None-Match``; with ``plain``, sends no validator (a re-poll gets the same body).

HTTP/1.1 with Content-Length, so pooled clients keep their connections alive. The process
prints ``PORT <n>`` on its first line of output and serves until SIGTERM or stdin closes.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType

_ROUTE = re.compile(r"^/d(\d+)/(etag|plain)/([\w-]+)/(\d+)\.xml$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the default backlog of 5 drops bursts of connections

    def __init__(self, root: Path) -> None:
        self.root = root
        self.documents: dict[tuple[str, str], tuple[bytes, str] | None] = {}
        super().__init__(("127.0.0.1", 0), _Handler)

    def document(self, doc_set: str, number: str) -> tuple[bytes, str] | None:
        """The document and its ETag, read from disk on first use and kept in memory."""
        key = (doc_set, number)
        if key not in self.documents:
            path = self.root / doc_set / f"{number}.xml"
            try:
                body = path.read_bytes()
            except OSError:
                return None  # not cached: it may be written later
            self.documents[key] = (body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
        return self.documents[key]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        route = _ROUTE.match(self.path.split("?", 1)[0])
        found = route and self.server.document(route.group(3), route.group(4))
        if route is None or not found:
            self._reply(404, b"not found\n", {"Content-Type": "text/plain"})
            return
        delay_ms, mode = int(route.group(1)), route.group(2)
        if delay_ms:
            time.sleep(delay_ms / 1000)
        body, etag = found
        headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
        if mode == "etag":
            headers["ETag"] = etag
            if self.headers.get("If-None-Match") == etag:
                self._reply(304, b"", headers)
                return
        self._reply(200, body, headers)

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


def serve(root: Path) -> None:
    server = _Server(root)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=lambda: (sys.stdin.read(), stop(0, None)), daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.05)
    server.server_close()


class FeedServer:
    """The server process, from the benchmark's side: ``url(set, n, latency_ms)``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> FeedServer:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(self.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"feed server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def url(self, doc_set: str, number: int, latency_ms: int = 0, *, etag: bool = True) -> str:
        mode = "etag" if etag else "plain"
        return f"http://127.0.0.1:{self.port}/d{latency_ms}/{mode}/{doc_set}/{number}.xml"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin:
            self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))

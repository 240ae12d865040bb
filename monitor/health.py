"""``daemon --http HOST:PORT``: /healthz, /readyz and /metrics for orchestrators.

``/healthz`` answers while the process serves HTTP at all; ``/readyz`` only when the
database answers, the scheduler runs and the last tick is recent; ``/metrics`` is the
Prometheus text format. Bind it to 127.0.0.1 unless a proxy in front guards it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.errors import ConfigError
from monitor.metrics import Metrics

ReadyCheck = Callable[[], tuple[bool, str]]


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ConfigError(f"--http {text!r}: expected HOST:PORT, e.g. 127.0.0.1:9108")
    return host.strip("[]"), int(port)


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args: Any, metrics: Metrics, ready: ReadyCheck, **kwargs: Any) -> None:
        self.metrics, self.ready = metrics, ready
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200, b"ok\n", "text/plain")
        elif path == "/readyz":
            ok, why = self.ready()
            self._send(200 if ok else 503, (why + "\n").encode(), "text/plain")
        elif path == "/metrics":
            self._send(200, self.metrics.exposition(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self._send(404, b"not found\n", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class HealthServer:
    def __init__(self, address: str, metrics: Metrics, ready: ReadyCheck) -> None:
        host, port = parse_address(address)
        handler = partial(_Handler, metrics=metrics, ready=ready)
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise ConfigError(f"--http {address}: cannot listen: {exc.strerror}") from exc
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

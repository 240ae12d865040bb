"""The HTTP server: uvicorn (asyncio, one thread) with two guards of our own.

``ThreadingHTTPServer`` gave every connection a thread and no timeout: 3,000 idle
half-requests made 3,005 threads (issue 16). Here a connection costs no thread, and

* **a request timeout**: a connection must deliver a whole request line and headers
  within ``request_timeout`` of opening, or of its previous response; otherwise it is
  closed (uvicorn alone waits for ever on a half-sent request);
* **a connection limit**: at most ``max_connections`` are open; a new one beyond that
  evicts the oldest connection that has no request in progress (an idle or half-sent
  one), so a flood of idle sockets cannot lock real clients out; if every connection
  is busy the newcomer is closed.

Pages are rendered by synchronous endpoints in anyio's thread pool (40 threads at most).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from monitor.errors import ConfigError
from monitor.health import parse_address


class GuardedProtocol(H11Protocol):
    max_connections = 100
    request_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._idle_since = self.loop.time()
        self._guard: asyncio.TimerHandle | None = self.loop.call_later(
            self.request_timeout, self._check
        )
        open_ = sum(not c.transport.is_closing() for c in self.connections)
        if open_ > self.max_connections:
            self._make_room()

    def _waiting(self) -> bool:
        """No request in hand: between requests, or its headers still on the way."""
        return self.cycle is None or self.cycle.response_complete

    def _make_room(self) -> None:
        idle = [
            c
            for c in self.connections
            if c is not self
            and isinstance(c, GuardedProtocol)
            and c._waiting()
            and not c.transport.is_closing()  # closed already, not yet gone from the set
        ]
        victim = min(idle, key=lambda c: c._idle_since) if idle else self
        victim.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._idle_since = self.loop.time()

    def _check(self) -> None:
        self._guard = None
        if self.transport.is_closing():
            return
        delay = self.request_timeout
        if self._waiting():
            waited = self.loop.time() - self._idle_since
            if waited >= self.request_timeout:
                self.transport.close()
                return
            delay -= waited
        self._guard = self.loop.call_later(delay, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None
        super().connection_lost(exc)


def _protocol(max_connections: int, request_timeout: float) -> type[GuardedProtocol]:
    attributes = {"max_connections": max_connections, "request_timeout": request_timeout}
    return type("GuardedProtocol", (GuardedProtocol,), attributes)


class WebServer:
    """An ASGI app on HOST:PORT: ``start()`` in a thread (the daemon) or ``run()``."""

    def __init__(
        self,
        address: str,
        app: Any,
        *,
        max_connections: int = 100,
        request_timeout: float = 10.0,
    ) -> None:
        host, port = parse_address(address)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError as exc:
            self._socket.close()
            raise ConfigError(f"--http {address}: cannot listen: {exc.strerror}") from exc
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            http=_protocol(max_connections, request_timeout),
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_keep_alive=max(1, int(request_timeout)),
            timeout_graceful_shutdown=5,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def run(self) -> None:
        """Serve on this thread until SIGINT/SIGTERM, then return (exit status 0).

        uvicorn handles the signal (a graceful shutdown) and then raises it again for the
        handlers it found installed; those are made no-ops here, or the process would die
        of the signal it was asked to stop by.
        """
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: None)
        self._server.run(sockets=[self._socket])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise ConfigError(f"the web server on {self.url} did not start within 10 s")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._socket.close()

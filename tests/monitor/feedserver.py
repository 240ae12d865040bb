"""A real HTTP server on 127.0.0.1 for feed tests: routes registered per test, no mocks.

Use the ``feed_server`` fixture (tests/monitor/conftest.py), or ``with FeedServer() as s:``.

    url = server.add("/feed.xml", RSS, etag='"v1"')        # static document, answers 304
    server.add("/big", body, framing="chunked")             # no Content-Length
    server.add("/slow", body, chunk_size=10, chunk_delay=0.1)   # trickle
    server.add("/late", body, delay=2.0)                    # sleeps before the status line
    server.add("/gz", body, gzip=True)                      # Content-Encoding: gzip
    server.redirect("/old", "/feed.xml", status=301)        # path or absolute URL
    server.add_handler("/hook", lambda req: Reply(status=204))  # any method; req.body
    server.hits("/feed.xml"); server.requests("/feed.xml")[0].headers["if-none-match"]

Every request is recorded, unknown paths too (they get a 404), so a test can prove that
something was *not* requested: ``assert server.hits("/evil.dtd") == 0``.

Shutting down is prompt and clean (pytest runs with warnings as errors): ``close()`` wakes
sleeping handlers, shuts open connections down (keep-alive clients included) and joins every
handler thread. Handler failures other than a client hanging up are kept in ``errors``.
"""

from __future__ import annotations

import contextlib
import gzip as gzip_module
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

Framing = Literal["length", "chunked", "close"]


@dataclass(frozen=True)
class Request:
    """A request as the server saw it. Header names are lower-cased."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes = b""  # POST/PUT bodies (Content-Length framed), e.g. webhook alerts


@dataclass(frozen=True)
class Reply:
    """What to send back.

    ``framing``: ``length`` sends Content-Length; ``chunked`` uses chunked transfer-encoding;
    ``close`` sends neither and ends the body by closing the connection.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before the status line (read timeouts)
    chunk_size: int | None = None  # write the body in pieces of this size ...
    chunk_delay: float = 0.0  # ... sleeping this long between them (trickle)
    framing: Framing = "length"


Handler = Callable[[Request], Reply]


class FeedServer:
    """A threaded HTTP/1.1 server bound to 127.0.0.1 on a free port."""

    def __init__(self) -> None:
        self._routes: dict[str, Handler] = {}
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connections: set[socket.socket] = set()
        self.errors: list[BaseException] = []
        self._httpd = _HTTPServer(self)
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, end open connections and join every thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()  # joins the handler threads (block_on_close)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- routes ------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"{self.base_url}{path}"

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = "application/rss+xml; charset=utf-8",
        etag: str | None = None,
        last_modified: str | None = None,
        gzip: bool = False,
        delay: float = 0.0,
        chunk_size: int | None = None,
        chunk_delay: float = 0.0,
        framing: Framing = "length",
    ) -> str:
        """Serve a static document at ``path``; returns its URL.

        With ``etag`` and/or ``last_modified`` the route answers 304 to a matching
        ``If-None-Match`` (which takes precedence, RFC 9110 §13.2.2) or ``If-Modified-Since``.
        ``gzip=True`` compresses ``body`` and adds ``Content-Encoding: gzip``; to serve bytes
        that are already encoded, pass them with the header instead.
        """
        data = body.encode("utf-8") if isinstance(body, str) else body
        sent_headers = {"Content-Type": content_type} if content_type else {}
        if gzip:
            data = gzip_module.compress(data, mtime=0)
            sent_headers["Content-Encoding"] = "gzip"
        if etag:
            sent_headers["ETag"] = etag
        if last_modified:
            sent_headers["Last-Modified"] = last_modified
        sent_headers.update(headers or {})
        reply = Reply(status, data, sent_headers, delay, chunk_size, chunk_delay, framing)
        kept = {
            k: v for k, v in sent_headers.items() if k not in ("Content-Type", "Content-Encoding")
        }
        not_modified = Reply(304, b"", kept)

        def static(request: Request) -> Reply:
            if _not_modified(request, etag, last_modified):
                return not_modified
            return reply

        return self.add_handler(path, static)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        """Redirect ``path`` to ``to`` (sent as-is in Location: a path or any URL)."""
        return self.add_handler(path, lambda _: Reply(status, b"", {"Location": to}))

    def add_handler(self, path: str, handler: Handler) -> str:
        """Answer requests for ``path`` (query string ignored) with ``handler(request)``."""
        with self._lock:
            self._routes[path] = handler
        return self.url(path)

    # --- what was seen -----------------------------------------------------------------------

    def hits(self, path: str) -> int:
        """How many requests reached ``path`` (query string ignored), routed or not."""
        return len(self.requests(path))

    def requests(self, path: str | None = None) -> list[Request]:
        """Requests received, oldest first; all of them, or those for ``path``."""
        with self._lock:
            seen = list(self._requests)
        return [r for r in seen if path is None or urlsplit(r.path).path == path]

    # --- used by the handler -----------------------------------------------------------------

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self._requests.append(request)
            handler = self._routes.get(urlsplit(request.path).path)
        if handler is None:
            return Reply(404, b"no route\n", {"Content-Type": "text/plain"})
        return handler(request)

    def _track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def _not_modified(request: Request, etag: str | None, last_modified: str | None) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if etag and if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    if_modified_since = request.headers.get("if-modified-since")
    if last_modified and if_modified_since:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # joined by server_close(): no thread outlives the test
    block_on_close = True

    def __init__(self, owner: FeedServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def process_request(self, request: socket.socket, client_address: object) -> None:
        self.owner._track(request, open_=True)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        self.owner._track(request, open_=False)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):  # a client hanging up is fine
            self.owner.errors.append(error)
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection cannot hold a thread for long
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def do_POST(self) -> None:
        self._serve(with_body=True)

    do_PUT = do_DELETE = do_PATCH = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests assert on server.requests() instead

    def _serve(self, *, with_body: bool) -> None:
        owner = self.server.owner
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        reply = owner._dispatch(Request(self.command, self.path, headers, body))
        if reply.delay and owner._stop.wait(reply.delay):
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        has_body = with_body and reply.status not in (204, 304)
        if reply.status in (204, 304):
            pass
        elif reply.framing == "length":
            self.send_header("Content-Length", str(len(reply.body)))
        elif reply.framing == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if has_body:
            self._write_body(reply, owner._stop)

    def _write_body(self, reply: Reply, stop: threading.Event) -> None:
        size = reply.chunk_size or max(len(reply.body), 1)
        pieces = [reply.body[i : i + size] for i in range(0, len(reply.body), size)]
        for index, piece in enumerate(pieces):
            if index and reply.chunk_delay and stop.wait(reply.chunk_delay):
                self.close_connection = True
                return
            if reply.framing == "chunked":
                piece = b"%x\r\n%s\r\n" % (len(piece), piece)
            self.wfile.write(piece)
            self.wfile.flush()
        if reply.framing == "chunked":
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

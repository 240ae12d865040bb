"""Real servers on 127.0.0.1 for the alert tests (no mocks), and a seeded outbox.

``WebhookServer``: a stdlib ``ThreadingHTTPServer`` that records every POST and answers
from a per-path script (``script("/hook", Answer(500), Answer(429, retry_after=5))``,
then the default ``200 ok``). ``SmtpServer``: aiosmtpd's threaded ``Controller`` on a free
port, recording messages and refusing scripted recipients or DATA replies.

Both shut down completely in ``close()`` (pytest runs with warnings as errors): sleeping
handlers are woken, connections are shut, and every thread is joined.

``seed_changes`` records real status changes (watch list, indicator, feed entry, evidence,
``monitor.decisions.record_decision``) and queues their alerts through a sink, in one transaction per change.
"""

from __future__ import annotations

import contextlib
import email
import json
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.alerts.outbox import AlertSink
from monitor.decisions import record_decision
from monitor.model import Cause, ChangeInfo
from monitor.storage.db import Database
from monitor.storage.models import Entry, EvidenceRow, Feed, IndicatorRow, WatchlistRow

# --- webhook server -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow service)
    retry_after: int | None = None  # sets a Retry-After header


@dataclass(frozen=True)
class Hook:
    """A POST as the server saw it; header names lower-cased."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookServer:
    def __init__(self, default: Answer | None = None) -> None:
        self.default = default or Answer()
        self._scripts: dict[str, list[Answer]] = {}
        self._hooks: list[Hook] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connections: set[socket.socket] = set()
        self.errors: list[BaseException] = []
        self._httpd = _HTTPServer(self)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *answers: Answer) -> str:
        """Answer the next requests to ``path`` with ``answers`` in order, then the default."""
        with self._lock:
            self._scripts.setdefault(path, []).extend(answers)
        return self.url(path)

    def received(self, path: str | None = None) -> list[Hook]:
        with self._lock:
            return [h for h in self._hooks if path is None or h.path == path]

    def start(self) -> WebhookServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()

    def __enter__(self) -> WebhookServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _answer(self, hook: Hook) -> Answer:
        with self._lock:
            self._hooks.append(hook)
            script = self._scripts.get(hook.path)
            return script.pop(0) if script else self.default

    def _track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(connection)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, owner: WebhookServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._track(request, open_=True)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.owner._track(request, open_=False)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.owner.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = owner._answer(Hook(self.path, headers, body, time.monotonic()))
        if answer.delay and owner._stop.wait(answer.delay):
            self.close_connection = True
            return
        self.send_response(answer.status)
        if answer.retry_after is not None:
            self.send_header("Retry-After", str(answer.retry_after))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


# --- SMTP server --------------------------------------------------------------------------


class _Controller(Controller):
    """aiosmtpd's controller on port 0: learn the real port before the start-up probe."""

    def _trigger_server(self) -> None:
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        probe: Any = super()._trigger_server
        probe()


class SmtpServer:
    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}  # recipient → reply, e.g. "550 5.1.1 no such user"
        self.data_replies: list[str] = []  # replies to the next DATA commands, then 250
        self.credentials = credentials
        self._lock = threading.Lock()
        kwargs: dict[str, Any] = {}
        if credentials:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = _Controller(self, hostname="127.0.0.1", port=0, **kwargs)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def url(self, *, to: str = "desk@example.org", user: str = "", extra: str = "") -> str:
        auth = f"{user}@" if user else ""
        return f"smtp://{auth}127.0.0.1:{self.port}?from=watchlist@example.org&to={to}{extra}"

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def close(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.credentials == (
            data.login.decode(),
            data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            message = email.message_from_bytes(envelope.content, policy=default_policy)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


# --- a seeded outbox ----------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One indicator's change: what the feed said."""

    key: str
    title: str = "Signing of an industrial-technology agreement"
    entry_title: str = "India, Russia sign industrial cooperation pact"
    sentence: str = "India and Russia signed an industrial cooperation pact on Friday."
    link: str | None = "https://news.example/pact"
    publisher: str = "news.example"
    tags: tuple[str, ...] = ()
    severity: str = "medium"
    watchlist: str = "india-russia"


def seed_changes(
    db: Database, stories: Sequence[Story], sink: AlertSink, now: datetime
) -> list[ChangeInfo]:
    """Record watching → observed for each story (one occurred sentence) and queue alerts."""
    changes = []
    with db.write() as session:
        for watchlist in sorted({s.watchlist for s in stories}):
            if session.get(WatchlistRow, watchlist) is None:
                session.add(WatchlistRow(id=watchlist, title=watchlist, loaded_at=now))
        feed = Feed(
            url=f"https://feeds.invalid/{len(stories)}-{now.timestamp()}",
            folder="",
            added_at=now,
            next_poll_at=now + timedelta(days=365),  # a daemon under test must not poll it
            error_count=0,
            total_errors=0,
        )
        session.add(feed)
        session.flush()
        feed_id = feed.id
    for number, story in enumerate(stories):
        with db.write() as session:
            indicator = IndicatorRow(
                watchlist_id=story.watchlist,
                key=story.key,
                title=story.title,
                query="pact",
                version="v1",
                status="watching",
                status_since=now,
                tags=list(story.tags),
                severity=story.severity,
                cues={},
            )
            entry = Entry(
                feed_id=feed_id,
                dedup_key=f"{story.key}-{number}",
                link=story.link,
                title=story.entry_title,
                summary=story.sentence,
                content_hash=f"{number:064d}",
                publisher=story.publisher,
                published_at=now,
                first_seen_at=now,
                updated_at=now,
            )
            session.add_all([indicator, entry])
            session.flush()
            session.add(
                EvidenceRow(
                    entry_id=entry.id,
                    indicator_id=indicator.id,
                    indicator_version="v1",
                    position=0,
                    modality="occurred",
                    sentence=story.sentence,
                    terms=["pact"],
                    publisher=story.publisher,
                    published_at=now,
                    created_at=now,
                )
            )
            session.flush()
            change = record_decision(session, indicator.id, now, Cause.EVIDENCE, sink)
            assert change is not None
            changes.append(change)
    return changes

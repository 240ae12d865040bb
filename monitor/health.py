"""``daemon --http HOST:PORT``: /healthz, /readyz and /metrics for orchestrators, and the
dashboard (``monitor.web``) beside them, all served by ``monitor.web.server``.

``/healthz`` answers while the process serves HTTP at all; ``/readyz`` only when the
database answers, the scheduler runs and the last tick is recent; ``/metrics`` is the
Prometheus text format. Bind it to 127.0.0.1 unless a proxy in front guards it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.metrics import Metrics
    from monitor.storage.db import Database

ReadyCheck = Callable[[], tuple[bool, str]]


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ConfigError(f"--http {text!r}: expected HOST:PORT, e.g. 127.0.0.1:9108")
    return host.strip("[]"), int(port)


class HealthServer:
    """/healthz, /readyz and /metrics; with ``db``, the dashboard's pages beside them."""

    def __init__(
        self,
        address: str,
        metrics: Metrics,
        ready: ReadyCheck,
        *,
        db: Database | None = None,
        settings: Settings | None = None,
        clock: Clock = utcnow,
    ) -> None:
        from monitor.web import Auth, WebServer, create_app

        settings = settings or Settings()
        from monitor.alerts import make_sink

        app = create_app(
            db,
            auth=Auth(settings.web_admin_token),
            clock=clock,
            metrics=metrics,
            ready=ready,
            alerts=make_sink(settings),  # an analyst's correction alerts (issue 14)
        )
        self._server = WebServer(
            address,
            app,
            max_connections=settings.web_max_connections,
            request_timeout=settings.web_request_timeout,
        )
        self.port = self._server.port
        self.url = self._server.url

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

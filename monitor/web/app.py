"""The dashboard as a Starlette app: routes, templates, security headers.

Everything is rendered on the server and works without JavaScript (the pages have
none). Every response carries a strict Content-Security-Policy: no script at all,
styles and images only from this server, forms only to it, no framing. The one
stylesheet is package data (``static/style.css``); nothing is fetched from elsewhere.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.alerts.outbox import AlertSink
from monitor.clock import Clock, utcnow
from monitor.metrics import Metrics
from monitor.storage.db import Database
from monitor.web import actions, pages
from monitor.web.auth import Auth
from monitor.web.context import Context, ReadyCheck, environment

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Pure ASGI middleware: the headers above on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


@cache
def _stylesheet() -> bytes:
    return files("monitor.web").joinpath("static/style.css").read_bytes()


def _css(_request: Request) -> Response:
    return Response(_stylesheet(), media_type="text/css", headers={"cache-control": "max-age=300"})


def _healthz(_request: Request) -> Response:
    return PlainTextResponse("ok\n")


def _readyz(request: Request) -> Response:
    ok, why = Context.of(request).ready()
    return PlainTextResponse(why + "\n", status_code=200 if ok else 503)


def _metrics(request: Request) -> Response:
    metrics = Context.of(request).metrics
    if metrics is None:
        return PlainTextResponse("not found\n", status_code=404)
    return Response(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")


def _not_found(request: Request, _exc: Exception) -> Response:
    return PlainTextResponse("not found\n", status_code=404)


def create_app(
    db: Database | None,
    *,
    auth: Auth | None = None,
    clock: Clock = utcnow,
    metrics: Metrics | None = None,
    ready: ReadyCheck | None = None,
    alerts: AlertSink | None = None,
) -> Starlette:
    """The app; with ``db`` None only /healthz, /readyz and /metrics (health alone)."""
    routes = [
        Route("/healthz", _healthz),
        Route("/readyz", _readyz),
        Route("/metrics", _metrics),
    ]
    if db is not None:
        routes += [
            Route("/", pages.board),
            Route("/indicator/{watchlist}/{key}", pages.indicator),
            Route("/feeds", pages.feeds),
            Route("/alerts", pages.alerts),
            Route("/static/style.css", _css),
            Route("/login", pages.login_form, methods=["GET"]),
            Route("/login", actions.login, methods=["POST"]),
            Route("/logout", actions.logout, methods=["POST"]),
            Route("/evidence/{evidence_id:int}/{verb}", actions.evidence, methods=["POST"]),
            Route("/indicator/{watchlist}/{key}/{verb}", actions.pin, methods=["POST"]),
        ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={404: _not_found},
    )
    app.state.ctx = Context(
        db=db,  # type: ignore[arg-type]  # unused when None: no page route exists
        auth=auth or Auth(None),
        clock=clock,
        env=environment(),
        metrics=metrics,
        ready=ready or (lambda: (True, "ready")),
        alerts=alerts,
    )
    return app

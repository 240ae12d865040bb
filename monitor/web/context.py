"""What every endpoint needs (``request.app.state.ctx``) and the template environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from monitor.alerts.outbox import AlertSink
from monitor.clock import Clock
from monitor.metrics import Metrics
from monitor.storage.db import Database
from monitor.web import markup
from monitor.web.auth import COOKIE, Auth

ReadyCheck = Callable[[], tuple[bool, str]]


@dataclass
class Context:
    """What every endpoint needs, on ``request.app.state.ctx``."""

    @staticmethod
    def of(request: Request) -> Context:
        ctx: Context = request.app.state.ctx
        return ctx

    db: Database
    auth: Auth
    clock: Clock
    env: Environment
    metrics: Metrics | None
    ready: ReadyCheck
    alerts: AlertSink | None = None  # where an analyst's correction queues its alerts

    def render(self, request: Request, name: str, code: int = 200, **values: Any) -> Response:
        cookie = request.cookies.get(COOKIE)
        logged_in = self.auth.valid_session(cookie)
        values.update(
            auth_enabled=self.auth.enabled,
            logged_in=logged_in,
            csrf=self.auth.csrf_token(cookie) if logged_in and cookie else "",
            path=request.url.path,
        )
        html = self.env.get_template(name).render(**values)
        return HTMLResponse(html, status_code=code, headers={"cache-control": "no-store"})


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        clean=markup.clean, marked=markup.mark_terms, link=markup.link, when=markup.when
    )
    env.globals.update(days_left=markup.days_left, statuses=markup.STATUSES)
    return env

"""The web dashboard (``watchlist serve``, ``watchlist daemon --http``).

::

    server    uvicorn + our guards (request timeout, connection limit)
    app       Starlette routes, security headers (CSP), /healthz /readyz /metrics
    pages     board, indicator, feeds, alerts (read-only, views from monitor.storage.views)
    actions   login, dismiss/restore, pin/unpin (admin token + CSRF; monitor.overrides)
    timeline  the status-over-time picture as SVG geometry (pure)
    markup    feed text to safe HTML pieces; auth: sessions and CSRF tokens
"""

from __future__ import annotations

from monitor.web.app import create_app
from monitor.web.auth import Auth
from monitor.web.server import WebServer

__all__ = ["Auth", "WebServer", "create_app"]

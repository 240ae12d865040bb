"""``serve`` (the dashboard) and ``brief`` (what changed in a period)."""

from __future__ import annotations

import sys

import click

from monitor.cli import App, cli, pass_app
from monitor.clock import utcnow
from monitor.when import FORMS, WhenError, parse_when

DEFAULT_HTTP = "127.0.0.1:8080"


@cli.command()
@click.option(
    "--http",
    "http_addr",
    default=DEFAULT_HTTP,
    show_default=True,
    help="Serve the dashboard on HOST:PORT (keep it on 127.0.0.1 unless a proxy guards it).",
)
@pass_app
def serve(app: App, http_addr: str) -> None:
    """The web dashboard: board, indicator pages, feeds and alerts, until Ctrl-C.

    Read-only unless an admin token is configured ([web] admin_token or
    WATCHLIST_ADMIN_TOKEN); then analyst actions need a login and a CSRF token.
    """
    from monitor.web import Auth, WebServer, create_app

    db = app.database()
    settings = app.settings

    def ready() -> tuple[bool, str]:
        problem = db.ping()
        return (False, f"database unreachable: {problem}") if problem else (True, "ready")

    from monitor import app as wiring

    web = create_app(
        db,
        auth=Auth(settings.web_admin_token),
        ready=ready,
        alerts=wiring.alert_sink(settings),  # an analyst's correction alerts (issue 14)
    )
    server = WebServer(
        http_addr,
        web,
        max_connections=settings.web_max_connections,
        request_timeout=settings.web_request_timeout,
    )
    mode = "analyst actions after login" if settings.web_admin_token else "read-only"
    click.echo(f"dashboard: {server.url} ({mode}); Ctrl-C stops it", err=True)
    server.run()


@cli.command()
@click.option("--since", default="1d", show_default=True, help=f"From when: {FORMS}.")
@click.option("--watchlist", help="Only this watch list.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json", "text"]),
    default="markdown",
    show_default=True,
)
@pass_app
def brief(app: App, since: str, watchlist: str | None, fmt: str) -> None:
    """What changed: status changes with reasons, new evidence per indicator, deadlines in
    the next 14 days, failing feeds."""
    from monitor.brief import gather
    from monitor.brief.render import RENDERERS

    now = utcnow()
    try:
        start = parse_when(since, now)
    except WhenError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    sys.stdout.write(RENDERERS[fmt](gather(app.database(), start, now, watchlist)))

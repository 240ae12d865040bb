"""``init``, ``db``, ``poll`` and ``daemon``: setting up and running the monitor."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from monitor.cli import App, cli, pass_app
from monitor.config import CONFIG_TEMPLATE, DEFAULT_CONFIG
from monitor.secret import redact
from monitor.storage import migrate

if TYPE_CHECKING:
    from monitor.pipeline import Pipeline, PollSummary


@cli.command()
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="Where to write a starter config (kept if it exists).",
)
@pass_app
def init(app: App, config_file: Path) -> None:
    """Create a starter config file and the database (migrations to head)."""
    db = app.database(check=False, create=True)
    migrate.upgrade(db)  # first: a database that cannot be used leaves no config behind
    if not config_file.exists():
        config_file.write_text(
            CONFIG_TEMPLATE.format(db=app.settings.database_url), encoding="utf-8"
        )
        click.echo(f"wrote {config_file}")
    click.echo(
        f"database ready at revision {migrate.current_revision(db)}: {app.settings.database_url}"
    )


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_app
def db_upgrade(app: App, revision: str) -> None:
    """Run migrations up to REVISION (default head)."""
    database = app.database(check=False, create=True)
    migrate.upgrade(database, revision)
    click.echo(f"database at revision {migrate.current_revision(database)}")


@db.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask: the downgrade drops data.")
@pass_app
def db_downgrade(app: App, revision: str, yes: bool) -> None:
    """Roll migrations back to REVISION ('base' empties the database).

    Destructive: asks for confirmation on a terminal; elsewhere needs --yes.
    """
    database = app.database(check=False)
    if not yes:
        what = (
            "drop every table and all their data"
            if revision == "base"
            else f"undo the migrations after {revision} and drop what they hold"
        )
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"`db downgrade {revision}` would {what}: run it again with --yes to confirm"
            )
        click.confirm(f"This will {what} in {database.shown_url}. Continue?", abort=True)
    migrate.downgrade(database, revision)
    click.echo(f"database at revision {migrate.current_revision(database)}")


@db.command("current")
@pass_app
def db_current(app: App) -> None:
    """Show the database's revision and the newest one available."""
    database = app.database(check=False)
    current = migrate.current_revision(database)
    click.echo(f"current: {current or 'none'}; head: {migrate.head_revision()}")


@cli.command()
@click.option("--all", "all_feeds", is_flag=True, help="Poll every feed, due or not.")
@pass_app
def poll(app: App, all_feeds: bool) -> None:
    """Poll due (or all) feeds once, check deadlines, deliver alerts, print a summary.

    SIGINT/SIGTERM stop it cleanly: the feed being written is finished and the claims of
    the others are given back at once (exit status 130).
    """
    from monitor import app as wiring

    pipeline = wiring.build_pipeline(app.settings, app.database())
    with contextlib.closing(pipeline), _stopped_by_signals(pipeline.stop):
        summary = _poll(pipeline, all_feeds)
    if pipeline.stop.is_set():
        click.echo(f"stopped by a signal: {summary.released} feed claim(s) given back", err=True)
        sys.exit(130)


@contextlib.contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (a second one ends the process at once)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise SystemExit(128 + signum)
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _poll(pipeline: Pipeline, all_feeds: bool) -> PollSummary:
    from rich.progress import Progress

    if sys.stderr.isatty():
        with Progress(transient=True) as bar:
            task = bar.add_task("polling", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = pipeline.poll(all_feeds=all_feeds, progress=progress)
    else:
        summary = pipeline.poll(all_feeds=all_feeds)
    if summary.freed:
        click.echo(f"freed {summary.freed} feed claim(s) of stopped poll(s) or daemon(s)", err=True)
    if summary.held:
        whose = ", ".join(f"{owner} ({n})" for owner, n in sorted(summary.held.items()))
        held = sum(summary.held.values())
        click.echo(f"skipped {held} feed(s) claimed by running worker(s): {whose}", err=True)
    for url, message in summary.errors:
        click.echo(
            f"failed: {redact(message if url in message else f'{url}: {message}')}", err=True
        )
    for change in summary.changes:
        click.echo(
            f"status: {change.indicator} {change.from_status} → {change.to_status} "
            f"({change.cause}): {change.reason}"
        )
    pipeline.deliver_alerts()
    click.echo(summary.line())
    return summary


@cli.command()
@click.option(
    "--http",
    "http_addr",
    help="Serve the dashboard and /healthz, /readyz, /metrics on HOST:PORT.",
)
@click.option("--once", is_flag=True, help="Run one tick and exit (for tests and cron).")
@pass_app
def daemon(app: App, http_addr: str | None, once: bool) -> None:
    """Poll feeds, deliver alerts and check deadlines until SIGTERM or SIGINT."""
    import logging

    from monitor.daemon import run_daemon

    if logging.getLogger("watchlist").getEffectiveLevel() > logging.INFO:
        logging.getLogger("watchlist").setLevel(logging.INFO)  # a daemon says what it does

    sys.exit(run_daemon(app.settings, app.database(), http=http_addr, once=once))

"""``init``, ``db``, ``poll``, ``daemon`` and ``match``: setting up and running the monitor."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from monitor.cli import App, cli, pass_app
from monitor.config import CONFIG_TEMPLATE, DEFAULT_CONFIG
from monitor.storage import migrate

if TYPE_CHECKING:
    from monitor.pipeline import Pipeline


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
    if not config_file.exists():
        config_file.write_text(
            CONFIG_TEMPLATE.format(db=app.settings.database_url), encoding="utf-8"
        )
        click.echo(f"wrote {config_file}")
    db = app.database(check=False)
    migrate.upgrade(db)
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
    database = app.database(check=False)
    migrate.upgrade(database, revision)
    click.echo(f"database at revision {migrate.current_revision(database)}")


@db.command("downgrade")
@click.argument("revision")
@pass_app
def db_downgrade(app: App, revision: str) -> None:
    """Roll migrations back to REVISION ('base' empties the database)."""
    database = app.database(check=False)
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
    """Poll due (or all) feeds once and print a summary."""
    from monitor.daemon import build_pipeline

    with contextlib.closing(build_pipeline(app.settings, app.database(), owner="poll")) as pipeline:
        _poll(pipeline, all_feeds)


def _poll(pipeline: Pipeline, all_feeds: bool) -> None:
    from rich.progress import Progress

    if sys.stderr.isatty():
        with Progress(transient=True) as bar:
            task = bar.add_task("polling", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = pipeline.poll(all_feeds=all_feeds, progress=progress)
    else:
        summary = pipeline.poll(all_feeds=all_feeds)
    for url, message in summary.errors:
        click.echo(f"failed: {message if url in message else f'{url}: {message}'}", err=True)
    for change in summary.changes:
        click.echo(
            f"status: indicator {change.indicator_id} {change.from_status} → {change.to_status}"
        )
    pipeline.deliver_alerts()
    click.echo(summary.line())


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


@cli.command()
@click.option(
    "--watchlist",
    "watchlists",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Watch-list YAML file (repeatable).",
)
@click.option(
    "--input",
    "input_",
    type=click.File("r", encoding="utf-8"),
    default="-",
    show_default=True,
    help="JSON lines file, or - for standard input.",
)
def match(watchlists: tuple[str, ...], input_: IO[str]) -> None:
    """Classify JSON-lines items offline: one JSON line out per line in, in order.

    Input lines: {"id", "title", "summary", "link"?, "published"?, "source"?}.
    Output lines: {"id", "matches": [{"indicator", "modality", "sentence", "terms",
    "trigger", "cue", "undone"}]}: ``trigger`` is the word naming the indicator's event in
    the sentence ("" when it names none), ``cue`` what decided the modality.
    """
    from indicators.loader import load_watchlist
    from indicators.matcher import Matcher
    from indicators.model import Item

    indicators = [ind for path in watchlists for ind in load_watchlist(path).indicators]
    matcher = Matcher(indicators)
    out = sys.stdout
    for number, line in enumerate(input_, 1):
        if not line.strip():
            continue
        try:
            raw: Any = json.loads(line)
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
            item = Item(
                id=str(raw.get("id", number)),
                title=str(raw.get("title") or ""),
                summary=str(raw.get("summary") or ""),
                link=raw.get("link"),
                source=raw.get("source"),
            )
        except ValueError as exc:
            click.echo(f"line {number}: skipped, not a valid item: {exc}", err=True)
            out.write(
                json.dumps({"id": None, "line": number, "error": str(exc), "matches": []}) + "\n"
            )
            continue
        matches = [
            {
                "indicator": ev.indicator_id,
                "modality": ev.modality.value,
                "sentence": ev.sentence,
                "terms": list(ev.terms),
                "trigger": ev.trigger,
                "cue": ev.cue,
                "undone": ev.undone,
            }
            for ev in matcher.match(item)
        ]
        out.write(
            json.dumps({"id": raw.get("id", item.id), "matches": matches}, ensure_ascii=False)
        )
        out.write("\n")

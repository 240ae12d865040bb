"""``watchlist feeds …``: add, list, remove, import and export feeds (OPML 2.0)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click

from monitor.cli import App, cli, pass_app
from monitor.cli.output import format_option, render
from monitor.clock import utcnow
from monitor.config import parse_duration
from monitor.errors import FeedError, MonitorError
from monitor.feeds.check import check_feed, feed_location
from monitor.feeds.fetch import FetchPolicy
from monitor.feeds.opml import OutlineFeed, read_opml, write_opml
from monitor.storage import feeds as repo


@cli.group()
def feeds() -> None:
    """Manage the feeds to poll (RSS, Atom, JSON Feed URLs or local files)."""


def _interval(app: App, given: str | None, option: str) -> timedelta:
    """``--interval``, else ``[polling] interval`` of the config (default 15m)."""
    seconds = parse_duration(given, option) if given else app.settings.poll_interval
    return timedelta(seconds=seconds)


@feeds.command("add")
@click.argument("urls", nargs=-1, required=True)
@click.option("--title", help="A title (default: the feed's own, after the first poll).")
@click.option("--folder", default="", help="Folder path, e.g. 'News/Wires' (OPML outlines).")
@click.option("--interval", help="Poll interval (30s, 15m, 2h; default [polling] interval).")
@click.option("--no-check", is_flag=True, help="Do not fetch the feed once to check it.")
@pass_app
def add(
    app: App,
    urls: tuple[str, ...],
    title: str | None,
    folder: str,
    interval: str | None,
    no_check: bool,
) -> None:
    """Add one or more feeds (each fetched once to check it is a feed); they are due at once."""
    every = _interval(app, interval, "--interval")
    locations = [feed_location(url) for url in urls]
    if not no_check:
        policy = FetchPolicy(deadline=app.settings.fetch_deadline, max_bytes=app.settings.max_bytes)
        for location in locations:
            try:
                check_feed(location, policy)
            except FeedError as exc:
                raise MonitorError(f"not added: {exc.message} (--no-check adds it anyway)") from exc
    db = app.database()
    with db.write() as session:
        for url, location in zip(urls, locations, strict=True):
            feed_id = repo.add_feed(
                session, location, utcnow(), title=title, folder=folder, interval=every
            )
            click.echo(f"added feed {feed_id}: {url}")


@feeds.command("list")
@format_option()
@pass_app
def list_(app: App, fmt: str | None) -> None:
    """List feeds with their health: last outcome, errors, next poll, entries."""
    with app.database().read() as session:
        infos = repo.list_feeds(session)
    rows = [
        {
            "id": f.id,
            "url": f.url,
            "title": f.title,
            "folder": f.folder,
            "last_outcome": f.last_outcome,
            "http_status": f.last_status,
            "error_count": f.error_count,
            "last_error_kind": f.last_error_kind,
            "last_error": f.last_error,
            "last_duration": f.last_duration,
            "last_polled_at": f.last_polled_at,
            "next_poll_at": f.next_poll_at,
            "entries": f.entries,
        }
        for f in infos
    ]
    columns = [
        "id",
        "title",
        "last_outcome",
        "http_status",
        "error_count",
        "entries",
        "next_poll_at",
    ]
    if fmt != "table":
        columns = list(rows[0]) if rows else columns
    render(rows, columns, fmt, title="Feeds")


@feeds.command("remove")
@click.argument("feeds_", metavar="URL_OR_ID...", nargs=-1, required=True)
@pass_app
def remove(app: App, feeds_: tuple[str, ...]) -> None:
    """Remove feeds (and their entries and evidence)."""
    with app.database().write() as session:
        for ref in feeds_:
            feed_id = repo.find_feed(session, ref)
            if feed_id is None:
                raise MonitorError(f"no feed {ref!r} (see `watchlist feeds list`)")
            repo.remove_feed(session, feed_id)
            click.echo(f"removed feed {feed_id}: {ref}")


@feeds.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--interval", help="Poll interval of new feeds (default [polling] interval).")
@pass_app
def import_(app: App, opml: Path, interval: str | None) -> None:
    """Import feeds from an OPML file (nested outlines become folders)."""
    every = _interval(app, interval, "--interval")
    outlines = read_opml(opml.read_bytes())
    added = skipped = 0
    with app.database().write() as session:
        for outline in outlines:
            url = feed_location(outline.url)
            if "://" not in url and not Path(url).is_absolute():
                # A relative path in an OPML file is relative to that file, not to the cwd.
                url = str((opml.parent / url).resolve())
            if repo.find_feed(session, url) is not None:
                skipped += 1
                continue
            repo.add_feed(
                session,
                url,
                utcnow(),
                title=outline.title,
                folder="/".join(outline.folder),
                interval=every,
            )
            added += 1
    click.echo(f"imported {added} feeds from {opml} ({skipped} already present)")


@feeds.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@pass_app
def export(app: App, output: Path | None) -> None:
    """Export the feed list as OPML 2.0 (to stdout, or -o FILE)."""
    with app.database().read() as session:
        infos = repo.list_feeds(session)
    outlines = [
        OutlineFeed(url=f.url, title=f.title, folder=tuple(p for p in f.folder.split("/") if p))
        for f in infos
    ]
    data = write_opml(outlines, title="watchlist feeds")
    if output:
        output.write_bytes(data)
        click.echo(f"exported {len(outlines)} feeds to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)

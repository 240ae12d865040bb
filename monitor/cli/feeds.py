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
from monitor.errors import ConfigError, FeedError, MonitorError
from monitor.feeds.address import feed_address
from monitor.feeds.check import check_feed, feed_location
from monitor.feeds.fetch import FetchPolicy
from monitor.feeds.opml import OutlineFeed, read_opml, write_opml
from monitor.secret import redact, redact_url
from monitor.storage import feeds as repo

MAX_OPML_BYTES = 16 * 1024 * 1024  # 20,000 outlines of ~800 bytes


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
    # javascript:, data:, over-long and scheme-less addresses refused first (issue 16); a
    # local path is kept as given (relative to where you run): your own choice
    locations = [feed_address(feed_location(url), allow_local=True) for url in urls]
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
            click.echo(f"added feed {feed_id}: {redact_url(url)}")


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
            "url": redact_url(f.url),
            "title": f.title,
            "folder": f.folder,
            "last_outcome": f.last_outcome,
            "http_status": f.last_status,
            "error_count": f.error_count,
            "last_error_kind": f.last_error_kind,
            "last_error": redact(f.last_error) if f.last_error else f.last_error,
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
    """Remove feeds and their entries; the indicators their evidence moved are decided
    again (changes recorded and alerted; the evidence is archived for the history)."""
    from monitor.alerts import make_sink
    from monitor.removal import remove_feed

    db = app.database()
    sink = make_sink(app.settings)
    with db.read() as session:
        found = [(ref, repo.find_feed(session, ref)) for ref in feeds_]
    for ref, feed_id in found:
        if feed_id is None:
            raise MonitorError(f"no feed {redact_url(ref)!r} (see `watchlist feeds list`)")
    for ref, feed_id in found:
        assert feed_id is not None
        changes = remove_feed(db, feed_id, sink, utcnow())
        click.echo(f"removed feed {feed_id}: {redact_url(ref)}")
        for change in changes:
            click.echo(
                f"status: {change.indicator} {change.from_status} → {change.to_status} "
                f"({change.reason})"
            )


@feeds.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--interval", help="Poll interval of new feeds (default [polling] interval).")
@click.option(
    "--allow-local",
    is_flag=True,
    help="Also subscribe to local files the OPML names (refused by default: trust the file).",
)
@pass_app
def import_(app: App, opml: Path, interval: str | None, allow_local: bool) -> None:
    """Import feeds from an OPML file (nested outlines become folders).

    An outline that cannot be subscribed to (a local file without --allow-local, another
    URL scheme, a value too long) is reported on stderr and skipped; the others are
    imported, and the exit status is 1.
    """
    every = _interval(app, interval, "--interval")
    if opml.stat().st_size > MAX_OPML_BYTES:
        raise ConfigError(f"{opml}: larger than {MAX_OPML_BYTES // (1024 * 1024)} MiB")
    outlines = read_opml(opml.read_bytes(), source=str(opml))
    added = present = 0
    refused: list[str] = []
    with app.database().write() as session:
        for number, outline in enumerate(outlines, 1):
            try:
                url = feed_address(outline.url, allow_local=allow_local, base=opml.parent)
                if repo.find_feed(session, url) is not None:
                    present += 1
                    continue
                repo.add_feed(
                    session,
                    url,
                    utcnow(),
                    title=outline.title,
                    folder="/".join(outline.folder),
                    interval=every,
                )
            except MonitorError as exc:
                refused.append(f"{opml}: outline {number}: skipped: {exc}")
                continue
            added += 1
    for line in refused:
        click.echo(line, err=True)
    click.echo(
        f"imported {added} feeds from {opml} ({present} already present"
        + (f", {len(refused)} refused)" if refused else ")")
    )
    if refused:
        raise SystemExit(1)


@feeds.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@click.option(
    "--with-credentials",
    is_flag=True,
    help="Keep passwords and tokens in the URLs (default: replaced by <secret>).",
)
@pass_app
def export(app: App, output: Path | None, with_credentials: bool) -> None:
    """Export the feed list as OPML 2.0 (to stdout, or -o FILE)."""
    with app.database().read() as session:
        infos = repo.list_feeds(session)
    outlines = [
        OutlineFeed(
            url=f.url if with_credentials else redact_url(f.url),
            title=f.title,
            folder=tuple(p for p in f.folder.split("/") if p),
        )
        for f in infos
    ]
    data = write_opml(outlines, title="watchlist feeds")
    if output:
        output.write_bytes(data)
        click.echo(f"exported {len(outlines)} feeds to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)

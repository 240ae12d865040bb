"""``watchlists load|check|list`` and ``extract``: the rules side of the command line."""

from __future__ import annotations

from pathlib import Path

import click

from indicators.loader import read_watchlist
from monitor.cli import App, cli, pass_app
from monitor.cli.output import format_option, render
from monitor.clock import utcnow
from monitor.storage import indicators as repo


@cli.group()
def watchlists() -> None:
    """Load, validate and list watch lists."""


def _check(files: tuple[Path, ...]) -> tuple[list[object], int]:
    loaded: list[object] = []
    errors = 0
    for path in files:
        watchlist, findings = read_watchlist(path)
        for finding in findings:
            tag = "error" if finding.severity == "error" else "warning"
            click.echo(f"{finding.error} [{tag}]", err=True)
            errors += finding.severity == "error"
        if watchlist is not None:
            loaded.append(watchlist)
    return loaded, errors


def _weak_rules(loaded: list[object]) -> None:
    from indicators.errors import WatchlistError
    from indicators.model import Watchlist
    from indicators.validators import weak_rules

    for wl in loaded:
        assert isinstance(wl, Watchlist)
        for weak in weak_rules(wl, Path(wl.path).parent):
            err = WatchlistError(
                weak.message, path=wl.path, line=weak.line, indicator=weak.indicator
            )
            click.echo(f"{err} [warning]", err=True)


@watchlists.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Validate and lint watch-list files; exit 1 on errors (warnings are printed).

    Warnings include weak rules: no distinctive term, a query two indicators share, the
    item's key term missing from its query, a query that matches nothing in the watch
    list's source article (when ``source:`` is a file)."""
    loaded, errors = _check(files)
    _weak_rules(loaded)
    for wl in loaded:
        click.echo(f"{wl.path}: ok, {len(wl.indicators)} indicators")  # type: ignore[attr-defined]
    if errors:
        click.echo(f"{errors} error(s)", err=True)
        raise SystemExit(1)


@watchlists.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def load(app: App, files: tuple[Path, ...]) -> None:
    """Load watch lists into the database (replacing earlier versions of them)."""
    loaded, errors = _check(files)
    if errors:
        click.echo(f"{errors} error(s): nothing loaded", err=True)
        raise SystemExit(1)
    with app.database().write() as session:
        for wl in loaded:
            result = repo.sync_watchlist(session, wl, utcnow())  # type: ignore[arg-type]
            click.echo(
                f"{result.watchlist_id}: {len(result.added)} added, {len(result.changed)} changed, "
                f"{len(result.unchanged)} unchanged, {len(result.retired)} retired"
            )
    if any(True for _ in loaded):
        click.echo(
            "run `watchlist replay --dry-run` to see what changed rules do to stored entries"
        )


@watchlists.command("remove")
@click.argument("ids", nargs=-1, required=True)
@pass_app
def remove(app: App, ids: tuple[str, ...]) -> None:
    """Stop watching these watch lists: their indicators are retired, history kept
    (`watchlists load` brings them back)."""
    from monitor.removal import remove_watchlist

    for watchlist_id in ids:
        retired = remove_watchlist(app.database(), watchlist_id)
        click.echo(f"{watchlist_id}: {retired} indicators retired")


@watchlists.command("list")
@format_option()
@pass_app
def list_(app: App, fmt: str | None) -> None:
    """List loaded indicators."""
    with app.database().read() as session:
        stored = repo.all_indicators(session)
    rows = [
        {
            "indicator": s.ref,
            "title": s.indicator.title,
            "query": s.indicator.query,
            "version": s.indicator.version,
            "active": s.active,
            "expected_by": s.indicator.expected_by,
        }
        for s in stored
    ]
    render(
        rows, ["indicator", "title", "active", "expected_by", "version"], fmt, title="Indicators"
    )


@cli.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@click.option(
    "--at",
    "at",
    type=click.IntRange(min=1),
    metavar="LINE",
    help="Draft from the list whose lead-in or first item is on LINE, whatever its heading.",
)
def extract(article: Path, output: Path | None, fmt: str, at: int | None) -> None:
    """Draft a watch list from an article's "what to watch" lists."""
    from indicators.extract import extract as draft_from
    from indicators.extract import render_json, render_yaml

    draft = draft_from(article.read_text(encoding="utf-8"), source=str(article), at=at)
    text = render_json(draft) if fmt == "json" else render_yaml(draft)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}: {len(draft.indicators)} draft indicators", err=True)
    else:
        click.echo(text, nl=False)

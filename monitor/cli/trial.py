"""``watchlists test`` and ``try``: know a rule before trusting it (issue 13)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import click

from monitor.cli import App, cli, pass_app
from monitor.cli.rules import watchlists
from monitor.clock import utcnow


@watchlists.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def test(files: tuple[Path, ...]) -> None:
    """Run each indicator's examples; print every failure; exit 1 if any fails."""
    from indicators.examples import expectation, run_examples
    from indicators.loader import load_watchlist

    total = failed = 0
    for path in files:
        watchlist = load_watchlist(path)
        for indicator in watchlist.indicators:
            for outcome in run_examples(indicator):
                total += 1
                if outcome.ok:
                    continue
                failed += 1
                click.echo(
                    f"{path}:{outcome.example.line}: indicator '{indicator.id}': FAIL"
                    f" expected {expectation(outcome.example.expect)},"
                    f" got {expectation(outcome.actual)}\n"
                    f"  sentence: {outcome.sentence}\n  why: {outcome.why}"
                )
    click.echo(f"{total} examples, {failed} failed" if total else "no examples to run")
    if failed:
        raise SystemExit(1)


@cli.command("try")
@click.argument("watchlist_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--input",
    "input_",
    type=click.File("r", encoding="utf-8"),
    help="An archive of JSON lines {id, title, summary, labels?}; - for standard input.",
)
@click.option("--db", "db_url", help="Read the stored entries of this database instead.")
@click.option(
    "--since",
    default="30d",
    show_default=True,
    help="With --db: entries published in the last N days (30d) or hours (12h).",
)
@click.option("--limit", default=10, show_default=True, help="Hits and near misses shown each.")
@pass_app
def try_(
    app: App,
    watchlist_file: Path,
    input_: IO[str] | None,
    db_url: str | None,
    since: str,
    limit: int,
) -> None:
    """Run a watch list over an archive or the stored entries: hits, near misses and,
    for labelled items, precision/recall/F1 per indicator."""
    from indicators.loader import load_watchlist
    from indicators.trial import try_watchlist

    if (input_ is None) == (db_url is None):
        raise click.UsageError("give one of --input ARCHIVE.jsonl or --db URL")
    watchlist = load_watchlist(watchlist_file)
    if input_ is not None:
        items = list(_archive(input_))
    else:
        stored = App(db_url, app.config)
        try:
            items = list(_stored(stored, _since(since)))
        finally:
            stored.close()
    for report in try_watchlist(watchlist.indicators, items):
        ind = report.indicator
        line = f"{ind.id}: {len(report.hits)} hits, {len(report.near)} near misses"
        if report.labelled:
            p, r, f = report.prf("det")
            occ = report.prf("occ")[2]
            line += f"; detection P {p:.2f} R {r:.2f} F1 {f:.2f}, occurred F1 {occ:.2f}"
        click.echo(line)
        for item_id, modality, sentence in report.hits[:limit]:
            click.echo(f"  hit   {item_id} {modality.value}: {sentence}")
        for item_id, miss in report.near[:limit]:
            click.echo(f"  near  {item_id}: {miss.sentence}\n        lacks {miss.missing[0]}")
    click.echo(f"{len(items)} items")


def _since(text: str) -> timedelta:
    unit = text[-1:].lower()
    if not text[:-1].isdigit() or unit not in ("d", "h"):
        raise click.BadParameter(f"'{text}': use a number of days (30d) or hours (12h)")
    return timedelta(days=int(text[:-1])) if unit == "d" else timedelta(hours=int(text[:-1]))


def _archive(stream: IO[str]) -> Iterator[tuple[Any, dict[str, str] | None]]:
    from indicators.model import Item

    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            raise click.ClickException(f"line {number}: not a valid item: {exc}") from exc
        labels = raw.get("labels")
        item = Item(
            id=str(raw.get("id", number)),
            title=str(raw.get("title") or ""),
            summary=str(raw.get("summary") or ""),
        )
        yield (
            item,
            ({str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else None),
        )


def _stored(app: App, window: timedelta) -> Iterator[tuple[Any, None]]:
    from indicators.model import Item
    from monitor.storage.entries import iter_entries

    start = utcnow() - window
    with app.database().read() as session:
        for entry in iter_entries(session):
            if entry.published_at.replace(tzinfo=start.tzinfo) >= start:
                yield Item(id=str(entry.id), title=entry.title, summary=entry.summary), None

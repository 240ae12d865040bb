"""Reports and analyst overrides: ``status``, ``history``, ``explain``, ``evidence``,
``pin``/``unpin`` and ``replay``."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from monitor import app as wiring
from monitor import overrides, reports
from monitor.cli import App, cli, pass_app
from monitor.cli.output import format_option, render
from monitor.clock import utcnow
from monitor.model import ChangeInfo
from monitor.status import Status
from monitor.when import WhenError, parse_when

if TYPE_CHECKING:
    from monitor.replay import IndicatorDiff


def _when(value: str | None) -> datetime | None:
    """A --since/--until value: relative (1d, 2w) or ISO, one parser for every command."""
    if value is None:
        return None
    try:
        return parse_when(value, utcnow())
    except WhenError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.option("--watchlist", help="Only this watch list.")
@format_option()
@pass_app
def status(app: App, watchlist: str | None, fmt: str | None) -> None:
    """Where each indicator stands: status, since when, evidence, sources, deadline."""
    with app.database().read() as session:
        rows = reports.status_rows(session, watchlist)
    columns = ["indicator", "status", "since", "occurred", "anticipated", "negated", "sources"]
    columns += ["expected_by"]
    if fmt in ("csv", "markdown"):
        columns = list(rows[0]) if rows else columns
    render(rows, columns, fmt, title="Indicator status")


@cli.command()
@click.option("--watchlist", help="Only this watch list.")
@click.option("--indicator", help="Only this indicator (KEY or WATCHLIST/KEY).")
@click.option("--since", help="From this time: 1d, 2w, 12h ago, or an ISO date/time (UTC).")
@click.option("--until", help="Up to this time: 1d, 2w, 12h ago, or an ISO date/time (UTC).")
@format_option()
@pass_app
def history(
    app: App,
    watchlist: str | None,
    indicator: str | None,
    since: str | None,
    until: str | None,
    fmt: str | None,
) -> None:
    """The status log: every change, when, why, and the evidence behind it."""
    with app.database().read() as session:
        rows = reports.history_rows(
            session,
            watchlist=watchlist,
            indicator=indicator,
            since=_when(since),
            until=_when(until),
        )
    render(rows, ["at", "indicator", "from", "to", "cause", "reason"], fmt, title="Status history")


@cli.command()
@click.argument("indicator")
@format_option()
@pass_app
def explain(app: App, indicator: str, fmt: str | None) -> None:
    """One indicator: its rule, its evidence trail with sources and links, and its history."""
    with app.database().read() as session:
        doc = reports.explain(session, indicator)
    if (fmt or "") == "json" or (fmt is None and not sys.stdout.isatty()):
        render([], [], "json", document=doc)
        return
    if fmt == "csv":  # one table per file: the evidence trail (history is `history --format csv`)
        render(
            doc["evidence"],
            [
                "id",
                "published",
                "modality",
                "trigger",
                "cue",
                "source",
                "sentence",
                "terms",
                "link",
                "dismissed",
            ],
            fmt,
        )
        return
    header = [
        {"field": k, "value": doc[k]}
        for k in ("indicator", "title", "status", "since", "pinned", "query", "expected_by")
    ]
    render(header, ["field", "value"], fmt, title=f"Indicator {doc['indicator']}")
    render(
        doc["evidence"],
        [
            "id",
            "published",
            "modality",
            "trigger",
            "cue",
            "source",
            "sentence",
            "link",
            "dismissed",
        ],
        fmt,
        title="Evidence",
    )
    if doc["archived"]:
        render(
            doc["archived"],
            ["id", "published", "modality", "sentence", "why", "archived_at"],
            fmt,
            title="Archived evidence (no longer counts; cited by the history)",
        )
    render(doc["history"], ["at", "from", "to", "cause", "reason"], fmt, title="History")


@cli.group()
def evidence() -> None:
    """Analyst overrides on evidence: dismiss a false positive, or restore it."""


def _report(app: App, change: ChangeInfo | None) -> None:
    """Say what an override changed, and deliver its alerts (a correction) now."""
    if change is not None:
        click.echo(f"status: {change.from_status} → {change.to_status} ({change.reason})")
        wiring.deliver_now(app.settings, app.database())
    else:
        click.echo("status unchanged")


@evidence.command("dismiss")
@click.argument("evidence_id", type=int)
@click.option("--note", required=True, help="Why this is not evidence.")
@pass_app
def dismiss(app: App, evidence_id: int, note: str) -> None:
    """Dismiss a piece of evidence (a false positive); the status is decided again."""
    sink = wiring.alert_sink(app.settings)
    done = overrides.set_dismissed(app.database(), evidence_id, True, note, utcnow(), sink)
    click.echo(f"dismissed evidence {evidence_id}")
    _report(app, done)


@evidence.command("restore")
@click.argument("evidence_id", type=int)
@click.option("--note", default="", help="Why it counts after all.")
@pass_app
def restore(app: App, evidence_id: int, note: str) -> None:
    """Restore a dismissed piece of evidence; the status is decided again."""
    sink = wiring.alert_sink(app.settings)
    done = overrides.set_dismissed(app.database(), evidence_id, False, note, utcnow(), sink)
    click.echo(f"restored evidence {evidence_id}")
    _report(app, done)


@cli.command()
@click.argument("indicator")
@click.argument("status", type=click.Choice([s.value for s in Status]))
@click.option("--note", required=True, help="Why (shown in reports and the status log).")
@pass_app
def pin(app: App, indicator: str, status: str, note: str) -> None:
    """Pin an indicator's status until unpinned."""
    sink = wiring.alert_sink(app.settings)
    done = overrides.set_pin(app.database(), indicator, status, note, utcnow(), sink)
    _report(app, done)


@cli.command()
@click.argument("indicator")
@click.option("--note", default="", help="Why.")
@pass_app
def unpin(app: App, indicator: str, note: str) -> None:
    """Remove a pin; the status is decided from the evidence again."""
    sink = wiring.alert_sink(app.settings)
    done = overrides.set_pin(app.database(), indicator, None, note, utcnow(), sink)
    _report(app, done)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@format_option()
@pass_app
def replay(app: App, dry_run: bool, fmt: str | None) -> None:
    """Re-run the current rules over stored entries; apply the diff and show it."""
    from monitor import replay as replay_mod
    from monitor import replay_apply

    db = app.database()
    rules = wiring.rules(db)
    now = utcnow()
    workers = wiring.replay_workers(app.settings, db)
    try:
        if dry_run:
            plan = replay_mod.plan(db, rules, now, workers)
        else:
            done = replay_apply.run(db, rules, now, wiring.alert_sink(app.settings), workers)
    finally:
        if workers is not None:
            workers.close()
    if dry_run:
        _render_replay(plan.diffs, plan.entries, True, fmt)
        return
    _render_replay(done.diffs, done.entries, False, fmt)
    if done.changes:
        wiring.deliver_now(app.settings, db)
    click.echo(
        f"applied: {len(done.touched)} indicators updated, {len(done.changes)} status changes",
        err=True,
    )


def _render_replay(
    diffs: list[IndicatorDiff], entries: int, dry_run: bool, fmt: str | None
) -> None:
    rows = [_replay_row(d) for d in diffs]
    render(
        rows,
        ["indicator", "status", "would_be", "gained", "lost", "change"],
        fmt,
        title=f"Replay over {entries} stored entries" + (" (dry run)" if dry_run else ""),
        document={"entries": entries, "dry_run": dry_run, "indicators": rows},
    )


def _replay_row(d: IndicatorDiff) -> dict[str, Any]:
    return {
        "indicator": d.ref,
        "status": d.status,
        "would_be": d.new_status,
        "gained": len(d.gained),
        "lost": len(d.lost),
        "change": f"{d.status} → {d.new_status}" if d.changes_status else "",
        "reason": d.reason if d.changes_status else "",
        "gained_evidence": [{"entry": k[0], "modality": k[1], "sentence": k[2]} for k in d.gained],
        "lost_evidence": [{"entry": k[0], "modality": k[1], "sentence": k[2]} for k in d.lost],
    }

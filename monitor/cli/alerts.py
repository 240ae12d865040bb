"""``watchlist alerts …``: inspect the outbox, retry dead letters, test channels, deliver.

Nothing here prints a channel URL: channels are shown by name and ``describe()``, and
errors went through ``monitor.secret.redact`` where they were made.
"""

from __future__ import annotations

import os
import socket
import sys

import click

from monitor.alerts import alert_config, make_dispatcher
from monitor.alerts.channels import open_channel
from monitor.alerts.dispatch import send_test
from monitor.alerts.policy import STATES
from monitor.cli import App, cli, pass_app
from monitor.cli.output import default_format, format_option, render
from monitor.clock import utcnow
from monitor.errors import ConfigError
from monitor.storage import alerts as outbox


@cli.group()
def alerts() -> None:
    """The alert outbox: list, retry, test channels, send."""


@alerts.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only alerts in this state.")
@click.option("--channel", help="Only alerts for this channel (by name).")
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
@format_option()
@pass_app
def list_(app: App, state: str | None, channel: str | None, limit: int, fmt: str | None) -> None:
    """List alerts, newest last: state, attempts, next attempt and the last error."""
    with app.database().read() as session:
        infos = outbox.list_alerts(session, state=state, channel=channel, limit=limit)
    rows = [
        {
            "id": a.id,
            "channel": a.channel,
            "state": a.state,
            "indicator": a.indicator,
            "change": a.change,
            "attempts": a.attempts,
            "created_at": a.created_at,
            "next_attempt_at": a.next_attempt_at,
            "sent_at": a.sent_at,
            "last_error": a.last_error,
            "refused": [f"{rcpt}: {why}" for rcpt, why in a.recipient_errors.items()],
            "key": a.key,
        }
        for a in infos
    ]
    fmt = fmt or default_format()
    if fmt == "table":
        columns = ["id", "channel", "state", "indicator", "change", "attempts", "when"]
        columns.append("last_error")
        for row, info in zip(rows, infos, strict=True):
            row["when"] = info.sent_at or info.next_attempt_at  # sent at, or due at
    else:
        columns = list(rows[0]) if rows else ["id", "channel", "state", "indicator", "change"]
    render(rows, columns, fmt, title="Alerts")


@alerts.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Retry every dead alert.")
@pass_app
def retry(app: App, ids: tuple[int, ...], all_dead: bool) -> None:
    """Make dead alerts (by ID, or --all-dead) due again with fresh attempts."""
    if bool(ids) == all_dead:
        raise click.UsageError("give alert IDs or --all-dead (not both)")
    with app.database().write() as session:
        chosen = outbox.retry(session, ids, utcnow(), all_dead=all_dead)
    click.echo(f"{len(chosen)} alerts queued again" + (f": {_ids(chosen)}" if chosen else ""))


@alerts.command("test")
@click.argument("channel", required=False)
@format_option()
@pass_app
def test(app: App, channel: str | None, fmt: str | None) -> None:
    """Send a test message to every channel (or CHANNEL) and report each outcome."""
    config = alert_config(app.settings)
    if not config.channels:
        raise ConfigError("no alert channels configured ([alerts] channels or WATCHLIST_ALERTS)")
    specs = [config.channel(channel)] if channel else list(config.channels)
    rows = []
    for spec in specs:
        opened = open_channel(spec)
        try:
            error = send_test(opened, utcnow())
        finally:
            opened.close()
        rows.append(
            {
                "channel": spec.name,
                "kind": spec.kind,
                "target": opened.describe(),
                "outcome": "ok" if error is None else "error",
                "detail": error or "delivered",
            }
        )
    render(rows, ["channel", "kind", "target", "outcome", "detail"], fmt, title="Alert test")
    if any(row["outcome"] != "ok" for row in rows):
        sys.exit(1)


@alerts.command("send")
@pass_app
def send(app: App) -> None:
    """Deliver every due alert once (what the daemon does every few seconds)."""
    db = app.database()
    owner = f"cli:{socket.gethostname()}:{os.getpid()}"
    dispatcher = make_dispatcher(app.settings, db, owner=owner)
    try:
        summary = dispatcher.deliver()
    finally:
        dispatcher.close()
    for error in summary.errors:
        click.echo(f"failed: {error}", err=True)
    with db.read() as session:
        waiting = outbox.waiting_by_channel(session)
    for name, count in sorted(waiting.items()):
        if name not in dispatcher.channel_names:
            click.echo(
                f"warning: {count} alerts wait for channel {name!r}, which is not configured",
                err=True,
            )
    click.echo(summary.line())


@alerts.command("channels")
@format_option()
@pass_app
def channels(app: App, fmt: str | None) -> None:
    """List the configured channels (names and targets; never URLs or passwords)."""
    config = alert_config(app.settings)
    rows = []
    for spec in config.channels:
        opened = open_channel(spec)
        rows.append(
            {
                "channel": spec.name,
                "kind": spec.kind,
                "target": opened.describe(),
                "digest": spec.digest or "",
                "group_over": spec.group_over,
            }
        )
        opened.close()
    render(rows, ["channel", "kind", "target", "digest", "group_over"], fmt, title="Channels")


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:20])
    return shown + (f" … (+{len(ids) - 20})" if len(ids) > 20 else "")

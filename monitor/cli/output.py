"""Render listings as table (Rich), JSON, Markdown or CSV: one code path for every command.

Scripts depend on JSON and CSV (docs/design-notes.md), so those carry raw values (times in ISO 8601
UTC); tables and Markdown are for people. Every string passes ``inert`` first.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from monitor.textsafe import inert

FORMATS = ("table", "json", "markdown", "csv")
STATUS_STYLES = {
    "watching": "dim",
    "anticipated": "cyan",
    "observed": "yellow",
    "confirmed": "bold green",
    "stalled": "magenta",
    "overdue": "bold red",
    "reversed": "bold magenta",
    "ok": "green",
    "not_modified": "green",
    "unchanged": "green",
    "error": "red",
    "occurred": "green",
    "negated": "magenta",
}


def default_format() -> str:
    return "table" if sys.stdout.isatty() else "json"


def format_option() -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: table on a terminal, json otherwise).",
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return inert(str(value))


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: str | None,
    *,
    title: str | None = None,
    document: Any = None,
) -> None:
    """Print ``rows`` (table/markdown/csv show ``columns``; json prints ``document`` or rows)."""
    fmt = fmt or default_format()
    out = sys.stdout
    if fmt == "json":
        payload = document if document is not None else list(rows)
        out.write(json.dumps(_plain(payload), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        out.write(buffer.getvalue())
    elif fmt == "markdown":
        if title:
            out.write(f"## {inert(title)}\n\n")
        out.write("| " + " | ".join(columns) + " |\n")
        out.write("|" + "|".join(" --- " for _ in columns) + "|\n")
        for row in rows:
            cells = [_cell(row.get(c)).replace("|", "\\|") for c in columns]
            out.write("| " + " | ".join(cells) + " |\n")
    else:
        table = Table(title=inert(title) if title else None, expand=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            cells = []
            for c in columns:
                text = _cell(row.get(c))
                style = STATUS_STYLES.get(text) if c in _STYLED else None
                cells.append(f"[{style}]{_escape(text)}[/]" if style else _escape(text))
            table.add_row(*cells)
        console().print(table)


_STYLED = {"status", "outcome", "last_outcome", "modality", "to", "from"}


def _escape(text: str) -> str:
    # Rich markup in feed text must print literally.
    return text.replace("[", "\\[")


def _csv_cell(value: Any) -> str:
    plain = _plain(value)
    if isinstance(plain, list):
        return "; ".join(str(v) for v in plain)
    return "" if plain is None else str(plain)


def console() -> Console:
    """A console of at most 100 columns (reports must read well in 100)."""
    width = None if sys.stdout.isatty() else 100
    return Console(width=width, soft_wrap=False, highlight=False)

"""``watchlist match``: classify JSON-lines items offline, one output line per input line.

Input is read and decoded line by line, so one bad line costs only that line (issue 16:
an invalid UTF-8 byte on line 10 gave a traceback and no output even for lines 1-9). A
line that is not valid UTF-8, not a JSON object, longer than ``MAX_LINE_BYTES``, or has a
field of the wrong type gets ``{"id": null, "line": N, "error": …, "matches": []}`` on
stdout and ``line N: skipped, …`` on stderr, and the exit status is 1 at the end. Text
fields must be strings (or null): a list-valued ``summary`` is an error, not matched as its
Python repr. ``id`` may be a string or a whole number.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from monitor.cli import cli

if TYPE_CHECKING:
    from indicators.matcher import Matcher

MAX_LINE_BYTES = 16 * 1024 * 1024  # one item; the feed body cap is 10 MiB
_TEXT_FIELDS = ("title", "summary", "link", "published", "source")


class BadLine(ValueError):
    """An input line that is not an item; the message says why."""


def read_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of every line; a line over ``limit`` comes as ``b""`` after
    its rest is skipped, so it is never held whole."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                pass
            yield number, b""
            continue
        yield number, line


def parse_item(line: bytes, number: int) -> dict[str, Any]:
    """The item on one input line, its fields checked; ``BadLine`` otherwise."""
    if not line:
        raise BadLine(f"longer than {MAX_LINE_BYTES:,} bytes")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadLine(f"not valid UTF-8 (byte {exc.start + 1}: {exc.reason})") from None
    try:
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise BadLine("not valid JSON (nested too deeply)") from None
    if not isinstance(raw, dict):
        raise BadLine(f"not a JSON object but {_kind(raw)}")
    for name in _TEXT_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise BadLine(f"field '{name}' must be a string, not {_kind(value)}")
    item_id = raw.get("id", number)
    if isinstance(item_id, bool) or not isinstance(item_id, str | int):
        raise BadLine(f"field 'id' must be a string or a whole number, not {_kind(item_id)}")
    for name in ("id", *_TEXT_FIELDS):
        value = raw.get(name)
        if isinstance(value, str) and not _encodable(value):
            # "\ud800" is valid JSON but no UTF-8: writing it out would fail.
            raise BadLine(f"field '{name}' holds an unpaired surrogate (\\ud800-\\udfff)")
    return raw


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", bool: "true/false", float: "a number"}
    return names.get(type(value), "a number" if isinstance(value, int) else "null")


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
    type=click.File("rb"),
    default="-",
    show_default=True,
    help="JSON lines file (UTF-8), or - for standard input.",
)
def match(watchlists: tuple[str, ...], input_: IO[bytes]) -> None:
    """Classify JSON-lines items offline: one JSON line out per line in, in order.

    Input lines: {"id", "title", "summary", "link"?, "published"?, "source"?}, text fields
    strings. Output lines: {"id", "matches": [{"indicator", "modality", "sentence", "terms",
    "trigger", "cue", "undone"}]}: ``trigger`` is the word naming the indicator's event in
    the sentence ("" when it names none), ``cue`` what decided the modality; plus "skipped"
    when the CPU budget of an item ran out. A bad line gives {"id": null, "line", "error",
    "matches": []} and exit status 1.
    """
    from indicators.loader import load_watchlist
    from indicators.matcher import Matcher

    indicators = [ind for path in watchlists for ind in load_watchlist(path).indicators]
    matcher = Matcher(indicators)
    out = sys.stdout
    bad = 0
    for number, line in read_lines(input_):
        if not line.strip():
            continue
        try:
            raw = parse_item(line, number)
        except BadLine as exc:
            bad += 1
            click.echo(f"line {number}: skipped, not a valid item: {exc}", err=True)
            out.write(
                json.dumps({"id": None, "line": number, "error": str(exc), "matches": []}) + "\n"
            )
            continue
        record = _record(matcher, raw, number)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if bad:
        sys.exit(1)


def _record(matcher: Matcher, raw: dict[str, Any], number: int) -> dict[str, Any]:
    """The output line for one input item: its matches, and what the CPU budget skipped."""
    from indicators.model import Item

    item = Item(
        id=str(raw.get("id", number)),
        title=raw.get("title") or "",
        summary=raw.get("summary") or "",
        link=raw.get("link"),
        source=raw.get("source"),
    )
    record: dict[str, Any] = {
        "id": raw.get("id", number),
        "matches": [
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
        ],
    }
    if matcher.last_skipped is not None:
        skipped = matcher.last_skipped
        record["skipped"] = {
            "sentences": skipped.sentences,
            "of": skipped.of,
            "indicators": list(skipped.indicators),
        }
    return record

"""Load watch-list YAML files into ``Watchlist`` values, with precise error positions.

The file is composed into YAML nodes first (not loaded into dicts) so that every error
can name ``FILE:LINE:COL`` and the indicator it belongs to, as analysts fix rules by
jumping to that spot. ``read_watchlist`` collects every finding (errors and lint
warnings); ``load_watchlist`` raises the first error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from indicators.errors import QuerySyntaxError, WatchlistError
from indicators.model import CueLists, Indicator, Severity, Watchlist
from indicators.query import compile_query, lint_query, parse_query

WATCHLIST_KEYS = {"id", "title", "source", "expected_by", "indicators", "description", "tags"}
INDICATOR_KEYS = {
    "id",
    "title",
    "query",
    "description",
    "expected_by",
    "corroboration",
    "severity",
    "tags",
    "cues",
}
CUE_KEYS = {"occurred", "anticipated", "negated"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class Finding:
    """One problem in a watch-list file; ``severity`` is "error" or "warning"."""

    severity: str
    error: WatchlistError

    def __str__(self) -> str:
        return f"{self.error} [{self.severity}]" if self.severity == "warning" else str(self.error)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []

    def problem(
        self, node: Node | None, message: str, indicator: str | None = None, *, warn: bool = False
    ) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        col = node.start_mark.column + 1 if node is not None else None
        err = WatchlistError(message, path=self.path, line=line, column=col, indicator=indicator)
        self.findings.append(Finding("warning" if warn else "error", err))

    def scalar(self, node: Node, what: str, indicator: str | None = None) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be a single value", indicator)
            return None
        return str(node.value)

    def mapping(self, node: Node, what: str, indicator: str | None = None) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values", indicator)
            return {}
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                self.problem(key_node, f"key '{key}' appears twice", indicator)
            out[key] = value_node
        return out

    def unknown_keys(
        self, fields: dict[str, Node], allowed: set[str], indicator: str | None = None
    ) -> None:
        for key, node in fields.items():
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.problem(node, f"unknown key '{key}' (known keys: {hint})", indicator)

    def date(self, node: Node, indicator: str | None) -> date | None:
        text = self.scalar(node, "expected_by", indicator)
        if text is None:
            return None
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            self.problem(node, f"expected_by '{text}' is not a date (use YYYY-MM-DD)", indicator)
            return None

    def strings(self, node: Node, what: str, indicator: str | None) -> tuple[str, ...]:
        if isinstance(node, ScalarNode):
            return (str(node.value),) if node.value else ()
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} must be a list", indicator)
            return ()
        values = [self.scalar(item, what, indicator) for item in node.value]
        return tuple(v for v in values if v)


def _query_position(node: ScalarNode, column: int) -> tuple[int, int]:
    """Map a 1-based column inside a query string to a file line and column."""
    start = node.start_mark
    if node.style in ("|", ">"):
        # Block scalar: content starts on the next line; report its first line.
        return start.line + 2, start.column + 2 + column
    offset = 1 if node.style in ("'", '"') else 0
    return start.line + 1, start.column + 1 + offset + column - 1


def _read_indicator(
    reader: _Reader, node: Node, watchlist_id: str, default_by: date | None
) -> Indicator | None:
    fields = reader.mapping(node, "an indicator")
    if not fields:
        return None
    ind_id = reader.scalar(fields["id"], "id") if "id" in fields else None
    if ind_id is None:
        reader.problem(node, "indicator without an 'id'")
        return None
    if not _ID.match(ind_id):
        reader.problem(fields["id"], f"id '{ind_id}' must be lower-case letters, digits, - or _")
    reader.unknown_keys(fields, INDICATOR_KEYS, ind_id)
    for required in ("title", "query"):
        if required not in fields:
            reader.problem(node, f"missing '{required}'", ind_id)
    title = reader.scalar(fields["title"], "title", ind_id) if "title" in fields else None
    query = reader.scalar(fields["query"], "query", ind_id) if "query" in fields else None
    if query is not None:
        _check_query(reader, fields["query"], query, ind_id)
    expected_by = reader.date(fields["expected_by"], ind_id) if "expected_by" in fields else None
    corroboration = 2
    if "corroboration" in fields:
        raw = reader.scalar(fields["corroboration"], "corroboration", ind_id) or ""
        if raw.isdigit() and int(raw) >= 1:
            corroboration = int(raw)
        else:
            reader.problem(
                fields["corroboration"], "corroboration must be a whole number ≥ 1", ind_id
            )
    severity = Severity.MEDIUM
    if "severity" in fields:
        raw = (reader.scalar(fields["severity"], "severity", ind_id) or "").lower()
        if raw in {s.value for s in Severity}:
            severity = Severity(raw)
        else:
            reader.problem(fields["severity"], "severity must be low, medium or high", ind_id)
    cues = CueLists()
    if "cues" in fields:
        cue_fields = reader.mapping(fields["cues"], "cues", ind_id)
        reader.unknown_keys(cue_fields, CUE_KEYS, ind_id)
        cues = CueLists(
            **{
                k: reader.strings(v, f"cues.{k}", ind_id)
                for k, v in cue_fields.items()
                if k in CUE_KEYS
            }
        )
    description = ""
    if "description" in fields:
        description = reader.scalar(fields["description"], "description", ind_id) or ""
    tags = reader.strings(fields["tags"], "tags", ind_id) if "tags" in fields else ()
    if title is None or query is None:
        return None
    return Indicator(
        id=ind_id,
        title=title.strip(),
        query=query.strip(),
        watchlist_id=watchlist_id,
        description=description.strip(),
        expected_by=expected_by or default_by,
        corroboration=corroboration,
        severity=severity,
        tags=tags,
        cues=cues,
        line=node.start_mark.line + 1,
    )


def _check_query(reader: _Reader, node: Node, query: str, ind_id: str) -> None:
    assert isinstance(node, ScalarNode)
    try:
        ast = parse_query(query)
        compile_query(ast)
    except QuerySyntaxError as exc:
        line, col = _query_position(node, exc.column)
        err = WatchlistError(exc.message, path=reader.path, line=line, column=col, indicator=ind_id)
        reader.findings.append(Finding("error", err))
        return
    for issue in lint_query(ast):
        line, col = _query_position(node, issue.column)
        err = WatchlistError(
            issue.message, path=reader.path, line=line, column=col, indicator=ind_id
        )
        reader.findings.append(Finding(issue.severity, err))


def read_watchlist_text(
    text: str, path: str = "<string>"
) -> tuple[Watchlist | None, list[Finding]]:
    """Parse, validate and lint; returns the watch list (None if unusable) and all findings."""
    reader = _Reader(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        msg = f"not valid YAML: {exc.problem or exc.context}"
        reader.findings.append(
            Finding("error", WatchlistError(msg, path=path, line=line, column=col))
        )
        return None, reader.findings
    if root is None:
        reader.problem(None, "the file is empty")
        return None, reader.findings
    fields = reader.mapping(root, "a watch list")
    reader.unknown_keys(fields, WATCHLIST_KEYS)
    wl_id = reader.scalar(fields["id"], "id") if "id" in fields else None
    if wl_id is None:
        reader.problem(root, "watch list without an 'id'")
    elif not _ID.match(wl_id):
        reader.problem(fields["id"], f"id '{wl_id}' must be lower-case letters, digits, - or _")
    title = reader.scalar(fields["title"], "title") if "title" in fields else None
    if title is None:
        reader.problem(root, "watch list without a 'title'")
    source = reader.scalar(fields["source"], "source") if "source" in fields else ""
    default_by = reader.date(fields["expected_by"], None) if "expected_by" in fields else None
    indicators: list[Indicator] = []
    seen: dict[str, Node] = {}
    items = fields.get("indicators")
    if not isinstance(items, SequenceNode) or not items.value:
        reader.problem(items or root, "'indicators' must be a non-empty list")
    else:
        for item in items.value:
            ind = _read_indicator(reader, item, wl_id or "", default_by)
            if ind is None:
                continue
            if ind.id in seen:
                first = seen[ind.id].start_mark.line + 1
                reader.problem(item, f"duplicate id (first used on line {first})", ind.id)
                continue
            seen[ind.id] = item
            indicators.append(ind)
    if any(f.severity == "error" for f in reader.findings) or wl_id is None or title is None:
        return None, reader.findings
    watchlist = Watchlist(
        id=wl_id,
        title=title,
        source=source or "",
        expected_by=default_by,
        indicators=tuple(indicators),
        path=path,
    )
    return watchlist, reader.findings


def read_watchlist(path: str | Path) -> tuple[Watchlist | None, list[Finding]]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Finding("error", WatchlistError(f"cannot read: {exc}", path=str(p)))]
    return read_watchlist_text(text, str(p))


def load_watchlist(path: str | Path) -> Watchlist:
    """Load a watch list or raise ``WatchlistError`` naming the first problem."""
    watchlist, findings = read_watchlist(path)
    for finding in findings:
        if finding.severity == "error":
            raise finding.error
    assert watchlist is not None
    return watchlist

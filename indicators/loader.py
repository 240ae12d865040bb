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

from indicators import limits
from indicators.errors import QuerySyntaxError, WatchlistError
from indicators.event_block import read_event, read_event_classes
from indicators.events import EventClass
from indicators.examples import parse_examples
from indicators.model import CueLists, Example, Indicator, Severity, Watchlist
from indicators.query import compile_query, lint_query, parse_query
from indicators.terms import MAX_EXPANSION, TERM_NAME, Expansion, expanded_length, resolve_terms
from indicators.yamlsafe import compose

WATCHLIST_KEYS = {
    "id",
    "title",
    "source",
    "expected_by",
    "indicators",
    "description",
    "tags",
    "terms",
    "events",
}
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
    "event",  # issue 12: the event model (indicators.event_block)
    "examples",  # issue 13: texts with the modality they must get (indicators.examples)
}
CUE_KEYS = {"occurred", "anticipated", "negated"}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
# Deadlines an analyst can mean; outside them a date is a typo (and year 9999 broke the
# deadline arithmetic: issue 16).
EXPECTED_BY_MIN, EXPECTED_BY_MAX = date(2000, 1, 1), date(2199, 12, 31)
MAX_FILE_BYTES = 4 * 1024 * 1024  # the seed watch lists are ~30 KB


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

    def scalar(
        self, node: Node, what: str, indicator: str | None = None, *, limit: int | None = None
    ) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be a single value", indicator)
            return None
        value = str(node.value)
        if limit is not None and len(value) > limit:
            self.problem(node, f"{what} is {len(value):,} characters (limit {limit:,})", indicator)
        return value

    def mapping(self, node: Node, what: str, indicator: str | None = None) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values", indicator)
            return {}
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                # A list or mapping as a key is never meant, and str() of one walks all of
                # it (an alias bomb used as a key: issue 16).
                self.problem(key_node, f"{what}: a key must be a plain value", indicator)
                continue
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
            value = date.fromisoformat(text.strip())
        except ValueError:
            self.problem(node, f"expected_by '{text}' is not a date (use YYYY-MM-DD)", indicator)
            return None
        if not EXPECTED_BY_MIN <= value <= EXPECTED_BY_MAX:
            self.problem(
                node,
                f"expected_by {value.isoformat()} is out of range "
                f"({EXPECTED_BY_MIN.isoformat()} to {EXPECTED_BY_MAX.isoformat()})",
                indicator,
            )
            return None
        return value

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


def _read_terms(reader: _Reader, node: Node | None) -> dict[str, str]:
    """Read ``terms:``; a term may use earlier-defined or later terms (no cycles)."""
    if node is None:
        return {}
    raw: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    for name, value in reader.mapping(node, "terms").items():
        text = reader.scalar(value, f"terms.{name}")
        if not TERM_NAME.fullmatch(name):
            reader.problem(value, f"term name '{name}' must be lower-case letters, digits, - or _")
        elif text is not None:
            raw[name], nodes[name] = " ".join(text.split()), value
    done, problems = resolve_terms(raw)
    for problem in problems:
        reader.problem(nodes[problem.name], problem.message)
    failed = {problem.name for problem in problems}
    for name, value in nodes.items():
        if name in failed:
            continue
        try:
            parse_query(done[name])
        except QuerySyntaxError as exc:
            reader.problem(value, f"term '@{name}': {exc.message} (column {exc.column})")
    return done


def _read_indicator(
    reader: _Reader,
    node: Node,
    watchlist_id: str,
    default_by: date | None,
    terms: dict[str, str] | None = None,
    classes: tuple[EventClass, ...] = (),
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
    title = None
    if "title" in fields:
        title = reader.scalar(fields["title"], "title", ind_id, limit=limits.INDICATOR_TITLE)
    query = reader.scalar(fields["query"], "query", ind_id) if "query" in fields else None
    if query is not None:
        query = _check_query(reader, fields["query"], query, ind_id, terms or {})
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
    examples: tuple[Example, ...] = ()
    if "examples" in fields:
        examples = parse_examples(fields["examples"], lambda n, m: reader.problem(n, m, ind_id))
    description = ""
    if "description" in fields:
        description = reader.scalar(fields["description"], "description", ind_id) or ""
    tags = reader.strings(fields["tags"], "tags", ind_id) if "tags" in fields else ()
    event = None
    if "event" in fields:
        event = read_event(reader, fields["event"], ind_id, [c.name for c in classes])
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
        event=event,
        event_classes=classes,
        examples=examples,
    )


def _check_query(
    reader: _Reader, node: Node, query: str, ind_id: str, terms: dict[str, str]
) -> str:
    """Expand ``@terms``, parse, compile and lint; returns the expanded query."""
    assert isinstance(node, ScalarNode)
    length = expanded_length(query, {name: len(text) for name, text in terms.items()})
    if length > MAX_EXPANSION:
        line, file_col = _query_position(node, 1)
        message = (
            f"the query is {length:,} characters once its @terms are expanded "
            f"(limit {MAX_EXPANSION:,})"
        )
        err = WatchlistError(
            message, path=reader.path, line=line, column=file_col, indicator=ind_id
        )
        reader.findings.append(Finding("error", err))
        return query
    expansion = Expansion(query, terms)

    def report(severity: str, message: str, column: int, *, expanded: bool = True) -> None:
        col, term = expansion.column(column) if expanded else (column, None)
        if term is not None:
            message = f"in '@{term}': {message}"
        line, file_col = _query_position(node, col)
        err = WatchlistError(
            message, path=reader.path, line=line, column=file_col, indicator=ind_id
        )
        reader.findings.append(Finding(severity, err))

    for name, col in expansion.unknown:
        report("error", f"'@{name}' is not defined under 'terms:'", col, expanded=False)
    if expansion.unknown:
        return query
    try:
        ast = parse_query(expansion.text)
        compile_query(ast)
    except QuerySyntaxError as exc:
        report("error", exc.message, exc.column)
        return query
    for issue in lint_query(ast):
        report(issue.severity, issue.message, issue.column)
    return expansion.text


def read_watchlist_text(
    text: str, path: str = "<string>"
) -> tuple[Watchlist | None, list[Finding]]:
    """Parse, validate and lint; returns the watch list (None if unusable) and all findings."""
    reader = _Reader(path)
    try:
        root = compose(text)
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
    if len(path) > limits.WATCHLIST_PATH:
        reader.problem(None, f"the file's path is longer than {limits.WATCHLIST_PATH} characters")
    fields = reader.mapping(root, "a watch list")
    reader.unknown_keys(fields, WATCHLIST_KEYS)
    wl_id = reader.scalar(fields["id"], "id") if "id" in fields else None
    if wl_id is None:
        reader.problem(root, "watch list without an 'id'")
    elif not _ID.match(wl_id):
        reader.problem(fields["id"], f"id '{wl_id}' must be lower-case letters, digits, - or _")
    title = None
    if "title" in fields:
        title = reader.scalar(fields["title"], "title", limit=limits.WATCHLIST_TITLE)
    if title is None:
        reader.problem(root, "watch list without a 'title'")
    source = ""
    if "source" in fields:
        source = reader.scalar(fields["source"], "source", limit=limits.WATCHLIST_SOURCE) or ""
    default_by = reader.date(fields["expected_by"], None) if "expected_by" in fields else None
    terms = _read_terms(reader, fields.get("terms"))
    classes = read_event_classes(reader, fields.get("events"))
    indicators: list[Indicator] = []
    seen: dict[str, Node] = {}
    items = fields.get("indicators")
    if not isinstance(items, SequenceNode) or not items.value:
        reader.problem(items or root, "'indicators' must be a non-empty list")
    else:
        for item in items.value:
            ind = _read_indicator(reader, item, wl_id or "", default_by, terms, classes)
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
        if p.stat().st_size > MAX_FILE_BYTES:
            message = f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
            return None, [Finding("error", WatchlistError(message, path=str(p)))]
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

"""Load watch-list YAML files into ``Watchlist`` values, with precise error positions.

The file is composed into YAML nodes first (not loaded into dicts) so that every error
can name ``FILE:LINE:COL`` and the indicator it belongs to, as analysts fix rules by
jumping to that spot. ``read_watchlist`` collects every finding (errors and lint
warnings); ``load_watchlist`` raises the first error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from indicators.errors import QuerySyntaxError, WatchlistError
from indicators.event_block import read_event, read_event_classes
from indicators.events import EventClass
from indicators.examples import parse_examples
from indicators.model import CueLists, Example, Indicator, Severity, Watchlist
from indicators.query import compile_query, lint_query, parse_query

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
# ``@name`` in a query stands for the watch list's ``terms: {name: fragment}`` (a shared word
# group such as the countries), expanded in parentheses before parsing.
_TERM_REF = re.compile(r"@([a-z][a-z0-9_-]*)")
_MAX_EXPANSION = 200_000


class _Expansion:
    """A query with its ``@terms`` expanded, and a map back to the columns as written."""

    def __init__(self, text: str, terms: dict[str, str]) -> None:
        self.pieces: list[tuple[int, int, int, str | None]] = []  # (start, end, col, name)
        out: list[str] = []
        self.unknown: list[tuple[str, int]] = []
        pos = 0
        for match in _TERM_REF.finditer(text):
            name = match.group(1)
            out.append(text[pos : match.start()])
            col = match.start() + 1
            start = sum(map(len, out))
            if name in terms:
                out.append("(" + terms[name] + ")")
                self.pieces.append((start, sum(map(len, out)), col, name))
            else:
                self.unknown.append((name, col))
                out.append(match.group(0))
            pos = match.end()
        out.append(text[pos:])
        self.text = "".join(out)

    def column(self, expanded_col: int) -> tuple[int, str | None]:
        """The column as written for a 1-based column in the expanded text."""
        shift = 0
        for start, end, col, name in self.pieces:
            if start < expanded_col <= end:
                return col, name
            if expanded_col > end:
                shift += (end - start) - (len(name or "") + 1)
        return expanded_col - shift, None


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


def _read_terms(reader: _Reader, node: Node | None) -> dict[str, str]:
    """Read ``terms:``; a term may use earlier-defined or later terms (no cycles)."""
    if node is None:
        return {}
    raw: dict[str, tuple[str, Node]] = {}
    for name, value in reader.mapping(node, "terms").items():
        text = reader.scalar(value, f"terms.{name}")
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
            reader.problem(value, f"term name '{name}' must be lower-case letters, digits, - or _")
        elif text is not None:
            raw[name] = (" ".join(text.split()), value)
    done: dict[str, str] = {}

    def resolve(name: str, trail: tuple[str, ...]) -> str:
        if name in done:
            return done[name]
        text, value = raw[name]
        if name in trail:
            reader.problem(value, f"term '@{name}' refers to itself: {' → '.join(trail)}")
            return text
        expansion = _Expansion(text, {n: resolve(n, (*trail, name)) for n in _refs(text, raw)})
        for unknown, _col in expansion.unknown:
            reader.problem(value, f"term '@{name}' uses '@{unknown}', which is not defined")
        done[name] = expansion.text
        return expansion.text

    for name in raw:
        resolve(name, ())
    for name, (_, value) in raw.items():
        try:
            parse_query(done[name])
        except QuerySyntaxError as exc:
            reader.problem(value, f"term '@{name}': {exc.message} (column {exc.column})")
    return done


def _refs(text: str, raw: Mapping[str, object]) -> list[str]:
    return [m.group(1) for m in _TERM_REF.finditer(text) if m.group(1) in raw]


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
    title = reader.scalar(fields["title"], "title", ind_id) if "title" in fields else None
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
    expansion = _Expansion(query, terms)

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
    if len(expansion.text) > _MAX_EXPANSION:
        report("error", "the query is too long once its @terms are expanded", 1)
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

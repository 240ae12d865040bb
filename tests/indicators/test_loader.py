"""Watch-list files: the seed list loads clean; broken copies name file, line, column, indicator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from indicators.errors import WatchlistError
from indicators.loader import load_watchlist, read_watchlist, read_watchlist_text
from indicators.model import Severity
from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "watchlists" / "india-russia-2025.yaml"
SEED_IDS = {
    "industrial-tech-agreements",
    "joint-projects-with-timelines",
    "trade-finance-mechanisms",
    "high-tech-export-roadmap",
    "summit-joint-statement",
    "defence-deliveries-and-support",
    "energy-supply-deals",
    "connectivity-corridors",
    "labour-mobility-agreement",
}

GOOD = """\
id: demo
title: Demo
expected_by: 2025-12-31
indicators:
  - id: first
    title: First
    query: india russia
    corroboration: 3
    severity: high
    tags: [a, b]
  - id: second
    title: Second
    query: '"labour mobility" agreement*'
    expected_by: 2026-01-15
"""


def test_seed_watchlist_loads_and_checks_clean() -> None:
    watchlist, findings = read_watchlist(SEED)
    assert findings == []
    assert watchlist is not None
    assert {i.id for i in watchlist.indicators} == SEED_IDS
    assert all(i.description for i in watchlist.indicators)
    assert watchlist.source == "seeds/articles/004_e0db4568ca3cb7ea.txt"
    assert (ROOT / watchlist.source).is_file()
    result = CliRunner().invoke(cli, ["watchlists", "check", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "ok, 9 indicators" in result.output


def test_values_and_defaults() -> None:
    watchlist, findings = read_watchlist_text(GOOD)
    assert findings == []
    assert watchlist is not None
    first, second = watchlist.indicators
    assert first.corroboration == 3
    assert first.severity is Severity.HIGH
    assert first.tags == ("a", "b")
    assert first.expected_by == date(2025, 12, 31)  # the watch list's default
    assert second.expected_by == date(2026, 1, 15)
    assert second.corroboration == 2
    assert first.version != second.version
    assert first.line == 5


@pytest.mark.parametrize(
    ("broken", "line", "column", "indicator", "fragment"),
    [
        (
            GOOD.replace("query: india russia", 'query: india "russia'),
            7,
            18,
            "first",
            "unclosed quote",
        ),
        (
            GOOD.replace("expected_by: 2026-01-15", "expected_by: 2026-13-45"),
            14,
            18,
            "second",
            "not a date",
        ),
        (GOOD.replace("id: second", "id: first"), 11, 5, "first", "duplicate id"),
        (GOOD.replace("severity: high", "severity: urgent"), 9, 15, "first", "severity"),
        (GOOD.replace("tags: [a, b]", "tgas: [a, b]"), 10, 11, "first", "unknown key 'tgas'"),
        (GOOD.replace("query: india russia", "query: india AND"), 7, 18, "first", ""),
        (GOOD.replace("corroboration: 3", "corroboration: zero"), 8, 20, "first", "corroboration"),
    ],
)
def test_broken_copies_name_line_column_and_indicator(
    tmp_path: Path, broken: str, line: int, column: int, indicator: str, fragment: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(WatchlistError) as info:
        load_watchlist(path)
    err = info.value
    assert (err.path, err.line, err.column, err.indicator) == (str(path), line, column, indicator)
    assert fragment in err.message
    assert str(err).startswith(f"{path}:{line}:{column}: indicator '{indicator}':")
    result = CliRunner().invoke(cli, ["watchlists", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}:{column}: indicator '{indicator}'" in result.output


def test_broken_seed_copy_fails_check(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    broken = text.replace("id: labour-mobility-agreement", "id: energy-supply-deals", 1)
    broken = broken.replace("expected_by: 2025-12-31", "expected_by: 31/12/2025", 1)
    path = tmp_path / "seed-broken.yaml"
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(cli, ["watchlists", "check", str(path)])
    assert result.exit_code == 1
    assert "duplicate id" in result.output
    assert "indicator 'energy-supply-deals'" in result.output
    assert "not a date" in result.output


def test_yaml_syntax_error_has_a_position() -> None:
    _, findings = read_watchlist_text("id: x\ntitle: [unclosed\n", "bad.yaml")
    assert findings
    assert findings[0].error.line is not None
    assert findings[0].error.path == "bad.yaml"


def test_lint_warnings_do_not_fail_check(tmp_path: Path) -> None:
    path = tmp_path / "warn.yaml"
    path.write_text(GOOD.replace("query: india russia", "query: ab* russia"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["watchlists", "check", str(path)])
    assert result.exit_code == 0
    assert "[warning]" in result.output


TERMS = """\
id: t
title: T
terms:
  india: india OR indian
  pair: "@india russia"
indicators:
  - id: a
    title: A
    query: '@pair agreement'
  - id: b
    title: B
    query: '@india @nope'
"""


def test_terms_expand_and_unknown_terms_are_errors() -> None:
    watchlist, findings = read_watchlist_text(TERMS.replace(" @nope", ""), "t.yaml")
    assert findings == []
    assert watchlist is not None
    assert watchlist.indicators[0].query == "((india OR indian) russia) agreement"
    _, findings = read_watchlist_text(TERMS, "t.yaml")
    [finding] = findings
    assert finding.error.indicator == "b"
    assert "'@nope' is not defined" in finding.error.message
    assert (finding.error.line, finding.error.column) == (12, 20)


def test_errors_inside_a_term_point_at_its_use() -> None:
    text = TERMS.replace(" @nope", "").replace("india OR indian", "india OR")
    _, findings = read_watchlist_text(text, "t.yaml")
    assert any("term '@india'" in f.error.message for f in findings)
    assert all(f.severity == "error" for f in findings)


def test_term_cycles_are_errors() -> None:
    text = TERMS.replace(" @nope", "").replace("india OR indian", "'@pair OR indian'")
    _, findings = read_watchlist_text(text, "t.yaml")
    assert any("refers to itself" in f.error.message for f in findings)

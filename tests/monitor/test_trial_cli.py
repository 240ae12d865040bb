"""Issue 13 through the command line: ``watchlists test``, ``try`` and weak-rule warnings.

The watch list, the examples and the archive are written here for these tests.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)

WATCHLIST = """\
id: cocoa
title: Cocoa price floor
indicators:
  - id: floor-price
    title: Ghana publishes a joint floor price for cocoa.
    query: item:(ghana OR ghanaian) (publish* OR announc* OR set*) ("floor price" OR "floor prices")
    examples:
      - text: "Ghana published a joint floor price for cocoa on Monday."
        expect: occurred
      - text: "Ghana is due to publish a joint floor price for cocoa next week."
        expect: anticipated
      - text: "Ivory Coast set a floor price for its coffee."
        expect: none
  - id: warehouse
    title: A shared warehouse for certified beans opens in San-Pédro.
    query: warehouse* (open* OR inaugurat*)
"""

ARCHIVE = [
    # labelled: floor-price occurred, found (tp)
    {
        "id": "a1",
        "title": "Ghana sets cocoa floor price",
        "summary": "Ghana published a joint floor price for the main crop on Tuesday.",
        "labels": {"floor-price": "occurred"},
    },
    # labelled anticipated, found as anticipated (tp; not an occurred tp)
    {
        "id": "a2",
        "title": "Cocoa board plans",
        "summary": "Ghana will publish a floor price next month.",
        "labels": {"floor-price": "anticipated"},
    },
    # labelled but missed: no event word (fn), a near miss for floor-price
    {
        "id": "a3",
        "title": "Ghana's floor price",
        "summary": "The floor price stays at last year's level, Ghana said.",
        "labels": {"floor-price": "occurred"},
    },
    # unlabelled but matched (fp)
    {"id": "a4", "title": "Ghana announces floor prices for shea", "summary": "", "labels": {}},
    # warehouse: labelled occurred, found
    {
        "id": "a5",
        "title": "Warehouse opens",
        "summary": "The shared warehouse opened in San-Pédro on Friday.",
        "labels": {"warehouse": "occurred"},
    },
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    watchlist = tmp_path / "cocoa.yaml"
    watchlist.write_text(WATCHLIST, encoding="utf-8")
    archive = tmp_path / "archive.jsonl"
    archive.write_text("".join(json.dumps(a) + "\n" for a in ARCHIVE), encoding="utf-8")
    return watchlist, archive


def test_try_prints_hits_near_misses_and_scores_with_labels(files: tuple[Path, Path]) -> None:
    watchlist, archive = files
    result = CliRunner().invoke(cli, ["try", str(watchlist), "--input", str(archive)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # floor-price: tp a1, a2; fp a4; fn a3 → P 2/3, R 2/3; occurred: tp a1, fp a4, fn a3 → 0.5
    assert (
        "floor-price: 3 hits, 1 near misses; detection P 0.67 R 0.67 F1 0.67, occurred F1 0.50"
        in lines
    )
    # Each item's first evidence, as `watchlist match` lists it.
    assert (
        "  hit   a1 occurred: Ghana published a joint floor price for the main crop on Tuesday."
        in lines
    )
    assert "  hit   a2 anticipated: Ghana will publish a floor price next month." in lines
    assert "  hit   a4 occurred: Ghana announces floor prices for shea" in lines
    near = lines.index("  near  a3: Ghana's floor price")
    assert lines[near + 1] == "        lacks publish* OR announc* OR set*"
    assert "warehouse: 1 hits, 0 near misses; detection P 1.00 R 1.00 F1 1.00" in result.output
    assert lines[-1] == "5 items"


def test_try_needs_one_source(files: tuple[Path, Path]) -> None:
    watchlist, _ = files
    result = CliRunner().invoke(cli, ["try", str(watchlist)])
    assert result.exit_code == 2
    assert "give one of --input ARCHIVE.jsonl or --db URL" in result.output


def test_try_reads_stored_entries(files: tuple[Path, Path], tmp_path: Path) -> None:
    from monitor.clock import utcnow
    from monitor.feeds.types import ParsedEntry
    from monitor.storage import migrate
    from monitor.storage.db import Database
    from monitor.storage.entries import store_entries
    from monitor.storage.feeds import add_feed

    db_url = f"sqlite:///{tmp_path / 'w.db'}"
    database = Database(db_url)
    migrate.upgrade(database)
    now = utcnow()
    old = now - timedelta(days=40)
    entries = [
        ParsedEntry("g1", None, "Ghana sets cocoa floor price", "", now),
        ParsedEntry("g2", None, "Warehouse opens in port", "", now),
        ParsedEntry("g3", None, "Ghana sets cocoa floor price again", "", old),  # too old
    ]
    with database.write() as session:
        feed_id = add_feed(session, "http://127.0.0.1:1/feed.xml", now)
        store_entries(session, feed_id, entries, now, None)
    database.dispose()
    watchlist, _ = files
    result = CliRunner().invoke(cli, ["try", str(watchlist), "--db", db_url, "--since", "30d"])
    assert result.exit_code == 0, result.output
    assert "floor-price: 1 hits" in result.output
    assert "warehouse: 1 hits" in result.output
    assert "detection" not in result.output  # stored entries carry no labels
    assert result.output.splitlines()[-1] == "2 items"


def test_watchlists_test_passes_and_fails_naming_sentence_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "cocoa.yaml"
    path.write_text(WATCHLIST, encoding="utf-8")
    ok = CliRunner().invoke(cli, ["watchlists", "test", str(path)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip() == "3 examples, 0 failed"

    wrong = WATCHLIST.replace(
        '      - text: "Ivory Coast set a floor price for its coffee."\n        expect: none',
        '      - text: "Ghana published a floor price for its coffee."\n        expect: none\n'
        '      - text: "Ghana discussed the floor price with buyers."\n        expect: occurred',
    )
    path.write_text(wrong, encoding="utf-8")
    failed = CliRunner().invoke(cli, ["watchlists", "test", str(path)])
    assert failed.exit_code == 1
    out = failed.output
    assert f"{path}:12: indicator 'floor-price': FAIL expected none, got occurred" in out
    assert "  sentence: Ghana published a floor price for its coffee." in out
    assert "  why: matched ghana, publish*, floor price" in out
    assert f"{path}:14: indicator 'floor-price': FAIL expected occurred, got none" in out
    assert "  sentence: Ghana discussed the floor price with buyers." in out
    assert "  why: no sentence matched; the closest lacks 'publish* OR announc* OR set*'" in out
    assert out.splitlines()[-1] == "4 examples, 2 failed"


def test_bad_examples_are_errors_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        WATCHLIST.replace("expect: anticipated", "expect: maybe").replace(
            '      - text: "Ivory Coast', '      - txt: "Ivory Coast'
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["watchlists", "check", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:11:17: indicator 'floor-price': expect 'maybe' is not one of occurred,"
        " anticipated, negated, none" in result.output
    )
    assert "an example needs 'text' (or 'headline') and 'expect'" in result.output


def test_check_warns_about_weak_rules(tmp_path: Path) -> None:
    article = tmp_path / "article.md"
    article.write_text(
        "# Cocoa\n\nGhana published a joint floor price for cocoa.\n", encoding="utf-8"
    )
    path = tmp_path / "weak.yaml"
    path.write_text(
        """\
id: weak
title: Weak rules
source: article.md
indicators:
  - id: floor-price
    title: Ghana publishes a joint floor price for cocoa.
    query: item:(ghana) publish* "floor price"
  - id: floor-again
    title: Ghana publishes a joint floor price for cocoa beans.
    query: item:(ghana) publish* "floor price"
  - id: vague
    title: New issues.
    query: new issues
  - id: off-item
    title: A shared warehouse for certified beans opens.
    query: opens shed*
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["watchlists", "check", str(path)])
    assert result.exit_code == 0, result.output  # warnings only
    out = result.output
    assert (
        f"{path}:8: indicator 'floor-again': same query as indicator 'floor-price' (line 5)"
        " [warning]" in out
    )
    assert (
        "indicator 'vague': no distinctive term: every word it needs is common (new, issues)" in out
    )
    assert "indicator 'off-item': the item's key term 'certified beans' is not in the query" in out
    assert "indicator 'off-item': matches nothing in its source article article.md" in out
    assert "indicator 'floor-price': matches nothing" not in out


def test_headline_examples_are_read_as_headlines(tmp_path: Path) -> None:
    path = tmp_path / "pact.yaml"
    path.write_text(
        """\
id: pact
title: Pact
indicators:
  - id: sign-pact
    title: Ghana and Togo sign the cocoa pact.
    query: item:(ghana) (sign* OR seal*) (pact OR deal)
    examples:
      - {headline: "Ghana, Togo sign cocoa pact", expect: occurred}
      - {headline: "Ghana, Togo to sign cocoa pact next week", expect: anticipated}
      - {text: "Ghana and Togo signed the cocoa pact on Monday.", expect: occurred}
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["watchlists", "test", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "3 examples, 0 failed"

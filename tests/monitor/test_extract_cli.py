"""Issue 4 through the command line: extract a draft, check it, and match its own items."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "seeds" / "articles" / "004_e0db4568ca3cb7ea.txt"
WHAT_TO_WATCH = [
    "Signing of new industrial-technology cooperation agreements between Indian and Russian firms.",
    "Announcement of large-scale joint projects in energy, space or defence with quantifiable timelines.",
    "Mechanisms to ease trade-finance and bypass sanctions-related bottlenecks.",
    "Clear roadmap for high-technology exports from India to Russia and vice versa.",
]
EXPECTED_TO = [
    "Conduct final tranche of preparatory talks and draft the summit communiqué.",
    "Identify incremental projects to be announced alongside the December summit — for instance, new industrial or technology cooperation.",
    "Resolve outstanding issues such as energy pricing, defence deliveries, export-licence approvals and banking arrangements.",
    "Attend to bilateral concerns — for example, India’s sensitivity to non-proliferation standards, and Russia’s concerns about western pressure and financing.",
]


def test_extract_check_and_match_the_seed_article(tmp_path: Path) -> None:
    runner = CliRunner()
    draft = tmp_path / "draft.yaml"
    result = runner.invoke(cli, ["extract", str(ARTICLE), "-o", str(draft)])
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(draft.read_text(encoding="utf-8"))
    titles = [ind["title"] for ind in doc["indicators"]]
    assert sorted(titles) == sorted(WHAT_TO_WATCH + EXPECTED_TO)

    checked = runner.invoke(cli, ["watchlists", "check", str(draft)])
    assert checked.exit_code == 0, checked.output
    assert "warning" not in checked.output

    # Run through `watchlist match`, every drafted query matches the article's own text
    # (its topic is named in the title; each item's event and object in the item).
    article = {"id": "article", "title": doc["title"], "summary": ARTICLE.read_text("utf-8")}
    matched = runner.invoke(
        cli, ["match", "--watchlist", str(draft), "--input", "-"], input=json.dumps(article)
    )
    assert matched.exit_code == 0, matched.output
    found = {m["indicator"] for m in json.loads(matched.stdout)["matches"]}
    assert found == {ind["id"] for ind in doc["indicators"]}


def test_extract_at_a_line_drafts_that_list(tmp_path: Path) -> None:
    article = ROOT / "tests" / "data" / "articles" / "overview_only.txt"
    refused = CliRunner().invoke(cli, ["extract", str(article)])
    assert refused.exit_code == 1
    assert "'Overview' (line 7, 2 items)" in refused.output
    result = CliRunner().invoke(cli, ["extract", str(article), "--at", "7", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [i["line"] for i in json.loads(result.stdout)["indicators"]] == [7, 8]


def test_article_without_a_list_exits_1_and_says_what_it_found() -> None:
    result = CliRunner().invoke(
        cli, ["extract", str(ROOT / "seeds/articles/000_be04a8af4ee679f9.txt")]
    )
    assert result.exit_code == 1
    assert "no 'what to watch' list" in result.output
    assert "found instead" in result.output

"""`watchlist match` says why (issue 12, item 5): the trigger and the cue of each match, and
whether the sentence reports the event undone; a plain keyword watch list with an ending
event ("Lifting of the export ban") reads suspend / reimpose / to pause on the event."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)

WATCHLIST = """
id: cobalt
title: What to watch in the cobalt market
indicators:
  - id: lift-ban
    title: Lifting of the export ban on cobalt
    query: cobalt AND (ban OR embargo)
"""


def test_match_prints_trigger_cue_and_undone(tmp_path: Path) -> None:
    rules = tmp_path / "cobalt.yaml"
    rules.write_text(WATCHLIST, encoding="utf-8")
    items = [
        {"id": "a", "title": "Kinshasa suspends cobalt export ban", "summary": ""},
        {"id": "b", "title": "Kinshasa to pause cobalt export ban", "summary": ""},
        {"id": "c", "title": "Update", "summary": "Kinshasa reimposed the cobalt ban on Monday."},
        {"id": "d", "title": "Update", "summary": "Kinshasa has yet to lift the cobalt ban."},
    ]
    lines = "".join(json.dumps(i) + "\n" for i in items)
    result = CliRunner().invoke(cli, ["match", "--watchlist", str(rules)], input=lines)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    got = {o["id"]: o["matches"][0] for o in out}
    assert [(got[k]["modality"], got[k]["trigger"], got[k]["undone"]) for k in "abcd"] == [
        ("occurred", "suspends", False),
        ("anticipated", "pause", False),
        ("negated", "reimposed", True),
        ("negated", "lift", False),
    ]
    assert got["d"]["cue"] == "has yet to"

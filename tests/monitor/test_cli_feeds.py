"""``watchlist feeds …`` and ``poll`` through the command line, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from feedserver import FeedServer
from helpers import STORIES_FOR_CLI, rss

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.feeds.opml import read_opml
from monitor.storage.db import Database

OPML = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="News">
    <outline text="Wires">
      <outline type="rss" text="Wire One" title="Wire One" xmlUrl="https://one.example/rss"/>
      <outline type="rss" text="Wire Two" xmlUrl="https://two.example/atom"/>
    </outline>
    <outline type="rss" text="Daily" xmlUrl="https://daily.example/feed.json"/>
  </outline>
  <outline type="rss" text="Loose" xmlUrl="https://loose.example/rss"/>
</body></opml>
"""


def invoke(db: Database, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db.url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_opml_import_export_round_trips_titles_urls_and_folders(
    db: Database, tmp_path: Path
) -> None:
    source = tmp_path / "in.opml"
    source.write_text(OPML)
    assert "imported 4 feeds" in invoke(db, "feeds", "import", str(source))
    exported = tmp_path / "out.opml"
    invoke(db, "feeds", "export", "-o", str(exported))
    before = sorted((f.url, f.title, f.folder) for f in read_opml(source.read_bytes()))
    after = sorted((f.url, f.title, f.folder) for f in read_opml(exported.read_bytes()))
    assert after == before
    assert ("https://one.example/rss", "Wire One", ("News", "Wires")) in after
    # Importing again adds nothing.
    assert "imported 0 feeds" in invoke(db, "feeds", "import", str(exported))


def test_feeds_list_json_reports_health_of_every_feed(
    db: Database, feed_server: FeedServer
) -> None:
    ok = feed_server.add("/ok.xml", rss(STORIES_FOR_CLI), etag='"1"')
    broken = feed_server.add(
        "/broken.xml", "<rss><chan\x00nel><<<>>", content_type="application/xml"
    )
    missing = feed_server.url("/missing.xml")
    invoke(db, "feeds", "add", "--no-check", ok, broken, missing)
    summary = invoke(db, "poll", "--all")
    assert "3 feeds: 1 ok, 0 not modified, 2 failed; 2 new entries" in summary
    rows = {row["url"]: row for row in json.loads(invoke(db, "feeds", "list", "--format", "json"))}
    assert set(rows) == {ok, broken, missing}
    for row in rows.values():
        assert {
            "url",
            "title",
            "last_outcome",
            "http_status",
            "error_count",
            "last_error",
            "next_poll_at",
            "entries",
        } <= set(row)
    assert rows[ok]["last_outcome"] == "ok"
    assert rows[ok]["entries"] == 2
    assert rows[ok]["title"] == "Test feed"
    assert rows[missing]["http_status"] == 404
    assert rows[missing]["error_count"] == 1
    assert "404" in rows[missing]["last_error"]
    assert rows[broken]["last_outcome"] == "error"
    assert rows[broken]["last_error"]


def test_feeds_remove_and_csv(db: Database) -> None:
    invoke(db, "feeds", "add", "--no-check", "https://a.example/rss", "--folder", "News/Wires")
    csv_out = invoke(db, "feeds", "list", "--format", "csv")
    assert csv_out.splitlines()[0].startswith("id,url,title,folder")
    assert "News/Wires" in csv_out
    invoke(db, "feeds", "remove", "https://a.example/rss")
    assert json.loads(invoke(db, "feeds", "list", "--format", "json")) == []
    result = CliRunner().invoke(cli, ["--db", db.url, "feeds", "remove", "https://nope.example/"])
    assert result.exit_code != 0


def test_uninitialised_database_gives_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'new.db'}", "feeds", "list"])
    assert result.exit_code == 1
    assert "watchlist init" in result.output

"""Issue 14, item 6: mistakes answered in one line on stderr with a non-zero exit, and the
per-feed guard. The real ``watchlist`` command in a subprocess; feeds on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from feedserver import FeedServer
from helpers import Clock, Story, day, load_rules, pipeline, rss, run_cli
from sqlalchemy import select

from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.storage.models import Feed

FEED = rss([Story("1", "Port traffic rises", "Cargo grew.", "https://ok.example/1", day(1))])


def _one_line_error(result: object, *phrases: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    for phrase in phrases:
        assert phrase in lines[0]


def test_an_unreachable_postgresql_is_one_line() -> None:
    url = "postgresql://postgres@127.0.0.1:1/test?connect_timeout=2"
    _one_line_error(run_cli("--db", url, "status"), "cannot reach the database", "127.0.0.1:1")


@pytest.mark.parametrize("command", [["status"], ["history"], ["feeds", "list"], ["poll"]])
def test_a_mistyped_db_is_one_line_and_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "sub" / "watchlsit.db"
    _one_line_error(run_cli("--db", str(typo), *command), "no database at", str(typo))
    assert not typo.exists()
    assert not typo.parent.exists()


@pytest.fixture
def ready_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert run_cli("--db", url, "init", "--config-file", str(tmp_path / "w.toml")).returncode == 0
    return url


def test_an_unknown_watchlist_is_one_line(ready_db: str) -> None:
    _one_line_error(run_cli("--db", ready_db, "status", "--watchlist", "nope"), "no watch list")


def test_feeds_add_checks_the_feed_once(
    ready_db: str, feed_server: FeedServer, tmp_path: Path
) -> None:
    good = feed_server.add("/ok.xml", FEED)
    page = feed_server.add(
        "/page", "<!doctype html><html><body>hi</body></html>", content_type="text/html"
    )
    missing = feed_server.url("/missing.xml")  # 404
    host_port = good.removeprefix("http://")
    _one_line_error(run_cli("--db", ready_db, "feeds", "add", missing), "not added", "404")
    _one_line_error(run_cli("--db", ready_db, "feeds", "add", page), "not added", "HTML page")
    _one_line_error(
        run_cli("--db", ready_db, "feeds", "add", host_port), f"write http://{host_port}"
    )
    _one_line_error(
        run_cli("--db", ready_db, "feeds", "add", str(tmp_path / "nofile.xml")), "no such file"
    )
    assert feed_server.hits("/missing.xml") == 1  # checked once
    added = run_cli("--db", ready_db, "feeds", "add", good)
    assert added.returncode == 0, added.stderr
    skipped = run_cli("--db", ready_db, "feeds", "add", "--no-check", missing)
    assert skipped.returncode == 0, skipped.stderr
    assert feed_server.hits("/missing.xml") == 1  # --no-check fetched nothing


def test_new_feeds_get_the_configured_poll_interval(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    config = tmp_path / "w.toml"
    config.write_text('[polling]\ninterval = "2h"\n', encoding="utf-8")
    init = run_cli("--db", url, "--config", str(config), "init", "--config-file", str(config))
    assert init.returncode == 0
    good = feed_server.add("/ok.xml", FEED)
    assert run_cli("--db", url, "--config", str(config), "feeds", "add", good).returncode == 0
    other = feed_server.add("/other.xml", FEED)
    given = run_cli("--db", url, "--config", str(config), "feeds", "add", other, "--interval", "5m")
    assert given.returncode == 0
    db = Database(url)
    try:
        with db.read() as session:
            intervals = session.scalars(select(Feed.interval_seconds).order_by(Feed.id)).all()
    finally:
        db.dispose()
    assert intervals == [7200, 300]


RULES = """
id: t
title: T
indicators:
  - id: ports
    title: Port traffic
    query: port traffic
"""


def test_one_feeds_unexpected_failure_is_recorded_and_the_poll_goes_on(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-feed guard: a bug met in one feed's step (here a fault injected at the
    storage seam for that feed) is recorded on that feed; the others are polled."""
    import monitor.batch

    clock = Clock(day(3))
    load_rules(db, RULES, clock())
    urls = [
        feed_server.add(f"/f{n}.xml", FEED.replace("ok.example/1", f"ok.example/{n}"))
        for n in range(3)
    ]
    with db.write() as session:
        ids = [feeds_repo.add_feed(session, url, clock()) for url in urls]
    real = monitor.batch.store_feeds

    def faulty(session, feeds, *args):  # type: ignore[no-untyped-def]
        if any(feed[0] == ids[1] for feed in feeds):
            raise KeyError("a bug")
        return real(session, feeds, *args)

    monkeypatch.setattr(monitor.batch, "store_feeds", faulty)
    summary = pipeline(db, clock).poll()
    assert (summary.feeds, summary.ok, summary.failed) == (3, 2, 1)
    assert "internal error: KeyError" in summary.errors[0][1]
    with db.read() as session:
        rows = {f.id: f for f in session.scalars(select(Feed))}
    assert rows[ids[1]].last_error_kind == "internal"
    assert rows[ids[1]].lease_owner is None  # its claim is not left to expire
    assert {rows[i].last_outcome for i in (ids[0], ids[2])} == {"ok"}


def test_an_unexpected_failure_on_the_fetch_side_is_that_feeds_too(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.poller

    clock = Clock(day(3))
    load_rules(db, RULES, clock())
    urls = [feed_server.add(f"/f{n}.xml", FEED) for n in range(3)]
    with db.write() as session:
        ids = [feeds_repo.add_feed(session, url, clock()) for url in urls]
    real = monitor.poller.fetch

    def faulty(client, request, policy):  # type: ignore[no-untyped-def]
        if request.url == urls[0]:
            raise RuntimeError("a bug in a fetch thread")
        return real(client, request, policy)

    monkeypatch.setattr(monitor.poller, "fetch", faulty)
    summary = pipeline(db, clock).poll()
    assert (summary.feeds, summary.ok, summary.failed) == (3, 2, 1)
    with db.read() as session:
        row = session.get(Feed, ids[0])
        assert row is not None
        assert row.last_error_kind == "internal"
        assert row.lease_owner is None

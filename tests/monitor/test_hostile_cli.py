"""Issue 16, items 3, 5 and 10 through the command line (subprocesses, real servers).

* a feed of 200 large entries repeating both words of a NEAR rule polls in bounded time
  and memory;
* credentials in feed URLs never reach any output: echoes, every ``feeds list`` format,
  ``export``, poll failures, the daemon's log and httpx's request log at ``-v``;
* corrupt and too-new databases are one line; ``db downgrade`` needs ``--yes``;
* an OPML file may name local files only with ``--allow-local``, and never ``javascript:``.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from feedserver import FeedServer
from helpers import Story, cpu_seconds, day, rss, run_measured, start_daemon, wait_for

from monitor.storage import migrate

WATCHLIST = [sys.executable, "-m", "monitor.cli"]
RSS_LIMIT_MB = 300


def cli(*args: str, cwd: Path, code: int | None = 0) -> str:
    """``watchlist ARGS`` in a subprocess; returns stdout and stderr together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHLIST_")}
    done = subprocess.run(
        [*WATCHLIST, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    output = done.stdout + done.stderr
    if code is not None:
        assert done.returncode == code, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    return output


# --- item 3: one hostile feed, one poll -------------------------------------------------------------

NEAR_RULES = """
id: t
title: T
indicators:
  - id: a
    title: A
    query: india NEAR/2 russia
"""


def test_a_feed_of_200_entries_repeating_a_near_pair_polls_in_bounded_time(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    body = "india russia " * 3500  # 45 KB each: 200 of them fill the 10 MiB cap
    stories = [
        Story(f"g{n}", f"India Russia {n}", f"{n} {body}", f"https://x.example/{n}", day(1))
        for n in range(200)
    ]
    url = feed_server.add("/near.xml", rss(stories))
    rules = tmp_path / "near.yaml"
    rules.write_text(NEAR_RULES, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'w.db'}"
    cli("--db", db, "init", cwd=tmp_path)
    cli("--db", db, "watchlists", "load", str(rules), cwd=tmp_path)
    cli("--db", db, "feeds", "add", "--no-check", url, cwd=tmp_path)
    code, peak_mb, seconds, output = run_measured(
        [*WATCHLIST, "--db", db, "poll", "--all"], tmp_path, 120
    )
    assert code == 0, output[-2000:]
    assert "200 new entries" in output
    # Before: 107 s. The bound is 10 s on an idle machine; CPU time is what this
    # shared test machine can measure reliably, the wall clock gets a loaded machine's slack.
    assert cpu_seconds(output) < 10.0, output[-500:]
    assert seconds < 30.0, seconds
    assert peak_mb < RSS_LIMIT_MB, peak_mb


def test_sigterm_during_the_poll_of_that_feed_stops_the_daemon_promptly(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    body = "india russia " * 3500
    stories = [
        Story(f"g{n}", f"India Russia {n}", f"{n} {body}", f"https://x.example/{n}", day(1))
        for n in range(200)
    ]
    url = feed_server.add("/near.xml", rss(stories))
    rules = tmp_path / "near.yaml"
    rules.write_text(NEAR_RULES, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'w.db'}"
    config = tmp_path / "watchlist.toml"
    config.write_text('[polling]\ntick = "1s"\n', encoding="utf-8")
    for args in (["init"], ["watchlists", "load", str(rules)], ["feeds", "add", "--no-check", url]):
        cli("--db", db, "--config", str(config), *args, cwd=tmp_path)
    log = tmp_path / "daemon.log"
    daemon = start_daemon(db, config, log)
    try:
        wait_for(lambda: feed_server.hits("/near.xml") > 0, 60, "the first fetch")
        time.sleep(0.5)  # parsing and matching
        daemon.send_signal(signal.SIGTERM)
        started = time.monotonic()
        daemon.wait(timeout=60)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    # Before: 60 s (the poll in flight is finished first). ~7 s at a load of 12 on 2 CPUs.
    assert time.monotonic() - started < 20.0
    assert daemon.returncode == 0
    assert "Traceback" not in log.read_text(encoding="utf-8")


# --- item 5: credentials in feed URLs -----------------------------------------------------------


def test_credentials_in_feed_urls_never_reach_any_output(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.add("/private.xml", "nope", status=500)
    feed_server.add("/token.xml", rss([Story("s", "t", "b", "https://a.example/", day(1))]))
    base = feed_server.base_url.replace("http://", "")
    secrets = ["hunter2pass", "tok3nvalue", "s1gvalue", "k3yvalue"]
    urls = [
        f"http://reader:hunter2pass@{base}/private.xml",
        f"http://{base}/token.xml?token=tok3nvalue&sig=s1gvalue&page=2",
        f"http://{base}/private.xml?api_key=k3yvalue",
    ]
    db = f"sqlite:///{tmp_path / 'w.db'}"
    config = tmp_path / "watchlist.toml"
    config.write_text('[polling]\nfetch_deadline = "5s"\n', encoding="utf-8")
    common = ["--db", db, "--config", str(config)]
    outputs = [cli(*common, "init", cwd=tmp_path)]
    outputs.append(cli(*common, "feeds", "add", "--no-check", *urls, cwd=tmp_path))
    for fmt in ("table", "json", "csv", "markdown"):
        outputs.append(cli(*common, "feeds", "list", "--format", fmt, cwd=tmp_path))
    outputs.append(cli(*common, "-vv", "poll", "--all", cwd=tmp_path))
    outputs.append(cli(*common, "-v", "daemon", "--once", cwd=tmp_path, code=None))
    outputs.append(cli(*common, "feeds", "list", "--format", "json", cwd=tmp_path))
    outputs.append(cli(*common, "feeds", "export", cwd=tmp_path))
    outputs.append(
        cli(*common, "feeds", "add", "--no-check", urls[0], cwd=tmp_path, code=1)
    )  # present
    outputs.append(cli(*common, "feeds", "remove", urls[0], cwd=tmp_path))
    everything = "\n".join(outputs)
    assert "HTTP Request: GET" in everything  # httpx's log was on
    assert "HTTP 500" in everything  # and the failure was reported
    assert "<secret>" in everything
    for secret in secrets:
        assert secret not in everything, secret
    with_credentials = cli(*common, "feeds", "export", "--with-credentials", cwd=tmp_path)
    assert "tok3nvalue" in with_credentials  # only when asked for


# --- item 10: databases and OPML --------------------------------------------------------------


def test_corrupt_and_too_new_databases_are_one_line(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(os.urandom(8192))
    for command in (["status"], ["init"], ["db", "current"], ["feeds", "list"]):
        output = cli("--db", str(corrupt), *command, cwd=tmp_path, code=1)
        assert len(output.strip().splitlines()) == 1, output  # init wrote no config either
        assert "cannot be used: file is not a database" in output
    newer = tmp_path / "newer.db"
    cli("--db", str(newer), "init", cwd=tmp_path)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    for command in (["status"], ["init"], ["db", "upgrade"]):
        output = cli("--db", str(newer), *command, cwd=tmp_path, code=1)
        assert len(output.strip().splitlines()) == 1, output
        assert "revision 0099, which this version of watchlist does not know" in output


def test_db_downgrade_needs_yes(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    cli("--db", db, "init", cwd=tmp_path)
    output = cli("--db", db, "db", "downgrade", "base", cwd=tmp_path, code=1)
    assert "would drop every table and all their data: run it again with --yes" in output
    head = migrate.head_revision()  # refused: still at the newest revision
    assert f"current: {head}" in cli("--db", db, "db", "current", cwd=tmp_path)
    cli("--db", db, "db", "downgrade", "base", "--yes", cwd=tmp_path)
    assert "current: none" in cli("--db", db, "db", "current", cwd=tmp_path)


def test_opml_names_local_files_only_with_allow_local(tmp_path: Path) -> None:
    (tmp_path / "here.xml").write_text(rss([]), encoding="utf-8")
    opml = tmp_path / "list.opml"
    opml.write_text(
        "<opml version='2.0'><body>"
        "<outline text='passwd' xmlUrl='../../etc/passwd'/>"
        "<outline text='file' xmlUrl='file:///etc/hostname'/>"
        "<outline text='here' xmlUrl='here.xml'/>"
        "<outline text='js' xmlUrl='javascript:alert(1)'/>"
        "<outline text='data' xmlUrl='data:text/xml,&lt;rss/&gt;'/>"
        "<outline text='web' xmlUrl='https://ok.example/rss'/>"
        "</body></opml>",
        encoding="utf-8",
    )
    db = str(tmp_path / "w.db")
    cli("--db", db, "init", cwd=tmp_path)
    output = cli("--db", db, "feeds", "import", str(opml), cwd=tmp_path, code=1)
    assert "imported 1 feeds" in output
    assert output.count("refused: a subscription list may not name files") == 3
    assert "unsupported feed URL scheme 'javascript:'" in output
    assert "unsupported feed URL scheme 'data:'" in output
    listed = cli("--db", db, "feeds", "list", "--format", "csv", cwd=tmp_path)
    assert "passwd" not in listed
    assert "hostname" not in listed
    output = cli("--db", db, "feeds", "import", "--allow-local", str(opml), cwd=tmp_path, code=1)
    assert "imported 3 feeds" in output  # the three local files, asked for
    assert output.count("unsupported feed URL scheme") == 2
    listed = cli("--db", db, "feeds", "list", "--format", "csv", cwd=tmp_path)
    assert str(tmp_path / "here.xml") in listed  # relative to the OPML file
    assert "javascript" not in listed
    assert "unsupported feed URL scheme 'javascript:'" in cli(
        "--db", db, "feeds", "add", "javascript:alert(1)", cwd=tmp_path, code=1
    )

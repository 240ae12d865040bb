"""Issue 16 item 10 / issue 17: the HTTP server bounds idle connections and keeps answering.

Before, ``daemon --http`` ran ``ThreadingHTTPServer``: 3,000 idle half-requests made 3,005
threads, and nothing ever timed them out. Now a real daemon process is flooded with 1,000
connections that send half a request and then wait; its threads stay few, its open
sockets stay under ``[web] max_connections``, /healthz still answers during the flood,
and the half-requests are closed once ``request_timeout`` has passed.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers import ROOT, wait_for

from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.web import WebServer, create_app

FLOOD = 1000
LIMIT = 50
TIMEOUT = 2


def _count(pid: int, what: str) -> int:
    if what == "threads":
        return len(os.listdir(f"/proc/{pid}/task"))
    sockets = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            sockets += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return sockets


def _half_request(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
    return sock


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


@pytest.mark.slow
def test_idle_half_requests_are_bounded_and_the_server_still_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    migrate.upgrade(Database(url))
    config = tmp_path / "watchlist.toml"
    config.write_text(
        f'[web]\nmax_connections = {LIMIT}\nrequest_timeout = "{TIMEOUT}s"\n', encoding="utf-8"
    )
    log = tmp_path / "daemon.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHLIST_")}
    command = [sys.executable, "-m", "monitor.cli", "--db", url, "--config", str(config)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "daemon", "--http", "127.0.0.1:0"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    sockets: list[socket.socket] = []
    try:
        port: list[int] = []

        def serving() -> bool:
            found = re.search(r"/metrics on 127\.0\.0\.1:(\d+)", log.read_text())
            if found:
                port.append(int(found.group(1)))
            return bool(found)

        wait_for(serving, 20, "the daemon to serve HTTP", log.read_text)
        threads_before = _count(proc.pid, "threads")
        started = time.monotonic()
        for _ in range(FLOOD):
            sockets.append(_half_request(port[0]))
        # During the flood: the server answers at once, with few threads and sockets.
        with httpx.Client(timeout=5) as client:
            answered = client.get(f"http://127.0.0.1:{port[0]}/healthz")
            assert (answered.status_code, answered.text) == (200, "ok\n")
            board = client.get(f"http://127.0.0.1:{port[0]}/")
            assert board.status_code == 200
        assert time.monotonic() - started < TIMEOUT  # answered before any timeout helped
        time.sleep(0.5)  # let evictions finish
        threads = _count(proc.pid, "threads")
        open_sockets = _count(proc.pid, "sockets")
        assert threads <= threads_before + 5, (threads_before, threads)
        # The listening socket, the database's, the flood's newest LIMIT, a little slack.
        assert open_sockets <= LIMIT + 10, open_sockets
        # After the request timeout every half-request has been closed by the server.
        wait_for(
            lambda: all(_closed_by_server(s) for s in sockets[-LIMIT:]),
            TIMEOUT + 5,
            "the server to close the idle half-requests",
        )
        closed = sum(_closed_by_server(s) for s in sockets)
        assert closed == FLOOD
        with httpx.Client(timeout=5) as client:
            assert client.get(f"http://127.0.0.1:{port[0]}/healthz").status_code == 200
    finally:
        for sock in sockets:
            sock.close()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(15)
    assert code == 0, log.read_text()[-2000:]


def test_a_slow_request_line_is_cut_off_but_a_prompt_one_is_served(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    migrate.upgrade(db)
    server = WebServer("127.0.0.1:0", create_app(db), max_connections=4, request_timeout=1)
    server.start()
    try:
        slow = _half_request(server.port)
        keep = [_half_request(server.port) for _ in range(6)]  # over the limit: oldest go
        with httpx.Client(timeout=5) as client:
            assert client.get(f"{server.url}healthz").status_code == 200
        wait_for(lambda: _closed_by_server(slow), 4, "the slow request to be closed")
        wait_for(lambda: all(_closed_by_server(s) for s in keep), 4, "all to be closed")
        for sock in [slow, *keep]:
            sock.close()
    finally:
        server.stop()
        db.dispose()


def test_an_address_in_use_is_one_clear_error(tmp_path: Path) -> None:
    from monitor.errors import ConfigError

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"--http 127.0.0.1:{port}: cannot listen"):
            WebServer(f"127.0.0.1:{port}", create_app(None))


def test_watchlist_serve_prints_its_url_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    migrate.upgrade(Database(url))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHLIST_")}
    command = [sys.executable, "-m", "monitor.cli", "--db", url, "serve"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--http", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stderr=out
        )
    try:
        wait_for(lambda: "dashboard: http" in log.read_text(), 20, "serve to start", log.read_text)
        assert f"dashboard: http://127.0.0.1:{port}/ (read-only)" in log.read_text()

        def answers() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz").text == "ready\n"
            except httpx.HTTPError:
                return False

        wait_for(answers, 20, "serve to answer")
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404  # daemon only
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(15)
    assert code == 0, log.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--http", "localhost"], "expected HOST:PORT"),
        (["--db", "sqlite:///{tmp}/none.db", "serve"], "no database at"),  # none created
    ],
)
def test_serve_mistakes_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli
    from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)

    url = f"sqlite:///{tmp_path / 'w.db'}"
    migrate.upgrade(Database(url))
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    full = args if args[0] == "--db" else ["--db", url, *args]
    result = CliRunner().invoke(cli, full)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1

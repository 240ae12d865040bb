"""Servers that misbehave on purpose, for tests/monitor/test_hostile.py. All on 127.0.0.1.

* ``RawServer``: HTTP written by hand. Each route is a script that gets the socket and writes
  whatever bytes it likes (a garbled status line, headers one byte at a time, a body shorter
  than its Content-Length, repeated headers that ``FeedServer`` cannot send).
* ``TLSServer``: HTTPS with a self-signed certificate (made with the ``openssl`` command) for
  127.0.0.1; it counts TCP connections, failed handshakes and HTTP requests, so a test can
  prove that a client refused the certificate and never sent a request.
* ``Listener``: a bare TCP port that counts connections (the target of an ``ftp:`` redirect).

Every server records what reached it, uses a stop event for its sleeps, and joins all of its
threads in ``close()``: nothing outlives the test.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

Script = Callable[[socket.socket, threading.Event], None]
_HEAD_LIMIT = 64 * 1024


class _Acceptor:
    """An accept loop on 127.0.0.1 that hands each connection to ``handle`` in a thread."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections = 0
        self.errors: list[BaseException] = []
        self._loop = threading.Thread(target=self._accept_loop, daemon=True)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._loop.start()
        return self

    def _accept_loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.add(conn)
            thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5.0)
            self.handle(conn)
        except OSError:
            pass  # the client hung up: expected for most attacks
        except BaseException as exc:  # a broken test script, reported by the test
            self.errors.append(exc)
        finally:
            with self._lock:
                self._open.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        self.stop.set()
        self._loop.join(timeout=5)
        with self._lock:
            still_open = list(self._open)
        for conn in still_open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_head(conn: socket.socket) -> bytes:
    """The request line and headers (up to the blank line), or what arrived before EOF."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < _HEAD_LIMIT:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def request_path(head: bytes) -> str:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    return parts[1].decode("latin-1").split("?", 1)[0] if len(parts) >= 2 else ""


class RawServer(_Acceptor):
    """Routes are scripts ``script(conn, stop)``; requests are counted per path."""

    def __init__(self) -> None:
        super().__init__()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._routes: dict[str, Script] = {}
        self._hits: dict[str, int] = {}

    def add(self, path: str, script: Script) -> str:
        self._routes[path] = script
        return self.url(path)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits.get(path, 0)

    def handle(self, conn: socket.socket) -> None:
        path = request_path(read_head(conn))
        with self._lock:
            self._hits[path] = self._hits.get(path, 0) + 1
        script = self._routes.get(path)
        if script is None:
            conn.sendall(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return
        script(conn, self.stop)


def trickle(conn: socket.socket, data: bytes, every: float, stop: threading.Event) -> None:
    """Send ``data`` one byte at a time, ``every`` seconds apart, until done or stopped."""
    for index in range(len(data)):
        if stop.wait(every):
            return
        conn.sendall(data[index : index + 1])


class Listener(_Acceptor):
    """Accepts TCP connections, counts them, and closes them at once."""

    def handle(self, conn: socket.socket) -> None:
        return


class TLSServer(_Acceptor):
    """HTTPS on 127.0.0.1 with a self-signed certificate that no client should trust."""

    def __init__(self, cert: Path, key: Path, body: bytes) -> None:
        super().__init__()
        self.url = f"https://127.0.0.1:{self.port}/feed.xml"
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._body = body
        self.failed_handshakes = 0
        self.requests = 0

    def handle(self, conn: socket.socket) -> None:
        try:
            tls = self._context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            with self._lock:
                self.failed_handshakes += 1
            return
        with tls:
            if not read_head(tls):
                return
            with self._lock:
                self.requests += 1
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Length: {len(self._body)}\r\nConnection: close\r\n\r\n"
            )
            tls.sendall(head.encode() + self._body)


def self_signed_certificate(directory: Path) -> tuple[Path, Path] | None:
    """A certificate and key for 127.0.0.1, signed by itself; None without ``openssl``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``condition`` every 20 ms; returns the seconds it took, or raises after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - started

"""Issue 7, items 1 and 2: hostile feeds through the real pipeline, and untrusted text.

One arena of servers on 127.0.0.1 serves every attack at once, beside good feeds:
``FeedServer`` for what HTTP can say, ``RawServer`` for what it must not (garbled status
lines, headers trickled one byte at a time, bodies shorter than their Content-Length),
a TLS server with a self-signed certificate, and a bare TCP listener for ``ftp:`` redirects.

The arena is polled twice: in this process by ``Pipeline.poll(all_feeds=True)`` (timings,
file opens watched by an audit hook, hit counters) and by ``watchlist poll --all`` in a
subprocess whose peak RSS is read from ``os.wait4``. Each attack must end as a clear error
on its own feed (``feeds list --format json``: ``last_error_kind`` and ``last_error``) within
the fetch deadline; no request may leave for a redirect target or an entity URL; the good
feeds polled alongside must be stored in full.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import os
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from feedserver import FeedServer
from helpers import Clock, Story, day, load_rules, pipeline, rss, run_measured
from hostile_servers import Listener, RawServer, TLSServer, self_signed_certificate, trickle
from sqlalchemy import select

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.feeds.parse import MAX_ENTRIES
from monitor.storage import feeds as feeds_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Entry, EvidenceRow, Feed

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
DEADLINE = 2.0  # [polling] fetch_deadline of every run here
SLACK = 0.75  # scheduling noise on a loaded CI machine, on top of the deadline
RSS_LIMIT_MB = 200
FLOOD = MAX_ENTRIES + 1000
GOOD_FEEDS, GOOD_ENTRIES = 4, 25

# --- file opens, watched by an audit hook (process-wide, inert unless a test watches) --------

_WATCHED: list[set[str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _WATCHED and isinstance(args[0], str | bytes | os.PathLike):
        _WATCHED[-1].add(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@contextlib.contextmanager
def watch_opens() -> Iterator[set[str]]:
    _WATCHED.append(set())
    try:
        yield _WATCHED[-1]
    finally:
        _WATCHED.pop()


# --- the attacks ------------------------------------------------------------------------------


@dataclass
class Attack:
    name: str
    url: str
    kind: str | None  # the feed's last_error_kind; None: polled fine (capped or inert)
    says: str  # a phrase the recorded error must contain
    entries: int = 0  # entries stored afterwards
    quiet: dict[str, Callable[[], int]] = field(default_factory=dict)  # counters that stay 0
    fast: bool = False  # refused before reading the body: well under the deadline


def _story_feed(prefix: str, count: int) -> str:
    return rss(
        [
            Story(
                f"{prefix}-{n}",
                f"{prefix} story {n}",
                f"Body of {prefix} story {n}.",
                f"https://{prefix}.example/{n}",
                day(1),
            )
            for n in range(count)
        ],
        title=prefix,
    )


@functools.cache
def _bomb(wbits: int) -> bytes:
    """256 MiB of zeros compressed to ~250 KB (a ratio of ~1000): one network read of it
    inflates to tens of megabytes unless decoding itself stops at the cap."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(MB)
    return b"".join(packer.compress(zeros) for _ in range(256)) + packer.flush()


def _flood_rss(cap: int) -> bytes:
    """As many small entries as fit under the body cap (~30 bytes each)."""
    count = int(cap * 0.95) // 32
    items = "".join(f"<item><guid>{n}</guid></item>" for n in range(count))
    return f'<rss version="2.0"><channel><title>flood</title>{items}</channel></rss>'.encode()


def _value_flood(cap: int) -> bytes:
    """A JSON Feed whose one item holds as many empty objects as fit under the cap."""
    empties = ",".join(["{}"] * (int(cap * 0.95) // 3))
    return (
        '{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "x": ['
        + empties
        + "]}]}"
    ).encode()


def _flood_json(count: int) -> bytes:
    items = [{"id": f"j{n}", "title": f"t{n}", "content_text": "x"} for n in range(count)]
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "flood", "items": items}
    ).encode()


_ITEM = "<item><guid>1</guid><title>&{name};</title></item>"


def _entity_doc(subset: str, ref: str = "xxe", doctype: str | None = None) -> str:
    head = doctype or f"<!DOCTYPE rss [{subset}]>"
    return (
        f'<?xml version="1.0"?>{head}<rss version="2.0"><channel><title>t</title>'
        f"{_ITEM.format(name=ref) if ref else ''}</channel></rss>"
    )


def _billion_laughs() -> str:
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return _entity_doc("".join(lines), ref="lol9")


def _quadratic() -> str:
    doc = _entity_doc(f'<!ENTITY a "{"a" * 50_000}">', ref="")
    return doc.replace("</channel>", f"<item><title>{'&a;' * 20_000}</title></item></channel>")


def _http_head(status: str, headers: dict[str, str] | list[tuple[str, str]]) -> bytes:
    pairs = headers.items() if isinstance(headers, dict) else headers
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in pairs), "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Arena:
    """Every server, every attack and the good feeds; ``cap`` is the body cap of the run."""

    def __init__(self, tmp: Path, cap: int) -> None:
        self.tmp = tmp
        self.cap = cap
        self.web = FeedServer().start()
        self.raw = RawServer().start()
        self.ftp = Listener().start()
        self.tls: TLSServer | None = None
        certificate = self_signed_certificate(tmp)
        if certificate is not None:
            self.tls = TLSServer(*certificate, _story_feed("tls", 3).encode()).start()
        self.canary_file = tmp / "canary.xml"
        self.canary_file.write_text(_story_feed("canary", 2), encoding="utf-8")
        self.web.add("/canary.xml", _story_feed("canary", 2))
        self.good = [
            self.web.add(f"/good{n}.xml", _story_feed(f"good{n}", GOOD_ENTRIES))
            for n in range(GOOD_FEEDS)
        ]
        self.attacks = self._mount()

    def close(self) -> None:
        for server in (self.web, self.raw, self.ftp, self.tls):
            if server is not None:
                server.close()

    # Every target below is a route that would answer with a real feed: a request that
    # reached it would show up as a hit (and as entries), never as a silent 404.
    def _targets(self, *paths: str) -> dict[str, Callable[[], int]]:
        for path in paths:
            self.web.add(path, _story_feed("leak", 1))
        return {path: (lambda p=path: self.web.hits(p)) for path in paths}

    def _mount(self) -> list[Attack]:
        web, raw, cap = self.web, self.raw, self.cap
        attacks = [
            # -- compression and size -------------------------------------------------------
            *(
                Attack(
                    f"{coding}-bomb-{framing}",
                    web.add(
                        f"/bomb-{coding}-{framing}",
                        _bomb(wbits),
                        headers={"Content-Encoding": coding.removeprefix("raw-")},
                        framing=framing,
                    ),
                    "too_large",
                    f"larger than {cap} bytes",
                )
                for coding, wbits, framing in (
                    ("gzip", 31, "length"),
                    ("x-gzip", 31, "chunked"),
                    ("deflate", 15, "chunked"),
                    ("raw-deflate", -15, "close"),
                )
            ),
            Attack(
                "unsupported-encoding",
                web.add("/brotli", b"\x8b\x02\x80hello\x03", headers={"Content-Encoding": "br"}),
                "malformed",
                "unsupported Content-Encoding 'br'",
                fast=True,
            ),
            Attack(
                "stacked-encodings",
                web.add(
                    "/stacked",
                    gzip.compress(gzip.compress(_story_feed("s", 1).encode())),
                    headers={"Content-Encoding": "gzip, gzip"},
                ),
                "unsafe",
                "stacked Content-Encoding",
                fast=True,
            ),
            Attack(
                "stacked-encodings-two-headers",
                raw.add("/stacked-headers", self._stacked_headers),
                "unsafe",
                "stacked Content-Encoding",
                fast=True,
            ),
            Attack(
                "over-cap-content-length",
                web.add("/big-length", bytes(cap + 1), framing="length"),
                "too_large",
                f"larger than {cap} bytes",
                fast=True,
            ),
            Attack(
                "over-cap-huge-declared-length",
                raw.add("/huge-length", self._huge_declared_length),
                "too_large",
                f"larger than {cap} bytes",
                fast=True,
            ),
            Attack(
                "over-cap-chunked",
                web.add("/big-chunked", bytes(cap + 1), framing="chunked"),
                "too_large",
                f"larger than {cap} bytes",
            ),
            Attack(
                "over-cap-until-close",
                web.add("/big-close", bytes(cap + 1), framing="close"),
                "too_large",
                f"larger than {cap} bytes",
            ),
            # -- time ------------------------------------------------------------------------
            Attack(
                "trickled-body",
                web.add("/trickle-body", bytes(4000), chunk_size=20, chunk_delay=0.05),
                "timeout",
                "deadline",
            ),
            Attack(
                "trickled-headers",
                raw.add("/trickle-headers", self._trickled_headers),
                "timeout",
                "deadline",
            ),
            Attack(
                "no-answer",
                web.add("/no-answer", _story_feed("late", 1), delay=30.0),
                "timeout",
                "deadline",
            ),
            # -- redirects -------------------------------------------------------------------
            Attack(
                "redirect-loop",
                self._loop(),
                "redirect",
                "loop",
                quiet={"second visit": lambda: web.hits("/loop-a") + web.hits("/loop-b") - 2},
            ),
            Attack(
                "too-many-redirects",
                self._chain(12),
                "redirect",
                "more than 5 redirects",
                quiet={f"/hop{n}": (lambda n=n: web.hits(f"/hop{n}")) for n in range(6, 12)}
                | self._targets("/hop-end"),
            ),
            Attack(
                "redirect-to-file",
                web.redirect("/to-file", self.canary_file.as_uri(), 301),
                "redirect",
                "only http(s) is followed",
            ),
            Attack(
                "redirect-to-ftp",
                web.redirect("/to-ftp", f"ftp://127.0.0.1:{self.ftp.port}/feed.xml", 302),
                "redirect",
                "only http(s) is followed",
                quiet={"ftp connections": lambda: self.ftp.connections},
            ),
            Attack(
                "redirect-to-gopher",
                web.redirect("/to-gopher", f"gopher://127.0.0.1:{self.ftp.port}/1", 307),
                "redirect",
                "only http(s) is followed",
                quiet={"gopher connections": lambda: self.ftp.connections},
            ),
            Attack(
                "redirect-to-data",
                web.redirect("/to-data", "data:application/rss+xml,<rss/>", 302),
                "redirect",
                "only http(s) is followed",
            ),
            Attack(
                "redirect-to-javascript",
                web.redirect("/to-js", "javascript:alert(1)", 302),
                "redirect",
                "only http(s) is followed",
            ),
            # -- TLS -------------------------------------------------------------------------
            Attack(
                "https-to-plain-http-port",
                web.url("/tls-plain").replace("http://", "https://"),
                "tls",
                "TLS failure",
                quiet=self._targets("/tls-plain"),
            ),
            # -- broken HTTP -----------------------------------------------------------------
            Attack(
                "truncated-body",
                raw.add("/truncated", self._truncated),
                "malformed",
                "broken HTTP response",
            ),
            Attack(
                "truncated-chunked",
                raw.add("/truncated-chunked", self._truncated_chunked),
                "malformed",
                "broken HTTP response",
            ),
            Attack(
                "garbled-status-line",
                raw.add("/garbled", self._garbled_status),
                "malformed",
                "broken HTTP response",
            ),
            Attack(
                "binary-noise",
                raw.add("/noise", self._noise),
                "malformed",
                "broken HTTP response",
            ),
            Attack(
                "corrupt-gzip",
                web.add(
                    "/corrupt-gzip",
                    b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4,
                    headers={"Content-Encoding": "gzip"},
                ),
                "malformed",
                "cannot be decompressed",
            ),
            # -- Retry-After -----------------------------------------------------------------
            Attack(
                "retry-after-huge-number",
                web.add(
                    "/busy-number",
                    "busy",
                    status=429,
                    headers={"Retry-After": "9" * 400},
                ),
                "retry_later",
                "retry after 21600s",
            ),
            Attack(
                "retry-after-year-9999",
                web.add(
                    "/busy-date",
                    "busy",
                    status=503,
                    headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
                ),
                "retry_later",
                "retry after 21600s",
            ),
            Attack(
                "retry-after-negative",
                web.add("/busy-negative", "busy", status=429, headers={"Retry-After": "-99999"}),
                "retry_later",
                "(not given)",
            ),
            # -- XML entities ----------------------------------------------------------------
            Attack(
                "xxe-external-http-entity",
                web.add(
                    "/xxe-http",
                    _entity_doc(f'<!ENTITY xxe SYSTEM "{web.url("/xxe-target")}">'),
                ),
                "unsafe",
                "<!ENTITY>",
                quiet=self._targets("/xxe-target"),
            ),
            Attack(
                "xxe-external-file-entity",
                web.add("/xxe-file", _entity_doc(f'<!ENTITY xxe SYSTEM "{self.canary_file}">')),
                "unsafe",
                "<!ENTITY>",
            ),
            Attack(
                "xxe-parameter-entity",
                web.add(
                    "/xxe-param",
                    _entity_doc(
                        f'<!ENTITY % remote SYSTEM "{web.url("/param.dtd")}"> %remote;', ref=""
                    ),
                ),
                "unsafe",
                "<!ENTITY>",
                quiet=self._targets("/param.dtd"),
            ),
            Attack(
                "external-dtd-system",
                web.add(
                    "/dtd-system",
                    _entity_doc(
                        "", ref="", doctype=f'<!DOCTYPE rss SYSTEM "{web.url("/evil.dtd")}">'
                    ),
                ),
                "unsafe",
                "external DTD",
                quiet=self._targets("/evil.dtd"),
            ),
            Attack(
                "external-dtd-public",
                web.add(
                    "/dtd-public",
                    _entity_doc(
                        "",
                        ref="",
                        doctype=f'<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "{web.url("/public.dtd")}">',
                    ),
                ),
                "unsafe",
                "external DTD",
                quiet=self._targets("/public.dtd"),
            ),
            Attack(
                "xxe-in-utf16",
                web.add(
                    "/xxe-utf16",
                    _entity_doc(f'<!ENTITY xxe SYSTEM "{web.url("/xxe16-target")}">')
                    .replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
                    .encode("utf-16"),
                    content_type="application/xml",
                ),
                "unsafe",
                "<!ENTITY>",
                quiet=self._targets("/xxe16-target"),
            ),
            Attack("billion-laughs", web.add("/laughs", _billion_laughs()), "unsafe", "<!ENTITY>"),
            Attack("quadratic-blowup", web.add("/quadratic", _quadratic()), "unsafe", "<!ENTITY>"),
            # -- bodies that name something else ---------------------------------------------
            Attack(
                "body-is-a-file-path",
                web.add("/path-body", str(self.canary_file), content_type="application/rss+xml"),
                "not_a_feed",
                "no RSS, Atom or JSON Feed",
            ),
            Attack(
                "body-is-a-file-url",
                web.add("/file-url-body", self.canary_file.as_uri(), content_type="text/xml"),
                "not_a_feed",
                "no RSS, Atom or JSON Feed",
            ),
            Attack(
                "body-is-a-url",
                web.add("/url-body", web.url("/canary.xml"), content_type="text/xml"),
                "not_a_feed",
                "no RSS, Atom or JSON Feed",
                quiet={"/canary.xml": lambda: web.hits("/canary.xml")},
            ),
            Attack(
                "references-that-must-stay-inert",
                web.add("/inert-refs", self._inert_references()),
                None,
                "",
                entries=1,
                quiet=self._targets("/style.xsl", "/xinclude.xml", "/pixel.png"),
            ),
            # -- volume ----------------------------------------------------------------------
            Attack(
                "entry-flood-rss", web.add("/flood.xml", _flood_rss(cap)), None, "", MAX_ENTRIES
            ),
            Attack(
                "entry-flood-json",
                web.add("/flood.json", _flood_json(FLOOD), content_type="application/feed+json"),
                None,
                "",
                MAX_ENTRIES,
            ),
            Attack(
                "json-value-flood",
                web.add("/values.json", _value_flood(cap), content_type="application/feed+json"),
                "too_large",
                "JSON values",
            ),
        ]
        if self.tls is not None:
            tls = self.tls
            attacks.append(
                Attack(
                    "self-signed-certificate",
                    tls.url,
                    "tls",
                    "CERTIFICATE_VERIFY_FAILED",
                    quiet={"requests over TLS": lambda: tls.requests},
                )
            )
        return attacks

    # -- helpers for the routes above -----------------------------------------------------------

    def _loop(self) -> str:
        self.web.redirect("/loop-a", "/loop-b", 302)
        return self.web.redirect("/loop-b", "/loop-a", 302)

    def _chain(self, length: int) -> str:
        for n in range(length):
            self.web.redirect(f"/hop{n}", f"/hop{n + 1}" if n + 1 < length else "/hop-end", 302)
        return self.web.url("/hop0")

    def _inert_references(self) -> str:
        web = self.web
        return (
            f'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="{web.url("/style.xsl")}"?>'
            '<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><title>t</title>'
            f'<xi:include href="{web.url("/xinclude.xml")}"/>'
            f"<item><guid>inert</guid><title>Inert references</title><description>"
            f'&lt;img src="{web.url("/pixel.png")}"&gt; text</description></item>'
            "</channel></rss>"
        )

    @staticmethod
    def _stacked_headers(conn: socket.socket, stop: threading.Event) -> None:
        body = gzip.compress(gzip.compress(b"<rss/>"))
        head = _http_head(
            "200 OK",
            [
                ("Content-Type", "application/rss+xml"),
                ("Content-Encoding", "gzip"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(len(body))),
            ],
        )
        conn.sendall(head + body)

    def _huge_declared_length(self, conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(_http_head("200 OK", {"Content-Length": str(10 * 1024**3)}))
        trickle(conn, b"<rss>" * 100, 0.05, stop)  # would take 25 s: must not be waited for

    @staticmethod
    def _trickled_headers(conn: socket.socket, stop: threading.Event) -> None:
        # Every byte arrives well within any read timeout; the whole head would take 60 s.
        head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1200 + b"\r\n\r\n"
        trickle(conn, head, 0.05, stop)

    @staticmethod
    def _truncated(conn: socket.socket, stop: threading.Event) -> None:
        body = _story_feed("cut", 5).encode()
        head = _http_head(
            "200 OK", {"Content-Type": "application/rss+xml", "Content-Length": "50000"}
        )
        conn.sendall(head + body[:300])

    @staticmethod
    def _truncated_chunked(conn: socket.socket, stop: threading.Event) -> None:
        head = _http_head("200 OK", {"Transfer-Encoding": "chunked"})
        conn.sendall(head + b"3e8\r\n" + b"<rss version='2.0'>")

    @staticmethod
    def _garbled_status(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 OK 200 maybe\r\nContent-Length: 6\r\n\r\n<rss/>")

    @staticmethod
    def _noise(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(bytes((n * 7919 + 13) % 256 for n in range(4096)))


def _leaks(attacks: list[Attack]) -> dict[str, int]:
    return {
        f"{a.name}: {label}": count()
        for a in attacks
        for label, count in a.quiet.items()
        if count() != 0
    }


# --- run 1: Pipeline.poll in this process ------------------------------------------------------


@dataclass
class PipelineRun:
    arena: Arena
    feeds: dict[str, feeds_repo.FeedInfo]  # by URL
    entries: dict[int, int]  # feed id → stored entries
    opened: set[str]
    elapsed: float
    now: datetime


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PipelineRun]:
    tmp = tmp_path_factory.mktemp("hostile")
    arena = Arena(tmp, cap=1 * MB)
    db = Database(f"sqlite:///{tmp / 'w.db'}")
    migrate.upgrade(db)
    clock = Clock(day(10))
    urls = arena.good + [a.url for a in arena.attacks]
    with db.write() as session:
        for url in urls:
            feeds_repo.add_feed(session, url, clock())
    p = pipeline(
        db, clock, fetch_deadline=DEADLINE, max_bytes=arena.cap, concurrency=16, per_host=64
    )
    try:
        with watch_opens() as opened:
            started = time.monotonic()
            summary = p.poll(all_feeds=True)
            elapsed = time.monotonic() - started
        assert summary.feeds == len(urls)
        with db.read() as session:
            infos = {f.url: f for f in feeds_repo.list_feeds(session)}
            counts: dict[int, int] = {}
            for feed_id in session.scalars(select(Entry.feed_id)):
                counts[feed_id] = counts.get(feed_id, 0) + 1
        yield PipelineRun(arena, infos, counts, set(opened), elapsed, clock())
    finally:
        db.dispose()
        arena.close()


def test_every_attack_is_refused_within_the_deadline_with_a_clear_error(
    pipeline_run: PipelineRun,
) -> None:
    run = pipeline_run
    problems: list[str] = []
    report: list[str] = []
    for attack in run.arena.attacks:
        info = run.feeds[attack.url]
        duration = info.last_duration or 0.0
        report.append(
            f"{attack.name:34} {info.last_error_kind or info.last_outcome:12} {duration:6.3f}s"
        )
        if attack.kind is None:
            if info.last_outcome != "ok":
                problems.append(f"{attack.name}: {info.last_outcome}: {info.last_error}")
        else:
            if (info.last_outcome, info.last_error_kind) != ("error", attack.kind):
                problems.append(
                    f"{attack.name}: expected {attack.kind}, got "
                    f"{info.last_outcome}/{info.last_error_kind}: {info.last_error}"
                )
            elif attack.says not in (info.last_error or ""):
                problems.append(f"{attack.name}: {attack.says!r} not in {info.last_error!r}")
            elif attack.url.split("://", 1)[1].split("/", 1)[0] not in (info.last_error or ""):
                problems.append(f"{attack.name}: the error does not name the feed's host")
        # A fast refusal must not wait for the deadline; half of it leaves room for the
        # fetch thread's scheduling on a loaded two-core machine (0.50 s once in CI, while
        # the poll's writing thread stored a batch; 0.02-0.06 s otherwise).
        limit = DEADLINE / 2 if attack.fast else DEADLINE + SLACK
        if duration > limit:
            problems.append(f"{attack.name}: took {duration:.2f}s (limit {limit}s)")
        if run.entries.get(info.id, 0) != attack.entries:
            problems.append(
                f"{attack.name}: {run.entries.get(info.id, 0)} entries stored, "
                f"expected {attack.entries}"
            )
    print(f"\npoll of {len(run.feeds)} feeds took {run.elapsed:.2f}s\n" + "\n".join(report))
    assert problems == [], "\n".join(problems)
    assert run.elapsed < 2 * DEADLINE + 2 * SLACK  # the attacks ran side by side


def test_good_feeds_polled_alongside_are_stored_in_full(pipeline_run: PipelineRun) -> None:
    for url in pipeline_run.arena.good:
        info = pipeline_run.feeds[url]
        assert (info.last_outcome, info.error_count) == ("ok", 0), info.last_error
        assert pipeline_run.entries[info.id] == GOOD_ENTRIES


def test_no_request_leaves_for_redirect_targets_or_entity_urls(pipeline_run: PipelineRun) -> None:
    assert _leaks(pipeline_run.arena.attacks) == {}


def test_no_file_is_opened_for_a_redirect_an_entity_or_a_body(pipeline_run: PipelineRun) -> None:
    canary = str(pipeline_run.arena.canary_file)
    assert not {path for path in pipeline_run.opened if path.startswith(canary)}


def test_tls_failure_has_no_insecure_fallback(pipeline_run: PipelineRun) -> None:
    tls = pipeline_run.arena.tls
    if tls is None:
        pytest.skip("no openssl command to make a self-signed certificate")
    assert tls.connections >= 1  # the client came, saw the certificate ...
    assert tls.failed_handshakes == tls.connections  # ... refused it every time ...
    assert tls.requests == 0  # ... and never sent a request without verification


def test_absurd_retry_after_is_clamped(pipeline_run: PipelineRun) -> None:
    for attack in pipeline_run.arena.attacks:
        if attack.kind != "retry_later":
            continue
        info = pipeline_run.feeds[attack.url]
        delay = info.next_poll_at - pipeline_run.now
        assert timedelta(minutes=1) <= delay <= timedelta(hours=6), (attack.name, delay)
        if "21600s" in attack.says:
            assert delay == timedelta(hours=6), attack.name


# --- run 2: `watchlist poll --all` in a subprocess, for its memory --------------------------------


def _cli(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db_url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.slow
def test_poll_process_memory_stays_bounded_and_errors_are_listed(tmp_path: Path) -> None:
    cap = 10 * MB  # the default cap: the bodies in flight are as large as production allows
    arena = Arena(tmp_path, cap=cap)
    try:
        db_url = f"sqlite:///{tmp_path / 'w.db'}"
        config = tmp_path / "watchlist.toml"
        config.write_text(
            f"""
[polling]
fetch_deadline = "{DEADLINE:g}s"
max_bytes = {cap}
concurrency = 8       # x 10 MiB: memory grows with both (docs/notes/reliability.md)
per_host = 64
""",
            encoding="utf-8",
        )
        _cli(db_url, "init", "--config-file", str(tmp_path / "unused.toml"))
        _cli(db_url, "feeds", "add", "--no-check", *arena.good, *(a.url for a in arena.attacks))
        code, peak_mb, elapsed, output = run_measured(
            [
                sys.executable,
                "-m",
                "monitor.cli",
                "--db",
                db_url,
                "--config",
                str(config),
                "poll",
                "--all",
            ],
            tmp_path,
            timeout=60,
        )
        print(f"\nwatchlist poll --all: {elapsed:.2f}s, peak RSS {peak_mb:.1f} MB")
        assert code == 0, output
        assert peak_mb < RSS_LIMIT_MB
        rows = {
            row["url"]: row for row in json.loads(_cli(db_url, "feeds", "list", "--format", "json"))
        }
        for attack in arena.attacks:
            row = rows[attack.url]
            if attack.kind is None:
                assert row["last_outcome"] == "ok", (attack.name, row["last_error"])
            else:
                assert (row["last_outcome"], row["last_error_kind"]) == ("error", attack.kind), (
                    attack.name,
                    row["last_error"],
                )
                assert attack.says in row["last_error"], (attack.name, row["last_error"])
            assert row["entries"] == attack.entries, attack.name
        for url in arena.good:
            assert (rows[url]["last_outcome"], rows[url]["entries"]) == ("ok", GOOD_ENTRIES)
        assert _leaks(arena.attacks) == {}
        assert elapsed < 30
    finally:
        arena.close()


# --- values a database refuses: one feed's data must never stop the poll of the others ----------

JSON_FEED = "application/feed+json"


def _json_feed(item: dict[str, Any]) -> str:
    normal = {"id": "normal", "url": "https://ok.example/normal", "title": "A normal item"}
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": [item, normal]}
    )


def test_values_a_database_would_refuse_never_stop_the_other_feeds(
    db: Database, feed_server: FeedServer
) -> None:
    """PostgreSQL refuses NUL, strings over a column's length and dates it cannot hold;
    SQLite takes them all. Either way each hostile value is dropped or cleaned on the way
    in, and the good feed polled in the same pass is stored in full."""
    clock = Clock(day(10))
    web = feed_server
    long_target = web.add("/" + "p" * 2100, _story_feed("moved", 2))
    stamp = "Wed, 10 Jul 2024 06:00:00 GMT"
    cases = {
        "nul-in-link": web.add(
            "/nul.json",
            _json_feed({"id": "1", "url": "https://a.example/x\x00y"}),
            content_type=JSON_FEED,
        ),
        "overlong-link": web.add(
            "/long-link.json",
            _json_feed({"id": "1", "url": "https://a.example/" + "x" * 3000}),
            content_type=JSON_FEED,
        ),
        "overlong-hostname": web.add(
            "/long-host.json",
            _json_feed({"id": "1", "url": "https://" + "h" * 300 + ".example/x"}),
            content_type=JSON_FEED,
        ),
        "broken-ipv6-link-json": web.add(
            "/ipv6.json", _json_feed({"id": "1", "url": "http://[oops/x"}), content_type=JSON_FEED
        ),
        "broken-ipv6-link-rss": web.add(
            "/ipv6.xml",
            _story_feed("v6", 2).replace("https://v6.example/0", "http://[oops"),
        ),
        "date-out-of-range": web.add(
            "/date.json",
            _json_feed({"id": "1", "date_published": "0001-01-01T00:00:00+05:00"}),
            content_type=JSON_FEED,
        ),
        "oversized-etag": web.add("/etag.xml", _story_feed("etag", 2), etag='"' + "e" * 5000 + '"'),
        "overlong-last-modified": web.add(
            "/lm.xml", _story_feed("lm", 2), last_modified=stamp + " " + "x" * 200
        ),
        "overlong-permanent-redirect": web.redirect("/moved.xml", long_target, 301),
    }
    good = web.add("/good.xml", _story_feed("good", GOOD_ENTRIES))
    with db.write() as session:
        for url in [*cases.values(), good]:
            feeds_repo.add_feed(session, url, clock())
    summary = pipeline(db, clock).poll(all_feeds=True)
    assert summary.feeds == len(cases) + 1
    with db.read() as session:
        infos = {f.url: f for f in feeds_repo.list_feeds(session)}
        feeds = {f.url: f for f in session.scalars(select(Feed))}
    assert (infos[good].last_outcome, infos[good].entries) == ("ok", GOOD_ENTRIES)
    outcomes = {name: (infos[url].last_outcome, infos[url].entries) for name, url in cases.items()}
    assert outcomes == dict.fromkeys(cases, ("ok", 2)), summary.errors
    assert feeds[cases["oversized-etag"]].etag is None  # cannot be stored whole: not kept
    assert feeds[cases["overlong-last-modified"]].last_modified is None
    assert cases["overlong-permanent-redirect"] in feeds  # the move is not adopted


# --- item 2: untrusted text is cleaned on the way in ---------------------------------------------

CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9b"
RULES = """
id: t
title: T
indicators:
  - id: labour
    title: Labour mobility agreement
    query: (india OR indian) (russia OR russian) "labour mobility"
"""


def _dirty(text: str) -> str:
    """``text`` with a control character between words and at both ends."""
    words = text.split(" ")
    mixed = [w + CONTROLS[n % len(CONTROLS)] for n, w in enumerate(words)]
    return "\x00" + " ".join(mixed) + "\x1b[31m\x00"


def _json_feed_with_controls() -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": _dirty("Dirty JSON feed"),
            "items": [
                {
                    "id": "j\x00-1\x1b",
                    "url": "https://dirty.example/a\x00b\x01c",
                    "title": _dirty("India and Russia signed a labour mobility agreement"),
                    "content_html": "<p>" + _dirty("Ministers signed the deal in Delhi.") + "</p>",
                    "authors": [{"name": "Ann\x00 Ames\x07"}],
                    "date_published": "2025-12-05T10:00:00Z",
                },
                {
                    "id": "j-2",
                    "title": "\u202eIndia, Russia sign labour mobility pact\u202c \u2066x\u2069",
                    "content_text": _dirty("A second source reports the signing."),
                },
            ],
        }
    )


def _rss_with_controls() -> str:
    # Raw control bytes and numeric references to them: XML 1.0 forbids both, so the
    # strict parser fails and feedparser's forgiving one keeps whatever it can.
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{_dirty('Dirty RSS')}</title><link>https://rss.example/</link>"
        f"<item><guid>r\x00-1&#0;&#x1b;</guid><link>https://rss.example/x&#0;y\x00z</link>"
        f"<title>{_dirty('India, Russia sign labour mobility pact')}&#x7f;&#x9b;</title>"
        f"<description>{_dirty('Signed today.')}&#0;&#x1;</description></item>"
        "</channel></rss>"
    )


def _has_controls(text: str | None) -> bool:
    return text is not None and any(
        (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in text
    )


@pytest.mark.parametrize("body", ["json", "rss"])
def test_control_characters_never_reach_storage(
    db: Database, feed_server: FeedServer, body: str
) -> None:
    clock = Clock(day(10))
    load_rules(db, RULES, clock())
    url = (
        feed_server.add(
            "/dirty.json", _json_feed_with_controls(), content_type="application/feed+json"
        )
        if body == "json"
        else feed_server.add("/dirty.xml", _rss_with_controls())
    )
    with db.write() as session:
        feeds_repo.add_feed(session, url, clock())
    summary = pipeline(db, clock).poll(all_feeds=True)
    assert (summary.ok, summary.failed) == (1, 0), summary.errors
    with db.read() as session:
        entries = list(session.scalars(select(Entry)))
        feed = session.scalars(select(Feed)).one()
        sentences = list(session.scalars(select(EvidenceRow.sentence)))
    assert len(entries) == (2 if body == "json" else 1)
    assert summary.evidence >= 1
    assert sentences
    texts = [feed.title, *sentences]
    for entry in entries:
        texts += [
            entry.title,
            entry.summary,
            entry.guid,
            entry.link,
            entry.dedup_key,
            entry.publisher,
        ]
    assert [t for t in texts if _has_controls(t)] == []
    assert any("labour mobility" in (e.title or "").lower() for e in entries)


def test_bidi_overrides_are_neutralised_in_every_report(
    db: Database, feed_server: FeedServer
) -> None:
    clock = Clock(day(10))
    load_rules(db, RULES, clock())
    url = feed_server.add(
        "/bidi.json", _json_feed_with_controls(), content_type="application/feed+json"
    )
    with db.write() as session:
        feeds_repo.add_feed(session, url, clock())
    pipeline(db, clock).poll(all_feeds=True)
    with db.read() as session:
        titles = list(session.scalars(select(Entry.title)))
    assert any("\u202e" in t for t in titles)  # kept in storage: it is the publisher's text
    for command in (["status"], ["history"], ["explain", "labour"], ["feeds", "list"]):
        for fmt in ("table", "json", "markdown", "csv"):
            out = _cli(db.url, *command, "--format", fmt)
            assert not any(
                c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
            ), (
                command,
                fmt,
            )
            assert not _has_controls(out.replace("\r\n", "\n")), (command, fmt)


def test_a_parser_crash_on_one_feed_is_recorded_and_the_others_are_polled(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last line of defence: a parser bug on some input nobody foresaw (here injected
    at the seam) fails that feed, with the exception named, not the whole poll."""
    import monitor.prepare

    real = monitor.prepare.parse_feed
    broken = feed_server.add("/crashes-the-parser.xml", _story_feed("crash", 1))

    def parse(body: bytes, headers: Any, url: str) -> Any:
        if url == broken:
            raise RuntimeError("parser bug")
        return real(body, headers, url)

    monkeypatch.setattr(monitor.prepare, "parse_feed", parse)  # a poll this small parses here
    clock = Clock(day(10))
    good = feed_server.add("/good.xml", _story_feed("good", GOOD_ENTRIES))
    with db.write() as session:
        for url in (broken, good):
            feeds_repo.add_feed(session, url, clock())
    summary = pipeline(db, clock).poll(all_feeds=True)
    assert (summary.ok, summary.failed) == (1, 1)
    with db.read() as session:
        infos = {f.url: f for f in feeds_repo.list_feeds(session)}
    assert (infos[good].last_outcome, infos[good].entries) == ("ok", GOOD_ENTRIES)
    assert infos[broken].last_error_kind == "malformed"
    assert "RuntimeError('parser bug')" in (infos[broken].last_error or "")

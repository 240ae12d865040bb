"""fetch(): every outcome against a real HTTP server on 127.0.0.1 (tests/monitor/feedserver.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import hashlib
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from feedserver import FeedServer, Framing, Reply

from monitor.feeds.fetch import FetchPolicy, fetch, make_client
from monitor.feeds.types import FeedRequest, FetchOutcome, FetchResult

RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>India, Russia sign pact</title></item></channel></rss>"
)
MB = 1024 * 1024


@pytest.fixture(scope="module")
def policy() -> FetchPolicy:
    return FetchPolicy(timeout_connect=2.0, timeout_read=2.0, deadline=5.0, max_bytes=MB)


@pytest.fixture(scope="module")
def client(policy: FetchPolicy) -> Iterator[httpx.Client]:
    """One client for the module, as in production (creating one loads the CA bundle)."""
    with make_client(policy) as shared:
        yield shared


def get(client: httpx.Client, policy: FetchPolicy, url: str, **validators: str) -> FetchResult:
    return fetch(client, FeedRequest(url, **validators), policy)


def assert_error(result: FetchResult, kind: str, status: int | None = None) -> None:
    assert (result.outcome, result.error_kind, result.status) == (FetchOutcome.ERROR, kind, status)
    assert result.body is None
    assert result.error
    assert result.duration > 0


# --- conditional GET and content hashes ------------------------------------------------------


def test_ok_result_carries_body_validators_and_lowercased_headers(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = feed_server.add("/feed.xml", RSS, etag='"v1"', headers={"X-Custom": "Yes"})
    result = get(client, policy, url)
    assert (result.outcome, result.status, result.body) == (FetchOutcome.OK, 200, RSS)
    assert (result.final_url, result.etag, result.permanent_redirect) == (url, '"v1"', None)
    assert result.content_hash == hashlib.sha256(RSS).hexdigest()
    assert result.headers["x-custom"] == "Yes"
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert result.duration > 0
    first = feed_server.requests("/feed.xml")[0].headers
    assert "if-none-match" not in first
    assert "if-modified-since" not in first
    assert first["user-agent"] == policy.user_agent


def test_etag_gives_304_and_not_modified(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = feed_server.add("/feed.xml", RSS, etag='"v1"')
    first = get(client, policy, url)
    assert first.etag is not None
    assert first.content_hash is not None
    second = get(client, policy, url, etag=first.etag, content_hash=first.content_hash)
    assert feed_server.requests("/feed.xml")[1].headers["if-none-match"] == '"v1"'
    assert (second.outcome, second.status, second.body) == (FetchOutcome.NOT_MODIFIED, 304, None)
    assert (second.etag, second.content_hash) == ('"v1"', first.content_hash)


def test_last_modified_alone_gives_304(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    stamp = "Wed, 10 Jul 2024 06:00:00 GMT"
    url = feed_server.add("/feed.xml", RSS, last_modified=stamp)
    first = get(client, policy, url)
    assert (first.etag, first.last_modified) == (None, stamp)
    second = get(client, policy, url, last_modified=stamp)
    assert feed_server.requests("/feed.xml")[1].headers["if-modified-since"] == stamp
    assert (second.outcome, second.status) == (FetchOutcome.NOT_MODIFIED, 304)
    assert second.last_modified == stamp


def test_same_body_is_unchanged_and_a_new_body_is_ok(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = feed_server.add("/feed.xml", RSS)
    first = get(client, policy, url)
    assert first.content_hash is not None
    again = get(client, policy, url, content_hash=first.content_hash)
    assert (again.outcome, again.status, again.body) == (FetchOutcome.UNCHANGED, 200, None)
    assert again.content_hash == first.content_hash
    feed_server.add("/feed.xml", RSS.replace(b"sign", b"signed"))
    changed = get(client, policy, url, content_hash=first.content_hash)
    assert changed.outcome == FetchOutcome.OK
    assert changed.content_hash != first.content_hash


def test_cookies_are_neither_kept_nor_sent(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = feed_server.add("/feed.xml", RSS, headers={"Set-Cookie": "session=abc; Path=/"})
    assert get(client, policy, url).outcome == FetchOutcome.OK
    get(client, policy, url)
    assert "cookie" not in feed_server.requests("/feed.xml")[1].headers


# --- redirects -------------------------------------------------------------------------------


def _chain(server: FeedServer, statuses: list[int]) -> str:
    """/r0 → /r1 → … → /feed.xml with the given statuses; returns the first URL."""
    server.add("/feed.xml", RSS)
    for index, status in enumerate(statuses):
        target = f"/r{index + 1}" if index + 1 < len(statuses) else "/feed.xml"
        server.redirect(f"/r{index}", target, status)
    return server.url("/r0")


@pytest.mark.parametrize(
    ("statuses", "permanent"),
    [
        ([302], False),
        ([303], False),
        ([307], False),
        ([301], True),
        ([308], True),
        ([301, 308, 301], True),
        ([301, 302], False),
        ([302, 301], False),
    ],
)
def test_redirects_record_the_final_url_and_permanent_moves(
    feed_server: FeedServer,
    client: httpx.Client,
    policy: FetchPolicy,
    statuses: list[int],
    permanent: bool,
) -> None:
    result = get(client, policy, _chain(feed_server, statuses))
    final = feed_server.url("/feed.xml")
    assert (result.outcome, result.body, result.final_url) == (FetchOutcome.OK, RSS, final)
    assert result.permanent_redirect == (final if permanent else None)


def test_absolute_redirect_and_permanent_redirect_on_304(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    final = feed_server.add("/new.xml", RSS, etag='"e"')
    feed_server.redirect("/old.xml", final, 301)
    result = get(client, policy, feed_server.url("/old.xml"), etag='"e"')
    assert (result.outcome, result.final_url) == (FetchOutcome.NOT_MODIFIED, final)
    assert result.permanent_redirect == final


def test_permanent_redirect_to_an_error_is_not_reported_as_a_move(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    feed_server.redirect("/old.xml", "/gone.xml", 301)
    result = get(client, policy, feed_server.url("/old.xml"))
    assert_error(result, "http", 404)
    assert result.final_url == feed_server.url("/gone.xml")
    assert result.permanent_redirect is None


def test_redirect_loop(feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy) -> None:
    feed_server.redirect("/a", "/b", 302)
    feed_server.redirect("/b", "/a", 302)
    result = get(client, policy, feed_server.url("/a"))
    assert_error(result, "redirect", 302)
    assert result.error is not None
    assert "loop" in result.error
    assert (feed_server.hits("/a"), feed_server.hits("/b")) == (1, 1)


def test_too_many_redirects(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    assert get(client, policy, _chain(feed_server, [302] * 5)).outcome == FetchOutcome.OK
    result = get(client, policy, _chain(feed_server, [302] * 6))
    assert_error(result, "redirect", 302)
    assert feed_server.hits("/r5") == 1
    assert feed_server.hits("/feed.xml") == 1  # only the first (allowed) chain got there


_OPENED: list[list[str]] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _OPENED:
        _OPENED[-1].append(str(args[0]))


sys.addaudithook(_audit)  # process-wide and permanent: inert unless a test is watching


@contextlib.contextmanager
def watch_opened_files() -> Iterator[list[str]]:
    _OPENED.append([])
    try:
        yield _OPENED[-1]
    finally:
        _OPENED.pop()


def test_redirect_to_file_url_is_refused_without_opening_it(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(RSS)
    feed_server.redirect("/feed.xml", secret.as_uri(), 301)
    with watch_opened_files() as opened:
        result = get(client, policy, feed_server.url("/feed.xml"))
    assert_error(result, "redirect", 301)
    assert str(secret) not in opened
    assert result.permanent_redirect is None


def test_redirect_to_ftp_is_refused_without_connecting(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        feed_server.redirect("/feed.xml", f"ftp://127.0.0.1:{listener.getsockname()[1]}/f", 302)
        result = get(client, policy, feed_server.url("/feed.xml"))
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert_error(result, "redirect", 302)


# --- statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 500, 502])
def test_http_errors(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy, status: int
) -> None:
    url = feed_server.add("/feed.xml", "nope", status=status)
    result = get(client, policy, url)
    assert_error(result, "http", status)
    assert result.error is not None
    assert url in result.error
    assert str(status) in result.error


def _in(hours: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(hours=hours), usegmt=True)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        ("120", 120),
        ("in 2h", 7200),  # an HTTP date, made when the test runs (not at collection)
        ("0", 60),  # clamped up to retry_after_min
        ("99999999999999999999999999", 6 * 3600),  # clamped down to retry_after_max
        ("in -5h", 60),  # a date in the past
        ("Fri, 31 Dec 9999 23:59:59 GMT", 6 * 3600),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        (None, None),
    ],
)
def test_retry_later_with_retry_after(
    feed_server: FeedServer,
    client: httpx.Client,
    policy: FetchPolicy,
    status: int,
    retry_after: str | None,
    seconds: int | None,
) -> None:
    if retry_after is not None and retry_after.startswith("in "):
        retry_after = _in(int(retry_after[3:-1]))
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    result = get(client, policy, feed_server.add("/f", "busy", status=status, headers=headers))
    assert_error(result, "retry_later", status)
    if seconds is None:
        assert result.retry_after is None
    else:
        assert result.retry_after is not None
        assert abs(result.retry_after.total_seconds() - seconds) < 5


# --- time ------------------------------------------------------------------------------------


def test_read_timeout(feed_server: FeedServer, policy: FetchPolicy) -> None:
    impatient = dataclasses.replace(policy, timeout_read=0.3)
    url = feed_server.add("/slow", RSS, delay=3.0)
    with make_client(impatient) as client:
        started = time.monotonic()
        result = get(client, impatient, url)
    assert_error(result, "timeout")
    assert time.monotonic() - started < 1.5


def test_deadline_covers_waiting_for_headers(feed_server: FeedServer, policy: FetchPolicy) -> None:
    short = dataclasses.replace(policy, deadline=1.0, timeout_read=10.0)
    url = feed_server.add("/slow", RSS, delay=3.0)
    with make_client(short) as client:
        result = get(client, short, url)
    assert_error(result, "timeout")
    assert result.duration < short.deadline + 1.0


def test_trickling_server_is_cut_at_the_deadline(
    feed_server: FeedServer, policy: FetchPolicy
) -> None:
    short = dataclasses.replace(policy, deadline=1.0, timeout_read=5.0)
    # 10 bytes every 50 ms: each read succeeds, the whole body would take 10 s.
    url = feed_server.add("/trickle", b"x" * 2000, chunk_size=10, chunk_delay=0.05)
    with make_client(short) as client:
        started = time.monotonic()
        result = get(client, short, url)
    elapsed = time.monotonic() - started
    assert_error(result, "timeout")
    assert result.error is not None
    assert "deadline" in result.error
    assert elapsed < short.deadline + 1.0


# --- size and encodings ----------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_body_over_the_cap(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy, framing: Framing
) -> None:
    url = feed_server.add("/big", b"x" * (policy.max_bytes + 1), framing=framing)
    assert_error(get(client, policy, url), "too_large")


def test_body_at_the_cap_is_fine(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    url = feed_server.add("/big", b"x" * policy.max_bytes, framing="chunked")
    assert get(client, policy, url).outcome == FetchOutcome.OK


def test_gzip_body_is_decompressed(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    result = get(client, policy, feed_server.add("/gz", RSS, gzip=True))
    assert (result.outcome, result.body) == (FetchOutcome.OK, RSS)
    assert result.content_hash == hashlib.sha256(RSS).hexdigest()  # of the decoded body


@functools.cache
def _gzip_bomb() -> bytes:
    return gzip.compress(bytes(20 * MB), compresslevel=6, mtime=0)  # ~20 KB on the wire


def test_gzip_bomb_stops_at_the_cap(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    bomb = _gzip_bomb()
    assert len(bomb) < 100 * 1024
    url = feed_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"}, framing="chunked")
    assert_error(get(client, policy, url), "too_large")


def test_stacked_content_encodings_are_refused(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    twice = gzip.compress(gzip.compress(RSS))
    url = feed_server.add("/gz2", twice, headers={"Content-Encoding": "gzip, gzip"})
    assert_error(get(client, policy, url), "unsafe")


# --- local files -----------------------------------------------------------------------------


def test_local_path_and_file_url(client: httpx.Client, policy: FetchPolicy, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    for url in (str(path), path.as_uri()):
        result = get(client, policy, url)
        assert (result.outcome, result.body, result.final_url) == (FetchOutcome.OK, RSS, url)
        assert result.content_hash == hashlib.sha256(RSS).hexdigest()
        again = get(client, policy, url, content_hash=result.content_hash)
        assert (again.outcome, again.body) == (FetchOutcome.UNCHANGED, None)


def test_missing_file_and_directory_are_not_found(
    client: httpx.Client, policy: FetchPolicy, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.xml"
    for url in (str(missing), missing.as_uri(), str(tmp_path)):
        result = get(client, policy, url)
        assert_error(result, "not_found")
        assert result.error is not None
        assert str(tmp_path) in result.error


def test_local_file_over_the_cap(client: httpx.Client, policy: FetchPolicy, tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * (policy.max_bytes + 1))
    assert_error(get(client, policy, str(path)), "too_large")


# --- network failures ------------------------------------------------------------------------


def test_connection_refused(client: httpx.Client, policy: FetchPolicy) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert_error(get(client, policy, f"http://127.0.0.1:{port}/feed.xml"), "connect")


def test_tls_failure_is_reported_not_retried_insecurely(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    https_url = feed_server.url("/feed.xml").replace("http://", "https://")
    feed_server.add("/feed.xml", RSS)
    assert_error(get(client, policy, https_url), "tls")
    assert feed_server.hits("/feed.xml") == 0  # no plain-HTTP (or unverified) second attempt


def test_unsupported_scheme(client: httpx.Client, policy: FetchPolicy) -> None:
    assert_error(get(client, policy, "gopher://127.0.0.1/feed"), "connect")


def test_passwords_in_urls_stay_out_of_messages(
    feed_server: FeedServer, client: httpx.Client, policy: FetchPolicy
) -> None:
    feed_server.add_handler("/private", lambda request: Reply(status=403))
    url = feed_server.url("/private").replace("http://", "http://reader:s3cret@")
    result = get(client, policy, url)
    assert_error(result, "http", 403)
    assert result.error is not None
    assert "s3cret" not in result.error
    assert "http://<secret>@127.0.0.1" in result.error  # userinfo, user name included


# --- the test server itself (others reuse it) ------------------------------------------------


def test_feed_server_records_methods_bodies_and_unknown_paths() -> None:
    with FeedServer() as server, httpx.Client() as plain:
        server.add_handler("/hook", lambda request: Reply(status=204))
        server.add("/feed.xml", RSS)
        assert plain.post(server.url("/hook?x=1"), json={"a": 1}).status_code == 204
        assert plain.head(server.url("/feed.xml")).headers["content-length"] == str(len(RSS))
        assert plain.get(server.url("/nothing")).status_code == 404
    (hook,) = server.requests("/hook")
    assert (hook.method, hook.path, hook.body) == ("POST", "/hook?x=1", b'{"a":1}')
    assert (server.hits("/feed.xml"), server.hits("/nothing")) == (1, 1)
    assert server.errors == []


def test_feed_server_closes_promptly_with_open_connections() -> None:
    server = FeedServer().start()
    server.add("/feed.xml", RSS)
    server.add("/trickle", b"x" * 100, chunk_size=1, chunk_delay=1.0)
    with httpx.Client() as keep_alive:
        keep_alive.get(server.url("/feed.xml"))  # leaves an idle keep-alive connection
        with keep_alive.stream("GET", server.url("/trickle")) as response:
            next(response.iter_raw())  # a trickle in progress
            started = time.monotonic()
            server.close()
            assert time.monotonic() - started < 1.0

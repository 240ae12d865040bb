"""Fetch one feed: a local file, or HTTP(S) with a conditional GET, caps and a total deadline.

``fetch(client, request, policy) -> FetchResult`` never raises for a feed problem: every
failure comes back as ``outcome=ERROR`` with a stable ``error_kind`` (``monitor.errors``).
httpx objects never leave this module. Over HTTP, in order:

1. a conditional GET: ``If-None-Match`` / ``If-Modified-Since`` from the last fetch;
2. redirects followed by hand (the client has ``follow_redirects=False``): at most
   ``max_redirects``, only to http/https (never ``file:`` or ``ftp:``: a server must not
   choose what we read), loops detected; a move where *every* hop was 301/308 is reported
   as ``permanent_redirect`` so the caller can store the new URL;
3. the status: 304 → NOT_MODIFIED; 429/503 → ``retry_later`` with Retry-After clamped to
   the policy's bounds; any other 4xx/5xx → ``http``;
4. the body, streamed and counted *after* decompression: refused early when Content-Length
   is over the cap or when Content-Encodings are stacked, cut at ``max_bytes`` (a gzip bomb
   stops there), and cut when the total ``deadline`` passes (a server trickling bytes,
   of the headers or of the body, cannot hold a worker: the transport gives every socket
   operation only the time left, ``monitor.feeds.transport``);
5. a body whose sha256 equals the last one → UNCHANGED, so the caller skips the parse.

A local file is read by ``monitor.feeds.local`` with the same cap and hash comparison.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.cookiejar
import io
import re
import ssl
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from monitor.errors import FeedError, FeedErrorKind
from monitor.feeds.inflate import ACCEPT_ENCODING, Inflater, supported
from monitor.feeds.local import fetch_file, local_path
from monitor.feeds.local import show_url as _show
from monitor.feeds.transport import DeadlineTransport, deadline
from monitor.feeds.types import FeedRequest, FetchOutcome, FetchResult

__all__ = ["FetchPolicy", "fetch", "make_client"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRY_LATER = frozenset({429, 503})
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one fetch. Times in seconds; ``deadline`` bounds the whole fetch."""

    timeout_connect: float = 5.0
    timeout_read: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 10 * 1024 * 1024  # after decompression
    max_redirects: int = 5
    user_agent: str = "watchlist/0.1 (+https://github.com/watchlist-monitor; feed monitor)"
    retry_after_min: timedelta = timedelta(seconds=60)
    retry_after_max: timedelta = timedelta(hours=6)


def make_client(policy: FetchPolicy) -> httpx.Client:
    """One client for every feed: pooled connections, thread-safe, no redirects, no cookies.

    Cookies are refused because a poll is stateless and one jar shared by every feed (and
    every thread) would carry one site's cookies across the whole run. The transport ends
    every socket operation by the fetch's deadline (``monitor.feeds.transport``).
    """
    no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(
        headers={
            "User-Agent": policy.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,  # only what monitor.feeds.inflate decodes
        },
        timeout=_timeout(policy, policy.deadline),
        follow_redirects=False,
        cookies=no_cookies,
        transport=DeadlineTransport(),
        event_hooks={"response": [_stop_at_redirect]},
    )


class _Redirect(Exception):
    """A redirect response, raised before httpx parses its Location.

    Even with ``follow_redirects=False`` httpx builds the next request from Location, and a
    ``javascript:`` or ``data:`` target fails there as an "invalid URL": the refusal would be
    reported as a connection problem. Raising from the response hook hands every Location
    to ``_Trail.follow`` first.
    """

    def __init__(self, status: int, location: str | None) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


def _stop_at_redirect(response: httpx.Response) -> None:
    if response.status_code in _REDIRECTS:
        raise _Redirect(response.status_code, response.headers.get("location"))


def fetch(client: httpx.Client, request: FeedRequest, policy: FetchPolicy) -> FetchResult:
    """Fetch ``request.url``; see the module docstring for the steps and the outcomes."""
    started = time.monotonic()
    trail = _Trail(request.url)
    try:
        path = local_path(request.url)
        if path is not None:
            result = fetch_file(path, request, policy.max_bytes)
        else:
            deadline_at = started + policy.deadline
            with deadline(deadline_at):
                result = _fetch_http(client, request, policy, deadline_at, trail)
    except FeedError as exc:
        result = FetchResult(
            outcome=FetchOutcome.ERROR,
            final_url=trail.url,
            status=exc.status,
            error_kind=exc.kind,
            error=exc.message,
            retry_after=exc.retry_after,
        )
    return dataclasses.replace(result, duration=time.monotonic() - started)


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class _Trail:
    """Where the fetch is, and where it has been (redirect bookkeeping)."""

    url: str
    hops: int = 0
    all_permanent: bool = True
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.seen.add(urldefrag(self.url)[0])

    @property
    def permanent_redirect(self) -> str | None:
        return self.url if self.hops and self.all_permanent else None

    def follow(self, status: int, location: str | None, policy: FetchPolicy) -> None:
        here = _show(self.url)
        if not location:
            raise FeedError(
                FeedErrorKind.HTTP, f"{here}: HTTP {status} without a Location", status=status
            )
        target = urljoin(self.url, location.strip())
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            raise FeedError(
                FeedErrorKind.REDIRECT,
                f"{here}: redirect to {_show(target)!r} refused: only http(s) is followed",
                status=status,
            )
        self.hops += 1
        if self.hops > policy.max_redirects:
            raise FeedError(
                FeedErrorKind.REDIRECT,
                f"{here}: more than {policy.max_redirects} redirects",
                status=status,
            )
        key = urldefrag(target)[0]
        if key in self.seen:
            raise FeedError(
                FeedErrorKind.REDIRECT,
                f"{here}: redirect loop back to {_show(target)}",
                status=status,
            )
        self.seen.add(key)
        self.url = target
        self.all_permanent = self.all_permanent and status in _PERMANENT


def _fetch_http(
    client: httpx.Client,
    request: FeedRequest,
    policy: FetchPolicy,
    deadline_at: float,
    trail: _Trail,
) -> FetchResult:
    headers = _conditional_headers(request)
    try:
        while True:
            remaining = deadline_at - time.monotonic()
            if remaining <= 0:
                raise _deadline(trail.url, policy)
            timeout = _timeout(policy, remaining)
            try:
                with client.stream("GET", trail.url, headers=headers, timeout=timeout) as response:
                    return _finish(response, request, policy, deadline_at, trail)
            except _Redirect as hop:
                trail.follow(hop.status, hop.location, policy)
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline_at:
            raise _deadline(trail.url, policy, f" ({_why(exc)})") from exc
        raise FeedError(
            FeedErrorKind.TIMEOUT, f"{_show(trail.url)}: timed out ({_why(exc)})"
        ) from exc
    except (httpx.HTTPError, httpx.InvalidURL, ssl.SSLError, ValueError) as exc:
        raise _translate(exc, trail.url) from exc


def _finish(
    response: httpx.Response,
    request: FeedRequest,
    policy: FetchPolicy,
    deadline_at: float,
    trail: _Trail,
) -> FetchResult:
    status = response.status_code
    here = _show(trail.url)
    headers = {name.lower(): value for name, value in response.headers.items()}
    etag = response.headers.get("etag")
    last_modified = response.headers.get("last-modified")
    if status == 304:
        return FetchResult(
            FetchOutcome.NOT_MODIFIED,
            final_url=trail.url,
            status=status,
            headers=headers,
            etag=etag or request.etag,
            last_modified=last_modified or request.last_modified,
            content_hash=request.content_hash,
            permanent_redirect=trail.permanent_redirect,
        )
    if status in _RETRY_LATER:
        retry_after = _retry_after(response.headers, policy)
        raise FeedError(
            FeedErrorKind.RETRY_LATER,
            f"{here}: HTTP {status} {response.reason_phrase}, retry after "
            + (f"{retry_after.total_seconds():.0f}s" if retry_after else "(not given)"),
            status=status,
            retry_after=retry_after,
        )
    if not 200 <= status < 300:
        raise FeedError(
            FeedErrorKind.HTTP, f"{here}: HTTP {status} {response.reason_phrase}", status=status
        )
    body = _read_body(response, policy, deadline_at, here)
    digest = hashlib.sha256(body).hexdigest()
    unchanged = digest == request.content_hash
    return FetchResult(
        FetchOutcome.UNCHANGED if unchanged else FetchOutcome.OK,
        final_url=trail.url,
        status=status,
        body=None if unchanged else body,
        headers=headers,
        etag=etag,
        last_modified=last_modified,
        content_hash=digest,
        permanent_redirect=trail.permanent_redirect,
    )


def _read_body(
    response: httpx.Response, policy: FetchPolicy, deadline_at: float, here: str
) -> bytes:
    codings = [
        coding.strip().lower()
        for coding in response.headers.get_list("content-encoding", split_commas=True)
        if coding.strip().lower() not in ("", "identity")
    ]
    if len(codings) > 1:
        # Each layer multiplies a bomb's ratio (~1000x per gzip layer): no feed needs two.
        raise FeedError(
            FeedErrorKind.UNSAFE, f"{here}: stacked Content-Encoding {', '.join(codings)} refused"
        )
    if codings and not supported(codings[0]):
        raise FeedError(
            FeedErrorKind.MALFORMED, f"{here}: unsupported Content-Encoding {codings[0]!r}"
        )
    length = response.headers.get("content-length", "")
    if _DIGITS.fullmatch(length) and int(length) > policy.max_bytes:
        raise _too_large(here, policy)
    inflater = Inflater(codings[0] if codings else None)
    # BytesIO, not a list to join: getvalue() hands over its buffer, where a join held the
    # body twice at the end of every large download.
    buffer = io.BytesIO()
    size = 0
    for raw in response.iter_raw():
        try:  # decoded here, never more than the room left under the cap (a bomb stops)
            chunk = inflater.decode(raw, policy.max_bytes - size + 1)
        except zlib.error as exc:
            raise FeedError(
                FeedErrorKind.MALFORMED, f"{here}: body cannot be decompressed ({exc})"
            ) from exc
        size += len(chunk)
        if size > policy.max_bytes:
            raise _too_large(here, policy)
        if time.monotonic() > deadline_at:
            raise _deadline(here, policy, f" while reading the body ({size} bytes so far)")
        buffer.write(chunk)
    return buffer.getvalue()


def _conditional_headers(request: FeedRequest) -> dict[str, str]:
    # A stored validator that is not printable ASCII cannot be sent (httpx would raise).
    pairs = (("If-None-Match", request.etag), ("If-Modified-Since", request.last_modified))
    return {
        name: value for name, value in pairs if value and value.isascii() and value.isprintable()
    }


def _timeout(policy: FetchPolicy, remaining: float) -> httpx.Timeout:
    """Per-operation timeouts, none longer than the time left before the deadline."""
    connect = min(policy.timeout_connect, remaining)
    read = min(policy.timeout_read, remaining)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def _retry_after(headers: Mapping[str, str], policy: FetchPolicy) -> timedelta | None:
    """Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), clamped; else None."""
    raw = (headers.get("retry-after") or "").strip()
    if not raw:
        return None
    low = policy.retry_after_min.total_seconds()
    high = policy.retry_after_max.total_seconds()
    if _DIGITS.fullmatch(raw):
        seconds = float(min(int(raw), int(high) + 1))  # a 400-digit value must not overflow
    else:
        when = _http_date(raw)
        if when is None:
            return None
        # Measure against the server's own clock when it sent one: immune to our clock skew.
        now = _http_date(headers.get("date") or "") or datetime.now(UTC)
        seconds = (when - now).total_seconds()
    return timedelta(seconds=max(low, min(seconds, high)))


def _http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _translate(exc: Exception, url: str) -> FeedError:
    here = _show(url)
    if _is_tls(exc):
        # Never retried without verification: a broken certificate is the feed's problem.
        return FeedError(FeedErrorKind.TLS, f"{here}: TLS failure ({_why(exc)})")
    if isinstance(exc, httpx.DecodingError):
        return FeedError(
            FeedErrorKind.MALFORMED, f"{here}: body cannot be decompressed ({_why(exc)})"
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        # A garbled status line, a body cut short of its Content-Length or chunk size: the
        # server answered, but not in HTTP. Not a connection problem.
        return FeedError(FeedErrorKind.MALFORMED, f"{here}: broken HTTP response ({_why(exc)})")
    if isinstance(exc, httpx.ConnectError):
        return FeedError(FeedErrorKind.CONNECT, f"{here}: cannot connect ({_why(exc)})")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol | ValueError):
        return FeedError(FeedErrorKind.CONNECT, f"{here}: invalid URL ({_why(exc)})")
    return FeedError(FeedErrorKind.CONNECT, f"{here}: network error ({_why(exc)})")


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):  # the chain is httpx ← httpcore ← ssl; bounded against cycles
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _too_large(here: str, policy: FetchPolicy) -> FeedError:
    return FeedError(FeedErrorKind.TOO_LARGE, f"{here}: body larger than {policy.max_bytes} bytes")


def _deadline(here: str, policy: FetchPolicy, detail: str = "") -> FeedError:
    return FeedError(
        FeedErrorKind.TIMEOUT, f"{here}: total deadline of {policy.deadline:g}s exceeded{detail}"
    )

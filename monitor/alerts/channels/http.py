"""HTTP delivery shared by the Slack and webhook channels: one POST, one verdict.

Retryable (RFC 9110 semantics): timeouts, connection errors, 408, 5xx, and 429 (rate
limited: ``Retry-After`` is honoured and is not a failed attempt). Everything else that
is not 2xx is permanent, redirects included: a webhook that moved must be re-configured,
not followed with our payload. httpx exceptions are translated here, once, and their
text is redacted (httpx puts the URL in some messages; the URL is the secret).

A send has one deadline, the channel's ``timeout``, for all of it: connecting, sending, the
headers and the body of the answer (every socket operation gets only the time left,
``monitor.feeds.transport``), and at most ``RESPONSE_CAP`` bytes of the answer are read.
Before, a webhook trickling a byte every 2 s kept a send going for 91 s, past the 60 s
alert lease (a second worker could send it again), and a 1 GiB answer was read whole.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from monitor import __version__
from monitor.errors import AlertError, ConfigError
from monitor.feeds.transport import DeadlineTransport, deadline
from monitor.secret import Secret, guard_logger, protect, redact
from monitor.textsafe import inert

USER_AGENT = f"watchlist/{__version__} (alerts)"
_SNIPPET = 200
RESPONSE_CAP = 64 * 1024  # bytes of an answer read: enough for any error text or Slack's "ok"

# httpx logs "HTTP Request: POST <full URL>" at INFO: scrub secrets from it.
guard_logger("httpx")


def check_http_url(url: Secret, what: str) -> str:
    """The host of an http(s) URL (for ``describe``); ConfigError otherwise, URL unsaid."""
    try:
        parts = urlsplit(url.reveal())
    except ValueError:
        raise ConfigError(f"{what}: not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what}: needs an http:// or https:// URL with a host")
    return parts.hostname


class HttpPoster:
    """POSTs JSON to one secret URL with a lazily made client."""

    def __init__(self, name: str, url: Secret, timeout: float) -> None:
        self.name = name
        self.url = url
        self.host = check_http_url(url, f"channel {name}")
        # The URL is the secret (Slack's token is its path); httpx logs its normalised form.
        protect(url, str(httpx.URL(url.reveal())))
        self.timeout = timeout
        self._client: httpx.Client | None = None

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                # identity: the answer is read raw, so a compressed one cannot inflate.
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
                transport=DeadlineTransport(),
            )
        return self._client

    def post(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> str:
        """POST ``body``; the response text on 2xx, ``AlertError`` otherwise."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        sent = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        try:
            with (
                deadline(time.monotonic() + self.timeout),
                self.client().stream(
                    "POST", self.url.reveal(), content=data, headers=sent
                ) as response,
            ):
                text = _read_capped(response)
        except httpx.TimeoutException:
            raise AlertError(
                f"{self.name}: {self.host} did not answer within {self.timeout:g}s",
                retryable=True,
            ) from None
        except httpx.TransportError as exc:
            # from None: the chained httpx error can carry the URL into a traceback.
            raise AlertError(
                f"{self.name}: cannot reach {self.host}: {_words(str(exc)) or type(exc).__name__}",
                retryable=True,
            ) from None
        return verdict(self.name, self.host, response.status_code, response.headers, text)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _read_capped(response: httpx.Response) -> str:
    """The start of the answer's body, at most ``RESPONSE_CAP`` bytes, as text."""
    buffer = bytearray()
    for chunk in response.iter_raw():
        buffer += chunk[: RESPONSE_CAP - len(buffer)]
        if len(buffer) >= RESPONSE_CAP:
            break  # the rest is never read: leaving the stream closes the connection
    try:
        return buffer.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return buffer.decode("utf-8", errors="replace")


def verdict(
    name: str, host: str, status: int, headers: httpx.Headers | dict[str, str], text: str
) -> str:
    """Decide from a response: its text when accepted, else the right ``AlertError``."""
    if 200 <= status < 300:
        return text
    said = _words(text)
    where = f"{name}: {host} answered HTTP {status}" + (f": {said}" if said else "")
    if status == 429:
        wait = retry_after(headers.get("retry-after"), headers.get("date"))
        raise AlertError(f"{where} (rate limited)", retryable=True, retry_after=wait)
    if status == 408 or status >= 500:
        raise AlertError(where, retryable=True)
    if 300 <= status < 400:
        raise AlertError(f"{where} (redirects are not followed)", retryable=False)
    raise AlertError(where, retryable=False)


def retry_after(value: str | None, date: str | None = None) -> timedelta:
    """``Retry-After`` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; 0 when unusable."""
    if not value:
        return timedelta(0)
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        until = parsedate_to_datetime(value)
        base = parsedate_to_datetime(date) if date else datetime.now(UTC)
    except (TypeError, ValueError):
        return timedelta(0)
    return max(until - base, timedelta(0))


def _words(text: str) -> str:
    """The service's own words: one redacted, inert line of at most 200 characters."""
    clean = " ".join(redact(inert(text)).split())
    return clean if len(clean) <= _SNIPPET else clean[: _SNIPPET - 1] + "…"

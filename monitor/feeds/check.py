"""What ``feeds add`` checks before storing a feed: where it is, and that it is a feed.

A feed given without a scheme is a local path, unless it looks like ``host:port/path``
(a URL missing its ``http://``: taken as a file, it failed on every poll, silently). The
check fetches and parses the feed once, with the poller's own fetcher and parser, so a
404, an HTML page or a file that is not there is answered at once, in one line.
"""

from __future__ import annotations

import re
from pathlib import Path

from monitor.errors import ConfigError, FeedError, FeedErrorKind
from monitor.feeds.fetch import FetchPolicy, fetch, make_client
from monitor.feeds.parse import parse_feed
from monitor.feeds.types import FeedRequest, FetchOutcome, ParsedFeed

_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:\d{1,5}(/|$)")


def feed_location(text: str) -> str:
    """The URL to store for ``text``: an http(s) or file URL as given, else a local path."""
    if text.startswith(("http://", "https://", "file://")):
        return text
    if "://" in text:
        raise ConfigError(f"unsupported feed URL scheme: {text} (use http, https or a file)")
    if _HOST_PORT.match(text):
        raise ConfigError(f"{text} looks like a URL without its scheme: write http://{text}")
    return str(Path(text))  # a local path, kept as given (relative to where you run)


def check_feed(url: str, policy: FetchPolicy) -> ParsedFeed:
    """Fetch and parse ``url`` once; ``FeedError`` if it is not a working feed."""
    client = make_client(policy)
    try:
        result = fetch(client, FeedRequest(url=url), policy)
    finally:
        client.close()
    if result.outcome is FetchOutcome.ERROR or result.body is None:
        raise FeedError(result.error_kind or FeedErrorKind.CONNECT, result.error or url)
    return parse_feed(result.body, result.headers, result.final_url)

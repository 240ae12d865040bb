"""Who published an entry: a pure decision over the parsed feed (issue 14, item 4).

Independent sources are counted by publisher, so an aggregator must not make every story
one source. For each entry, in order:

1. the real target of a known redirector: Google Alerts and Google News links
   (``google.com/url?…&url=REAL``), and the common ``…/url``, ``…/redirect`` links whose
   ``url=`` (``q=``, ``u=``) parameter holds the article; the entry's link becomes that
   target, so alerts link the article, not the redirector;
2. the entry's ``<source>`` element (its URL's host, else its name): Google News carries
   the outlet there;
3. the host of the entry's link (``www.`` dropped);
4. when that host is not a publisher (loopback, a private or single-label host, an
   aggregator such as news.google.com or feedburner), the feed's title, else its site: a
   feed served from one such host is one outlet, and two such feeds are two.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from monitor.feeds.types import ParsedEntry, ParsedFeed

MAX_PUBLISHER = 255  # the entries.publisher column
# Hosts whose links lead to someone else's article: never the publisher themselves.
AGGREGATORS = frozenset(
    {
        "google.com",
        "news.google.com",
        "feedproxy.google.com",
        "feeds.feedburner.com",
        "feedburner.com",
        "bing.com",
        "news.yahoo.com",
        "l.facebook.com",
        "out.reddit.com",
        "t.co",
    }
)
# Path endings of redirector links, and the query parameters that carry the target.
_REDIRECT_PATHS = ("/url", "/redirect", "/redir", "/out", "/click", "/l.php", "/goto", "/away")
_TARGET_PARAMS = ("url", "q", "u", "target", "dest", "to")


def site_of(url: str | None) -> str | None:
    """The host of a URL, lower case, ``www.`` dropped; None for local files."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def real_link(link: str) -> str | None:
    """The article a redirector link leads to, or None if ``link`` is not a redirector."""
    target = None
    for _ in range(3):  # a redirector may wrap another one
        try:
            parts = urlsplit(link)
        except ValueError:
            return target
        if not parts.path.lower().endswith(_REDIRECT_PATHS) or not parts.query:
            return target
        params = parse_qs(parts.query)
        found = next(
            (
                value
                for name in _TARGET_PARAMS
                for value in params.get(name, ())
                if value.startswith(("http://", "https://")) and site_of(value)
            ),
            None,
        )
        if found is None or site_of(found) == site_of(link):
            return target
        target = link = found
    return target


def is_publisher(host: str | None) -> bool:
    """False for hosts that cannot name an outlet: loopback, private or single-label
    hosts, and aggregators."""
    if not host or host in AGGREGATORS or host == "localhost" or "." not in host.strip("[]"):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private or address.is_link_local)


def attribute(feed: ParsedFeed, feed_url: str) -> ParsedFeed:
    """``feed`` with each entry's ``publisher`` set and redirector links unwrapped."""
    fallback = _feed_name(feed, feed_url)
    return replace(feed, entries=tuple(_attributed(e, fallback) for e in feed.entries))


def _attributed(entry: ParsedEntry, fallback: str | None) -> ParsedEntry:
    target = real_link(entry.link) if entry.link else None
    if target is not None:
        return replace(entry, link=target, publisher=_cut(site_of(target)))
    if entry.source and "://" not in entry.source:
        return replace(entry, publisher=_cut(entry.source))  # a name
    for host in (site_of(entry.source), site_of(entry.link)):
        if is_publisher(host):
            return replace(entry, publisher=_cut(host))
    return replace(entry, publisher=_cut(fallback))


def _feed_name(feed: ParsedFeed, feed_url: str) -> str | None:
    """The feed's site when it names an outlet, else its title, else its own link's host."""
    if is_publisher(site_of(feed_url)):
        return site_of(feed_url)
    if feed.title and feed.title.strip():
        return feed.title.strip()
    return site_of(feed.link) or site_of(feed_url)


def _cut(name: str | None) -> str | None:
    return name[:MAX_PUBLISHER] if name else None

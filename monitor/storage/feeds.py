"""Feed repository: the feed list, its health, and the claim of due feeds.

The schedule lives here (``next_poll_at``), not in APScheduler: the database decides
which feeds are due, so restarts lose nothing and many workers can share the work.
On PostgreSQL due feeds are claimed with ``FOR UPDATE SKIP LOCKED`` and a lease; a
worker that dies simply lets its lease expire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.errors import StorageError
from monitor.feeds.types import FeedRequest, FetchOutcome, FetchResult
from monitor.schedule import next_poll_at
from monitor.storage.models import Entry, Feed


@dataclass(frozen=True)
class FeedInfo:
    """A feed and its health, as reports and ``feeds list`` show it."""

    id: int
    url: str
    title: str | None
    folder: str
    interval_seconds: int
    next_poll_at: datetime
    last_polled_at: datetime | None
    last_outcome: str | None
    last_status: int | None
    last_error_kind: str | None
    last_error: str | None
    last_duration: float | None
    error_count: int
    total_errors: int
    entries: int


@dataclass(frozen=True)
class FeedJob:
    """A claimed feed: what the fetcher needs, plus the id to record the result against."""

    id: int
    request: FeedRequest
    site: str | None
    interval_seconds: int


def site_of(url: str) -> str | None:
    """The publisher domain of a URL (``www.`` dropped); None for local files."""
    host = urlsplit(url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def add_feed(
    session: Session,
    url: str,
    now: datetime,
    *,
    title: str | None = None,
    folder: str = "",
    interval: timedelta = timedelta(minutes=15),
) -> int:
    row = Feed(
        url=url,
        title=title,
        folder=folder,
        site=site_of(url),
        added_at=now,
        interval_seconds=int(interval.total_seconds()),
        next_poll_at=now,
        error_count=0,
        total_errors=0,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise StorageError(f"feed already present: {url}") from exc
    return row.id


def find_feed(session: Session, url_or_id: str) -> int | None:
    if url_or_id.isdigit():
        found = session.get(Feed, int(url_or_id))
        return found.id if found else None
    return session.scalar(select(Feed.id).where(Feed.url == url_or_id))


def remove_feed(session: Session, feed_id: int) -> None:
    session.execute(delete(Feed).where(Feed.id == feed_id))


def list_feeds(session: Session) -> list[FeedInfo]:
    counts = (
        select(Entry.feed_id, func.count(Entry.id).label("n")).group_by(Entry.feed_id).subquery()
    )
    rows = session.execute(
        select(Feed, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.feed_id == Feed.id)
        .order_by(Feed.folder, Feed.url)
    ).all()
    return [
        FeedInfo(
            id=f.id,
            url=f.url,
            title=f.title,
            folder=f.folder,
            interval_seconds=f.interval_seconds,
            next_poll_at=f.next_poll_at,
            last_polled_at=f.last_polled_at,
            last_outcome=f.last_outcome,
            last_status=f.last_status,
            last_error_kind=f.last_error_kind,
            last_error=f.last_error,
            last_duration=f.last_duration,
            error_count=f.error_count,
            total_errors=f.total_errors,
            entries=int(n),
        )
        for f, n in rows
    ]


def claim_due_feeds(
    session: Session,
    now: datetime,
    *,
    owner: str,
    lease: timedelta,
    limit: int,
    all_feeds: bool = False,
    after_id: int = 0,
) -> list[FeedJob]:
    """Claim up to ``limit`` due feeds for ``owner`` until ``now + lease``.

    A feed is claimable when it is due (or ``all_feeds``) and nobody holds a live lease.
    ``SKIP LOCKED`` lets concurrent workers pass over rows another worker is claiming.
    ``all_feeds`` passes walk the feeds in id order from ``after_id`` (a cursor), so one
    pass never claims a feed twice.
    """
    stmt = select(Feed).where(or_(Feed.lease_until.is_(None), Feed.lease_until < now))
    if all_feeds:
        stmt = stmt.where(Feed.id > after_id).order_by(Feed.id)
    else:
        # A last poll "in the future" means the wall clock went back: due now, or the
        # feed would wait out the jump (issue 7, item 6).
        due = or_(Feed.next_poll_at <= now, Feed.last_polled_at > now)
        stmt = stmt.where(due).order_by(Feed.next_poll_at, Feed.id)
    stmt = stmt.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    feeds = list(session.scalars(stmt))
    for feed in feeds:
        feed.lease_owner = owner
        feed.lease_until = now + lease
    return [
        FeedJob(
            id=f.id,
            request=FeedRequest(
                url=f.url, etag=f.etag, last_modified=f.last_modified, content_hash=f.content_hash
            ),
            site=f.site,
            interval_seconds=f.interval_seconds,
        )
        for f in feeds
    ]


def count_due(session: Session, now: datetime, *, all_feeds: bool = False) -> int:
    stmt = select(func.count(Feed.id))
    if not all_feeds:
        stmt = stmt.where(or_(Feed.next_poll_at <= now, Feed.last_polled_at > now))
    return int(session.scalar(stmt) or 0)


def count_failing(session: Session) -> int:
    return int(session.scalar(select(func.count(Feed.id)).where(Feed.error_count > 0)) or 0)


def release_feeds(session: Session, feed_ids: list[int], owner: str) -> None:
    """Give back leases without recording a poll (shutdown before the fetch happened)."""
    session.execute(
        update(Feed)
        .where(Feed.id.in_(feed_ids), Feed.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def record_fetch(
    session: Session,
    feed_id: int,
    result: FetchResult,
    now: datetime,
    *,
    title: str | None = None,
    parse_error: tuple[str, str] | None = None,
) -> None:
    """Record one poll's outcome on the feed and schedule the next poll."""
    feed = session.get(Feed, feed_id)
    if feed is None:  # removed while we fetched it
        return
    failed = result.outcome is FetchOutcome.ERROR or parse_error is not None
    feed.last_polled_at = now
    feed.last_status = result.status
    feed.last_duration = round(result.duration, 4)
    feed.lease_owner = None
    feed.lease_until = None
    if failed:
        kind, message = parse_error or (result.error_kind or "error", result.error or "")
        feed.last_outcome = "error"
        feed.last_error_kind = kind
        feed.last_error = message[:2000]
        feed.error_count += 1
        feed.total_errors += 1
    else:
        feed.last_outcome = result.outcome.value
        feed.last_error_kind = None
        feed.error_count = 0
        if result.outcome is FetchOutcome.OK:
            feed.etag = result.etag
            feed.last_modified = result.last_modified
            feed.content_hash = result.content_hash
        if title and not feed.title:
            feed.title = title[:500]
        if result.permanent_redirect and result.permanent_redirect != feed.url:
            taken = session.scalar(select(Feed.id).where(Feed.url == result.permanent_redirect))
            if taken is None:
                feed.url = result.permanent_redirect
                feed.site = site_of(result.permanent_redirect)
    feed.next_poll_at = next_poll_at(
        now,
        timedelta(seconds=feed.interval_seconds),
        feed.error_count,
        result.retry_after,
    )

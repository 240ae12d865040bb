"""Feed repository: the feed list, its health, and the claim of due feeds.

The schedule lives here (``next_poll_at``), not in APScheduler: the database decides
which feeds are due, so restarts lose nothing and many workers can share the work.
On PostgreSQL due feeds are claimed with ``FOR UPDATE SKIP LOCKED`` and a lease; a
worker that dies simply lets its lease expire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.errors import StorageError
from monitor.feeds.publisher import site_of
from monitor.feeds.types import FeedRequest, FetchOutcome, FetchResult
from monitor.model import FeedJob
from monitor.schedule import next_poll_at
from monitor.secret import redact_url
from monitor.storage.models import Entry, Feed, UnitBand

# Column sizes (storage.models). A validator or URL that does not fit is not kept at all (a
# cut one would be wrong); stored as it came, PostgreSQL refused it and aborted the poll.
_ETAG_MAX, _LAST_MODIFIED_MAX, _URL_MAX = 500, 100, 2048
# What a user may give a feed: refused here, the same on every backend (PostgreSQL refused
# a longer value with a traceback, SQLite kept it: issue 16).
FEED_LIMITS = {"URL": _URL_MAX, "title": 500, "folder": 500}
# A step back of the wall clock smaller than this is not taken for a jump (see _due).
CLOCK_SLACK = timedelta(minutes=1)


def _fits(value: str | None, limit: int) -> str | None:
    return value if value is not None and len(value) <= limit else None


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


def add_feed(
    session: Session,
    url: str,
    now: datetime,
    *,
    title: str | None = None,
    folder: str = "",
    interval: timedelta = timedelta(minutes=15),
) -> int:
    """Add a feed, due at once; ``StorageError`` if it is present or a value is too long."""
    for what, value in (("URL", url), ("title", title), ("folder", folder)):
        if value is not None and len(value) > FEED_LIMITS[what]:
            raise StorageError(
                f"feed {what} is {len(value):,} characters (limit {FEED_LIMITS[what]:,})"
            )
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
        raise StorageError(f"feed already present: {redact_url(url)}") from exc
    return row.id


def find_feed(session: Session, url_or_id: str) -> int | None:
    if url_or_id.isdigit():
        found = session.get(Feed, int(url_or_id))
        return found.id if found else None
    return session.scalar(select(Feed.id).where(Feed.url == url_or_id))


def remove_feed(session: Session, feed_id: int) -> None:
    """The feed, its entries and all that hangs on them (cascades; band postings, which
    have no foreign key, explicitly: a scan of ``unit_bands``, which has no index by
    entry, once per removed feed)."""
    session.execute(
        delete(UnitBand).where(
            UnitBand.entry_id.in_(select(Entry.id).where(Entry.feed_id == feed_id))
        )
    )
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
    pass_started: datetime | None = None,
) -> list[FeedJob]:
    """Claim up to ``limit`` due feeds for ``owner`` until ``now + lease``.

    A feed is claimable when it is due (or ``all_feeds``) and nobody holds a live lease
    (one that ends within ``2 * lease`` of ``now``; a later end predates a clock jump back).
    ``SKIP LOCKED`` lets concurrent workers pass over rows another worker is claiming.
    ``all_feeds`` passes walk the feeds in id order from ``after_id`` (a cursor), so one
    pass never claims a feed twice; a pass over due feeds gives its start as
    ``pass_started`` for the same reason: a feed polled since then (in this timeline) is
    done, even if its short interval makes it due again before the pass ends
    (``watchlist poll`` on a 0 s feed fetched it 20 times a second, forever).
    """
    # A lease ending later than ``now + 2 * lease`` was written before the wall clock went
    # back by more than a lease: stale, or a worker that died before the jump would hold its
    # feeds for the whole jump. A smaller step back keeps live leases live.
    stale = now + 2 * lease
    free = or_(Feed.lease_until.is_(None), Feed.lease_until < now, Feed.lease_until > stale)
    stmt = select(Feed).where(free)
    if all_feeds:
        stmt = stmt.where(Feed.id > after_id).order_by(Feed.id)
    else:
        stmt = stmt.where(_due(now))
        if pass_started is not None:
            polled = Feed.last_polled_at
            stmt = stmt.where(or_(polled.is_(None), polled < pass_started, polled > now))
        stmt = stmt.order_by(Feed.next_poll_at, Feed.id)
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


def _due(now: datetime) -> ColumnElement[bool]:
    """Due: its time has come, or it was polled or added "in the future", which means the
    wall clock went back; such a feed is due now or it would wait out the jump (issue 7,
    item 6; a feed added and never polled has only ``added_at`` to tell).

    "In the future" is more than ``CLOCK_SLACK`` ahead: another worker may record a poll
    a moment after this one read its clock, and three workers fetched such feeds twice.
    """
    future = now + CLOCK_SLACK
    return or_(
        Feed.next_poll_at <= now,
        Feed.last_polled_at > future,
        and_(Feed.last_polled_at.is_(None), Feed.added_at > future),
    )


def count_due(session: Session, now: datetime, *, all_feeds: bool = False) -> int:
    stmt = select(func.count(Feed.id))
    if not all_feeds:
        stmt = stmt.where(_due(now))
    return int(session.scalar(stmt) or 0)


def count_failing(session: Session) -> int:
    return int(session.scalar(select(func.count(Feed.id)).where(Feed.error_count > 0)) or 0)


def renew_leases(session: Session, feed_ids: list[int], owner: str, until: datetime) -> set[int]:
    """Extend ``owner``'s leases on feeds it claimed and has not recorded yet; returns the
    ids it still holds. A lease is lost when the worker stalled past it and another worker
    claimed the feed: the caller must then leave the feed to that worker."""
    if not feed_ids:
        return set()
    session.execute(
        update(Feed)
        .where(Feed.id.in_(feed_ids), Feed.lease_owner == owner)
        .values(lease_until=until)
    )
    held = select(Feed.id).where(Feed.id.in_(feed_ids), Feed.lease_owner == owner)
    return set(session.scalars(held))


def live_claims(session: Session, now: datetime, lease: timedelta) -> dict[str, int]:
    """Owners holding live leases (as ``claim_due_feeds`` counts them) and how many."""
    rows = session.execute(
        select(Feed.lease_owner, func.count(Feed.id))
        .where(
            Feed.lease_owner.is_not(None),
            Feed.lease_until >= now,
            Feed.lease_until <= now + 2 * lease,
        )
        .group_by(Feed.lease_owner)
    ).all()
    return {str(owner): int(n) for owner, n in rows}


def release_owner(session: Session, owner: str) -> int:
    """Give back every lease ``owner`` holds (a worker known to be gone); how many."""
    result = session.execute(
        update(Feed)
        .where(Feed.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
    owner: str | None = None,
) -> bool:
    """Record one poll's outcome on the feed and schedule the next poll.

    Returns False, recording nothing, when the feed was removed meanwhile or another
    worker has claimed it since (``owner``'s lease ran out): that worker records its own
    poll, and storing this one's entries too would race it. The row is locked first on
    PostgreSQL so that a claim cannot slip in between the check and the write.
    """
    feed = session.get(
        Feed, feed_id, with_for_update=session.get_bind().dialect.name == "postgresql"
    )
    if feed is None:  # removed while we fetched it
        return False
    if owner is not None and feed.lease_owner not in (None, owner):
        return False
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
            feed.etag = _fits(result.etag, _ETAG_MAX)
            feed.last_modified = _fits(result.last_modified, _LAST_MODIFIED_MAX)
            feed.content_hash = result.content_hash
        if title and not feed.title:
            feed.title = title[:500]
        moved = _fits(result.permanent_redirect, _URL_MAX)
        if moved and moved != feed.url:
            taken = session.scalar(select(Feed.id).where(Feed.url == moved))
            if taken is None:
                feed.url = moved
                feed.site = site_of(moved)
    feed.next_poll_at = next_poll_at(
        now,
        timedelta(seconds=feed.interval_seconds),
        feed.error_count,
        result.retry_after,
    )
    return True

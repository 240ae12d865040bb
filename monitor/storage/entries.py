"""Entry repository: store parsed entries once, hand back only the new or changed ones.

An entry's identity within its feed is its guid, else its link, else a hash of its
content (DESIGN §2). A re-poll never duplicates an entry; an entry whose text changed
under the same identity is updated and returned again, so it is matched again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.feeds.types import ParsedEntry
from monitor.storage.feeds import site_of
from monitor.storage.models import Entry, Feed


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the rest of the pipeline sees it."""

    id: int
    feed_id: int
    title: str
    summary: str
    link: str | None
    publisher: str | None
    published_at: datetime  # the entry's own time, or when we first saw it
    first_seen_at: datetime


def content_hash(entry: ParsedEntry) -> str:
    blob = "\x1f".join((entry.title, entry.summary, entry.link or "")).encode()
    return hashlib.sha256(blob).hexdigest()


def dedup_key(entry: ParsedEntry, digest: str) -> str:
    if entry.guid:
        return "g:" + entry.guid[:590]
    if entry.link:
        return "l:" + entry.link[:590]
    return "h:" + digest


def _stored(row: Entry) -> StoredEntry:
    return StoredEntry(
        id=row.id,
        feed_id=row.feed_id,
        title=row.title,
        summary=row.summary,
        link=row.link,
        publisher=row.publisher,
        published_at=row.published_at or row.first_seen_at,
        first_seen_at=row.first_seen_at,
    )


def store_entries(
    session: Session,
    feed_id: int,
    entries: Sequence[ParsedEntry],
    now: datetime,
    feed_site: str | None,
) -> list[StoredEntry]:
    """Insert new entries, update changed ones; return both, in feed order."""
    keyed: dict[str, tuple[ParsedEntry, str]] = {}
    for entry in entries:
        digest = content_hash(entry)
        keyed.setdefault(dedup_key(entry, digest), (entry, digest))  # first copy wins
    existing: dict[str, Entry] = {}
    keys = list(keyed)
    for start in range(0, len(keys), 500):  # stay under bound-parameter limits
        chunk = keys[start : start + 500]
        rows = session.scalars(
            select(Entry).where(Entry.feed_id == feed_id, Entry.dedup_key.in_(chunk))
        )
        existing.update((row.dedup_key, row) for row in rows)
    fresh: list[Entry] = []
    for key, (entry, digest) in keyed.items():
        row = existing.get(key)
        if row is not None:
            if row.content_hash == digest:
                continue
            row.title, row.summary, row.link = entry.title, entry.summary, entry.link
            row.content_hash = digest
            row.published_at = entry.published or row.published_at
            row.updated_at = now
            row.sketch = None
            fresh.append(row)
            continue
        row = Entry(
            feed_id=feed_id,
            dedup_key=key,
            guid=entry.guid[:1000] if entry.guid else None,
            link=entry.link,
            title=entry.title,
            summary=entry.summary,
            content_hash=digest,
            publisher=(site_of(entry.link) if entry.link else None) or feed_site,
            published_at=entry.published,
            first_seen_at=now,
            updated_at=now,
        )
        session.add(row)
        fresh.append(row)
    session.flush()
    return [_stored(row) for row in fresh]


def iter_entries(session: Session, batch: int = 1000) -> Iterable[StoredEntry]:
    """Every stored entry in id order, streamed in batches (for replay)."""
    last = 0
    while True:
        rows = list(
            session.scalars(select(Entry).where(Entry.id > last).order_by(Entry.id).limit(batch))
        )
        if not rows:
            return
        for row in rows:
            yield _stored(row)
        last = rows[-1].id


def feed_site(session: Session, feed_id: int) -> str | None:
    return session.scalar(select(Feed.site).where(Feed.id == feed_id))

"""Entry repository: store parsed entries once, hand back only the new or changed ones.

An entry's identity within its feed is its guid, else its link, else a hash of its
content (docs/design-notes.md). A re-poll never duplicates an entry; an entry whose text changed
under the same identity is updated and returned again, so it is matched again.

An entry's date is the publisher's claim, clamped where it enters: never later than the
fetch (an entry dated 9999 was the "newest" evidence of its indicator forever after,
issue 16), and one before ``PUBLISHED_FLOOR`` is taken as unknown (the first-seen time
stands in, as for an entry without a date).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from monitor.feeds.types import ParsedEntry
from monitor.model import StoredEntry
from monitor.storage.candidates import forget_entry
from monitor.storage.models import Entry, EvidenceRow
from monitor.storage.raw import Raw, insert_rows

PUBLISHED_FLOOR = datetime(1990, 1, 1, tzinfo=UTC)  # before any news feed existed


def sane_published(published: datetime | None, now: datetime) -> datetime | None:
    """``published`` clamped to the fetch time ``now``; None before ``PUBLISHED_FLOOR``
    (issue 16: an entry dated 9999 pinned a status; year 1 was stored as given)."""
    if published is None or published < PUBLISHED_FLOOR:
        return None
    return min(published, now)


def content_hash(entry: ParsedEntry) -> str:
    blob = "\x1f".join((entry.title, entry.summary, entry.link or "")).encode()
    return hashlib.sha256(blob).hexdigest()


def dedup_key(entry: ParsedEntry, digest: str) -> str:
    if entry.guid:
        return "g:" + entry.guid[:590]
    if entry.link:
        return "l:" + entry.link[:590]
    return "h:" + digest


def _stored(row: Entry | Row[*tuple[Any, ...]]) -> StoredEntry:
    """From an ``Entry`` object or a row of its columns (replay reads columns only)."""
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
    sketches: Mapping[tuple[str, str], Sequence[int]] | None = None,
) -> list[StoredEntry]:
    """Insert new entries, update changed ones; return both, in feed order. A new entry
    whose (title, summary) has a sketch in ``sketches`` (the parse workers') is inserted
    with it: set later, it was an UPDATE of the whole row on PostgreSQL (0.4 s a poll
    of 12,000 entries)."""
    return store_feeds(session, [(feed_id, entries, feed_site, sketches)], now)[0]


# A feed's id, its parsed entries, its site and the workers' sketches (``store_entries``).
FeedEntries = tuple[
    int, Sequence[ParsedEntry], str | None, Mapping[tuple[str, str], Sequence[int]] | None
]


def store_feeds(
    session: Session, feeds: Sequence[FeedEntries], now: datetime
) -> list[list[StoredEntry]]:
    """``store_entries`` of several feeds (a batch's), with one lookup of their known
    entries and one insert of their new ones: a statement or three per feed was a fifth
    of the writing thread's time on PostgreSQL (200 realistic feeds: 1.1 s)."""
    keyed = [_keyed(entries) for _, entries, _, _ in feeds]
    pairs = [(feed[0], key) for feed, keys in zip(feeds, keyed, strict=True) for key in keys]
    existing = _known(session, pairs)
    changed: dict[tuple[int, int], Entry] = {}  # (feed's place, entry's place) → updated row
    new_rows: list[dict[str, Any]] = []
    for place, ((feed_id, _, site, sketches), keys) in enumerate(zip(feeds, keyed, strict=True)):
        for position, (key, (entry, digest)) in enumerate(keys.items()):
            known = existing.get((feed_id, key))
            if known is None:
                row = _new_row(feed_id, key, entry, digest, now, site)
                row["sketch"] = (sketches or {}).get((entry.title, entry.summary))
                new_rows.append(row)
            elif known[1] != digest:
                changed[place, position] = _update(session, known[0], entry, digest, now)
    session.flush()
    inserted = iter(zip(_insert(session, new_rows), new_rows, strict=True))
    out: list[list[StoredEntry]] = []
    for place, ((feed_id, _, _, _), keys) in enumerate(zip(feeds, keyed, strict=True)):
        stored: list[StoredEntry] = []
        for position, key in enumerate(keys):
            updated = changed.get((place, position))
            if updated is not None:
                stored.append(_stored(updated))
            elif existing.get((feed_id, key)) is None:
                entry_id, values = next(inserted)
                stored.append(_inserted(entry_id, feed_id, values, now))
        out.append(stored)
    return out


def _keyed(entries: Sequence[ParsedEntry]) -> dict[str, tuple[ParsedEntry, str]]:
    """A feed's entries by dedup key, with their content hashes; the first copy wins."""
    keyed: dict[str, tuple[ParsedEntry, str]] = {}
    for entry in entries:
        digest = content_hash(entry)
        keyed.setdefault(dedup_key(entry, digest), (entry, digest))
    return keyed


def _inserted(entry_id: int, feed_id: int, values: Mapping[str, Any], now: datetime) -> StoredEntry:
    return StoredEntry(
        id=entry_id,
        feed_id=feed_id,
        title=values["title"],
        summary=values["summary"],
        link=values["link"],
        publisher=values["publisher"],
        published_at=values["published_at"] or now,
        first_seen_at=now,
        is_new=True,
    )


def _new_row(
    feed_id: int, key: str, entry: ParsedEntry, digest: str, now: datetime, feed_site: str | None
) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "dedup_key": key,
        "guid": entry.guid[:1000] if entry.guid else None,
        "link": entry.link,
        "title": entry.title,
        "summary": entry.summary,
        "content_hash": digest,
        "publisher": entry.publisher or feed_site,
        "published_at": sane_published(entry.published, now),
        "first_seen_at": now,
        "updated_at": now,
    }


def _update(
    session: Session, entry_id: int, entry: ParsedEntry, digest: str, now: datetime
) -> Entry:
    """A known entry whose text changed: the new text, its sketch to be computed again."""
    row = session.get_one(Entry, entry_id)
    row.title, row.summary, row.link = entry.title, entry.summary, entry.link
    row.content_hash = digest
    row.published_at = sane_published(entry.published, now) or row.published_at
    row.updated_at = now
    # Its band postings, and the copies found, go with the text they were found by.
    forget_entry(session, entry_id, row.sketch)
    row.sketch = None
    return row


def _known(session: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """Known (feed, key) pairs with their ids and hashes, as plain columns: most entries
    of a re-fetched feed are unchanged and need no ORM object."""
    wanted = set(keys)
    existing: dict[tuple[int, str], tuple[int, str]] = {}
    for start in range(0, len(keys), 500):  # stay under bound-parameter limits
        part = keys[start : start + 500]
        rows = session.execute(
            select(Entry.feed_id, Entry.dedup_key, Entry.id, Entry.content_hash).where(
                Entry.feed_id.in_(sorted({feed_id for feed_id, _ in part})),
                Entry.dedup_key.in_([key for _, key in part]),
            )
        )
        existing.update(
            ((feed_id, key), (entry_id, digest))
            for feed_id, key, entry_id, digest in rows
            if (feed_id, key) in wanted  # a key of one feed, stored for another
        )
    return existing


def _insert(session: Session, new_rows: list[dict[str, Any]]) -> list[int]:
    """Insert new entries; their ids, in order.

    Their ids are taken first (``Raw.next_ids``) and the rows written through the driver
    (``raw.insert_rows``: one ``COPY`` on PostgreSQL): through Core, a poll of 12,000
    entries spent ~0.5 s of the writing thread building each row's parameters, and
    reading the ids back by key cost a second statement per feed (issue 15).
    """
    if not new_rows:
        return []
    raw = Raw(session)
    ids = raw.next_ids("entries", len(new_rows))
    insert_rows(
        raw,
        Entry.metadata.tables["entries"],
        [{"id": entry_id, **row} for entry_id, row in zip(ids, new_rows, strict=True)],
    )
    return ids


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Entry)) or 0


def iter_entries(session: Session, batch: int = 2000) -> Iterable[StoredEntry]:
    """Every stored entry in id order, streamed in batches (for replay).

    Plain columns, not ORM objects: a replay reads every entry once, and building an
    object per row was a measurable part of it (docs/benchmarks.md).
    """
    columns = (
        Entry.id,
        Entry.feed_id,
        Entry.title,
        Entry.summary,
        Entry.link,
        Entry.publisher,
        Entry.published_at,
        Entry.first_seen_at,
    )
    last = 0
    while True:
        rows = session.execute(
            select(*columns).where(Entry.id > last).order_by(Entry.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from (_stored(row) for row in rows)
        last = rows[-1].id


def indicators_by_entry(session: Session, entry_ids: Sequence[int]) -> dict[int, set[int]]:
    """For each entry, the indicators it has evidence for (dismissed or not)."""
    found: dict[int, set[int]] = {}
    for start in range(0, len(entry_ids), 500):  # stay under bound-parameter limits
        rows = session.execute(
            select(EvidenceRow.entry_id, EvidenceRow.indicator_id)
            .where(EvidenceRow.entry_id.in_(entry_ids[start : start + 500]))
            .distinct()
        )
        for entry_id, indicator_id in rows:
            found.setdefault(entry_id, set()).add(indicator_id)
    return found

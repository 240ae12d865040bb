"""Evidence that stops counting is archived, not deleted (issue 16).

The status log cites evidence by id. Before, a rewritten entry's evidence was deleted and
inserted again (new ids, even for the same sentence), and ``feeds remove`` deleted its
entries' evidence: the history cited rows that no longer existed. Now the rows that go are
copied to ``evidence_archive`` with the id they had and why they went: ``superseded`` (the
entry was rewritten and no longer says it) or ``feed removed``. Reports read the archive for
cited ids they do not find in ``evidence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from monitor.storage.models import ArchivedEvidence, Entry, EvidenceRow
from monitor.storage.removals import release_evidence

SUPERSEDED, FEED_REMOVED = "superseded", "feed removed"


def archive_rows(session: Session, ids: Sequence[int], why: str, now: datetime) -> None:
    """Copy the evidence rows ``ids`` (with their entry's title and link) to the archive,
    then delete them from ``evidence`` (their syndication clusters released first)."""
    release_evidence(session, ids)
    for start in range(0, len(ids), 500):  # stay under bound-parameter limits
        chunk = list(ids[start : start + 500])
        rows = session.execute(
            select(EvidenceRow, Entry.title, Entry.link)
            .join(Entry, Entry.id == EvidenceRow.entry_id)
            .where(EvidenceRow.id.in_(chunk))
        ).all()
        if rows:
            session.execute(
                insert(ArchivedEvidence),
                [
                    {
                        "id": ev.id,
                        "entry_id": ev.entry_id,
                        "indicator_id": ev.indicator_id,
                        "indicator_version": ev.indicator_version,
                        "modality": ev.modality,
                        "sentence": ev.sentence,
                        "terms": list(ev.terms or []),
                        "publisher": ev.publisher,
                        "published_at": ev.published_at,
                        "entry_title": title or "",
                        "link": link,
                        "dismissed": ev.dismissed,
                        "created_at": ev.created_at,
                        "archived_at": now,
                        "why": why,
                    }
                    for ev, title, link in rows
                ],
            )
        session.execute(
            delete(EvidenceRow)
            .where(EvidenceRow.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )


def archive_feed_evidence(session: Session, feed_id: int, now: datetime) -> set[int]:
    """Archive the evidence of a feed's entries before the feed is removed; returns the
    indicators it was evidence for (to be decided again)."""
    rows = session.execute(
        select(EvidenceRow.id, EvidenceRow.indicator_id)
        .join(Entry, Entry.id == EvidenceRow.entry_id)
        .where(Entry.feed_id == feed_id)
    ).all()
    archive_rows(session, [row.id for row in rows], FEED_REMOVED, now)
    return {row.indicator_id for row in rows}


def archived_rows(session: Session, ids: Sequence[int]) -> list[ArchivedEvidence]:
    """The archived evidence among ``ids`` (for reports that cite it)."""
    if not ids:
        return []
    return list(session.scalars(select(ArchivedEvidence).where(ArchivedEvidence.id.in_(list(ids)))))

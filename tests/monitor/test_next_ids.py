"""``Raw.next_ids``: rows written with ids taken first get what the database would have
given them, and an evidence id is never handed out twice, even after the largest row is
gone (the status log and the archive cite evidence by id)."""

from __future__ import annotations

from test_clusters import NOW, START, _indicator

from indicators.model import Evidence, Modality
from monitor.feeds.types import ParsedEntry
from monitor.storage import evidence as evidence_repo
from monitor.storage.db import Database
from monitor.storage.entries import store_entries
from monitor.storage.indicators import lock_indicators
from monitor.storage.raw import Raw


def _store(db: Database, feed_id: int, indicator_id: int, n: int) -> list[int]:
    """One new entry with two pieces of evidence, written in their clusters."""
    parsed = ParsedEntry(
        guid=f"g{n}", link=None, title=f"Report {n}", summary=f"Deal {n} signed.", published=START
    )
    with db.write() as session:
        (entry,) = store_entries(session, feed_id, [parsed], NOW, None)
        found = [Evidence("k", Modality.OCCURRED, f"Deal {n} signed ({i}).", ()) for i in (0, 1)]
        lock_indicators(session, [indicator_id])
        evidence_repo.add_evidence(session, [(entry, indicator_id, "v1", found)], NOW, placed=True)
        return [int(i) for (i,) in Raw(session).execute("SELECT id FROM evidence ORDER BY id")]


def test_ids_follow_on_and_are_never_handed_out_twice(db: Database) -> None:
    indicator_id, feed_id = _indicator(db)
    first = _store(db, feed_id, indicator_id, 1)
    assert len(first) == 2
    assert first[1] == first[0] + 1
    with db.write() as session:  # the largest row goes
        Raw(session).execute("DELETE FROM evidence WHERE id = ?", (first[1],))
    after = _store(db, feed_id, indicator_id, 2)
    new = sorted(set(after) - {first[0]})  # the second entry's two pieces
    assert len(new) == 2
    assert new[0] > first[1]
    with db.write() as session:
        assert Raw(session).next_ids("evidence", 0) == []
        taken = Raw(session).next_ids("evidence", 3)
    assert taken == sorted(taken)
    assert len(set(taken)) == 3
    assert min(taken) > max(after)

"""Issue 15: the copies of a batch's evidence, found as a poll finds them, equal the full
computation.

A poll stores a batch of feeds' evidence in one transaction: it locks the batch's
indicators and writes the new pieces in their clusters (``add_evidence(placed=True)``,
``storage.arrivals``); a path that writes them first places them when each indicator is
decided (``assign_clusters``). On SQLite the batch's
copies are found while its units are posted; on PostgreSQL after the locks, by one lookup
for the whole batch that drops the batch's own rows and compares them in memory. Random
batches of wire copies and other stories, on both databases, some copies inside a batch
and some across batches, must give the clusters of ``status.source_groups``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integrity import assert_clusters_are_the_full_computation
from test_clusters import MODALITIES, NOW, PUBLISHERS, START, TEXTS, _check, _indicator

from indicators.model import Evidence
from monitor.feeds.types import ParsedEntry
from monitor.storage import candidates
from monitor.storage import evidence as evidence_repo
from monitor.storage.db import Database
from monitor.storage.entries import store_entries
from monitor.storage.indicators import lock_indicators

entry = st.tuples(
    st.integers(0, len(TEXTS) - 1),
    st.integers(0, len(PUBLISHERS) - 1),
    st.integers(0, 9 * 24),  # hours after START
    st.sampled_from(MODALITIES),
)
batches = st.lists(st.lists(entry, min_size=1, max_size=8), min_size=1, max_size=3)


def _store_batch(
    db: Database,
    feed_id: int,
    indicator_id: int,
    batch: list[tuple[int, int, int, object]],
    at: int,
    placed: bool = False,
) -> None:
    """One batch in one transaction: placed when its indicator is decided, or (``placed``,
    as a poll stores it) written in its clusters under the lock taken first."""
    parsed = [
        ParsedEntry(
            guid=f"g{at}-{n}",
            link=f"https://{PUBLISHERS[p]}/{at}-{n}" if PUBLISHERS[p] else None,
            title=f"Report {at}-{n}",
            summary=TEXTS[text],
            published=START + timedelta(hours=hours),
        )
        for n, (text, p, hours, _) in enumerate(batch)
    ]
    with db.write() as session:
        stored = store_entries(session, feed_id, parsed, NOW, None)
        new = [
            (e, indicator_id, "v1", [Evidence("k", modality, e.summary, ("india",))])  # type: ignore[arg-type]
            for e, (_, _, _, modality) in zip(stored, batch, strict=True)
        ]
        if placed:
            lock_indicators(session, [indicator_id])
            evidence_repo.add_evidence(session, new, NOW, placed=True)
            assert evidence_repo.assign_clusters(session, indicator_id) == 0  # none left
        else:
            evidence_repo.add_evidence(session, new, NOW)
            lock_indicators(session, [indicator_id])
            evidence_repo.assign_clusters(session, indicator_id)
        assert_clusters_are_the_full_computation(session, indicator_id)


def _examples(count: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis settings for these database tests (a fixture per test, slow examples)."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@_examples(40)
@given(batches)
def test_a_batchs_clusters_equal_the_full_computation(
    db: Database, sequence: list[list[tuple[int, int, int, object]]]
) -> None:
    _store_all(db, sequence)


@_examples(25)
@given(batches)
def test_so_do_they_when_only_the_units_asked_for_are_compared_at_once(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    sequence: list[list[tuple[int, int, int, object]]],
) -> None:
    """A transaction with more units of its own than ``FRESH_AT_ONCE`` (a replay) finds
    the copies of those asked for only, each lookup leaving out fewer rows."""
    monkeypatch.setattr(candidates, "FRESH_AT_ONCE", 1)
    _store_all(db, sequence)


@_examples(40)
@given(st.lists(st.tuples(st.booleans(), batches.map(lambda b: b[0])), min_size=1, max_size=4))
def test_so_do_rows_written_in_their_clusters_and_their_sources(
    db: Database, sequence: list[tuple[bool, list[tuple[int, int, int, object]]]]
) -> None:
    """Batches written in their clusters (a poll's), between batches placed when decided,
    give the full computation's clusters, sources and decisions."""
    indicator_id, feed_id = _indicator(db)
    for at, (placed, batch) in enumerate(sequence):
        _store_batch(db, feed_id, indicator_id, batch, at, placed=placed)
        _check(db, indicator_id)


def _store_all(db: Database, sequence: list[list[tuple[int, int, int, object]]]) -> None:
    """Each batch in its own transaction, its clusters checked against the full one."""
    indicator_id, feed_id = _indicator(db)
    for at, batch in enumerate(sequence):
        _store_batch(db, feed_id, indicator_id, batch, at)

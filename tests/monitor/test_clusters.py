"""Issue 15: clusters and decision facts kept incrementally equal the full computation.

Random sequences of evidence (near-duplicate wire copy and independent stories, several
publishers and none, times inside and outside the syndication window, every modality)
arrive, are dismissed, restored and replaced, through the storage functions the pipeline
uses, on SQLite and PostgreSQL. After each step, the clusters stored for every piece
equal ``status.source_groups(..., by_publisher=False)`` over the live evidence of its
side, and ``load_decision_facts`` equals ``status.summarize`` over every live row.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integrity import assert_clusters_are_the_full_computation
from sqlalchemy import select

from indicators.model import Evidence, Modality
from monitor.feeds.types import ParsedEntry
from monitor.status import Settings, decide, summarize
from monitor.storage import actions
from monitor.storage import evidence as evidence_repo
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.storage.entries import StoredEntry, store_entries
from monitor.storage.indicators import lock_indicator
from monitor.storage.models import EvidenceRow, IndicatorRow, WatchlistRow

START = datetime(2025, 12, 1, tzinfo=UTC)
NOW = START + timedelta(days=30)
WIRE = (
    "India and Russia signed an agreement on labour mobility on Thursday that will let "
    "skilled Indian workers take jobs in Russian construction and manufacturing, officials said"
)
# Copies of one wire story, more and more edited (the last ones under the threshold),
# and stories of their own.
TEXTS = [
    WIRE,
    "NEW DELHI - " + WIRE + " (Wire)",
    WIRE.replace("officials said", "according to officials") + " on Friday",
    # Each of these two is a copy of the wire story, but not of the other: a bridge.
    " ".join(WIRE.split()[:19]) + " under quotas for nurses",
    "Moscow welcomed it: " + " ".join(WIRE.split()[7:]),
    " ".join(WIRE.split()[:9]) + " while talks on payments in rupees and roubles went on",
    "Russia's labour ministry said the accord sets quotas for Indian engineers and nurses",
    "Moscow and Delhi are expected to sign a shipping corridor deal at the summit next month",
    "The refinery deal fell through after talks on crude prices stalled in Moscow this week",
]
PUBLISHERS = ["a.example", "b.example", "c.example", None]
MODALITIES = [Modality.OCCURRED, Modality.ANTICIPATED, Modality.NEGATED]

add = st.tuples(
    st.just("add"),
    st.integers(0, len(TEXTS) - 1),
    st.integers(0, len(PUBLISHERS) - 1),
    st.integers(0, 9 * 24),  # hours after START: windows overlap and do not
    st.lists(st.sampled_from(MODALITIES), min_size=1, max_size=2),
)
change = st.tuples(st.sampled_from(["dismiss", "restore", "replace"]), st.integers(0, 1000))
steps = st.lists(st.one_of(add, add, change), min_size=1, max_size=14)
_serial = itertools.count()


def _indicator(db: Database) -> tuple[int, int]:
    n = next(_serial)
    with db.write() as session:
        session.add(WatchlistRow(id=f"w{n}", title="t", loaded_at=START))
        session.flush()
        row = IndicatorRow(
            watchlist_id=f"w{n}",
            key="k",
            title="t",
            query="india",
            version="v1",
            corroboration=2,
            expected_by=date(2025, 12, 20),
            status_since=START,
        )
        session.add(row)
        session.flush()
        feed = feeds_repo.add_feed(session, f"http://127.0.0.1/{n}.xml", START)
        return row.id, feed


def _add_entry(
    db: Database, feed_id: int, indicator_id: int, n: int, step: tuple[object, ...]
) -> StoredEntry:
    _, text, publisher, hours, modalities = step
    assert isinstance(text, int)
    assert isinstance(publisher, int)
    assert isinstance(hours, int)
    site = PUBLISHERS[publisher]
    parsed = ParsedEntry(
        guid=f"g{n}",
        link=f"https://{site}/{n}" if site else None,
        title=f"Report {n}",
        summary=TEXTS[text],
        published=START + timedelta(hours=hours),
    )
    with db.write() as session:
        (entry,) = store_entries(session, feed_id, [parsed], NOW, None)
        found = [
            Evidence("k", modality, f"{TEXTS[text]} ({i})", ("india",))
            for i, modality in enumerate(modalities)  # type: ignore[attr-defined]
        ]
        evidence_repo.replace_evidence(session, entry, indicator_id, "v1", found, NOW)
    return entry


def _apply(
    db: Database,
    feed_id: int,
    indicator_id: int,
    n: int,
    step: tuple[object, ...],
    entries: list[StoredEntry],
) -> None:
    kind = step[0]
    if kind == "add":
        entries.append(_add_entry(db, feed_id, indicator_id, n, step))
        return
    with db.write() as session:
        rows = session.execute(
            select(EvidenceRow.id, EvidenceRow.dismissed, EvidenceRow.entry_id)
            .where(EvidenceRow.indicator_id == indicator_id)
            .order_by(EvidenceRow.id)
        ).all()
        pick = step[1]
        assert isinstance(pick, int)
        if kind == "replace" and entries:
            entry = dataclasses.replace(entries[pick % len(entries)], is_new=False)
            # A revised text: the entry's evidence is replaced by one anticipated sentence.
            found = [Evidence("k", Modality.ANTICIPATED, f"revised {n}", ("india",))]
            evidence_repo.replace_evidence(session, entry, indicator_id, "v1", found, NOW)
            return
        want = kind == "dismiss"
        choices = [r.id for r in rows if r.dismissed is not want]
        if choices:
            actions.set_dismissed(session, choices[pick % len(choices)], want, "", NOW)


def _check(db: Database, indicator_id: int) -> None:
    with db.write() as session:
        row = lock_indicator(session, indicator_id)
        evidence_repo.assign_clusters(session, indicator_id)
        assert_clusters_are_the_full_computation(session, indicator_id)
        live = evidence_repo.evidence_facts(session, indicator_id)
        cfg = evidence_repo.settings_of(row)
        kept = evidence_repo.load_decision_facts(session, indicator_id, cfg, NOW)
        full = summarize(live)
        assert [f.id for f in kept.sources] == [f.id for f in full.sources]
        assert kept.newest == full.newest
        assert kept.last_occurred == full.last_occurred
        if not full.sources:
            assert kept.evidence_ids == full.evidence_ids
        for corroboration in (1, 2, 3):
            cfg = Settings(corroboration=corroboration, expected_by=row.expected_by)
            assert decide(cfg, kept, NOW) == decide(cfg, live, NOW)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps)
def test_incremental_clusters_equal_the_full_computation(
    db: Database, sequence: list[tuple[object, ...]]
) -> None:
    indicator_id, feed_id = _indicator(db)
    entries: list[StoredEntry] = []
    for n, step in enumerate(sequence):
        _apply(db, feed_id, indicator_id, n, step, entries)
        if n % 3 == 2 or n == len(sequence) - 1:  # several steps between some decisions
            _check(db, indicator_id)


def _clusters(db: Database, indicator_id: int) -> set[int | None]:
    with db.read() as session:
        return set(
            session.scalars(
                select(EvidenceRow.cluster_id).where(EvidenceRow.indicator_id == indicator_id)
            )
        )


def test_a_copy_joins_and_a_bridge_merges_then_a_dismissal_splits(db: Database) -> None:
    indicator_id, feed_id = _indicator(db)
    entries: list[StoredEntry] = []
    occurred = [Modality.OCCURRED]
    # Two edited copies that are not close enough to each other, then the story they
    # both copy: it joins them into one cluster; dismissing it splits them again.
    for n, text in enumerate([3, 4, 0]):
        _apply(db, feed_id, indicator_id, n, ("add", text, n, 10 + n, occurred), entries)
        _check(db, indicator_id)
    assert len(_clusters(db, indicator_id)) == 1
    with db.read() as session:
        facts = evidence_repo.load_decision_facts(session, indicator_id, Settings(), NOW)
    assert len(facts.sources) == 1  # three publishers, one story: one source
    with db.write() as session:
        middle = session.scalars(
            select(EvidenceRow.id).where(EvidenceRow.entry_id == entries[2].id)
        ).one()
        actions.set_dismissed(session, middle, True, "", NOW)
    _check(db, indicator_id)
    with db.read() as session:
        clusters = set(
            session.scalars(
                select(EvidenceRow.cluster_id).where(
                    EvidenceRow.indicator_id == indicator_id, EvidenceRow.dismissed.is_(False)
                )
            )
        )
        facts = evidence_repo.load_decision_facts(session, indicator_id, Settings(), NOW)
    assert len(clusters) == 2
    assert len(facts.sources) == 2


def test_a_rewritten_entry_keeps_its_sentence_and_is_placed_by_its_new_text(db: Database) -> None:
    """An entry rewritten under the same guid that still gives the same sentence keeps
    that evidence row (issue 16); its cluster was found with the old text's sketch, so it
    is placed again with the new one (here: no longer a copy of the wire story)."""
    indicator_id, feed_id = _indicator(db)
    entries: list[StoredEntry] = []
    occurred = [Modality.OCCURRED]
    for n, text in enumerate([0, 1]):  # the wire story and a copy: one cluster
        _apply(db, feed_id, indicator_id, n, ("add", text, n, 10 + n, occurred), entries)
    _check(db, indicator_id)
    rewritten = ParsedEntry(
        guid="g1",
        link="https://b.example/1",
        title="Report 1",
        summary=TEXTS[8],  # another story now, whose evidence sentence is the same
        published=START + timedelta(hours=11),
    )
    with db.write() as session:
        (entry,) = store_entries(session, feed_id, [rewritten], NOW, None)
        assert not entry.is_new
        same = [Evidence("k", Modality.OCCURRED, f"{TEXTS[1]} (0)", ("india",))]
        evidence_repo.replace_evidence(session, entry, indicator_id, "v1", same, NOW)
    _check(db, indicator_id)
    assert len(_clusters(db, indicator_id)) == 2


def test_new_bands_migration_places_everything_again(db: Database) -> None:
    """Migration 0007 (more selective bands) clears the placing done with the old band
    keys; the next decision places every piece again, equal to the full computation."""
    from monitor.storage import migrate
    from monitor.storage.models import SourceKey, UnitBand

    indicator_id, feed_id = _indicator(db)
    entries: list[StoredEntry] = []
    for n, text in enumerate([0, 1, 6, 2]):
        step = ("add", text, n % 3, 10 + n, [Modality.OCCURRED])
        _apply(db, feed_id, indicator_id, n, step, entries)
    _check(db, indicator_id)
    assert len(_clusters(db, indicator_id)) == 2  # the wire story and its copies; one other
    migrate.downgrade(db, "0005")
    migrate.upgrade(db)
    with db.read() as session:
        assert _clusters(db, indicator_id) == {None}
        # 0008 posted the units of the live evidence (four entries, each once).
        assert len(set(session.scalars(select(UnitBand.entry_id)))) == 4
        assert session.scalars(select(SourceKey.key)).first() is None
    _check(db, indicator_id)
    assert len(_clusters(db, indicator_id)) == 2


def _stored_sketches(db: Database) -> dict[int, bytes]:
    with db.read() as session:
        rows = session.execute(
            sa.text("SELECT id, sketch FROM entries WHERE sketch IS NOT NULL")
        ).all()
    return {row_id: bytes(packed) for row_id, packed in rows}


def test_signatures_migration_signs_stored_sketches_and_strips_them_back(db: Database) -> None:
    """Migration 0009 puts each stored sketch's signature in front of its hashes (the
    format ``columns.PackedSketch`` writes); its downgrade strips them. Entries read the
    same sketch either way, and the incremental clusters stay the full computation."""
    from indicators.similarity import signature
    from monitor.model import entry_sketch
    from monitor.storage import migrate
    from monitor.storage.columns import pack_sketch, read_signature, unpack_sketch

    indicator_id, feed_id = _indicator(db)
    entries: list[StoredEntry] = []
    both_sides = [Modality.OCCURRED, Modality.ANTICIPATED]
    for n, text_no in enumerate([0, 1, 6]):
        _apply(db, feed_id, indicator_id, n, ("add", text_no, n, 10 + n, both_sides), entries)
    _check(db, indicator_id)
    sketches = {e.id: entry_sketch(e.title, e.summary) for e in entries}
    assert _stored_sketches(db) == {i: pack_sketch(sk) for i, sk in sketches.items()}
    migrate.downgrade(db, "0008")
    plain = _stored_sketches(db)
    assert all(len(packed) == 4 * len(sketches[i]) for i, packed in plain.items())
    # Unsigned sketches (as 0008 left them) are still read, and signed on the way.
    assert {i: unpack_sketch(p) for i, p in plain.items()} == sketches
    assert all(read_signature(p) == signature(sketches[i]) for i, p in plain.items())
    migrate.upgrade(db)
    assert _stored_sketches(db) == {i: pack_sketch(sk) for i, sk in sketches.items()}
    _apply(db, feed_id, indicator_id, 3, ("add", 2, 0, 14, both_sides), entries)
    _check(db, indicator_id)
    # On each side: the wire story with its copies (the new one joined them), one other.
    assert len(_clusters(db, indicator_id)) == 4


def _posted(db: Database) -> dict[int, set[int]]:
    from monitor.storage.models import UnitBand

    with db.read() as session:
        rows = session.execute(select(UnitBand.entry_id, UnitBand.hash)).all()
    out: dict[int, set[int]] = {}
    for entry_id, h in rows:
        out.setdefault(entry_id, set()).add(h)
    return out


def test_band_postings_follow_the_entries_text_and_go_with_its_feed(db: Database) -> None:
    """Each entry with evidence posts the bands of its sketch once, whatever its pieces;
    a rewritten entry posts its new text's bands; a removed feed takes its postings."""
    from indicators.similarity import bands
    from monitor.alerts.outbox import NoAlerts
    from monitor.model import entry_sketch
    from monitor.removal import remove_feed

    indicator_id, feed_id = _indicator(db)
    entries: list[StoredEntry] = []
    both = [Modality.OCCURRED, Modality.ANTICIPATED]  # two pieces, two sides, one unit
    for n, text in enumerate([0, 6]):
        _apply(db, feed_id, indicator_id, n, ("add", text, n, 10 + n, both), entries)
    _check(db, indicator_id)
    first = entries[0]
    assert _posted(db) == {e.id: set(bands(entry_sketch(e.title, e.summary))) for e in entries}
    rewritten = ParsedEntry(
        guid="g0", link=None, title="Report 0", summary=TEXTS[8], published=START
    )
    with db.write() as session:
        (entry,) = store_entries(session, feed_id, [rewritten], NOW, None)
        found = [Evidence("k", Modality.OCCURRED, "the refinery deal fell through", ("x",))]
        evidence_repo.replace_evidence(session, entry, indicator_id, "v1", found, NOW)
    _check(db, indicator_id)
    assert _posted(db)[first.id] == set(bands(entry_sketch("Report 0", TEXTS[8])))
    remove_feed(db, feed_id, NoAlerts(), NOW)
    assert _posted(db) == {}


def test_a_copy_that_becomes_evidence_for_another_indicator_joins_it_there(
    db: Database,
) -> None:
    """A lookup reads only units that share an indicator (``candidates.bit``): a copy
    posted as evidence for one indicator that later becomes evidence for another (a
    replay, new rules) gains that indicator's bit, and is found there."""
    first, feed_id = _indicator(db)
    second, _ = _indicator(db)
    entries: list[StoredEntry] = []
    occurred = [Modality.OCCURRED]
    _apply(db, feed_id, first, 0, ("add", 0, 0, 10, occurred), entries)  # the wire story
    _apply(db, feed_id, second, 1, ("add", 1, 1, 11, occurred), entries)  # its copy
    _check(db, first)
    _check(db, second)
    assert len(_clusters(db, first)) == 1
    copy = dataclasses.replace(entries[1], is_new=False)
    with db.write() as session:
        found = [Evidence("k", Modality.OCCURRED, "the same story, read again", ("india",))]
        evidence_repo.replace_evidence(session, copy, first, "v1", found, NOW)
    _check(db, first)
    assert len(_clusters(db, first)) == 1  # the copy joined the wire story's cluster

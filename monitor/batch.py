"""Store several fetched feeds in ONE transaction and decide each indicator they touched once.

A poll whose entries are mostly evidence spent most of its time deciding: one decision per
feed and touched indicator (issue 15: 360 decisions for 40 feeds, each placing the feed's
new evidence in its syndication clusters and reading the decision facts). Here the feeds
ready at once are one batch: their fetches are recorded, their entries stored and their
evidence written, then each indicator the batch touched is decided once, through the one
owner of status changes (``monitor.decisions.record_decision``), in the same transaction.

What the batch keeps of the per-feed design: a crash loses at most the uncommitted batch
(its feeds' leases expire and they are polled again); nothing counts before the commit;
and the caller retries a batch that failed unexpectedly one feed per transaction, so the
guilty feed is isolated and recorded as failed (issue 14, item 7). What it changes: two
feeds of one batch that move one indicator give one status change (from the status before
the batch to the status after it), not one per feed; the decision is the same function
of the same evidence, so the final status and the status log's last entry are unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from indicators.model import Evidence
from monitor.alerts.outbox import AlertSink
from monitor.decisions import record_decision
from monitor.feeds.types import FetchResult, ParsedFeed
from monitor.model import Cause, ChangeInfo, FeedJob, StoredEntry
from monitor.ruleset import RuleSet, entry_item
from monitor.storage import evidence as evidence_repo
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Session
from monitor.storage.entries import indicators_by_entry, store_feeds

Known = dict[tuple[str, str], tuple[Evidence, ...]]  # (title, summary) → the worker's evidence
Sketches = dict[tuple[str, str], tuple[int, ...]]  # (title, summary) → the worker's sketch


@dataclass(frozen=True)
class ReadyFeed:
    """A fetched feed, parsed and matched (by a worker or on the calling thread)."""

    job: FeedJob
    result: FetchResult
    at: datetime  # when the fetch came back: the feed's schedule counts from then
    parsed: ParsedFeed | None
    parse_error: tuple[str, str] | None
    known: Known = field(default_factory=dict)
    sketches: Sketches = field(default_factory=dict)


@dataclass
class FeedDone:
    """What one feed of a batch stored (counted only after the batch commits)."""

    recorded: bool = False  # False: removed, or claimed by another worker meanwhile
    fresh: list[StoredEntry] = field(default_factory=list)
    found: Counter[str] = field(default_factory=Counter)


def store_batch(
    session: Session,
    feeds: Sequence[ReadyFeed],
    rules: RuleSet,
    now: datetime,
    owner: str,
    alerts: AlertSink,
) -> tuple[list[FeedDone], list[ChangeInfo]]:
    """Record, store and match every feed, then decide each touched indicator once."""
    done: list[FeedDone] = []
    touched: set[int] = set()
    new: list[evidence_repo.NewEvidence] = []
    sketches: dict[int, tuple[int, ...]] = {}  # entry id → the worker's sketch
    stored: set[int] = set()  # new entries stored with that sketch
    for feed in feeds:
        outcome = FeedDone()
        outcome.recorded = feeds_repo.record_fetch(
            session,
            feed.job.id,
            feed.result,
            feed.at,
            title=feed.parsed.title if feed.parsed else None,
            parse_error=feed.parse_error,
            owner=owner,
        )
        done.append(outcome)
    # Every recorded feed's entries stored at once (one lookup, one insert), then matched.
    storing = [
        (outcome, feed, feed.parsed)
        for outcome, feed in zip(done, feeds, strict=True)
        if outcome.recorded and feed.parsed is not None
    ]
    fresh = store_feeds(
        session,
        [
            (feed.job.id, parsed.entries, feed.job.site, feed.sketches)
            for _, feed, parsed in storing
        ],
        now,
    )
    for (outcome, feed, _), entries in zip(storing, fresh, strict=True):
        outcome.fresh = entries
        touched |= match_entries(session, entries, rules, now, outcome.found, feed.known, new)
        for entry in entries:
            sketch = feed.sketches.get((entry.title, entry.summary))
            if sketch is not None:
                sketches[entry.id] = sketch
                if entry.is_new:
                    stored.add(entry.id)  # inserted with it
    # Every touched indicator is locked (in id order) before its new evidence is
    # written, so the rows are written in their clusters (``storage.arrivals``); every
    # feed's evidence in one statement.
    indicators_repo.lock_indicators(session, touched)
    evidence_repo.add_evidence(session, new, now, sketches, stored=stored, placed=True)
    changes = []
    for indicator_id in sorted(touched):  # one order for every worker: no lock cycles
        change = record_decision(session, indicator_id, now, Cause.EVIDENCE, alerts)
        if change is not None:
            changes.append(change)
    return done, changes


def match_entries(
    session: Session,
    entries: Sequence[StoredEntry],
    rules: RuleSet,
    now: datetime,
    counts: Counter[str],
    known: Known,
    new: list[evidence_repo.NewEvidence],
) -> set[int]:
    """Evidence of each stored entry (the worker's, else matched here): an updated entry's
    is replaced at once, a new entry's is appended to ``new``; the indicators touched."""
    touched: set[int] = set()
    # An updated entry may no longer match an indicator it was evidence for: that
    # evidence goes, and the indicator is decided again (issue 7: a revised story kept
    # its old sentence as evidence, and its indicator the status that sentence gave).
    before = indicators_by_entry(session, [e.id for e in entries if not e.is_new])
    for entry in entries:
        by_indicator: dict[int, list[Evidence]] = {
            db_id: [] for db_id in before.get(entry.id, ()) if db_id in rules.versions
        }
        found = known.get((entry.title, entry.summary))
        if found is None:
            found = tuple(rules.matcher.match(entry_item(entry)))
        for ev in found:
            by_indicator.setdefault(rules.db_ids[ev.indicator_id], []).append(ev)
        for db_id, evs in by_indicator.items():
            if entry.is_new:  # nothing to replace: stored with the batch's others
                new.append((entry, db_id, rules.versions[db_id], evs))
            else:
                evidence_repo.replace_evidence(
                    session, entry, db_id, rules.versions[db_id], evs, now
                )
            counts.update(ev.modality.value for ev in evs)
            touched.add(db_id)
    return touched

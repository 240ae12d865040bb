"""Replay: re-run the current rules over stored entries, show the diff, then apply it.

``plan`` reads everything and writes nothing; ``apply`` writes exactly what the plan
holds (evidence replaced per entry and indicator, then the status decided again with cause
``replay`` by ``monitor.decisions``, its alerts queued as corrections), so the dry run is
a faithful preview.

Issue 15 (100,000 stored entries in under a minute): the entries are matched in the parse
workers (``monitor.prepare``), which also sketch the ones with evidence, so that matching
uses every core; without workers this thread matches them, with the same results. The
evidence of an entry that has none stored for an indicator is inserted in batches
(``evidence.add_evidence``) rather than one entry at a time, in the same order, so the
rows get the same ids.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from indicators.model import Evidence, Modality
from indicators.similarity import remember_bands
from monitor.alerts.outbox import AlertSink
from monitor.decisions import record_decision
from monitor.model import Cause, ChangeInfo, StoredEntry
from monitor.prepare import Matched, Preparer, Text, match_text
from monitor.ruleset import RuleSet
from monitor.status import EvidenceFact, decide
from monitor.storage import evidence as evidence_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.candidates import entry_units, post_units
from monitor.storage.db import Database, Session
from monitor.storage.entries import iter_entries
from monitor.storage.evidence import EvidenceKey, NewEvidence

BATCH = 250  # stored entries per worker task: ~0.1 s of matching
ADD_BATCH = 2_000  # entries whose new evidence is inserted in one statement (apply)


@dataclass(frozen=True)
class Sketched:
    """An entry's sketch and band keys, kept compact: 100,000 tuples of 64 Python ints
    were ~300 MB; these arrays are ~0.3 KB an entry."""

    sketch: array[int]
    bands: array[int]


@dataclass
class IndicatorDiff:
    indicator_id: int
    ref: str
    status: str
    new_status: str
    reason: str
    gained: list[EvidenceKey] = field(default_factory=list)
    lost: list[EvidenceKey] = field(default_factory=list)

    @property
    def changes_status(self) -> bool:
        return self.status != self.new_status


@dataclass
class ReplayPlan:
    diffs: list[IndicatorDiff]
    entries: int
    # (entry id, indicator id) → the evidence the current rules find there
    proposed: dict[tuple[int, int], list[Evidence]]
    stored: dict[int, StoredEntry]
    sketches: dict[int, Sketched] = field(default_factory=dict)  # entries with evidence

    @property
    def touched(self) -> list[IndicatorDiff]:
        return [d for d in self.diffs if d.gained or d.lost or d.changes_status]


def plan(
    db: Database, rules: RuleSet, now: datetime, preparer: Preparer | None = None
) -> ReplayPlan:
    """What the current rules find in every stored entry, and the status each indicator
    would then have. ``preparer``'s workers match the entries when it has any."""
    proposed: dict[tuple[int, int], list[Evidence]] = {}
    by_indicator: dict[int, set[EvidenceKey]] = defaultdict(set)
    stored: dict[int, StoredEntry] = {}
    sketches: dict[int, Sketched] = {}
    count = 0
    with db.read() as session:
        for entry, matched in _matched(iter_entries(session), rules, preparer):
            count += 1
            if matched.sketch is None or matched.bands is None:  # no evidence
                continue
            for ev in matched.evidence:
                db_id = rules.db_ids[ev.indicator_id]
                proposed.setdefault((entry.id, db_id), []).append(ev)
                by_indicator[db_id].add((entry.id, ev.modality.value, ev.sentence))
            stored[entry.id] = entry
            sketches[entry.id] = Sketched(array("I", matched.sketch), array("q", matched.bands))
        current = evidence_repo.evidence_keys(session)
        diffs = []
        for ind in indicators_repo.active_indicators(session):
            new_keys = by_indicator.get(ind.db_id, set())
            old = current.get(ind.db_id, {})
            old_keys = set(old)
            dismissed = {k for k, was_dismissed in old.items() if was_dismissed}
            facts = _facts(new_keys - dismissed, stored, sketches, proposed, ind.db_id)
            settings = evidence_repo.decision_settings(session, ind.db_id)
            decision = decide(settings, facts, now)
            diffs.append(
                IndicatorDiff(
                    indicator_id=ind.db_id,
                    ref=ind.ref,
                    status=ind.status,
                    new_status=decision.status.value,
                    reason=decision.reason,
                    gained=sorted(new_keys - old_keys),
                    lost=sorted(old_keys - new_keys),
                )
            )
    return ReplayPlan(diffs, count, proposed, stored, sketches)


def _matched(
    entries: Iterable[StoredEntry], rules: RuleSet, preparer: Preparer | None
) -> Iterator[tuple[StoredEntry, Matched]]:
    """Every entry with what the rules find in it, in the workers when there are any (a
    batch they could not match is matched here: the same function on the same rules)."""
    batches = _batches(entries, BATCH)
    if preparer is not None and preparer.enabled:
        results = preparer.match_all((rules.indicators, rules.fingerprint), batches, _texts)
    else:
        results = ((batch, None) for batch in batches)
    for batch, done in results:
        here = done or tuple(match_text(rules.matcher, text) for text in _texts(batch))
        yield from zip(batch, here, strict=True)


def _batches(entries: Iterable[StoredEntry], size: int) -> Iterator[list[StoredEntry]]:
    it = iter(entries)
    while batch := list(islice(it, size)):
        yield batch


def _texts(batch: Sequence[StoredEntry]) -> list[Text]:
    return [(str(e.id), e.title, e.summary) for e in batch]


def _facts(
    keys: set[EvidenceKey],
    stored: dict[int, StoredEntry],
    sketches: dict[int, Sketched],
    proposed: dict[tuple[int, int], list[Evidence]],
    indicator_id: int,
) -> list[EvidenceFact]:
    facts = []
    unpacked: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    for number, (entry_id, modality, sentence) in enumerate(sorted(keys)):
        entry = stored[entry_id]
        if entry_id not in unpacked:
            kept = sketches[entry_id]
            unpacked[entry_id] = (tuple(kept.sketch), tuple(kept.bands))
        sketch, bands = unpacked[entry_id]
        undone = any(
            ev.undone
            for ev in proposed.get((entry_id, indicator_id), ())
            if ev.sentence == sentence and ev.modality.value == modality
        )
        facts.append(
            EvidenceFact(
                id=-(number + 1),  # not stored yet: ids are placeholders
                modality=Modality(modality),
                publisher=entry.publisher,
                published_at=entry.published_at,
                sketch=sketch,
                sentence=sentence,
                undone=undone,
                bands=bands,
            )
        )
    return facts


def apply(
    db: Database, replay: ReplayPlan, rules: RuleSet, now: datetime, alerts: AlertSink
) -> list[ChangeInfo]:
    """Write the plan: evidence replaced where it differs, statuses decided again (their
    alerts queued, as corrections), in one transaction."""
    touched = {d.indicator_id for d in replay.touched}
    changes: list[ChangeInfo] = []
    with db.write() as session:
        held = evidence_repo.evidence_pairs(session)
        _post_units(session, replay)
        fresh: list[NewEvidence] = []  # nothing stored to replace: inserted in batches
        for diff in replay.touched:
            affected = {k[0] for k in diff.gained} | {k[0] for k in diff.lost}
            version = rules.versions[diff.indicator_id]
            for entry_id in sorted(affected):
                found = replay.proposed.get((entry_id, diff.indicator_id), [])
                entry = replay.stored.get(entry_id)
                if entry is not None and (entry_id, diff.indicator_id) not in held:
                    fresh.append((entry, diff.indicator_id, version, found))
                    if len(fresh) >= ADD_BATCH:
                        _add(session, fresh, replay.sketches, now)
                    continue
                _add(session, fresh, replay.sketches, now)  # first: ids in the same order
                if entry is None:  # lost everything: no new evidence for this entry
                    evidence_repo.delete_evidence(session, entry_id, diff.indicator_id, now)
                    continue
                evidence_repo.replace_evidence(
                    session, entry, diff.indicator_id, version, found, now
                )
        _add(session, fresh, replay.sketches, now)
        for indicator_id in sorted(touched):
            _remember_bands(replay, indicator_id)
            change = record_decision(session, indicator_id, now, Cause.REPLAY, alerts)
            if change is not None:
                changes.append(change)
    return changes


def _post_units(session: Session, replay: ReplayPlan) -> None:
    """Post each entry's unit with the bits of every indicator the plan gives it pieces
    for, before any evidence is added: added one indicator at a time, a unit's bits would
    grow with each, and its copies be found again each time (``storage.candidates``)."""
    indicators: dict[int, list[int]] = defaultdict(list)
    for (entry_id, indicator_id), found in replay.proposed.items():
        if found and entry_id in replay.sketches and entry_id in replay.stored:
            indicators[entry_id].append(indicator_id)
    entries = sorted(indicators)
    for start in range(0, len(entries), ADD_BATCH):
        part = entries[start : start + ADD_BATCH]
        pieces = [(replay.stored[e], i) for e in part for i in indicators[e]]
        _remember(replay, part)  # posting asks for their band keys: the workers' ones
        sketches = {e: tuple(replay.sketches[e].sketch) for e in part}
        post_units(session, entry_units(pieces, sketches))


def _add(
    session: Session, fresh: list[NewEvidence], sketches: dict[int, Sketched], now: datetime
) -> None:
    """Insert ``fresh`` (entries with no evidence stored for its indicator), then empty it."""
    if fresh:
        known = {entry.id: sketches[entry.id].sketch for entry, _, _, _ in fresh}
        evidence_repo.add_evidence(session, fresh, now, known)
        fresh.clear()


def _remember_bands(replay: ReplayPlan, indicator_id: int) -> None:
    """Before an indicator is placed: on PostgreSQL its units' copies are looked up again
    after its lock (``candidates.new_lock``), which asks for their band keys. The memory
    keeps 2,048 sketches and placing goes oldest first, so they are given newest first:
    the oldest, placed first, are the ones kept."""
    diff = next(d for d in replay.diffs if d.indicator_id == indicator_id)
    entries = {key[0] for key in diff.gained} & replay.sketches.keys()
    _remember(replay, sorted(entries, key=lambda e: replay.stored[e].published_at, reverse=True))


def _remember(replay: ReplayPlan, entry_ids: Iterable[int]) -> None:
    """Give the band keys the workers computed to ``similarity.bands``'s memory, in
    order (computing them again was ~15 % of applying)."""
    for entry_id in entry_ids:
        kept = replay.sketches[entry_id]
        remember_bands(tuple(kept.sketch), tuple(kept.bands))

"""Replay: re-run the current rules over stored entries, show the diff, then apply it.

``plan`` reads everything and writes nothing; ``apply`` writes exactly what the plan
holds (evidence replaced per entry and indicator, then the status decided again with cause
``replay`` by ``monitor.decisions``, its alerts queued as corrections), so the dry run is
a faithful preview.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from indicators.model import Evidence, Modality
from monitor.alerts.outbox import AlertSink
from monitor.decisions import record_decision
from monitor.model import Cause, ChangeInfo, StoredEntry, entry_sketch
from monitor.ruleset import RuleSet, entry_item
from monitor.status import EvidenceFact, decide
from monitor.storage import evidence as evidence_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database
from monitor.storage.entries import iter_entries
from monitor.storage.evidence import EvidenceKey


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

    @property
    def touched(self) -> list[IndicatorDiff]:
        return [d for d in self.diffs if d.gained or d.lost or d.changes_status]


def plan(db: Database, rules: RuleSet, now: datetime) -> ReplayPlan:
    proposed: dict[tuple[int, int], list[Evidence]] = {}
    by_indicator: dict[int, set[EvidenceKey]] = defaultdict(set)
    stored: dict[int, StoredEntry] = {}
    count = 0
    with db.read() as session:
        for entry in iter_entries(session):
            count += 1
            for ev in rules.matcher.match(entry_item(entry)):
                db_id = rules.db_ids[ev.indicator_id]
                proposed.setdefault((entry.id, db_id), []).append(ev)
                by_indicator[db_id].add((entry.id, ev.modality.value, ev.sentence))
                stored[entry.id] = entry
        current = evidence_repo.evidence_keys(session)
        diffs = []
        for ind in indicators_repo.active_indicators(session):
            new_keys = by_indicator.get(ind.db_id, set())
            old = current.get(ind.db_id, {})
            old_keys = set(old)
            dismissed = {k for k, was_dismissed in old.items() if was_dismissed}
            facts = _facts(new_keys - dismissed, stored, proposed, ind.db_id)
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
    return ReplayPlan(diffs, count, proposed, stored)


def _facts(
    keys: set[EvidenceKey],
    stored: dict[int, StoredEntry],
    proposed: dict[tuple[int, int], list[Evidence]],
    indicator_id: int,
) -> list[EvidenceFact]:
    facts = []
    sketches: dict[int, tuple[int, ...]] = {}
    for number, (entry_id, modality, sentence) in enumerate(sorted(keys)):
        entry = stored[entry_id]
        if entry_id not in sketches:
            sketches[entry_id] = entry_sketch(entry.title, entry.summary)
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
                sketch=sketches[entry_id],
                sentence=sentence,
                undone=undone,
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
        for diff in replay.touched:
            affected = {k[0] for k in diff.gained} | {k[0] for k in diff.lost}
            for entry_id in sorted(affected):
                found = replay.proposed.get((entry_id, diff.indicator_id), [])
                entry = replay.stored.get(entry_id)
                if entry is None:  # lost everything: no new evidence for this entry
                    evidence_repo.delete_evidence(session, entry_id, diff.indicator_id, now)
                    continue
                evidence_repo.replace_evidence(
                    session, entry, diff.indicator_id, rules.versions[diff.indicator_id], found, now
                )
        for indicator_id in sorted(touched):
            change = record_decision(session, indicator_id, now, Cause.REPLAY, alerts)
            if change is not None:
                changes.append(change)
    return changes

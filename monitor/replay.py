"""Replay: re-run the current rules over stored entries; ``plan`` is the dry run.

``plan`` reads everything and writes nothing: the diff per active indicator (evidence
gained and lost) and the status each would then have, decided in memory from the evidence
the rules find. ``monitor.replay_apply`` writes the same diff as the matches arrive and
records the decisions (``watchlist replay``); a test holds the two diffs equal, so the dry
run is a faithful preview.

Issue 15 (100,000 stored entries in under a minute): the entries are matched in the parse
workers (``monitor.prepare``), which also sketch the ones with evidence, so that matching
uses every core; without workers this thread matches them, with the same results.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from indicators.model import Evidence, Modality
from monitor.model import StoredEntry
from monitor.prepare import IN_FLIGHT, Matched, Preparer, Text, match_text
from monitor.ruleset import RuleSet
from monitor.status import Decision, EvidenceFact, decide
from monitor.storage import evidence as evidence_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database
from monitor.storage.entries import iter_entries
from monitor.storage.evidence import EvidenceKey
from monitor.storage.indicators import StoredIndicator

BATCH = 250  # stored entries per worker task: ~0.1 s of matching


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


def diff_of(
    ind: StoredIndicator,
    decision: Decision,
    gained: Iterable[EvidenceKey],
    lost: Iterable[EvidenceKey],
) -> IndicatorDiff:
    return IndicatorDiff(
        indicator_id=ind.db_id,
        ref=ind.ref,
        status=ind.status,
        new_status=decision.status.value,
        reason=decision.reason,
        gained=sorted(gained),
        lost=sorted(lost),
    )


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
        for entry, matched in match_entries(iter_entries(session), rules, preparer):
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
            diffs.append(diff_of(ind, decision, new_keys - old_keys, old_keys - new_keys))
    return ReplayPlan(diffs, count, proposed, stored, sketches)


def match_entries(
    entries: Iterable[StoredEntry],
    rules: RuleSet,
    preparer: Preparer | None,
    ahead: int = IN_FLIGHT,
) -> Iterator[tuple[StoredEntry, Matched]]:
    """Every entry with what the rules find in it, in the workers when there are any (a
    batch they could not match is matched here: the same function on the same rules),
    ``ahead`` batches queued per worker."""
    batches = _batches(entries, BATCH)
    if preparer is not None and preparer.enabled:
        rules_key = (rules.indicators, rules.fingerprint)
        results = preparer.match_all(rules_key, batches, _texts, ahead)
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

"""Replay applied (``watchlist replay``): the current rules re-run over every stored entry,
its evidence rewritten as the matches arrive, then every indicator decided again (cause
``replay``, alerts queued as corrections), in one transaction.

The dry run (``replay.plan``) reads everything and writes nothing. Applying does not
wait for a whole plan (issue 15: 100,000 entries in under a minute): the parse workers
match the entries batch after batch, and while they match the next ones this thread
writes what the last ones change, ``CHUNK`` entries at a time: their units posted, then
their pairs (entry, indicator) whose evidence differs, in entry order and then indicator
order (pairs with nothing stored inserted in one statement, the others replaced one at a
time, so the rows get the ids the one-at-a-time loop gives them). The diff it reports is
the one the dry run shows (a test holds them equal); the new statuses are the decisions
it records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from indicators.model import Evidence
from indicators.similarity import remember_bands
from monitor.alerts.outbox import AlertSink
from monitor.decisions import decide_and_record
from monitor.heap import few_collections
from monitor.model import Cause, ChangeInfo, StoredEntry
from monitor.prepare import Matched, Preparer
from monitor.replay import BATCH, IndicatorDiff, diff_of, match_entries
from monitor.ruleset import RuleSet
from monitor.storage import evidence as evidence_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.candidates import entry_units, post_units
from monitor.storage.clusters import assign_clusters
from monitor.storage.db import Database, Session
from monitor.storage.entries import iter_entries
from monitor.storage.evidence import EvidenceKey, NewEvidence

CHUNK = 2_000  # entries written together: their new evidence is one statement
# Batches queued per worker: two chunks' worth, so that the workers keep matching while
# this thread writes a chunk (with the dry run's two, they waited for it).
AHEAD = 2 * CHUNK // BATCH

Stored = dict[int, dict[int, dict[EvidenceKey, bool]]]  # entry → indicator → key → dismissed
# An entry's sketch and band keys, as the workers gave them: a chunk holds 2,000, so they
# stay tuples (the dry run, which holds every entry's, packs them: ``replay.Sketched``).
Sketch = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass
class Replayed:
    """What a replay changed: the diff per active indicator, as the dry run shows it."""

    diffs: list[IndicatorDiff]
    entries: int
    changes: list[ChangeInfo]

    @property
    def touched(self) -> list[IndicatorDiff]:
        return [d for d in self.diffs if d.gained or d.lost or d.changes_status]


@dataclass
class _Pair:
    """An entry and indicator whose evidence changes: ``entry`` None when the entry has no
    evidence left; ``held`` when some is stored (replaced, not inserted)."""

    entry_id: int
    indicator_id: int
    entry: StoredEntry | None
    found: list[Evidence]
    held: bool


def run(
    db: Database,
    rules: RuleSet,
    now: datetime,
    alerts: AlertSink,
    preparer: Preparer | None = None,
) -> Replayed:
    """Replay the stored entries under ``rules`` and write the result (one transaction).
    ``preparer``'s workers match the entries when it has any."""
    with few_collections(), db.write() as session:
        indicators = indicators_repo.active_indicators(session)
        active = {ind.db_id for ind in indicators}
        writer = _Writer(session, rules, now, _stored(session, active), active)
        count = 0
        for entry, found in match_entries(iter_entries(session), rules, preparer, AHEAD):
            count += 1
            writer.take(entry, found)
        writer.flush()
        diffs, changes = [], []
        for ind in indicators:
            decision, change = decide_and_record(session, ind.db_id, now, Cause.REPLAY, alerts)
            if change is not None:
                changes.append(change)
            gained, lost = writer.gained.get(ind.db_id, ()), writer.lost.get(ind.db_id, ())
            diffs.append(diff_of(ind, decision, gained, lost))
    return Replayed(diffs, count, changes)


def _stored(session: Session, active: set[int]) -> Stored:
    """The stored evidence keys of the active indicators, by entry."""
    out: Stored = {}
    for indicator_id, keys in evidence_repo.evidence_keys(session).items():
        if indicator_id in active:
            for key, dismissed in keys.items():
                out.setdefault(key[0], {}).setdefault(indicator_id, {})[key] = dismissed
    return out


@dataclass
class _Chunk:
    """Entries taken and not written yet."""

    pairs: list[_Pair] = field(default_factory=list)
    units: list[tuple[StoredEntry, int]] = field(default_factory=list)  # (entry, indicator)
    sketches: dict[int, Sketch] = field(default_factory=dict)  # entries with evidence
    entries: int = 0


class _Writer:
    """Takes matched entries in id order; writes their changes a chunk at a time."""

    def __init__(
        self, session: Session, rules: RuleSet, now: datetime, stored: Stored, active: set[int]
    ) -> None:
        self._session, self._rules, self._now, self._stored = session, rules, now, stored
        self._active = active
        self.gained: dict[int, list[EvidenceKey]] = defaultdict(list)
        self.lost: dict[int, list[EvidenceKey]] = defaultdict(list)
        self._chunk = _Chunk()
        self._locked = False

    def take(self, entry: StoredEntry, result: Matched) -> None:
        """One matched entry: the pairs whose evidence differs from what is stored."""
        found: dict[int, list[Evidence]] = {}
        for ev in result.evidence:
            found.setdefault(self._rules.db_ids[ev.indicator_id], []).append(ev)
        stored = self._stored.pop(entry.id, {})
        sketched = _sketched(result)  # None: no evidence in the entry
        chunk = self._chunk
        for indicator_id in sorted(found.keys() | stored.keys()):
            mine = found.get(indicator_id, [])
            new_keys = {(entry.id, ev.modality.value, ev.sentence) for ev in mine}
            old_keys = stored.get(indicator_id, {}).keys()
            gained, lost = new_keys - old_keys, old_keys - new_keys
            if not (gained or lost):
                continue
            self.gained[indicator_id].extend(gained)
            self.lost[indicator_id].extend(lost)
            held = indicator_id in stored
            chunk.pairs.append(
                _Pair(entry.id, indicator_id, None if sketched is None else entry, mine, held)
            )
        if sketched is not None:
            chunk.sketches[entry.id] = sketched
            chunk.units.extend((entry, indicator_id) for indicator_id in sorted(found))
        chunk.entries += 1
        if chunk.entries >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the chunk: its units posted with every indicator they have pieces for
        (added one indicator at a time, a unit's bits would grow with each and its copies
        be found again each time: ``storage.candidates``), then its pairs in order."""
        chunk, self._chunk = self._chunk, _Chunk()
        session, now = self._session, self._now
        if chunk.units:
            _remember(chunk.sketches)
            sketches = {e: sk for e, (sk, _) in chunk.sketches.items()}
            post_units(session, entry_units(chunk.units, sketches))
        fresh: list[NewEvidence] = []
        for pair in chunk.pairs:
            version = self._rules.versions[pair.indicator_id]
            if pair.entry is not None and not pair.held:
                fresh.append((pair.entry, pair.indicator_id, version, pair.found))
                continue
            _add(session, fresh, chunk.sketches, now)  # first: ids in the same order
            if pair.entry is None:  # no evidence left in the entry
                evidence_repo.delete_evidence(session, pair.entry_id, pair.indicator_id, now)
            else:
                evidence_repo.replace_evidence(
                    session, pair.entry, pair.indicator_id, version, pair.found, now
                )
        _add(session, fresh, chunk.sketches, now)
        self._place(sorted({pair.indicator_id for pair in chunk.pairs}))

    def _place(self, indicator_ids: list[int]) -> None:
        """Place the chunk's new pieces in their clusters now (as a poll does after each
        batch; the clusters are the same whatever the order: ``storage.clusters``), while
        the workers match the next entries: placing them all at the end was a fifth of a
        replay, with the workers idle. On PostgreSQL, the band keys the chunk's lookups
        ask for are still in memory. Every active indicator is locked at the first chunk,
        in id order (as every worker locks): locks taken chunk after chunk could cross
        another worker's."""
        if not indicator_ids:
            return
        if not self._locked:
            indicators_repo.lock_indicators(self._session, self._active)
            self._locked = True
        for indicator_id in indicator_ids:
            assign_clusters(self._session, indicator_id)


def _sketched(result: Matched) -> Sketch | None:
    """The entry's sketch and band keys; None for an entry without evidence."""
    if result.sketch is None or result.bands is None:
        return None
    return result.sketch, result.bands


def _add(
    session: Session, fresh: list[NewEvidence], sketches: dict[int, Sketch], now: datetime
) -> None:
    """Insert ``fresh`` (pairs with no evidence stored), then empty it."""
    if fresh:
        known = {entry.id: sketches[entry.id][0] for entry, _, _, _ in fresh}
        evidence_repo.add_evidence(session, fresh, now, known)
        fresh.clear()


def _remember(sketches: dict[int, Sketch]) -> None:
    """Give the band keys the workers computed to ``similarity.bands``'s memory (computing
    them again was ~15 % of applying)."""
    for sk, keys in sketches.values():
        remember_bands(sk, keys)

"""Integrity checks of a database after crashes or concurrent workers (test_crash, test_scaleout).

``problems(db)`` returns a list of human-readable findings (empty means sound):

* no entry stored twice for one feed (``feed_id, dedup_key``), no evidence twice for one
  entry and indicator (same sentence or same position);
* the status log is one chain per indicator: the first change starts at ``watching``, each
  change starts where the previous one ended, none goes nowhere (from == to), and the last
  one ends at the indicator's current status;
* the current status is what the status engine decides from the stored evidence;
* every stored entry carries exactly the evidence the current rules give it (nothing lost
  between an entry and its evidence);
* at most one alert per status change and channel.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indicators.model import Modality
from monitor.pipeline import Pipeline
from monitor.ruleset import entry_item
from monitor.status import decide, source_groups
from monitor.storage import evidence as evidence_repo
from monitor.storage.db import Database
from monitor.storage.entries import iter_entries
from monitor.storage.models import Alert, Entry, EvidenceRow, IndicatorRow, StatusChange


def problems(db: Database, pipeline: Pipeline, now: datetime) -> list[str]:
    found: list[str] = []
    with db.read() as session:
        dup_entries = session.execute(
            select(Entry.feed_id, Entry.dedup_key, func.count())
            .group_by(Entry.feed_id, Entry.dedup_key)
            .having(func.count() > 1)
        ).all()
        found += [f"entry stored {n} times: feed {f} {k}" for f, k, n in dup_entries]
        for columns in (
            (EvidenceRow.entry_id, EvidenceRow.indicator_id, EvidenceRow.sentence),
            (EvidenceRow.entry_id, EvidenceRow.indicator_id, EvidenceRow.position),
        ):
            dups = session.execute(
                select(*columns, func.count()).group_by(*columns).having(func.count() > 1)
            ).all()
            found += [f"evidence duplicated: {tuple(row)}" for row in dups]

        indicators = {row.id: row for row in session.scalars(select(IndicatorRow))}
        chains: dict[int, list[StatusChange]] = defaultdict(list)
        for change in session.scalars(select(StatusChange).order_by(StatusChange.id)):
            chains[change.indicator_id].append(change)
        for indicator_id, row in indicators.items():
            status = "watching"
            for change in chains.get(indicator_id, []):
                if change.from_status != status or change.from_status == change.to_status:
                    found.append(
                        f"indicator {row.key}: change {change.id} {change.from_status} → "
                        f"{change.to_status} after {status}"
                    )
                status = change.to_status
            if status != row.status:
                found.append(f"indicator {row.key}: log ends at {status}, row says {row.status}")
            facts = evidence_repo.evidence_facts(session, indicator_id)
            decided = decide(evidence_repo.settings_of(row), facts, now).status.value
            if decided != row.status:
                found.append(f"indicator {row.key}: status {row.status}, evidence says {decided}")

        stored: dict[int, Counter[tuple[int, str, str]]] = defaultdict(Counter)
        for ev in session.scalars(select(EvidenceRow)):
            stored[ev.entry_id][(ev.indicator_id, ev.modality, ev.sentence)] += 1
        rules = pipeline.rules()
        for entry in iter_entries(session):
            expected: Counter[tuple[int, str, str]] = Counter(
                (rules.db_ids[ev.indicator_id], ev.modality.value, ev.sentence[:4000])
                for ev in rules.matcher.match(entry_item(entry))
            )
            if expected != stored.get(entry.id, Counter()):
                found.append(f"entry {entry.id}: evidence {dict(stored.get(entry.id, {}))}")

        alerts = session.execute(
            select(Alert.status_change_id, Alert.channel, func.count())
            .group_by(Alert.status_change_id, Alert.channel)
            .having(func.count() > 1)
        ).all()
        found += [f"alert queued {n} times: change {c} on {ch}" for c, ch, n in alerts]
    return found


def status_changes(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count(StatusChange.id))) or 0)


def assert_clusters_are_the_full_computation(session: Session, indicator_id: int) -> None:
    """The clusters stored for an indicator's live evidence equal the full computation
    (``status.source_groups(..., by_publisher=False)``) on each side, the issue-15
    property: a cluster's id is its first member's."""
    live = evidence_repo.evidence_facts(session, indicator_id)
    stored = dict(
        session.execute(
            select(EvidenceRow.id, EvidenceRow.cluster_id).where(
                EvidenceRow.indicator_id == indicator_id, EvidenceRow.dismissed.is_(False)
            )
        ).all()
    )
    for side in (True, False):
        pieces = [f for f in live if (f.modality is Modality.OCCURRED) is side]
        for group in source_groups(pieces, by_publisher=False):
            cluster = min(f.id for f in group)
            assert {stored[f.id] for f in group} == {cluster}, (side, group, stored)

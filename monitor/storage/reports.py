"""Reports as rows: status, history and explain (the CLI renders them).

Read-only queries (so they live in storage) that return plain dicts of values; untrusted
text is made inert by the renderer, so every format (table, JSON, Markdown, CSV) gets the
same safe strings.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.errors import StorageError
from monitor.model import is_correction
from monitor.status import source_groups
from monitor.storage import evidence as evidence_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.models import (
    AnalystAction,
    ArchivedEvidence,
    Entry,
    EvidenceRow,
    IndicatorRow,
    StatusChange,
)


def status_rows(session: Session, watchlist: str | None = None) -> list[dict[str, Any]]:
    """Where each active indicator stands; an unknown ``watchlist`` is an error."""
    if watchlist is not None:
        known = indicators_repo.watchlist_ids(session)
        if watchlist not in known:
            raise StorageError(
                f"no watch list {watchlist!r} (loaded: {', '.join(known) or 'none'}; "
                "see `watchlist watchlists list`)"
            )
    rows: list[dict[str, Any]] = []
    for stored in indicators_repo.all_indicators(session, watchlist):
        if not stored.active:
            continue
        facts = evidence_repo.evidence_facts(session, stored.db_id)
        counts = Counter(f.modality.value for f in facts)
        occurred = [f for f in facts if f.modality.value == "occurred"]
        newest = max(facts, key=lambda f: f.published_at, default=None)
        rows.append(
            {
                "indicator": stored.ref,
                "title": stored.indicator.title,
                "status": stored.status,
                "since": stored.status_since,
                "pinned": stored.pinned_status is not None,
                "occurred": counts.get("occurred", 0),
                "anticipated": counts.get("anticipated", 0),
                "negated": counts.get("negated", 0),
                "undone": sum(1 for f in facts if f.undone),
                "sources": len(source_groups(occurred)),
                "corroboration": stored.indicator.corroboration,
                "newest": newest.published_at if newest else None,
                "newest_sentence": newest.sentence if newest else None,
                "expected_by": stored.indicator.expected_by,
            }
        )
    return rows


def history_rows(
    session: Session,
    *,
    watchlist: str | None = None,
    indicator: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    stmt = (
        select(StatusChange, IndicatorRow)
        .join(IndicatorRow, IndicatorRow.id == StatusChange.indicator_id)
        .order_by(StatusChange.at, StatusChange.id)
    )
    if watchlist:
        stmt = stmt.where(IndicatorRow.watchlist_id == watchlist)
    if indicator:
        stmt = stmt.where(
            IndicatorRow.id == indicators_repo.find_indicator(session, indicator).db_id
        )
    if since:
        stmt = stmt.where(StatusChange.at >= since)
    if until:
        stmt = stmt.where(StatusChange.at <= until)
    return [
        {
            "id": change.id,
            "at": change.at,
            "indicator": f"{ind.watchlist_id}/{ind.key}",
            "from": change.from_status,
            "to": change.to_status,
            "cause": change.cause,
            "correction": is_correction(change.cause),
            "reason": change.reason,
            "evidence": list(change.evidence_ids or []),
        }
        for change, ind in session.execute(stmt).all()
    ]


def evidence_rows(session: Session, indicator_id: int) -> list[dict[str, Any]]:
    stmt = (
        select(EvidenceRow, Entry)
        .join(Entry, Entry.id == EvidenceRow.entry_id)
        .where(EvidenceRow.indicator_id == indicator_id)
        .order_by(EvidenceRow.published_at, EvidenceRow.id)
    )
    return [
        {
            "id": ev.id,
            "published": ev.published_at,
            "modality": ev.modality,
            "source": ev.publisher,
            "sentence": ev.sentence,
            "terms": list(ev.terms or []),
            "title": entry.title,
            "link": entry.link,
            "undone": ev.undone,
            "dismissed": ev.dismissed,
            "dismiss_note": ev.dismiss_note,
            "rule_version": ev.indicator_version,
        }
        for ev, entry in session.execute(stmt).all()
    ]


def explain(session: Session, ref: str) -> dict[str, Any]:
    stored = indicators_repo.find_indicator(session, ref)
    ind = stored.indicator
    actions = session.scalars(
        select(AnalystAction)
        .where(AnalystAction.indicator_id == stored.db_id)
        .order_by(AnalystAction.at, AnalystAction.id)
    )
    return {
        "indicator": stored.ref,
        "title": ind.title,
        "description": ind.description,
        "query": ind.query,
        "version": ind.version,
        "status": stored.status,
        "since": stored.status_since,
        "pinned": stored.pinned_status,
        "pin_note": stored.pin_note,
        "corroboration": ind.corroboration,
        "expected_by": ind.expected_by,
        "evidence": evidence_rows(session, stored.db_id),
        "history": history_rows(session, indicator=stored.ref),
        "actions": [
            {
                "at": a.at,
                "action": a.action,
                "evidence": a.evidence_id,
                "status": a.status,
                "note": a.note,
            }
            for a in actions
        ],
    }


def archived_evidence_rows(session: Session, indicator_id: int) -> list[dict[str, Any]]:
    """Evidence that no longer counts (superseded, or its feed removed) but that the
    history may cite: ``storage.archive``."""
    return [
        {
            "id": row.id,
            "published": row.published_at,
            "modality": row.modality,
            "source": row.publisher,
            "sentence": row.sentence,
            "title": row.entry_title,
            "link": row.link,
            "why": row.why,
            "archived_at": row.archived_at,
        }
        for row in session.scalars(
            select(ArchivedEvidence)
            .where(ArchivedEvidence.indicator_id == indicator_id)
            .order_by(ArchivedEvidence.archived_at, ArchivedEvidence.id)
        )
    ]

"""Reports as rows: status, history and explain (the CLI and the web render them).

The rows are read by ``monitor.storage.reports``; ``explain`` adds what needs the rules:
why each piece of evidence got its modality.
"""

from __future__ import annotations

from typing import Any

from indicators.matcher import Matcher
from indicators.model import Indicator, Item
from monitor.storage import indicators as indicators_repo
from monitor.storage import reports as stored
from monitor.storage.db import Session

__all__ = ["evidence_rows", "explain", "history_rows", "status_rows", "with_reasons"]

evidence_rows = stored.evidence_rows
history_rows = stored.history_rows
status_rows = stored.status_rows


def explain(session: Session, ref: str) -> dict[str, Any]:
    """One indicator: its rule, evidence (with why each modality), actions and history."""
    doc = stored.explain(session, ref)
    found = indicators_repo.find_indicator(session, ref)
    doc["evidence"] = with_reasons(found.indicator, doc["evidence"])
    # evidence a rewritten entry or a removed feed superseded, which the history may cite
    doc["archived"] = stored.archived_evidence_rows(session, found.db_id)
    return doc


def with_reasons(indicator: Indicator, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each piece of evidence with why its modality was chosen (issue 12): the words naming
    the indicator's event in the sentence and the cue that decided, as the current rule
    reads the stored sentence (a replay brings stored modalities up to the same rule)."""
    matcher = Matcher([indicator])
    for row in rows:
        sentence = str(row["sentence"])
        headline = sentence == str(row.get("title") or "")
        found = matcher.match(Item("why", sentence, "") if headline else Item("why", "", sentence))
        why = found[0] if found else None
        row["trigger"] = why.trigger if why else ""
        row["cue"] = why.cue if why else ""
    return rows

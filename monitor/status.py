"""The status engine: an indicator's status as a pure function (DESIGN §6).

Inputs: the indicator's settings, its non-dismissed evidence, the analyst's pin, and
``now``. Output: a ``Decision`` (status, the reason in words, the evidence behind it).
No I/O and no clock: the pipeline persists what this decides.

Independent sources: occurred evidence is grouped so that evidence from one publisher,
and syndicated copies of one story (near-duplicate text within ``SYNDICATION_WINDOW``),
fall in one group; each group counts once toward ``corroboration``. Grouping is by
connected components, so the result does not depend on the order evidence arrived in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from indicators.model import Modality
from indicators.similarity import may_be_syndicated, syndicated

SYNDICATION_WINDOW = timedelta(days=3)


class Status(StrEnum):
    WATCHING = "watching"
    ANTICIPATED = "anticipated"
    OBSERVED = "observed"
    CONFIRMED = "confirmed"
    STALLED = "stalled"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class EvidenceFact:
    """What the engine needs to know of one piece of evidence."""

    id: int
    modality: Modality
    publisher: str | None
    published_at: datetime
    sketch: tuple[int, ...]
    sentence: str = ""


@dataclass(frozen=True)
class Settings:
    corroboration: int = 2
    expected_by: date | None = None
    pinned: Status | None = None
    pin_note: str = ""


@dataclass(frozen=True)
class Decision:
    status: Status
    reason: str
    evidence_ids: tuple[int, ...] = ()
    sources: int = 0  # independent sources of occurred evidence


def _order_key(ev: EvidenceFact) -> tuple[datetime, str, str, int]:
    # Content first, id last: ties are broken the same way whatever the arrival order.
    return (ev.published_at, ev.modality.value, ev.sentence, ev.id)


def source_groups(
    evidence: Sequence[EvidenceFact], *, by_publisher: bool = True
) -> list[list[EvidenceFact]]:
    """Group evidence into independent sources (union-find over publisher and syndication).

    With ``by_publisher=False`` the groups are the syndication clusters alone: copies of
    one story, whoever carried them.
    """
    items = sorted(evidence, key=_order_key)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    first_of: dict[str, int] = {}
    for i, ev in enumerate(items):
        if by_publisher and ev.publisher:
            if ev.publisher in first_of:
                union(i, first_of[ev.publisher])
            else:
                first_of[ev.publisher] = i
    sets = [frozenset(ev.sketch) for ev in items]  # once per call, not once per pair
    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            b = items[j]
            if b.published_at - a.published_at > SYNDICATION_WINDOW:
                break
            if (
                find(i) != find(j)  # already one source: nothing to learn
                and may_be_syndicated(sets[i], sets[j])
                and syndicated(a.sketch, b.sketch)
            ):
                union(i, j)
    groups: dict[int, list[EvidenceFact]] = {}
    for i, ev in enumerate(items):
        groups.setdefault(find(i), []).append(ev)
    return [groups[root] for root in sorted(groups)]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _quote(ev: EvidenceFact) -> str:
    text = ev.sentence if len(ev.sentence) <= 160 else ev.sentence[:157] + "…"
    return f"{ev.publisher or 'unknown source'}: “{text}”"


def deadline_passed(expected_by: date | None, now: datetime) -> bool:
    """True once the whole ``expected_by`` day (UTC) is over."""
    if expected_by is None:
        return False
    return now >= datetime.combine(expected_by + timedelta(days=1), time(), tzinfo=UTC)


def decide(settings: Settings, evidence: Sequence[EvidenceFact], now: datetime) -> Decision:
    """The status of one indicator, with the reason and the evidence behind it."""
    if settings.pinned is not None:
        note = f": {settings.pin_note}" if settings.pin_note else ""
        return Decision(settings.pinned, f"pinned by an analyst{note}")
    occurred = [ev for ev in evidence if ev.modality is Modality.OCCURRED]
    if occurred:
        groups = source_groups(occurred)
        firsts = [group[0] for group in groups]
        ids = tuple(ev.id for ev in firsts)
        if len(groups) >= settings.corroboration:
            deciding = sorted(firsts, key=_order_key)[settings.corroboration - 1]
            reason = f"{_ordinal(settings.corroboration)} independent source: {_quote(deciding)}"
            return Decision(Status.CONFIRMED, reason, ids, len(groups))
        first = min(occurred, key=_order_key)
        need = settings.corroboration - len(groups)
        reason = f"reported by {len(groups)} independent source(s), {need} more to confirm: "
        return Decision(Status.OBSERVED, reason + _quote(first), ids, len(groups))
    if deadline_passed(settings.expected_by, now):
        assert settings.expected_by is not None
        reason = f"deadline {settings.expected_by.isoformat()} passed without an observation"
        return Decision(Status.OVERDUE, reason, tuple(sorted(ev.id for ev in evidence)))
    if not evidence:
        return Decision(Status.WATCHING, "no evidence")
    newest = max(evidence, key=_order_key)
    if newest.modality is Modality.NEGATED:
        return Decision(Status.STALLED, f"fell through: {_quote(newest)}", (newest.id,))
    return Decision(Status.ANTICIPATED, f"expected: {_quote(newest)}", (newest.id,))

"""The status engine: an indicator's status as a pure function (docs/design-notes.md, "Status").

Inputs: the indicator's settings, the facts ``decide`` needs of its non-dismissed evidence
(``DecisionFacts``: the first report of each independent source, the newest evidence, the
newest occurred evidence, and the ids only when an overdue decision names them), the
analyst's pin, and ``now``. Output: a ``Decision`` (status, the reason in words, the
evidence behind it). No I/O and no clock: the pipeline persists what this decides.

The facts are aggregates so that a decision costs the same at any history: storage keeps
them per indicator (``monitor/storage/clusters.py``) and ``summarize`` computes the same
facts from every row, as the reference and for evidence that is not stored (replay plans).

Independent sources: occurred evidence is grouped so that evidence from one publisher,
and syndicated copies of one story (near-duplicate text within ``SYNDICATION_WINDOW``),
fall in one group; each group counts once toward ``corroboration``. Grouping is by
connected components, so the result does not depend on the order evidence arrived in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from indicators.model import Modality
from indicators.similarity import (
    Signature,
    bands,
    may_be_syndicated,
    may_share_enough,
    share_band,
    signature,
    syndicated,
)

SYNDICATION_WINDOW = timedelta(days=3)


class Status(StrEnum):
    WATCHING = "watching"
    ANTICIPATED = "anticipated"
    OBSERVED = "observed"
    CONFIRMED = "confirmed"
    REVERSED = "reversed"
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
    undone: bool = False  # the sentence reports the event undone (cancelled, revoked …)
    # The band keys of ``sketch`` when a worker computed them (replay), else None and
    # ``similarity.bands`` computes them: derived from the sketch, so not part of the fact.
    bands: tuple[int, ...] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class DecisionFacts:
    """What ``decide`` reads of an indicator's live evidence: aggregates, not every row."""

    # The first occurred evidence of each independent source, oldest first (``order_key``).
    sources: tuple[EvidenceFact, ...] = ()
    newest: EvidenceFact | None = None  # the newest evidence of any modality
    last_occurred: EvidenceFact | None = None  # the newest occurred evidence not undone
    # Every live evidence id, ascending: only an overdue decision names them all, so
    # storage reads them only when nothing occurred and the deadline has passed.
    evidence_ids: tuple[int, ...] = ()


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


def order_key(ev: EvidenceFact) -> tuple[datetime, str, str, int]:
    # Content first, id last: ties are broken the same way whatever the arrival order.
    return (ev.published_at, ev.modality.value, ev.sentence, ev.id)


def source_groups(
    evidence: Sequence[EvidenceFact], *, by_publisher: bool = True
) -> list[list[EvidenceFact]]:
    """Group evidence into independent sources (union-find over publisher and syndication).

    With ``by_publisher=False`` the groups are the syndication clusters alone: copies of
    one story, whoever carried them. Two pieces are copies when they are close in time,
    share a band of their sketches (``similarity.bands``) and are ``syndicated``. This is
    the reference computation, which the stored, incremental clusters must equal: every
    pair inside the window that shares a band is compared. The pairs are found through
    an index of the bands, not by comparing every pair in the window (issue 15: a busy
    indicator of the realistic corpus has thousands of pieces in a window, and one pair
    in a dozen shares a band); a pair that shares no band is never a copy, so the groups
    are the same.
    """
    items = sorted(evidence, key=order_key)
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
    for i, j in _copies(items, find):
        union(i, j)
    groups: dict[int, list[EvidenceFact]] = {}
    for i, ev in enumerate(items):
        groups.setdefault(find(i), []).append(ev)
    return [groups[root] for root in sorted(groups)]


def _copies(items: Sequence[EvidenceFact], find: Callable[[int], int]) -> Iterator[tuple[int, int]]:
    """The pairs (i, j) of ``items`` (in ``order_key`` order) that are copies of one story
    and not yet in one group: a consumer that joins them changes what ``find`` says."""
    # Once per sketch, not once per pair: the signature rejects most pairs, the set of
    # hashes is built for the few it passes.
    signed: dict[tuple[int, ...], Signature] = {}
    sets: dict[tuple[int, ...], frozenset[int]] = {}
    index: dict[int, list[int]] = {}  # band key → earlier pieces with it, oldest first
    # Pieces with one sketch and one time (an entry's sentences) are copies of each other
    # and meet the same pieces: the first stands for the others in the index.
    first: dict[tuple[tuple[int, ...], datetime], int] = {}
    for j, b in enumerate(items):
        keys = b.bands if b.bands is not None else bands(b.sketch)
        if keys:  # a sketch with bands is not empty: the pair would be a copy
            i = first.setdefault((b.sketch, b.published_at), j)
            if i != j:
                if find(i) != find(j):
                    yield i, j
                continue
        b_signed = signed.get(b.sketch)
        if b_signed is None:
            b_signed = signed[b.sketch] = signature(b.sketch)
        seen: set[int] = set()
        for h in keys:
            bucket = index.setdefault(h, [])
            for i in reversed(bucket):  # newest first: stop at the window's edge
                a = items[i]
                if b.published_at - a.published_at > SYNDICATION_WINDOW:
                    break
                if i in seen:
                    continue
                seen.add(i)
                if (
                    find(i) != find(j)  # already one source: nothing to learn
                    and may_share_enough(signed[a.sketch], b_signed)
                    and may_be_syndicated(_hashes(sets, a.sketch), b.sketch)
                    and syndicated(a.sketch, b.sketch)
                ):
                    yield i, j
            bucket.append(j)


def _hashes(sets: dict[tuple[int, ...], frozenset[int]], sk: tuple[int, ...]) -> frozenset[int]:
    found = sets.get(sk)
    if found is None:
        found = sets[sk] = frozenset(sk)
    return found


def summarize(evidence: Sequence[EvidenceFact]) -> DecisionFacts:
    """The facts ``decide`` needs, computed from every piece of live evidence."""
    occurred = [ev for ev in evidence if ev.modality is Modality.OCCURRED]
    return DecisionFacts(
        sources=tuple(group[0] for group in source_groups(occurred)),
        newest=max(evidence, key=order_key, default=None),
        last_occurred=max((ev for ev in occurred if not ev.undone), key=order_key, default=None),
        evidence_ids=tuple(sorted(ev.id for ev in evidence)),
    )


def independent(a: EvidenceFact, b: EvidenceFact) -> bool:
    """Two pieces from different publishers that are not copies of one story."""
    if a.publisher and a.publisher == b.publisher:
        return False
    close = abs(a.published_at - b.published_at) <= SYNDICATION_WINDOW
    copy = share_band(bands(a.sketch), bands(b.sketch)) and syndicated(a.sketch, b.sketch)
    return not (close and copy)


def _reversed(facts: DecisionFacts) -> bool:
    """The newest evidence undoes the event, after its last report, from another source."""
    newest, last = facts.newest, facts.last_occurred
    return (
        newest is not None
        and newest.undone
        and last is not None
        and newest.published_at > last.published_at
        and independent(newest, last)
    )


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


def decide(
    settings: Settings, evidence: DecisionFacts | Sequence[EvidenceFact], now: datetime
) -> Decision:
    """The status of one indicator, with the reason and the evidence behind it.

    ``evidence`` is the facts storage keeps (``DecisionFacts``), or every piece of live
    evidence, summarised here the same way.
    """
    if settings.pinned is not None:
        note = f": {settings.pin_note}" if settings.pin_note else ""
        return Decision(settings.pinned, f"pinned by an analyst{note}")
    facts = evidence if isinstance(evidence, DecisionFacts) else summarize(evidence)
    sources = facts.sources
    if sources:
        count = len(sources)
        if _reversed(facts):
            assert facts.newest is not None
            return Decision(
                Status.REVERSED, f"reversed: {_quote(facts.newest)}", (facts.newest.id,), count
            )
        ids = tuple(ev.id for ev in sources)
        if count >= settings.corroboration:
            deciding = sources[settings.corroboration - 1]
            reason = f"{_ordinal(settings.corroboration)} independent source: {_quote(deciding)}"
            # The evidence the reason quotes first: an alert links it (issue 14).
            ids = (deciding.id, *(i for i in ids if i != deciding.id))
            return Decision(Status.CONFIRMED, reason, ids, count)
        need = settings.corroboration - count
        reason = f"reported by {count} independent source(s), {need} more to confirm: "
        return Decision(Status.OBSERVED, reason + _quote(sources[0]), ids, count)
    if deadline_passed(settings.expected_by, now):
        assert settings.expected_by is not None
        reason = f"deadline {settings.expected_by.isoformat()} passed without an observation"
        return Decision(Status.OVERDUE, reason, facts.evidence_ids)
    newest = facts.newest
    if newest is None:
        return Decision(Status.WATCHING, "no evidence")
    if newest.modality is Modality.NEGATED:
        return Decision(Status.STALLED, f"fell through: {_quote(newest)}", (newest.id,))
    return Decision(Status.ANTICIPATED, f"expected: {_quote(newest)}", (newest.id,))

"""The status engine (DESIGN §6) as a pure function: table cases and properties."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.model import Modality
from indicators.similarity import sketch
from monitor.status import EvidenceFact, Settings, Status, decide, source_groups, summarize

NOW = datetime(2025, 12, 10, tzinfo=UTC)
OCC, A, N = Modality.OCCURRED, Modality.ANTICIPATED, Modality.NEGATED
STORY = "India and Russia signed an agreement on labour mobility on Thursday, officials said."


def fact(
    i: int, modality: Modality, publisher: str, day: int, text: str | None = None
) -> EvidenceFact:
    text = (
        text or f"Story number {i} from {publisher} about a subject with its own wording {i * 7919}"
    )
    return EvidenceFact(
        i, modality, publisher, datetime(2025, 12, day, tzinfo=UTC), sketch(text), text
    )


CASES = [
    ("no evidence", [], Settings(), Status.WATCHING),
    ("only anticipated", [fact(1, A, "a", 1), fact(2, A, "b", 2)], Settings(), Status.ANTICIPATED),
    (
        "newest negated, nothing occurred",
        [fact(1, A, "a", 1), fact(2, N, "b", 2)],
        Settings(),
        Status.STALLED,
    ),
    (
        "negated then anticipated again",
        [fact(1, N, "a", 1), fact(2, A, "b", 2)],
        Settings(),
        Status.ANTICIPATED,
    ),
    ("one occurred source", [fact(1, OCC, "a", 3)], Settings(), Status.OBSERVED),
    (
        "two items of one publisher",
        [fact(1, OCC, "a", 3), fact(2, OCC, "a", 4)],
        Settings(),
        Status.OBSERVED,
    ),
    (
        "two independent sources",
        [fact(1, OCC, "a", 3), fact(2, OCC, "b", 4)],
        Settings(),
        Status.CONFIRMED,
    ),
    (
        "syndicated copies count once",
        [fact(1, OCC, "a", 3, STORY), fact(2, OCC, "b", 3, STORY + " (Wire)")],
        Settings(),
        Status.OBSERVED,
    ),
    (
        "corroboration 3 needs three",
        [fact(1, OCC, "a", 3), fact(2, OCC, "b", 4)],
        Settings(corroboration=3),
        Status.OBSERVED,
    ),
    ("corroboration 1", [fact(1, OCC, "a", 3)], Settings(corroboration=1), Status.CONFIRMED),
    (
        "occurred beats a later negation",
        [fact(1, OCC, "a", 3), fact(2, N, "b", 5)],
        Settings(),
        Status.OBSERVED,
    ),
    (
        "deadline passed, nothing occurred",
        [fact(1, A, "a", 1)],
        Settings(expected_by=date(2025, 12, 5)),
        Status.OVERDUE,
    ),
    ("deadline passed, no evidence", [], Settings(expected_by=date(2025, 12, 9)), Status.OVERDUE),
    ("deadline is the whole day", [], Settings(expected_by=date(2025, 12, 10)), Status.WATCHING),
    (
        "deadline passed but observed",
        [fact(1, OCC, "a", 3)],
        Settings(expected_by=date(2025, 12, 5)),
        Status.OBSERVED,
    ),
    (
        "deadline passed, stalled → overdue",
        [fact(1, N, "a", 3)],
        Settings(expected_by=date(2025, 12, 5)),
        Status.OVERDUE,
    ),
    (
        "pinned holds",
        [fact(1, OCC, "a", 3), fact(2, OCC, "b", 4)],
        Settings(pinned=Status.STALLED, pin_note="x"),
        Status.STALLED,
    ),
]


@pytest.mark.parametrize(("name", "evidence", "cfg", "expected"), CASES, ids=[c[0] for c in CASES])
def test_status_table(
    name: str, evidence: list[EvidenceFact], cfg: Settings, expected: Status
) -> None:
    assert decide(cfg, evidence, NOW).status is expected


def test_reasons_name_the_source_and_sentence() -> None:
    confirmed = decide(
        Settings(), [fact(1, OCC, "a.example", 3), fact(2, OCC, "b.example", 4)], NOW
    )
    assert confirmed.reason.startswith("2nd independent source: b.example: “Story number 2")
    assert confirmed.sources == 2
    assert set(confirmed.evidence_ids) == {1, 2}
    pinned = decide(Settings(pinned=Status.CONFIRMED, pin_note="seen it myself"), [], NOW)
    assert pinned.reason == "pinned by an analyst: seen it myself"


def test_syndication_only_within_the_window() -> None:
    early = fact(1, OCC, "a", 1, STORY)
    late = EvidenceFact(2, OCC, "b", early.published_at + timedelta(days=9), sketch(STORY), STORY)
    assert len(source_groups([early, late])) == 2
    close = EvidenceFact(3, OCC, "c", early.published_at + timedelta(hours=5), sketch(STORY), STORY)
    assert len(source_groups([early, close])) == 1


modalities = st.sampled_from([OCC, A, N])
facts = st.lists(
    st.builds(
        lambda i, m, p, d, t: fact(i, m, p, d, [STORY, None][t]),
        st.integers(1, 10_000),
        modalities,
        st.sampled_from(["a.example", "b.example", "c.example", "d.example"]),
        st.integers(1, 28),
        st.integers(0, 1),
    ),
    max_size=12,
    unique_by=lambda f: f.id,
)
configs = st.builds(
    Settings,
    corroboration=st.integers(1, 4),
    expected_by=st.one_of(st.none(), st.dates(date(2025, 11, 1), date(2026, 1, 31))),
)


@settings(max_examples=300, deadline=None)
@given(facts, configs, st.randoms())
def test_result_does_not_depend_on_arrival_order(
    evidence: list[EvidenceFact], cfg: Settings, rnd: object
) -> None:
    shuffled = list(evidence)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert decide(cfg, evidence, NOW) == decide(cfg, shuffled, NOW)


@settings(max_examples=200, deadline=None)
@given(facts, configs)
def test_rerunning_changes_nothing(evidence: list[EvidenceFact], cfg: Settings) -> None:
    first = decide(cfg, evidence, NOW)
    assert decide(cfg, evidence, NOW) == first
    assert decide(cfg, tuple(evidence), NOW) == first


@settings(max_examples=200, deadline=None)
@given(facts, configs)
def test_occurred_evidence_is_never_watching_anticipated_or_overdue(
    evidence: list[EvidenceFact], cfg: Settings
) -> None:
    status = decide(cfg, evidence, NOW).status
    if any(f.modality is OCC for f in evidence):
        assert status in (Status.OBSERVED, Status.CONFIRMED)
    elif not evidence and not (cfg.expected_by and cfg.expected_by < NOW.date()):
        assert status is Status.WATCHING


def _undone(i: int, publisher: str, day: int, text: str | None = None) -> EvidenceFact:
    return dataclasses.replace(fact(i, OCC, publisher, day, text), undone=True)


REVERSALS = [
    ("a later undoing by another source", [fact(1, OCC, "a", 3), _undone(2, "b", 5)], True),
    ("undone by the same publisher", [fact(1, OCC, "a", 3), _undone(2, "a", 5)], False),
    ("undone before the last report", [_undone(1, "b", 3), fact(2, OCC, "a", 5)], False),
    ("undone at the same time", [fact(1, OCC, "a", 5), _undone(2, "b", 5)], False),
    (
        "undone, but a copy of the report",
        [fact(1, OCC, "a", 3, STORY), _undone(2, "b", 3, STORY + " (Wire)")],
        False,
    ),
    ("an undoing with nothing occurred", [fact(1, A, "a", 3), _undone(2, "b", 5)], False),
    (
        "undone, then reported again",
        [fact(1, OCC, "a", 3), _undone(2, "b", 5), fact(3, OCC, "c", 7)],
        False,
    ),
    (
        "an undoing not the newest",
        [fact(1, OCC, "a", 3), _undone(2, "b", 5), fact(3, A, "c", 7)],
        False,
    ),
]


@pytest.mark.parametrize(("name", "evidence", "reverses"), REVERSALS, ids=[c[0] for c in REVERSALS])
def test_reversed_when_the_newest_evidence_undoes_the_event(
    name: str, evidence: list[EvidenceFact], reverses: bool
) -> None:
    decision = decide(Settings(), evidence, NOW)
    assert (decision.status is Status.REVERSED) is reverses
    if reverses:
        assert decision.reason.startswith("reversed: b: “Story number 2")
        assert decision.evidence_ids == (2,)


def test_a_pin_holds_over_a_reversal() -> None:
    evidence = [fact(1, OCC, "a", 3), _undone(2, "b", 5)]
    assert decide(Settings(pinned=Status.CONFIRMED), evidence, NOW).status is Status.CONFIRMED


def test_summarized_facts_decide_as_the_evidence_does() -> None:
    evidence = [fact(1, OCC, "a", 3), fact(2, OCC, "b", 4), fact(3, N, "c", 5)]
    facts = summarize(evidence)
    assert [f.id for f in facts.sources] == [1, 2]
    assert facts.newest is not None
    assert facts.newest.id == 3
    assert decide(Settings(), facts, NOW) == decide(Settings(), evidence, NOW)

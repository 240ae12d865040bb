"""The event-modality table (issue 12): a sentence, the indicator it is judged for, the
modality it reports.

``data/event_modality.yaml`` was written blind (by someone who did not see the engine) for
the seven patterns of issue 12 (the watched event is itself an ending; commitments in a
deal; the scope of a future marker; quantities as events; negation from another clause;
schedules; outcome texts) and ordinary cases, on topics other than the seed case. Each case
goes through the real matcher with its indicator's title and keyword query, as a plain
watch list would. Rows the engine gets the other way are listed in ``KNOWN`` with the
reason; they are strict xfails, so a fix shows up as a failure to remove from the list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from indicators.matcher import Matcher
from indicators.model import Indicator, Item

TABLE = Path(__file__).parent / "data" / "event_modality.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))

# (expected, text) -> why the engine reads it the other way (no parser: these need more than cues)
KNOWN = {
    (
        "negated",
        "OPEC+ ended its pause and resumed output increases in April.",
    ): "'ended its pause' names an ending of the watched pause as the same class; the "
    "resumption in the second clause loses to the first clause",
    (
        "anticipated",
        "The treaty provides that sovereignty over the Chagos Islands will pass to Mauritius once it is ratified.",
    ): "a treaty's provision is read as what the treaty says (pattern 7), not as a future handover",
    (
        "anticipated",
        "Member states adopted the pandemic agreement and will negotiate the pathogen-sharing annex over the coming year.",
    ): "the annex is the object of 'negotiate', but the indicator's 'agreement' matches the adopted one",
    (
        "anticipated",
        "Regulator fines Meta, orders data transfers to US halted within six months",
    ): "an order to halt within a period is a future halt; 'orders ... halted' reads as done",
    (
        "negated",
        "Central banks were net sellers of gold in October for the first time in three years.",
    ): "selling as the opposite of buying needs a lexicon of counter-events",
    (
        "occurred",
        "Central banks added 290 tonnes of gold in the first quarter, close to a record pace.",
    ): "'added' as buying is not in the lexicon; 'close to' reads as a near-miss",
    (
        "negated",
        "Euro zone inflation rose to 2.6% in July, reversing months of decline.",
    ): "the rise is in another clause than the watched 'decline'",
    (
        "occurred",
        "Tapestry abandoned its planned purchase of Capri after a judge granted the FTC's request for an injunction.",
    ): "'request for an injunction' reads as a request, not the injunction granted",
    (
        "occurred",
        "Regulator fines Meta, orders data transfers to US halted within six months",
    ): "the halt ordered in the second clause is read as the headline's event",
    (
        "occurred",
        "Haiti's elections were pushed back again after gangs seized control of two more districts.",
    ): "'expansion' is not named in the sentence; the query's terms sit in the main clause",
    (
        "occurred",
        "The TAP sale was frozen after the government lost a confidence vote.",
    ): "'collapse' is not named; losing a vote as a collapse needs world knowledge",
    (
        "negated",
        "Fighting resumed along the border as Thailand and Cambodia accused each other of breaking the ceasefire.",
    ): "'resumed fighting' undoes a ceasefire only with world knowledge",
    (
        "negated",
        "The French government collapsed before its budget could be adopted.",
    ): "'before … could be' (an event prevented) reads as a condition, anticipated",
}


def _param(case: dict[str, Any]) -> Any:
    reason = KNOWN.get((case["expect"], case["text"]))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(case, marks=marks, id=f"p{case['pattern']}-{case['text'][:50]}")


def test_table_covers_every_pattern() -> None:
    patterns = {case["pattern"] for case in CASES}
    assert patterns >= {1, 2, 3, 4, 5, 6, 7}
    assert len(CASES) >= 150
    assert set(KNOWN) <= {(c["expect"], c["text"]) for c in CASES}  # no stale entries


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_event_modality(case: dict[str, Any]) -> None:
    indicator = Indicator(id="x", title=case["title"], query=case["query"])
    text = case["text"]
    item = Item("1", text, "") if case["headline"] else Item("1", "Update", text)
    found = Matcher([indicator]).match(item)
    assert found, f"the query {case['query']!r} does not match"
    assert found[0].modality.value == case["expect"], (found[0].trigger, found[0].cue)

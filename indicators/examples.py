"""``examples:`` of an indicator, and running them (``watchlist watchlists test``, issue 13).

Like ``promtool test rules`` for alerting rules: an indicator lists short texts with the
modality it must give them, or ``none`` where it must not match at all::

    examples:
      - text: "EU and Mercosur leaders sign the trade pact in Asunción."
        expect: occurred
      - text: "EU and Mercosur leaders are due to sign the pact next week."
        expect: anticipated
      - text: "EU and Mexico sign a trade pact."
        expect: none

A ``text`` is read as a news item's body (its sentences matched as ``watchlist match`` reads
them), a ``headline`` as a headline, whose grammar differs ("EU signs pact" reports a
signing; "EU and Mercosur sign the pact." in a body may be a plan); the item's modality for
the indicator is the first evidence listed, as in ``make quality``. Each failure says why:
the matched terms and the sentence, or the clauses of the query the text did not satisfy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from indicators.model import Example, Indicator, Item, Modality
from indicators.trial import explain_miss

NONE = "none"


def parse_examples(node: Node, problem: Callable[[Node, str], None]) -> tuple[Example, ...]:
    """The ``examples:`` list of one indicator; each problem is reported at its node."""
    if not isinstance(node, SequenceNode):
        problem(node, "examples must be a list of {text, expect}")
        return ()
    out: list[Example] = []
    allowed = ", ".join([*(m.value for m in Modality), NONE])
    for entry in node.value:
        fields = {str(k.value): v for k, v in entry.value} if isinstance(entry, MappingNode) else {}
        text, expect = fields.get("text") or fields.get("headline"), fields.get("expect")
        if not isinstance(text, ScalarNode) or not isinstance(expect, ScalarNode):
            problem(
                entry, "an example needs 'text' (or 'headline') and 'expect' (a modality or none)"
            )
            continue
        unknown = sorted(set(fields) - {"text", "headline", "expect"})
        if unknown or {"text", "headline"} <= set(fields):
            name = unknown[0] if unknown else "headline"
            problem(
                entry, f"unknown key '{name}' in an example (known keys: expect, headline, text)"
            )
        value = str(expect.value).strip().lower()
        if value != NONE and value not in {m.value for m in Modality}:
            problem(expect, f"expect '{expect.value}' is not one of {allowed}")
            continue
        if not str(text.value).strip():
            problem(text, "an example's text is empty")
            continue
        modality = None if value == NONE else Modality(value)
        headline = "headline" in fields
        out.append(Example(str(text.value).strip(), modality, entry.start_mark.line + 1, headline))
    return tuple(out)


@dataclass(frozen=True)
class Outcome:
    indicator: Indicator
    example: Example
    actual: Modality | None
    sentence: str  # the sentence that decided (the text itself when nothing matched)
    why: str

    @property
    def ok(self) -> bool:
        return self.actual == self.example.expect


def run_examples(indicator: Indicator) -> list[Outcome]:
    """Every example of ``indicator``, matched as ``watchlist match`` would."""
    from indicators.matcher import Matcher

    matcher = Matcher([indicator])
    out: list[Outcome] = []
    for number, example in enumerate(indicator.examples, 1):
        text = example.text
        item = Item(
            id=f"{indicator.id}#{number}",
            title=text if example.headline else "",
            summary="" if example.headline else text,
        )
        evidence = matcher.match(item)
        if not evidence:
            why = explain_miss(indicator, item)
            out.append(Outcome(indicator, example, None, example.text, why))
            continue
        first = evidence[0]
        why = f"matched {', '.join(first.terms)}"
        cue = str(getattr(first, "cue", "") or getattr(first, "trigger", ""))
        if cue:
            why += f"; modality from '{cue}'"
        out.append(Outcome(indicator, example, first.modality, first.sentence, why))
    return out


def expectation(modality: Modality | None) -> str:
    return modality.value if modality is not None else NONE

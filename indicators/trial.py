"""Try a watch list on news before trusting it (``watchlist try``, issue 13).

For each indicator: the **hits** (item, modality, sentence), the **near misses** (items
where some sentence satisfies all but one clause of the query, so the analyst sees what
to add or exclude) and, where the items carry ``labels`` (indicator id → modality, as in
``tests/quality/dataset.jsonl``), precision, recall and F1 of detection and of
``occurred``, with the definitions of ``make quality``: an item's modality for an
indicator is the first evidence listed.

The clauses of a query are its top-level AND parts; a drafted query's
``((event object) OR compound)`` part counts as its first alternative's parts, so a near
miss says "had the event, lacked the object" rather than "lacked everything".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from indicators.model import Indicator, Item, Modality
from indicators.query import parse_query
from indicators.query.ast import And, Field, Node, Or, format_query
from indicators.query.compiler import CompiledQuery, compile_query
from indicators.query.units import ItemScope, Unit
from indicators.text import html_to_text, tokenize

CLAUSE_TEXT = 70  # characters of a clause shown in a message


def clauses(node: Node) -> tuple[Node, ...]:
    """The parts a near miss is counted in (module docstring)."""
    parts = node.children if isinstance(node, And) else (node,)
    sentence = [p for p in parts if not isinstance(p, Field)]
    if len(sentence) == 1 and isinstance(sentence[0], Or):
        first = sentence[0].children[0]
        if isinstance(first, And):
            return (*(p for p in parts if isinstance(p, Field)), *first.children)
    return parts


def clause_text(node: Node) -> str:
    text = format_query(node)
    return text if len(text) <= CLAUSE_TEXT else text[: CLAUSE_TEXT - 1] + "…"


@dataclass(frozen=True)
class Miss:
    """The sentence that came closest, and the clauses it lacks."""

    sentence: str
    missing: tuple[str, ...]


def closest(
    indicator: Indicator, item: Item, parts: Sequence[CompiledQuery] | None = None
) -> Miss | None:
    """The sentence of ``item`` satisfying most clauses of the indicator's query."""
    from indicators.matcher import Matcher

    if parts is None:
        parts = [compile_query(c) for c in clauses(parse_query(indicator.query))]
    units = Matcher([]).units(item)
    if not units:
        return None
    title = tokenize(html_to_text(item.title))
    scope = ItemScope(title, [t for u in units for t in u.tokens])
    best: tuple[int, Miss] | None = None
    for unit in units:
        ready = Unit(unit.tokens, item=scope)
        missing = tuple(clause_text(p.node) for p in parts if not p.test_unit(ready))
        if best is None or len(missing) < best[0]:
            best = (len(missing), Miss(unit.text, missing))
    return best[1] if best else None


def explain_miss(indicator: Indicator, item: Item) -> str:
    miss = closest(indicator, item)
    if miss is None or not miss.missing:
        return "no sentence matched"
    return "no sentence matched; the closest lacks " + " and ".join(f"'{m}'" for m in miss.missing)


@dataclass
class Report:
    """What ``try_watchlist`` found for one indicator."""

    indicator: Indicator
    hits: list[tuple[str, Modality, str]] = field(default_factory=list)  # item, modality, sentence
    near: list[tuple[str, Miss]] = field(default_factory=list)  # item, closest sentence
    counts: dict[str, int] = field(default_factory=dict)  # det_tp, det_fp … when labelled
    labelled: bool = False

    def prf(self, kind: str = "det") -> tuple[float, float, float]:
        tp, fp, fn = (self.counts.get(f"{kind}_{k}", 0) for k in ("tp", "fp", "fn"))
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def try_watchlist(
    indicators: Sequence[Indicator],
    items: Iterable[tuple[Item, dict[str, str] | None]],
) -> list[Report]:
    """Hits, near misses and (for labelled items) counts, per indicator."""
    from indicators.matcher import Matcher

    matcher = Matcher(indicators)
    reports = {ind.id: Report(ind) for ind in indicators}
    parts = {
        ind.id: [compile_query(c) for c in clauses(parse_query(ind.query))] for ind in indicators
    }
    for item, labels in items:
        first: dict[str, tuple[Modality, str]] = {}
        for ev in matcher.match(item):
            first.setdefault(ev.indicator_id, (ev.modality, ev.sentence))
        for ind in indicators:
            report = reports[ind.id]
            got = first.get(ind.id)
            if got is not None:
                report.hits.append((item.id, got[0], got[1]))
            elif len(parts[ind.id]) > 1:
                miss = closest(ind, item, parts[ind.id])
                if miss is not None and len(miss.missing) == 1:
                    report.near.append((item.id, miss))
            if labels is not None:
                report.labelled = True
                _count(report.counts, labels.get(ind.id), got[0].value if got else None)
    return list(reports.values())


def _count(counts: dict[str, int], gold: str | None, predicted: str | None) -> None:
    def add(key: str, yes: bool) -> None:
        counts[key] = counts.get(key, 0) + int(yes)

    add("det_tp", bool(gold and predicted))
    add("det_fp", bool(predicted and not gold))
    add("det_fn", bool(gold and not predicted))
    occurred = Modality.OCCURRED.value
    add("occ_tp", gold == occurred and predicted == occurred)
    add("occ_fp", predicted == occurred and gold != occurred)
    add("occ_fn", gold == occurred and predicted != occurred)

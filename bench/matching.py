"""Scenario 1: matching generated entries against generated watch lists.

The library path (``indicators.matcher.Matcher``, in process) at each watch-list size, the
per-rule regex baseline at 1,000 indicators on the same entries, and one run of the real
``watchlist match`` command over JSON-lines files for the end-to-end figure.

A configuration whose run would take longer than ``budget`` seconds is measured on the
first entries only, as many as fit in the budget (at least ``min_entries``); the rate
(entries/s) is what is compared, and the report says how many entries were measured.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.baselines import RegexRules
from bench.common import VENV_BIN, Figure, Results, log, timed
from bench.corpus import Rule, RuleGenerator, Story, make_vocabulary, stories, watchlist_yaml
from indicators.matcher import Matcher
from indicators.model import Indicator, Item


@dataclass(frozen=True)
class MatchConfig:
    entries: int = 10_000
    sizes: tuple[int, ...] = (10, 100, 1_000, 10_000)
    baseline_size: int = 1_000
    runs: int = 3
    budget: float = 6.0  # seconds per product run before a subset is used
    min_entries: int = 300
    baseline_entries: int = 60  # textbook \b…\b regexes: ~0.1 s per entry at 1,000 rules
    fast_baseline_entries: int = 1_000
    cli_size: int = 1_000
    cli_budget: float = 20.0


QUICK = MatchConfig(
    entries=300,
    sizes=(10, 100, 1_000),
    runs=3,
    budget=0.7,
    min_entries=100,
    baseline_entries=10,
    fast_baseline_entries=100,
    cli_size=100,
    cli_budget=2.0,
)


def items_of(corpus: Sequence[Story]) -> list[Item]:
    return [
        Item(id=s.guid, title=s.title, summary=s.summary_html, link=s.link, source="bench")
        for s in corpus
    ]


def indicators_of(rules: Sequence[Rule]) -> list[Indicator]:
    return [
        Indicator(id=r.id, title=r.id, query=r.query, watchlist_id="bench")
        for r in rules  # same shape as loaded
    ]


def _match_all(matcher: Matcher, items: Sequence[Item]) -> list[set[str]]:
    return [{ev.indicator_id for ev in matcher.match(item)} for item in items]


def _candidates_per_entry(matcher: Matcher, items: Sequence[Item]) -> float | None:
    """Diagnostic through private attributes; None if the matcher changed shape."""
    try:
        total = 0
        for item in items:
            units = matcher.units(item)
            total += len(matcher._candidates([w for u in units for w in u.tokens]))
    except AttributeError:
        return None
    return total / max(len(items), 1)


def _sample_size(seconds_per_entry: float, config: MatchConfig, budget: float) -> int:
    fits = int(budget / max(seconds_per_entry, 1e-9))
    return max(min(config.entries, fits), min(config.min_entries, config.entries))


def run(results: Results, config: MatchConfig) -> dict[str, float]:
    log(f"matching: generating {config.entries:,} entries and {max(config.sizes):,} rules")
    vocab = make_vocabulary()
    corpus = stories(config.entries, vocab=vocab, seed=11, topical_rate=0.0)
    items = items_of(corpus)
    all_rules = RuleGenerator(vocab).rules(max(max(config.sizes), config.baseline_size))
    per_entry: dict[int, float] = {}
    product_at_baseline: list[set[str]] = []

    for size in config.sizes:
        rules = all_rules[:size]
        build, matcher = timed(lambda rules=rules: Matcher(indicators_of(rules)))
        pilot_count = min(len(items), 50)
        pilot, _ = timed(lambda m=matcher, p=items[:pilot_count]: _match_all(m, p))
        count = _sample_size(pilot / pilot_count, config, config.budget)
        sample = items[:count]
        seconds: list[float] = []
        found: list[set[str]] = []
        for _ in range(config.runs):
            elapsed, found = timed(lambda m=matcher, s=sample: _match_all(m, s))
            seconds.append(elapsed)
        pairs = sum(len(f) for f in found)
        candidates = _candidates_per_entry(matcher, sample[:200])
        figure = results.add(
            Figure(
                "matching",
                f"Matcher, {size:,} indicators",
                seconds,
                unit_count=count,
                unit="entries",
                note=(
                    f"{count:,} entries measured"
                    + ("" if count == config.entries else f" of {config.entries:,} (budget)")
                    + f"; build {build:.2f} s; {pairs / count:.2f} matching indicators/entry"
                    + (f"; {candidates:.1f} candidates/entry" if candidates is not None else "")
                ),
                extra={"build": build, "pairs": pairs, "candidates": candidates},
            )
        )
        per_entry[size] = figure.median / count
        if size == config.baseline_size:
            product_at_baseline = found

    # --- baselines at 1,000 indicators --------------------------------------------------------
    rules = all_rules[: config.baseline_size]
    for textbook, count in (
        (True, config.baseline_entries),
        (False, config.fast_baseline_entries),
    ):
        evaluator = RegexRules(rules, textbook=textbook)
        sample_stories = corpus[:count]
        seconds = []
        matched: list[list[str]] = []
        for _ in range(config.runs):
            elapsed, matched = timed(
                lambda e=evaluator, s=sample_stories: [e.match(x.title, x.summary_html) for x in s]
            )
            seconds.append(elapsed)
        name = "textbook \\b…\\b" if textbook else "literal-first"
        agreement = ""
        if product_at_baseline:
            base_pairs = {(i, r) for i, found in enumerate(matched) for r in found}
            prod_pairs = {
                (i, r.split("/")[-1])
                for i, found in enumerate(product_at_baseline[:count])
                for r in found
            }
            both = len(base_pairs & prod_pairs)
            agreement = (
                f"; (entry, indicator) matches: {both} found by both, "
                f"{len(base_pairs - prod_pairs)} by the regexes only, "
                f"{len(prod_pairs - base_pairs)} by Matcher only"
            )
        figure = results.add(
            Figure(
                "matching",
                f"baseline: per-rule regex ({name}), {config.baseline_size:,} indicators",
                seconds,
                unit_count=count,
                unit="entries",
                note=(
                    f"{count:,} entries measured, {evaluator.patterns:,} distinct patterns; "
                    f"{config.entries:,} entries would take "
                    f"{median_of(seconds) / count * config.entries:,.0f} s" + agreement
                ),
            )
        )
        per_entry[-1 if textbook else -2] = figure.median / count

    whole_item = getattr(Matcher(indicators_of(all_rules[:1])), "whole_item", None)
    results.notes.append(
        "the regex baseline counts a rule when one sentence (or the headline) satisfies it, as "
        "Matcher does"
        + (
            " (Matcher also falls back to the whole item: whole_item=True, so it can find more)"
            if whole_item
            else ""
        )
        + "; the (entry, indicator) counts in the baseline lines compare the two"
    )

    # --- acceptance ---------------------------------------------------------------------------
    sizes = config.sizes
    if config.baseline_size in per_entry:
        ratio = per_entry[-1] / per_entry[config.baseline_size]
        results.check(
            f"matching: {config.baseline_size:,} indicators vs per-rule regex (textbook)",
            f"{ratio:,.1f}x faster",
            ">= 100x",
            ratio >= 100,
        )
        fast = per_entry[-2] / per_entry[config.baseline_size]
        results.notes.append(
            f"matching at {config.baseline_size:,} indicators: Matcher is {fast:,.2f}x the speed "
            "of the literal-first regex baseline (the same regex matches as the textbook form, "
            "written so that `re` scans for the literal first) and "
            f"{ratio:,.1f}x the textbook `\\b…\\b` one"
        )
    if 10 in per_entry and config.baseline_size in per_entry:
        growth = per_entry[config.baseline_size] / per_entry[10]
        results.check(
            f"matching: cost of 10 → {config.baseline_size:,} indicators",
            f"{growth:.1f}x",
            "<= 2x",
            growth <= 2,
        )
    largest = max(sizes)
    if largest >= 10_000:
        rate = 1 / per_entry[largest]
        results.check(
            f"matching: {largest:,} indicators throughput",
            f"{rate:,.0f} entries/s",
            "> 1,000 entries/s",
            rate > 1000,
        )

    # --- the real CLI, end to end -------------------------------------------------------------
    cli_rate = per_entry.get(config.cli_size)
    count = len(corpus)
    if cli_rate:
        count = _sample_size(cli_rate, config, config.cli_budget)
    _cli(results, all_rules[: config.cli_size], corpus[:count], config.entries)
    return per_entry


def median_of(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _cli(results: Results, rules: Sequence[Rule], corpus: Sequence[Story], total: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-match-") as tmp:
        wl = Path(tmp) / "watchlist.yaml"
        wl.write_text(watchlist_yaml(rules), encoding="utf-8")
        source = Path(tmp) / "entries.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for s in corpus:
                line = {"id": s.guid, "title": s.title, "summary": s.summary_html, "link": s.link}
                out.write(json.dumps(line) + "\n")
        target = Path(tmp) / "matches.jsonl"
        command = [str(VENV_BIN / "watchlist"), "match", "--watchlist", str(wl)]
        command += ["--input", str(source)]
        log(f"matching: CLI over {len(corpus):,} entries, {len(rules):,} indicators")
        start = time.perf_counter()
        with target.open("w", encoding="utf-8") as sink:
            done = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        lines = target.read_text(encoding="utf-8").splitlines()
        matched = sum(1 for line in lines if json.loads(line)["matches"])
        # Startup alone: the same command on an empty input.
        empty = Path(tmp) / "empty.jsonl"
        empty.write_text("", encoding="utf-8")
        start = time.perf_counter()
        subprocess.run(
            [*command[:-1], str(empty)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        startup = time.perf_counter() - start
        note = (
            f"exit {done.returncode}; {len(lines):,} lines out, {matched:,} with matches; "
            f"startup + load of the watch list alone {startup:.2f} s"
        )
        if len(corpus) < total:
            note += f"; {len(corpus):,} of {total:,} entries (budget)"
        if done.returncode:
            note += f"; stderr: {done.stderr.strip()[:200]}"
        results.add(
            Figure(
                "matching",
                f"`watchlist match` CLI, {len(rules):,} indicators (1 run)",
                [elapsed],
                unit_count=len(corpus),
                unit="entries",
                note=note,
                extra={"startup": startup},
            )
        )

"""Where the time goes: cProfile of the poll scenario and of matching at 10,000 indicators.

cProfile sees the thread that enabled it. In ``Pipeline.poll`` that is the calling thread,
which stores, decides and commits every feed; the fetch threads and the parse workers
(other processes: parsing and matching) are not profiled, and the time the calling thread
spends waiting for them shows up under ``wait``.

Each profile prints the cumulative time of the pipeline's stages (the functions are looked
up by name: a stage renamed in the product shows as ``-``), then the functions with the
most own time. ``--profile-dir`` keeps the ``.pstats`` files for ``snakeviz`` or
``python -m pstats``.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import polling
from bench.common import log
from bench.corpus import RuleGenerator, make_vocabulary, stories
from bench.matching import indicators_of, items_of
from bench.server import FeedServer
from indicators.matcher import Matcher

# (label, file suffix, function name): stages of one poll, on the calling thread.
POLL_STAGES = [
    ("Pipeline.poll (the whole poll)", "monitor/pipeline.py", "poll"),
    ("  waiting for fetch threads and parse workers", "concurrent/futures/_base.py", "wait"),
    ("  claim_due_feeds", "monitor/storage/feeds.py", "claim_due_feeds"),
    ("  store_batch (per batch of feeds)", "monitor/batch.py", "store_batch"),
    ("    prepare on this thread (small polls only)", "monitor/prepare.py", "prepare"),
    ("    record_fetch", "monitor/storage/feeds.py", "record_fetch"),
    ("    store_entries", "monitor/storage/entries.py", "store_entries"),
    ("    match_entries", "monitor/batch.py", "match_entries"),
    ("      Matcher.match (entries the workers did not match)", "indicators/matcher.py", "match"),
    ("      replace_evidence", "monitor/storage/evidence.py", "replace_evidence"),
    ("    record_decision", "monitor/decisions.py", "record_decision"),
    ("      assign_clusters", "monitor/storage/clusters.py", "assign_clusters"),
    ("      source_groups (syndication)", "monitor/status.py", "source_groups"),
    ("      decide", "monitor/status.py", "decide"),
    ("    Session.commit", "sqlalchemy/orm/session.py", "commit"),
    ("    Session.flush", "sqlalchemy/orm/session.py", "flush"),
    (
        "  Pipeline._record_unchanged (304s, 50 a transaction)",
        "monitor/pipeline.py",
        "_record_unchanged",
    ),
]

MATCH_STAGES = [
    ("Matcher.match (all entries)", "indicators/matcher.py", "match"),
    ("  html_to_text", "indicators/text.py", "html_to_text"),
    ("  tokenize (whole text, then paragraphs and sentences)", "indicators/text.py", "tokenize"),
    (
        "  Matcher._candidates_in (term index, whole-item condition)",
        "indicators/matcher.py",
        "_candidates_in",
    ),
    ("  Matcher._live_blocks (paragraph check)", "indicators/matcher.py", "_live_blocks"),
    ("  Matcher._sentence_units (sentences, tokens)", "indicators/matcher.py", "_sentence_units"),
    ("    split_sentences", "indicators/sentences.py", "split_sentences"),
    ("  Unit.__init__ (joins the tokens)", "indicators/query/units.py", "__init__"),
    (
        "  CompiledQuery.match_unit (candidate x sentence)",
        "indicators/query/compiler.py",
        "match_unit",
    ),
    ("  decide_modality", "indicators/modality.py", "decide_modality"),
]


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> tuple[float, int] | None:
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    found = None
    for (filename, _line, function), (_cc, calls, _tt, cumulative, _callers) in table.items():
        if function == name and filename.replace("\\", "/").endswith(suffix):
            total, count = found or (0.0, 0)
            found = (total + cumulative, count + calls)
    return found


def summarise(
    profile: cProfile.Profile, stages: Sequence[tuple[str, str, str]], title: str, top: int = 25
) -> str:
    stats = pstats.Stats(profile)
    whole = _cumulative(stats, stages[0][1], stages[0][2])
    total = whole[0] if whole else 0.0
    lines = [f"### {title}", "", "| stage | calls | cumulative | share |", "|---|---|---|---|"]
    for label, suffix, name in stages:
        found = _cumulative(stats, suffix, name)
        if found is None:
            lines.append(f"| {label} | - | - | - |")
            continue
        seconds, calls = found
        share = f"{100 * seconds / total:.0f}%" if total else ""
        lines.append(
            f"| {label.replace('  ', '&nbsp;&nbsp;')} | {calls:,} | {seconds:.2f} s | {share} |"
        )
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("tottime").print_stats(top)
    own = buffer.getvalue()
    body = own[own.find("ncalls") :] if "ncalls" in own else own
    lines += ["", f"Top {top} functions by own time:", "", "```", body.rstrip(), "```", ""]
    return "\n".join(lines)


def _profiled(work: Callable[[], object]) -> cProfile.Profile:
    profile = cProfile.Profile()
    profile.enable()
    try:
        work()
    finally:
        profile.disable()
    return profile


def profile_poll(
    server: FeedServer, data: Path, tmp: Path, feeds: int, latency: int, keep: Path | None
) -> str:
    log(f"profile: poll of {feeds} feeds at {latency} ms")
    vocab = make_vocabulary()
    polling.write_feeds(data, "poll", feeds, 60, vocab, seed=21)
    urls = [server.url("poll", n, latency) for n in range(feeds)]
    polling.warm([server.url("poll", n, 0) for n in range(feeds)])
    with polling.fresh_database("sqlite", tmp) as url:
        db = polling.prepare(url, urls)
        try:
            config = polling.settings(url, 16, 16)
            profile = _profiled(lambda: polling._poll(db, config))
        finally:
            db.dispose()
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(keep / f"poll-{feeds}-{latency}ms.pstats"))
    return summarise(
        profile, POLL_STAGES, f"poll --all, {feeds} feeds at {latency} ms, SQLite (cProfile)"
    )


def profile_matching(entries: int, indicators: int, keep: Path | None) -> str:
    log(f"profile: matching {entries} entries against {indicators:,} indicators")
    vocab = make_vocabulary()
    items = items_of(stories(entries, vocab=vocab, seed=11, topical_rate=0.0))
    matcher = Matcher(indicators_of(RuleGenerator(vocab).rules(indicators)))

    def work() -> None:
        for item in items:
            matcher.match(item)

    profile = _profiled(work)
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(keep / f"match-{indicators}.pstats"))
    return summarise(
        profile,
        MATCH_STAGES,
        f"Matcher.match, {entries:,} entries, {indicators:,} indicators (cProfile)",
    )


def run(
    server: FeedServer,
    data: Path,
    *,
    quick: bool,
    keep: Path | None,
) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        feeds = 20 if quick else 200
        parts = [
            profile_poll(server, data, Path(tmp), feeds, 0, keep),
            profile_matching(100 if quick else 500, 1_000 if quick else 10_000, keep),
        ]
    return "\n".join(parts)

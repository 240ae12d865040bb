"""``python -m bench [--quick] [--matching] [--polling] [--replay] [--memory] [--profile]``.

With no scenario flag every scenario runs (that is ``make bench``, about 15 minutes on a
2-core machine); ``--quick`` runs the same code on small sizes as a smoke test (under a
minute). ``--profile`` (alone, or with scenario flags) adds cProfile summaries of a poll
and of matching at 10,000 indicators. Progress goes to stderr; the results (machine,
figures, acceptance items) are printed on stdout as Markdown and saved as JSON.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bench import history, matching, memory, polling, profiling, replay
from bench.common import ROOT, Results, log, machine, report, save_json
from bench.server import FeedServer


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.split("\n\n", 1)[1].strip()
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--matching", action="store_true", help="scenario 1: matching")
    parser.add_argument("--polling", action="store_true", help="scenario 2: poll --all")
    parser.add_argument("--replay", action="store_true", help="scenario 3: replay")
    parser.add_argument("--memory", action="store_true", help="scenario 4: daemon memory")
    parser.add_argument(
        "--history",
        action="store_true",
        help="scenario 5: realistic corpus (mostly evidence) polls, and polls at any history",
    )
    parser.add_argument(
        "--history-feeds",
        type=int,
        nargs=2,
        metavar=("FEEDS", "BIG_FEEDS"),
        help="--history: feeds of the realistic poll (200) and of the big history (1,000)",
    )
    parser.add_argument(
        "--realnews",
        action="store_true",
        help="--history: also draw sentences from ../shared/realnews when present (read only)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the poll and 10,000-indicator matching"
    )
    parser.add_argument(
        "--corpus",
        choices=replay.CORPORA,
        default="realistic",
        help="--replay/--memory: entries of the archive (default realistic; general: 3 %% topical)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL poll runs")
    parser.add_argument(
        "--extra",
        action="store_true",
        help=(
            "also: polling with the default per_host=4 and on PostgreSQL at every latency, "
            "and a second replay with nothing to change"
        ),
    )
    parser.add_argument("--runs", type=int, help="runs per measurement (default 3)")
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "var" / "bench" / "results.json",
        help="where to save the results (default var/bench/results.json)",
    )
    parser.add_argument("--profile-dir", type=Path, help="keep the .pstats files of --profile here")
    return parser.parse_args(argv)


def _guarded(results: Results, name: str, work: Callable[[], object]) -> None:
    """Run one scenario; a failure (the product changing under the benchmark, say) is
    reported and the other scenarios still run."""
    try:
        work()
    except Exception as exc:
        traceback.print_exc()
        message = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        log(f"{name}: FAILED: {message}")
        results.check(f"{name}: scenario ran to completion", message, "no error", False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = [args.matching, args.polling, args.replay, args.memory, args.history]
    everything = not any(chosen) and not args.profile
    results = Results()
    info = machine()
    info["mode"] = "quick" if args.quick else "full"
    started = time.monotonic()

    match_config = matching.QUICK if args.quick else matching.MatchConfig()
    poll_config = polling.QUICK if args.quick else polling.PollConfig()
    replay_config = replay.QUICK if args.quick else replay.ReplayConfig()
    memory_config = memory.QUICK if args.quick else memory.MemoryConfig()
    history_config = history.QUICK if args.quick else history.HistoryConfig()
    history_config = replace(history_config, postgres=not args.no_postgres, realnews=args.realnews)
    if args.history_feeds:
        history_config = replace(
            history_config, feeds=args.history_feeds[0], big_feeds=args.history_feeds[1]
        )
    if args.runs:
        match_config = replace(match_config, runs=args.runs)
        poll_config = replace(
            poll_config, runs=args.runs, big_runs=args.runs, baseline_runs=args.runs
        )
        replay_config = replace(replay_config, runs=args.runs)
        history_config = replace(
            history_config,
            runs=args.runs,
            baseline_runs=args.runs,
            repoll_runs=args.runs,
            history_runs=args.runs,
        )
    replay_config = replace(replay_config, corpus=args.corpus)
    if args.no_postgres:
        poll_config = replace(poll_config, postgres=False)
    if args.extra:
        poll_config = replace(poll_config, extra=True)
        replay_config = replace(replay_config, again=True)
    profile_text = ""

    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        tmp = Path(scratch)
        data = tmp / "feeds"
        data.mkdir()
        with FeedServer(data) as server:
            log(f"feed server on 127.0.0.1:{server.port}")
            archive = tmp / "archive.db"
            memory_config = replace(
                memory_config, entries=replay_config.entries, corpus=replay_config.corpus
            )
            scenarios = [
                ("matching", args.matching, lambda: matching.run(results, match_config)),
                (
                    "polling",
                    args.polling,
                    lambda: polling.run(results, poll_config, server, data, tmp),
                ),
                (
                    "replay",
                    args.replay,
                    lambda: replay.run(results, replay_config, server, tmp, archive),
                ),
                (
                    "history",
                    args.history,
                    lambda: history.run(results, history_config, server, data, tmp),
                ),
                (
                    "memory",
                    args.memory,
                    lambda: memory.run(results, memory_config, server, data, tmp),
                ),
            ]
            for name, flag, work in scenarios:
                if everything or flag:
                    _guarded(results, name, work)
            if args.profile:
                profile_text = profiling.run(server, data, quick=args.quick, keep=args.profile_dir)

    info["wall time of this run"] = f"{time.monotonic() - started:.0f} s"
    if args.quick:
        results.notes.insert(
            0,
            "quick mode: every size is smaller than in the acceptance scenarios, so the "
            "acceptance lines only show that the checks run (a smoke test, not a result)",
        )
    report(results, info)
    if profile_text:
        print("\n## Profiles\n")
        print(profile_text)
    save_json(results, info, args.json)
    log(f"done in {time.monotonic() - started:.0f} s; results saved to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

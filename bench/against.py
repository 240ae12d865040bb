"""Matching throughput against an earlier release, in one process: ``python -m bench.against REF``.

The absolute speed of this machine drifts (other work shares its two cores), so a change to
the matcher is judged by a ratio measured side by side: the package ``indicators`` of git
revision REF is extracted into a temporary folder under another name (``indicators_ref``,
its own imports rewritten), both matchers are built from the same generated rules (the
``make bench`` matching corpus), and runs of the two alternate on the same entries. Printed:
entries per second of each, and the ratio of their median times per size.
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, log, timed
from bench.corpus import RuleGenerator, make_vocabulary, stories
from bench.matching import indicators_of, items_of
from indicators.matcher import Matcher

_IMPORT = re.compile(r"\b(from|import) indicators\b")
_RESOURCE = 'resources.files("indicators")'


def extract(ref: str, folder: Path) -> None:
    """``indicators/`` of ``ref`` as the package ``indicators_ref`` in ``folder``."""
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "indicators"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as archive:
        archive.extractall(folder, filter="data")
    (folder / "indicators").rename(folder / "indicators_ref")
    for path in (folder / "indicators_ref").rglob("*.py"):
        text = _IMPORT.sub(r"\1 indicators_ref", path.read_text("utf-8"))
        path.write_text(text.replace(_RESOURCE, 'resources.files("indicators_ref")'), "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.against", description=__doc__)
    parser.add_argument("ref", help="the git revision to compare with (e.g. a release tag)")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10,1000,10000", help="numbers of indicators")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="watchlist-ref-") as tmp:
        extract(args.ref, Path(tmp))
        sys.path.insert(0, tmp)
        old_matcher: Any = importlib.import_module("indicators_ref.matcher").Matcher
        old_model: Any = importlib.import_module("indicators_ref.model")
        vocab = make_vocabulary()
        items = items_of(stories(args.entries + 50, vocab=vocab, seed=11, topical_rate=0.0))
        old_items = [old_model.Item(i.id, i.title, i.summary) for i in items]
        sizes = [int(s) for s in args.sizes.split(",")]
        rules = RuleGenerator(vocab).rules(max(sizes))
        print(f"| indicators | {args.ref} entries/s | now entries/s | time now / {args.ref} |")
        print("| --- | --- | --- | --- |")
        for size in sizes:
            new = Matcher(indicators_of(rules[:size]))
            old = old_matcher(
                [old_model.Indicator(id=r.id, title=r.id, query=r.query) for r in rules[:size]]
            )
            for item, old_item in zip(items[:50], old_items[:50], strict=True):  # warm caches
                new.match(item)
                old.match(old_item)
            measured, reference = [], []
            for _ in range(args.runs):  # alternate, so drift hits both alike
                t, _ = timed(lambda o=old: [o.match(i) for i in old_items[50:]])
                reference.append(t)
                t, _ = timed(lambda n=new: [n.match(i) for i in items[50:]])
                measured.append(t)
            now, before = statistics.median(measured), statistics.median(reference)
            log(f"{size:,} indicators: {before:.2f} s then, {now:.2f} s now")
            print(
                f"| {size:,} | {args.entries / before:,.0f} | {args.entries / now:,.0f} "
                f"| {now / before:.2f}x |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

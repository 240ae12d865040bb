"""Score the seed watch list on the labelled set: ``make quality``.

Runs ``watchlist match`` (the real command, as a user would) over the items of
``dataset.jsonl`` and prints, per indicator and overall (micro-averaged), precision,
recall and F1 for detection (any modality) and for ``occurred``, and modality accuracy
(on items where both the label and the prediction name the indicator).

An item's predicted modality for an indicator is the first match listed for it: the
matcher lists the most decisive evidence first (occurred, then negated, then anticipated).
The dev split is for tuning; the holdout fifth is reported separately and must not be
looked at item by item while tuning.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATASET = HERE / "dataset.jsonl"
WATCHLIST = ROOT / "seeds" / "watchlists" / "india-russia-2025.yaml"


def predict(items: list[dict[str, object]], watchlist: Path) -> dict[str, dict[str, str]]:
    """Run `watchlist match` on the items; return id → {indicator: first modality}."""
    lines = "".join(
        json.dumps({"id": i["id"], "title": i["title"], "summary": i["summary"]}) + "\n"
        for i in items
    )
    exe = Path(sys.executable).with_name("watchlist")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "monitor.cli.__main__"]
    done = subprocess.run(
        [*command, "match", "--watchlist", str(watchlist), "--input", "-"],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, dict[str, str]] = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        first: dict[str, str] = {}
        for m in record["matches"]:
            first.setdefault(m["indicator"].split("/")[-1], m["modality"])
        out[record["id"]] = first
    return out


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(
    items: list[dict[str, object]], predicted: dict[str, dict[str, str]]
) -> dict[str, dict[str, float]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    indicators = sorted(
        {k for i in items for k in i["labels"]} | {k for p in predicted.values() for k in p}
    )  # type: ignore[attr-defined]
    for item in items:
        gold: dict[str, str] = item["labels"]  # type: ignore[assignment]
        pred = predicted.get(str(item["id"]), {})
        for ind in indicators:
            for key in (ind, "ALL"):
                c = counts[key]
                g, p = gold.get(ind), pred.get(ind)
                c["det_tp"] += bool(g and p)
                c["det_fp"] += bool(p and not g)
                c["det_fn"] += bool(g and not p)
                c["occ_tp"] += g == "occurred" and p == "occurred"
                c["occ_fp"] += p == "occurred" and g != "occurred"
                c["occ_fn"] += g == "occurred" and p != "occurred"
                if g and p:
                    c["mod_n"] += 1
                    c["mod_ok"] += g == p
    table: dict[str, dict[str, float]] = {}
    for key in [*indicators, "ALL"]:
        c = counts[key]
        dp, dr, df = _prf(c["det_tp"], c["det_fp"], c["det_fn"])
        op, orr, of = _prf(c["occ_tp"], c["occ_fp"], c["occ_fn"])
        acc = c["mod_ok"] / c["mod_n"] if c["mod_n"] else 1.0
        table[key] = {
            "det_p": dp,
            "det_r": dr,
            "det_f1": df,
            "occ_p": op,
            "occ_r": orr,
            "occ_f1": of,
            "mod_acc": acc,
            "n": c["det_tp"] + c["det_fn"],
        }
    return table


def show(name: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{name}")
    print(
        f"{'indicator':34} {'n':>3}  {'det P':>6} {'det R':>6} {'det F1':>6}  {'occ P':>6} {'occ R':>6} {'occ F1':>6}  {'mod acc':>7}"
    )
    for key, row in table.items():
        print(
            f"{key:34} {int(row['n']):>3}  {row['det_p']:6.2f} {row['det_r']:6.2f} {row['det_f1']:6.2f}  "
            f"{row['occ_p']:6.2f} {row['occ_r']:6.2f} {row['occ_f1']:6.2f}  {row['mod_acc']:7.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchlist", type=Path, default=WATCHLIST)
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--self-only", action="store_true", help="skip the real-news rows")
    parser.add_argument(
        "--per-indicator", action="store_true", help="a table per real-news set, not one row"
    )
    args = parser.parse_args()
    items = [
        json.loads(line)
        for line in args.dataset.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    predicted = predict(items, args.watchlist)
    results = {}
    for split in ("dev", "holdout"):
        subset = [i for i in items if i["split"] == split]
        results[split] = score(subset, predicted)
    if args.json:
        print(json.dumps({s: r["ALL"] for s, r in results.items()}, indent=2))
        return 0
    for split, table in results.items():
        show(f"{split} ({sum(1 for i in items if i['split'] == split)} items)", table)
    if not args.self_only:
        _other_topics()
        _real_news(args.per_indicator)
    return 0


TOPICS = HERE / "topics"


def _row(name: str, row: dict[str, float]) -> str:
    return (
        f"{name:44} {int(row['n']):>3}  {row['det_p']:6.2f} {row['det_r']:6.2f} "
        f"{row['det_f1']:6.2f}  {row['occ_p']:6.2f} {row['occ_r']:6.2f} {row['occ_f1']:6.2f}  "
        f"{row['mod_acc']:7.2f}"
    )


def _header() -> str:
    return (
        f"{'set':44} {'n':>3}  {'det P':>6} {'det R':>6} {'det F1':>6}  {'occ P':>6} "
        f"{'occ R':>6} {'occ F1':>6}  {'mod acc':>7}"
    )


def _other_topics() -> None:
    """Self-written sets on other topics with plain keyword watch lists (topics/README.md),
    written blind for issue 12: dev and the held-back fifth, and all topics together."""
    print(f"\nself-written, other topics (plain keyword watch lists)\n{_header()}")
    pooled: dict[str, tuple[list[dict[str, object]], dict[str, dict[str, str]]]] = {}
    for watchlist in sorted(TOPICS.glob("*.yaml")):
        items = [
            json.loads(line)
            for line in watchlist.with_suffix(".jsonl").read_text("utf-8").splitlines()
            if line.strip()
        ]
        predicted = predict(items, watchlist)
        for split in ("dev", "holdout"):
            subset = [i for i in items if i["split"] == split]
            print(
                _row(f"{watchlist.stem} {split} ({len(subset)})", score(subset, predicted)["ALL"])
            )
            both = pooled.setdefault(split, ([], {}))
            both[0].extend(subset)
            both[1].update(predicted)
    for split, (items, predicted) in pooled.items():
        print(_row(f"all topics {split} ({len(items)})", score(items, predicted)["ALL"]))


def _real_news(per_indicator: bool) -> None:
    """One row per real-news set present in ``../shared/realnews`` (see realnews_sets)."""
    from realnews_sets import realnews_sets, tempdir

    rows: list[tuple[str, dict[str, float]]] = []
    with tempdir() as tmp:
        for name, items, watchlist in realnews_sets(Path(tmp)):
            table = score(items, predict(items, watchlist))
            if per_indicator:
                show(f"real news: {name} ({len(items)} items)", table)
            rows.append((f"real news: {name} ({len(items)})", table["ALL"]))
    if not rows:
        print("\n(no ../shared/realnews here: real-news rows skipped)")
        return
    print(f"\nreal news (../shared/realnews, internal)\n{_header()}")
    for name, row in rows:
        print(_row(name, row))


if __name__ == "__main__":
    raise SystemExit(main())

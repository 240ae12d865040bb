"""Score the *untouched* draft of a real article on real news: ``python tests/quality/draft.py``.

For each topic under ``../shared/realnews`` (internal data, read at run time, never copied
into the repository) this runs the real command line as a new user would:

    watchlist extract ARTICLE --at LINE -o draft.yaml   (LINE: the list's first item)
    watchlist watchlists check draft.yaml               (must pass; warnings are shown)
    watchlist match --watchlist draft.yaml --input ITEMS

then maps the drafted indicators, in list order, to the topic's label keys (W1…, I1…) and
prints detection precision/recall/F1 and occurred F1 with the definitions of ``score.py``
(an item's predicted modality per indicator is the first match listed).

Topics: ``eu-mercosur`` (its own article and gold list) and ``india-russia`` (the seed
article's "What to Watch" list, labels I1…I4 of the seed watch list, a check of generality).
Without ``../shared/realnews`` it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REALNEWS = ROOT.parent / "shared" / "realnews"
sys.path.insert(0, str(HERE))

from score import score  # noqa: E402


@dataclass(frozen=True)
class Topic:
    name: str
    article: Path
    first_item: str  # the start of the list's first item, to find the line for --at
    keys: tuple[str, ...]  # label keys in list order
    items: Path


def topics(realnews: Path) -> list[Topic]:
    out: list[Topic] = []
    em = realnews / "eu-mercosur"
    if (em / "gold_list.json").is_file():
        gold = json.loads((em / "gold_list.json").read_text(encoding="utf-8"))
        keys = tuple(sorted(gold))
        out.append(Topic(em.name, em / "article.txt", gold[keys[0]], keys, em / "items.jsonl"))
    ir = realnews / "india-russia"
    if (ir / "items.jsonl").is_file():
        seed = ROOT / "seeds" / "articles" / "004_e0db4568ca3cb7ea.txt"
        first = "Signing of new industrial-technology cooperation agreements"
        out.append(Topic(ir.name, seed, first, ("I1", "I2", "I3", "I4"), ir / "items.jsonl"))
    return out


def article_topics(folder: Path = HERE / "articles") -> list[Topic]:
    """Articles of other topics with their own lists and labelled leads, written blind by
    the team (``tests/quality/articles``, rules in its LABELS.md), laid out like
    ``../shared/realnews``: article.txt, gold_list.json (the items verbatim), items.jsonl."""
    out: list[Topic] = []
    for gold_file in sorted(folder.glob("*/gold_list.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        keys = tuple(sorted(gold))
        base = gold_file.parent
        first = gold[keys[0]]
        out.append(Topic(base.name, base / "article.txt", first, keys, base / "items.jsonl"))
    return out


def written_topics(workdir: Path) -> list[Topic]:
    """The hand-written topics of ``tests/quality/topics`` (in the repository, written blind
    by the team): an article is made of each watch list's title and its items' titles as a
    bulleted "What to watch" list; labels are keyed by indicator id, in list order."""
    out: list[Topic] = []
    for path in sorted((HERE / "topics").glob("*.yaml")):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        titles = [str(i["title"]) for i in data["indicators"]]
        article = workdir / f"{path.stem}.txt"
        bullets = "".join(f"- {t}\n" for t in titles)
        article.write_text(f"{data['title']}\n\nWhat to watch\n\n{bullets}", encoding="utf-8")
        keys = tuple(str(i["id"]) for i in data["indicators"])
        out.append(Topic(path.stem, article, titles[0], keys, path.with_suffix(".jsonl")))
    return out


def _watchlist() -> list[str]:
    exe = Path(sys.executable).with_name("watchlist")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "monitor.cli.__main__"]


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_watchlist(), *args], input=stdin, capture_output=True, text=True, check=False
    )


def line_of(article: Path, first_item: str) -> int:
    probe = " ".join(first_item.split()[:6])
    for number, line in enumerate(article.read_text(encoding="utf-8").splitlines(), 1):
        if probe in " ".join(line.split()):
            return number
    raise SystemExit(f"{article}: the first item {probe!r} is not in the article")


def measure(topic: Topic, workdir: Path, *, at: bool, show: bool) -> dict[str, float]:
    draft = workdir / f"{topic.name}.yaml"
    args = ["extract", str(topic.article), "-o", str(draft)]
    if at:
        args += ["--at", str(line_of(topic.article, topic.first_item))]
    done = _run(args)
    if done.returncode:
        raise SystemExit(f"{topic.name}: extract failed: {done.stderr.strip()}")
    checked = _run(["watchlists", "check", str(draft)])
    if show:
        print(draft.read_text(encoding="utf-8"))
    warnings = [line for line in checked.stderr.splitlines() if "[warning]" in line]
    ids = [ind["id"] for ind in _indicators(draft)]
    if len(ids) < len(topic.keys):
        raise SystemExit(f"{topic.name}: {len(ids)} indicators drafted for {len(topic.keys)} keys")
    key_of = dict(zip(ids, topic.keys, strict=False))
    items = [json.loads(line) for line in topic.items.read_text(encoding="utf-8").splitlines()]
    lines = "".join(
        json.dumps({"id": i["id"], "title": i["title"], "summary": i["summary"]}) + "\n"
        for i in items
    )
    matched = _run(["match", "--watchlist", str(draft), "--input", "-"], lines)
    if matched.returncode:
        raise SystemExit(f"{topic.name}: match failed: {matched.stderr.strip()}")
    predicted: dict[str, dict[str, str]] = {}
    for line in matched.stdout.splitlines():
        record = json.loads(line)
        first: dict[str, str] = {}
        for m in record["matches"]:
            key = key_of.get(m["indicator"].split("/")[-1])
            if key:
                first.setdefault(key, m["modality"])
        predicted[record["id"]] = first
    wanted = set(topic.keys)
    for item in items:
        item["labels"] = {k: v for k, v in item["labels"].items() if k in wanted}
    table = score(items, predicted)
    row = dict(table["ALL"])
    row["check_ok"] = float(checked.returncode == 0)
    row["warnings"] = float(len(warnings))
    print(
        f"\n{topic.name}: {len(items)} items, draft {draft.name}, check exit {checked.returncode}"
    )
    for warning in warnings:
        print(f"  {warning}")
    print(
        f"  {'key':4} {'indicator':36} {'n':>3} {'det P':>6} {'det R':>6} {'det F1':>6} {'occ F1':>6}"
    )
    for ind, key in key_of.items():
        r = table.get(key, {})
        print(
            f"  {key:4} {ind:36} {int(r.get('n', 0)):>3} {r.get('det_p', 0):6.2f}"
            f" {r.get('det_r', 0):6.2f} {r.get('det_f1', 0):6.2f} {r.get('occ_f1', 0):6.2f}"
        )
    print(
        f"  ALL  {'':36} {int(row['n']):>3} {row['det_p']:6.2f} {row['det_r']:6.2f}"
        f" {row['det_f1']:6.2f} {row['occ_f1']:6.2f}"
    )
    return row


def _indicators(draft: Path) -> list[dict[str, object]]:
    import yaml

    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    return list(data["indicators"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realnews", type=Path, default=REALNEWS)
    parser.add_argument("--topic", action="append", help="only these topics (repeatable)")
    parser.add_argument("--no-at", action="store_true", help="extract without --at")
    parser.add_argument("--article", type=Path, help="use this article instead (one topic)")
    parser.add_argument("--show", action="store_true", help="print each draft")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--written", action="store_true", help="also the hand-written topics (tests/quality/topics)"
    )
    args = parser.parse_args()
    if not args.realnews.is_dir() and not args.written:
        print(f"{args.realnews} is not here: nothing to measure")
        return 0
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        found = topics(args.realnews) if args.realnews.is_dir() else []
        if args.written:
            found += article_topics() + written_topics(Path(tmp))
        chosen = [t for t in found if not args.topic or t.name in args.topic]
        for topic in chosen:
            if args.article:
                topic = Topic(topic.name, args.article, topic.first_item, topic.keys, topic.items)
            results[topic.name] = measure(topic, Path(tmp), at=not args.no_at, show=args.show)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

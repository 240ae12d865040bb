"""Real-news rows of ``make quality``: labelled leads read at run time from ``../shared/realnews``.

The real-news sets are internal (their README forbids copying them into the repository), so
nothing of them is committed: this module reads them when the folder is present, next to
the project root, and reports nothing when it is absent. Each set is scored with the same
definitions as the self-written set (``score.score``):

* ``india-russia``: the seed watch list; labels ``I1``…``I9`` are mapped to the seed
  indicator ids through the set's ``ids.json``.
* ``eu-mercosur``: a plain keyword watch list (``realnews/eu-mercosur.yaml``: queries
  written as a new user would type them); its titles, the article's list items, are filled
  in at run time from ``gold_list.json``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REALNEWS = ROOT.parent / "shared" / "realnews"
SEED_LIST = ROOT / "seeds" / "watchlists" / "india-russia-2025.yaml"


def _items(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _india_russia(folder: Path) -> tuple[list[dict[str, object]], Path]:
    ids: dict[str, str] = json.loads((folder / "ids.json").read_text("utf-8"))
    items = _items(folder / "items.jsonl")
    for item in items:
        labels: dict[str, str] = item["labels"]  # type: ignore[assignment]
        item["labels"] = {ids[k]: v for k, v in labels.items()}
    return items, SEED_LIST


def _keyword_list(folder: Path, name: str, tmp: Path) -> tuple[list[dict[str, object]], Path]:
    """The set's items and its keyword watch list with the real titles filled in."""
    spec = yaml.safe_load((HERE / "realnews" / f"{name}.yaml").read_text("utf-8"))
    gold: dict[str, str] = json.loads((folder / "gold_list.json").read_text("utf-8"))
    for indicator in spec["indicators"]:
        indicator["title"] = gold[indicator["id"].upper()]
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    items = _items(folder / "items.jsonl")
    for item in items:  # the list's ids are lower case (watch-list ids are)
        labels: dict[str, str] = item["labels"]  # type: ignore[assignment]
        item["labels"] = {k.lower(): v for k, v in labels.items()}
    return items, path


def realnews_sets(tmp: Path) -> list[tuple[str, list[dict[str, object]], Path]]:
    """(name, items, watch list) for each real-news set present; [] without the folder."""
    found: list[tuple[str, list[dict[str, object]], Path]] = []
    if not REALNEWS.is_dir():
        return found
    for folder in sorted(p for p in REALNEWS.iterdir() if p.is_dir()):
        if (folder / "ids.json").exists() and folder.name == "india-russia":
            found.append((folder.name, *_india_russia(folder)))
        elif (HERE / "realnews" / f"{folder.name}.yaml").exists():
            found.append((folder.name, *_keyword_list(folder, folder.name, tmp)))
    return found


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="watchlist-quality-")

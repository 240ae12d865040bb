"""Timing, results and the machine: what every scenario shares."""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the results."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Figure:
    """One measured line: the median of ``runs`` and what it is compared with."""

    scenario: str
    name: str
    seconds: list[float]
    unit_count: float = 0.0  # entries, feeds … per run, for a rate
    unit: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return median(self.seconds)

    @property
    def rate(self) -> float:
        return self.unit_count / self.median if self.unit_count and self.median else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "median": self.median, "rate": self.rate}


@dataclass
class Check:
    """One acceptance item: the figure, the target and whether it passed."""

    item: str
    measured: str
    target: str
    passed: bool


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        runs = ", ".join(f"{s:.3f}" for s in figure.seconds)
        rate = f"; {figure.rate:,.0f} {figure.unit}/s" if figure.rate else ""
        log(f"  {figure.scenario} / {figure.name}: median {figure.median:.3f} s{rate} [{runs}]")
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)
        log(f"  note: {text}")

    def check(self, item: str, measured: str, target: str, passed: bool) -> None:
        self.checks.append(Check(item, measured, target, passed))
        log(f"  acceptance: {item}: {measured} (target {target}): {'PASS' if passed else 'FAIL'}")


def machine() -> dict[str, str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024} MB"
    except OSError:
        pass
    versions = {}
    for package in ("feedparser", "httpx", "sqlalchemy", "psycopg"):
        try:
            module = __import__(package)
            versions[package] = str(getattr(module, "__version__", "?"))
        except ImportError:
            versions[package] = "-"
    commit = _git("rev-parse", "--short", "HEAD")
    changed = _git("diff", "--name-only", "HEAD", "--", "indicators", "monitor", "migrations")
    if changed:
        commit += f" + uncommitted changes in {len(changed.splitlines())} product files"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": model or platform.processor(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit,
        **versions,
    }


def _git(*args: str) -> str:
    """Read-only git queries (the commit measured); empty if git is unavailable."""
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(ROOT), *args],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.strip()


def fmt_seconds(value: float) -> str:
    if value != value:  # nan
        return "-"
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.0f} ms"


def report(results: Results, info: dict[str, str], out: Any = sys.stdout) -> None:
    """Markdown tables on stdout: the machine, every figure, the acceptance items."""
    w = out.write
    w("\n## Machine\n\n")
    for key, value in info.items():
        w(f"- {key}: {value}\n")
    w("\n## Figures (medians)\n\n")
    w("| scenario | measurement | runs | median | rate | notes |\n|---|---|---|---|---|---|\n")
    for f in results.figures:
        rate = f"{f.rate:,.0f} {f.unit}/s" if f.rate else ""
        w(
            f"| {f.scenario} | {f.name} | {len(f.seconds)} | {fmt_seconds(f.median)} | {rate} "
            f"| {f.note} |\n"
        )
    if results.checks:
        w("\n## Acceptance\n\n| item | measured | target | result |\n|---|---|---|---|\n")
        for c in results.checks:
            w(f"| {c.item} | {c.measured} | {c.target} | {'PASS' if c.passed else 'FAIL'} |\n")
    if results.notes:
        w("\n## Notes\n\n")
        for note in results.notes:
            w(f"- {note}\n")


def save_json(results: Results, info: dict[str, str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": info,
        "figures": [f.as_dict() for f in results.figures],
        "checks": [asdict(c) for c in results.checks],
        "notes": results.notes,
    }
    path.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")

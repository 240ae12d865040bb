"""DESIGN §3: the dependency rules, checked by walking every import of the packages.

``indicators`` is pure: it never imports ``monitor``, nor a network, database or scheduler
library. The status engine (``monitor/status.py``) decides and does no I/O. APScheduler is
imported only by the daemon.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IO_LIBRARIES = {
    "httpx",
    "requests",
    "urllib3",
    "socket",
    "http",
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "alembic",
    "apscheduler",
    "smtplib",
    "aiosmtpd",
    "feedparser",
    "asyncio",
    "subprocess",
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def top(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def test_indicators_imports_no_monitor_and_no_io_library() -> None:
    offenders = {}
    for path in sorted((ROOT / "indicators").rglob("*.py")):
        bad = {m for m in imports_of(path) if top(m) == "monitor" or top(m) in IO_LIBRARIES}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_status_engine_is_pure() -> None:
    names = {top(m) for m in imports_of(ROOT / "monitor" / "status.py")}
    assert names & IO_LIBRARIES == set()
    assert not {
        m for m in imports_of(ROOT / "monitor" / "status.py") if m.startswith("monitor.storage")
    }


def test_only_the_daemon_imports_apscheduler() -> None:
    users = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "monitor").rglob("*.py")
        if any(top(m) == "apscheduler" for m in imports_of(p))
    )
    assert users == ["monitor/daemon.py"]


def test_the_walker_sees_imports() -> None:
    # Guard against a walker that finds nothing (and so could never fail).
    assert "sqlalchemy.orm" in imports_of(ROOT / "monitor" / "storage" / "evidence.py")
    assert "indicators.matcher" in imports_of(ROOT / "monitor" / "pipeline.py")

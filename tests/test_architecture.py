"""The dependency rules (docs/design-notes.md, "Layout"), checked by walking every import.

``indicators`` is pure: it never imports ``monitor``, nor a network, database or scheduler
library. The status engine (``monitor/status.py``) decides and does no I/O. APScheduler is
imported only by the daemon; SQLAlchemy only by ``monitor/storage/`` and ``migrations/``;
feedparser only by the feed parser. Nothing imports the CLI or the daemon module but the
entry points (the CLI package itself and ``monitor/demo.py``).
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
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
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


def _users(library: str) -> list[str]:
    return sorted(
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "monitor").rglob("*.py"), *(ROOT / "indicators").rglob("*.py")]
        if any(top(m) == library for m in imports_of(p))
    )


def test_sqlalchemy_only_in_storage_and_migrations() -> None:
    outside = [p for p in _users("sqlalchemy") if not p.startswith("monitor/storage/")]
    assert outside == []
    assert "monitor/storage/db.py" in _users("sqlalchemy")  # the check sees them


def test_feedparser_only_in_the_feed_parser() -> None:
    assert _users("feedparser") == ["monitor/feeds/parse.py"]


def test_nothing_imports_the_cli_or_the_daemon() -> None:
    entry_points = ("monitor/cli/", "monitor/demo.py")
    offenders = {}
    for path in sorted((ROOT / "monitor").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name.startswith(entry_points):
            continue
        bad = {m for m in imports_of(path) if m == "monitor.daemon" or m.startswith("monitor.cli")}
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}


def test_the_walker_sees_imports() -> None:
    # Guard against a walker that finds nothing (and so could never fail).
    assert "sqlalchemy.orm" in imports_of(ROOT / "monitor" / "storage" / "evidence.py")
    assert "indicators.matcher" in imports_of(ROOT / "monitor" / "ruleset.py")
    assert "monitor.daemon" in imports_of(ROOT / "monitor" / "cli" / "run.py")

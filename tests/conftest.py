"""Shared fixtures: one storage suite runs against every backend (SQLite and PostgreSQL).

PostgreSQL tests use ``WATCHLIST_TEST_PG`` (default: the local server). When it is not
reachable they are skipped, unless ``WATCHLIST_REQUIRE_PG=1`` (CI), where they fail.
Each test gets its own schema, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.storage import migrate
from monitor.storage.db import Database

PG_URL = os.environ.get("WATCHLIST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("WATCHLIST_REQUIRE_PG") == "1"
ROOT = Path(__file__).resolve().parents[1]


def _pg_available() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip()


_PG_PROBLEM: str | None = None
_PG_CHECKED = False


def pg_problem() -> str | None:
    global _PG_CHECKED, _PG_PROBLEM
    if not _PG_CHECKED:
        _PG_PROBLEM = _pg_available()
        _PG_CHECKED = True
    return _PG_PROBLEM


def require_pg() -> None:
    problem = pg_problem()
    if problem is None:
        return
    message = f"PostgreSQL not reachable at {PG_URL}: {problem}"
    if REQUIRE_PG:
        pytest.fail(message + " (WATCHLIST_REQUIRE_PG=1)")
    pytest.skip(message)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for this test; yields a URL that uses it."""
    require_pg()
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = PG_URL.replace("+psycopg", "")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watchlist.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'watchlist.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    database = Database(db_url)
    migrate.upgrade(database)
    yield database
    database.dispose()

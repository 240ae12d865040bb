"""Migrations: empty → head → base on both backends, and models agree with migrations."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from monitor.errors import StorageError
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Base


def test_upgrade_to_head_and_back_to_base(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert migrate.current_revision(db) is None
        migrate.upgrade(db)
        assert migrate.current_revision(db) == migrate.head_revision()
        tables = set(inspect(db.engine).get_table_names())
        assert {"feeds", "entries", "evidence", "status_changes", "alerts"} <= tables
        migrate.downgrade(db, "base")
        assert migrate.current_revision(db) is None
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert left == set()
        migrate.upgrade(db)  # and up again: downgrade left nothing behind
        assert migrate.is_up_to_date(db)
    finally:
        db.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations disagree; write a migration: {diff}"
    finally:
        db.dispose()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    migrate.upgrade(db)
    with db.write() as session:
        mode = session.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
        fks = session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar()
        busy = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert (mode, fks) == ("wal", 1)
    assert busy is not None
    assert busy >= 1000
    db.dispose()


def test_head_is_alembics_head() -> None:
    # ``check`` trusts ``HEAD`` for a database at it: a new migration must move it.
    assert migrate.head_revision() == migrate.HEAD


def test_check_at_head_imports_no_alembic(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()
    script = (
        "import sys\n"
        "from monitor.storage import migrate\n"
        "from monitor.storage.db import Database\n"
        f"db = Database({sqlite_url!r})\n"
        "migrate.check(db)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_check_below_head_still_refuses(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        migrate.upgrade(db, "0010")
        with pytest.raises(StorageError, match="at revision 0010, not up to date"):
            migrate.check(db)
        migrate.upgrade(db)
        migrate.check(db)  # at head: no error
    finally:
        db.dispose()

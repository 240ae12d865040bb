"""Run Alembic migrations from the application (``watchlist init`` / ``db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import migrations
from monitor.storage.db import Database, unreachable_as_error

SCRIPTS = Path(migrations.__file__).parent


def _config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    cfg = _config(db)
    # SQLite: the migration takes the write lock itself; an IMMEDIATE begin is harmless.
    with unreachable_as_error(db.url), db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(db: Database, revision: str) -> None:
    cfg = _config(db)
    with unreachable_as_error(db.url), db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    with unreachable_as_error(db.url), db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(SCRIPTS)).get_current_head()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()

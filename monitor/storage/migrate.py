"""Run Alembic migrations from the application (``watchlist init`` / ``db upgrade``).

``check`` says in one line what is wrong with a database before a command uses it: not
initialised, behind, from a newer watchlist (a revision this version does not know:
``init`` must not try to "upgrade" it), or not readable at all (a corrupt file). Each is a
``StorageError``, never a traceback (issue 16).

Alembic is imported only when it is needed: a database at ``HEAD`` (every command but
``init`` and ``db``) is checked by reading its revision with one query. Importing Alembic
(and Mako) made ~11 MB of a daemon's memory and ~0.25 s of every command's start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import migrations
from monitor.errors import StorageError
from monitor.storage.db import Database, describe_failure, unreachable_as_error

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPTS = Path(migrations.__file__).parent
# This version's newest revision, so that ``check`` needs no Alembic for a database at
# it; a test checks that it is Alembic's head of ``migrations/versions``.
HEAD = "0011"


def _config(db: Database) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command

    _refuse_unknown(db)
    cfg = _config(db)
    # SQLite: the migration takes the write lock itself; an IMMEDIATE begin is harmless.
    with _translated(db), unreachable_as_error(db.url), db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(db: Database, revision: str) -> None:
    from alembic import command

    _refuse_unknown(db)
    cfg = _config(db)
    with _translated(db), unreachable_as_error(db.url), db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with _translated(db), unreachable_as_error(db.url), db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check(db: Database) -> None:
    """``StorageError`` in one line unless the database is at this version's head."""
    if _at_head(db):
        return
    current = current_revision(db)
    _refuse_unknown(db, current)
    if current != head_revision():
        raise StorageError(
            f"the database at {db.shown_url} is "
            + ("not initialised" if current is None else f"at revision {current}, not up to date")
            + ": run `watchlist init` (or `watchlist db upgrade`)"
        )


def _at_head(db: Database) -> bool:
    """Whether the database's one stored revision is ``HEAD``, read without Alembic. Any
    failure (no such table, a corrupt file, an unreachable server) is False: ``check``
    then asks Alembic, and says what is wrong."""
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    return [tuple(row) for row in rows] == [(HEAD,)]


def _refuse_unknown(db: Database, current: str | None = None) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    current = current or current_revision(db)
    if current is None:
        return
    try:
        known = ScriptDirectory(str(SCRIPTS)).get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        raise StorageError(
            f"the database at {db.shown_url} is at revision {current}, which this version "
            f"of watchlist does not know (newest here: {head_revision()}): it was written by "
            "a newer watchlist; use that version, or restore a backup"
        )


class _translated:
    """Database failures while migrating or reading the revision, as one ``StorageError``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, SQLAlchemyError):
            raise StorageError(describe_failure(self.db, exc)) from exc


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(SCRIPTS)).get_current_head()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()

"""Engines and transactions for SQLite (embedded default) and PostgreSQL.

SQLite: WAL so readers never block the writer, a busy timeout so a short write lock
waits instead of failing, foreign keys on, and writes in ``BEGIN IMMEDIATE`` so two
writers queue at BEGIN rather than deadlock on lock upgrade (sqlite.org/lang_transaction).
pysqlite's own implicit transaction handling is turned off to make that possible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import ConfigError

BUSY_TIMEOUT_MS = 30_000
# What the driver raised: a corrupt file, a dropped connection. The CLI reports it in one
# line (it may not import SQLAlchemy itself).
DatabaseFailure = DBAPIError


def normalise_url(url: str) -> str:
    """Accept a bare path as SQLite and pick psycopg 3 for ``postgresql://`` URLs."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory databases."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    raise ConfigError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def describe_failure(db: Database, exc: BaseException) -> str:
    """One line for a database that cannot be used (a corrupt file, a refused login)."""
    cause = getattr(exc, "orig", None) or exc
    said = " ".join(str(cause).split()) or type(cause).__name__
    return f"the database at {db.shown_url} cannot be used: {said[:300]}"


class Database:
    """An engine plus sessions: ``write()`` for one transaction, ``read()`` for queries."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, **engine_kwargs)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        read_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._read_sessions = sessionmaker(read_engine, expire_on_commit=False)

    @property
    def shown_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    def ping(self) -> str | None:
        """None when the database answers a trivial query, else the error's class name."""
        try:
            with self.read() as session:
                session.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return type(exc).__name__
        return None

    def dispose(self) -> None:
        self.engine.dispose()

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
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from monitor.errors import ConfigError, StorageError

__all__ = ["Database", "Session", "create_db_engine", "normalise_url", "sqlite_path"]

STATEMENTS = 24
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


def create_db_engine(url: str, *, create: bool = True, **kwargs: Any) -> Engine:
    """An engine for ``url``. With ``create=False`` a SQLite file that does not exist is an
    error (a typo in ``--db`` for a read command must not leave an empty database behind)."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None and not create and not path.is_file():
            raise StorageError(
                f"no database at {path}: check --db (or WATCHLIST_DB), "
                "or run `watchlist init` to create one"
            )
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # sqlite3 keeps prepared statements per connection (128 by default): the lookups
        # of syndication copies bind IN lists of thousands of values, one statement per
        # length, each holding its parameters (issue 15: the daemon's memory). The hot
        # statements that repeat are few.
        connect = {"timeout": BUSY_TIMEOUT_MS / 1000, "cached_statements": STATEMENTS}
        engine = create_engine(url, connect_args=connect, **kwargs)
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

    def __init__(self, url: str, *, create: bool = True, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, create=create, **engine_kwargs)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        read_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        self._read_sessions = sessionmaker(read_engine, expire_on_commit=False)

    @property
    def shown_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        with unreachable_as_error(self.url), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with unreachable_as_error(self.url), self._read_sessions() as session, session.begin():
            yield session

    def ping(self) -> str | None:
        """None when the database answers a trivial query, else the error's class name."""
        try:
            with self.read() as session:
                session.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return type(exc).__name__
        except StorageError as exc:  # unreachable: translated by read()
            return type(exc.__cause__ or exc).__name__
        return None

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def unreachable_as_error(url: str) -> Iterator[None]:
    """A database that cannot be reached (or opened) becomes one ``StorageError`` line,
    not a driver traceback (issue 14: an unreachable PostgreSQL printed ~140 lines)."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        if not _is_connect_error(exc):
            raise
        shown = make_url(url).render_as_string(hide_password=True)
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StorageError(f"cannot reach the database {shown}: {detail}") from exc


def _is_connect_error(exc: OperationalError | InterfaceError) -> bool:
    text = str(exc.orig or exc).lower()
    return any(
        phrase in text
        for phrase in (
            "connection",
            "could not connect",
            "unable to open database",
            "does not exist",
            "password authentication",
            "timeout expired",
            "name or service not known",
        )
    )

"""Alembic environment: one code path for ``watchlist db upgrade`` and the alembic CLI.

The database URL comes from, in order: a connection handed in by ``monitor.storage.migrate``
(``config.attributes["connection"]``), ``sqlalchemy.url`` in the config, ``WATCHLIST_DB``.
SQLite needs ``render_as_batch`` because it cannot ALTER most things in place.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection

from monitor.storage.db import create_db_engine
from monitor.storage.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, obj: object, _ctx: object) -> str | bool:
    # Autogenerate would write "monitor.storage.models.UTCDateTime"; the column is a
    # plain timezone-aware DateTime in the database, so render it as one.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("WATCHLIST_DB")
    if not url:
        raise SystemExit("set WATCHLIST_DB or sqlalchemy.url to run migrations")
    engine = create_db_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()

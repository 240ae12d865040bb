"""Driver-level statements for the few hot paths where SQLAlchemy's per-row work dominates.

Placing a poll's evidence in clusters writes ~25 postings per piece and reads the
candidates of every new piece (issue 15): through Core, building the parameters of each
row and expanding the IN lists cost more than the database's own work (~60 % of the
writing thread at 200 feeds). Here the statement is written once with ``?`` placeholders
(turned into the driver's own style) and the rows go to the driver's ``executemany``.
Values the column types convert (times, JSON) go through those types' own processors, so
what is stored and read is exactly what the ORM stores and reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


class Raw:
    """One session's connection, with its dialect's placeholder and value processors."""

    def __init__(self, session: Session) -> None:
        self.connection: Connection = session.connection()
        self.dialect = self.connection.dialect
        self._format = self.dialect.paramstyle != "qmark"  # psycopg: %s

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self._format else statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        result = self.connection.exec_driver_sql(self.sql(statement), tuple(params))
        return list(result.fetchall()) if result.returns_rows else []

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.connection.exec_driver_sql(self.sql(statement), [tuple(r) for r in rows])

    def writer(self, column: ColumnElement[Any]) -> Callable[[Any], Any]:
        """How ``column``'s type turns a Python value into the driver's value."""
        process = column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return process if process is not None else _same

    def reader(self, column: ColumnElement[Any]) -> Callable[[Any], Any]:
        """How ``column``'s type turns the driver's value into a Python value."""
        process = column.type.dialect_impl(self.dialect).result_processor(self.dialect, None)
        return process if process is not None else _same


def marks(count: int) -> str:
    """``?, ?, …`` for an IN list of ``count`` values."""
    return ", ".join("?" * count)


def _same(value: Any) -> Any:
    return value

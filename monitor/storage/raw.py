"""Driver-level statements for the few hot paths where SQLAlchemy's per-row work dominates.

Placing a poll's evidence in clusters writes ~22 band postings per entry and reads the
candidates of every new one, and a poll writes ~30,000 rows of evidence (issue 15):
through Core, building the parameters of each row and expanding the IN lists cost more
than the database's own work (~60 % of the writing thread at 200 feeds). Here the
statement is written once with ``?`` placeholders (turned into the driver's own style)
and the rows go to the driver's ``executemany``.
Values the column types convert (times, JSON) go through those types' own processors, so
what is stored and read is exactly what the ORM stores and reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table
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
        """Rows as the driver gives them (tuples), on the session's connection and in its
        transaction: SQLAlchemy's result rows were a tenth of reading candidates."""
        with contextlib.closing(self._driver().cursor()) as cursor:
            cursor.execute(self.sql(statement), tuple(params))
            return list(cursor.fetchall()) if cursor.description else []

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with contextlib.closing(self._driver().cursor()) as cursor:
                cursor.executemany(self.sql(statement), [tuple(r) for r in rows])

    def _driver(self) -> Any:
        """The DB-API connection under the session's (sqlite3's or psycopg's)."""
        return self.connection.connection.dbapi_connection

    def append(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """New rows (no conflict possible), in one statement: ``COPY`` on PostgreSQL, where
        an ``executemany`` of a poll's ~250,000 band postings took ~40 µs a row."""
        if not rows:
            return
        if self.dialect.name != "postgresql":
            names = ", ".join(columns)
            self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks(len(columns))})", rows)
            return
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self._driver().cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def set_each(
        self,
        table: str,
        column: str,
        values: Sequence[tuple[Any, int]],
        *,
        array_type: str,
        only_unset: bool = False,
    ) -> None:
        """``UPDATE table SET column = value WHERE id = key`` for each (value, key) (with
        ``only_unset``, where ``column`` is NULL), keys distinct, values as the driver
        takes them (``writer``): an ``executemany`` on SQLite; on PostgreSQL one statement
        joining two arrays (``unnest``), which saves the round of each row (a poll's
        30,001 cluster ids: 1.2 s as an ``executemany``, 0.8–0.9 s so; the rest is the
        server's work on every index of the row)."""
        if not values:
            return
        unset = f" AND {column} IS NULL" if only_unset else ""
        if self.dialect.name != "postgresql":
            self.executemany(f"UPDATE {table} SET {column} = ? WHERE id = ?{unset}", values)
            return
        self.execute(
            f"UPDATE {table} AS t SET {column} = v.value"
            f" FROM unnest(?::{array_type}[], ?::integer[]) AS v(value, key)"
            f" WHERE t.id = v.key{unset.replace(column, 't.' + column)}",
            ([value for value, _ in values], [key for _, key in values]),
        )

    def next_ids(self, table: str, count: int) -> list[int]:
        """The ids the next ``count`` rows of ``table`` (an ``id`` primary key) would get,
        taken now, ascending, so that rows can be written with their ids. PostgreSQL
        takes them from the column's sequence. On SQLite the writer is alone in its
        transaction and the table is AUTOINCREMENT where ids must never be reused
        (``evidence``): the next id is above both the largest and the largest ever
        handed out; inserting them moves ``sqlite_sequence`` on."""
        if count <= 0:
            return []
        if self.dialect.name == "postgresql":
            rows = self.execute(
                "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)",
                (table, count),
            )
            return sorted(int(value) for (value,) in rows)
        top = self.execute(f"SELECT max(id) FROM {table}")[0][0] or 0
        handed = self.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        start = max(top, handed[0][0] if handed else 0) + 1
        return list(range(start, start + count))

    def one_of(self, column: str, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        """``column IN (?, …)`` and its parameters; on PostgreSQL ``column = ANY(?)`` with
        one array parameter, which it plans and binds in a fraction of the time of an IN
        list of thousands."""
        if self.dialect.name == "postgresql":
            return f"{column} = ANY(?)", (list(values),)
        return f"{column} IN ({marks(len(values))})", tuple(values)

    def writer(self, column: ColumnElement[Any]) -> Callable[[Any], Any]:
        """How ``column``'s type turns a Python value into the driver's value."""
        process = column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return process if process is not None else _same

    def reader(self, column: ColumnElement[Any]) -> Callable[[Any], Any]:
        """How ``column``'s type turns the driver's value into a Python value."""
        process = column.type.dialect_impl(self.dialect).result_processor(self.dialect, None)
        return process if process is not None else _same


def insert_rows(raw: Raw, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """New rows (all with the same keys), each value through its column's processor.

    A poll's ~30,000 rows of evidence hold ~400,000 values: columns without a processor
    are passed as they are, and a processed column's distinct values (the batch's time,
    an entry's time and publisher on each of its pieces) are converted once. Column by
    column, in comprehensions: value by value, the loop was twice the CPU of the thread
    that writes (issue 15)."""
    if not rows:
        return
    names = list(rows[0])
    columns = [[row[name] for row in rows] for name in names]
    for i, name in enumerate(names):
        write = raw.writer(table.c[name])
        if write is not _same:
            columns[i] = _converted(write, columns[i])
    raw.append(table.name, names, list(zip(*columns, strict=True)))


def _converted(write: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # unhashable (a list for a JSON column): converted each time
        return [write(value) for value in values]
    converted = {value: write(value) for value in distinct}
    return [converted[value] for value in values]


def marks(count: int) -> str:
    """``?, ?, …`` for an IN list of ``count`` values."""
    return ", ".join("?" * count)


def _same(value: Any) -> Any:
    return value

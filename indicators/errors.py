"""The exception tree of ``indicators``.

::

    IndicatorsError
    ├── QuerySyntaxError      a query that does not parse (carries the 1-based column)
    ├── WatchlistError        a watch list that does not load (FILE:LINE:COL: indicator 'ID': …)
    └── ExtractionError       an article with no "what to watch" list in it

Every message names the thing and the place, so an analyst can go straight to it.
"""

from __future__ import annotations


class IndicatorsError(Exception):
    """Base of every error raised by the ``indicators`` package."""


class QuerySyntaxError(IndicatorsError):
    """A query that does not parse. ``column`` is 1-based within the query text."""

    def __init__(self, message: str, column: int, query: str = "") -> None:
        self.message = message
        self.column = column
        self.query = query
        super().__init__(f"column {column}: {message}")


class WatchlistError(IndicatorsError):
    """A watch list that does not load; the message is ``FILE:LINE:COL: indicator 'ID': what``."""

    def __init__(
        self,
        message: str,
        *,
        path: str = "<string>",
        line: int | None = None,
        column: int | None = None,
        indicator: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.indicator = indicator
        super().__init__(self.render())

    def render(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        who = f" indicator '{self.indicator}':" if self.indicator else ""
        return f"{where}:{who} {self.message}"


class ExtractionError(IndicatorsError):
    """No watch list could be drafted from an article (it has no list, or nothing usable)."""

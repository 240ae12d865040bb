"""The picture of an indicator over time, as geometry for an inline ``<svg>`` (pure).

Bands: one rectangle per stretch of time spent in a status, from the status log (the
stretch before the first change is that change's ``from`` status). Marks: evidence as
dots in one row per modality, merged per pixel column so 10,000 pieces of evidence draw
at most a few hundred dots (each keeps its count for the tooltip). The deadline is a
vertical line. ``now`` is given, never read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from monitor.storage.views import HistoryItem, Mark

WIDTH, HEIGHT = 900, 140
LEFT, RIGHT = 10, 10
BAND_Y, BAND_H = 10, 24
ROWS = {"occurred": 60, "anticipated": 85, "negated": 110}
AXIS_Y = 132
_XOf = Callable[[datetime], float]


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    status: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    modality: str
    count: int
    dismissed: bool
    first: datetime


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bands: tuple[Band, ...]
    dots: tuple[Dot, ...]
    deadline_x: float | None
    deadline: date | None
    now_x: float
    ticks: tuple[Tick, ...]
    rows: dict[str, int]


def build(
    history: Sequence[HistoryItem],
    marks: Sequence[Mark],
    *,
    status: str,
    since: datetime,
    deadline: date | None,
    now: datetime,
) -> Timeline:
    times = [h.at for h in history] + [m.at for m in marks] + [since]
    deadline_at = None
    if deadline is not None:
        deadline_at = datetime.combine(deadline + timedelta(days=1), time(), tzinfo=UTC)
        times.append(deadline_at)
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 3600.0)
    # "now" widens the picture by a quarter at most: months of quiet after the last event
    # would squeeze everything that happened into a corner.
    end = max(end, min(now, end + timedelta(seconds=span / 4)))
    span = max((end - start).total_seconds(), 3600.0)
    start -= timedelta(seconds=span * 0.02)
    end += timedelta(seconds=span * 0.02)
    scale = (WIDTH - LEFT - RIGHT) / (end - start).total_seconds()

    def x_of(when: datetime) -> float:
        return round(LEFT + (when - start).total_seconds() * scale, 1)

    return Timeline(
        width=WIDTH,
        height=HEIGHT,
        bands=tuple(_bands(history, status, start, end, now, x_of)),
        dots=tuple(_dots(marks, x_of)),
        deadline_x=x_of(deadline_at) if deadline_at else None,
        deadline=deadline,
        now_x=x_of(min(now, end)),
        ticks=tuple(_ticks(start, end, x_of)),
        rows=ROWS,
    )


def _bands(
    history: Sequence[HistoryItem],
    status: str,
    start: datetime,
    end: datetime,
    now: datetime,
    x_of: _XOf,
) -> list[Band]:
    edges: list[tuple[datetime, str]] = [(start, history[0].from_status if history else status)]
    edges += [(h.at, h.to_status) for h in history]
    bands = []
    for i, (at, state) in enumerate(edges):
        until = edges[i + 1][0] if i + 1 < len(edges) else max(min(now, end), at)
        x0, x1 = x_of(at), x_of(until)
        bands.append(Band(x0, max(round(x1 - x0, 1), 1.0), state, at, until))
    return bands


def _dots(marks: Sequence[Mark], x_of: _XOf) -> list[Dot]:
    merged: dict[tuple[int, str], Dot] = {}
    for mark in marks:
        x = x_of(mark.at)
        key = (round(x / 3), mark.modality)  # one dot per 3 px per row
        if key in merged:
            old = merged[key]
            merged[key] = Dot(
                old.x,
                old.y,
                old.modality,
                old.count + 1,
                old.dismissed and mark.dismissed,
                old.first,
            )
        else:
            y = ROWS.get(mark.modality, AXIS_Y - 10)
            merged[key] = Dot(x, y, mark.modality, 1, mark.dismissed, mark.at)
    return list(merged.values())


def _ticks(start: datetime, end: datetime, x_of: _XOf, count: int = 6) -> list[Tick]:
    step = (end - start) / count
    return [
        Tick(x_of(start + step * i), (start + step * i).strftime("%Y-%m-%d"))
        for i in range(1, count)
    ]

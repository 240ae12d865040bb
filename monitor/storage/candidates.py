"""Which stored entries a unit of new evidence may be a copy of, found once per unit.

A *unit* is an entry with evidence at one time (its pieces' time, ``Piece.unit``). Its
band keys (``similarity.bands`` of the entry's sketch) are posted once in ``unit_bands``,
whatever the indicators and sides its evidence is for. Whether two pieces are copies
depends only on their units (the entries' sketches and the pieces' times), so a unit's
copies are found once (``unit_copies``: the posted units that share a band inside the
window, compared) and every indicator's placing reads them from memory, then only the
stored pieces of those few entries (``clusters``).

Before (issue 15), postings were per piece and per indicator: a poll of 12,000 realistic
entries wrote 381,513 postings for 17,184 (entry, indicator) units, and each indicator
looked up and compared the same candidate entries again. Now it writes one posting per
band of the 11,581 entries with evidence, and compares each pair of entries once.

The memory of what was found (``Session.info``: one transaction) is kept up to date as
units are posted in it. On PostgreSQL it is also cleared when an indicator is locked for
the first time in the transaction: another worker may have committed units and placed
their pieces meanwhile, and a copy missed then would be missed by both sides. A batch
locks all the indicators it decides at once (``indicators.lock_indicators``), so the
copies found after that serve them all. A SQLite write transaction is alone: what it
found stays true.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from indicators.similarity import bands, may_be_syndicated, syndicated
from monitor.status import SYNDICATION_WINDOW
from monitor.storage.models import Entry, UnitBand
from monitor.storage.raw import Raw

Unit = tuple[int, datetime]  # (entry id, time)
CHUNK = 400  # units whose copies one query looks for


@dataclass
class Found:
    """What one transaction has read and found (kept in ``Session.info``)."""

    sketches: dict[int, tuple[int, ...]] = field(default_factory=dict)  # entry id → sketch
    posted: set[Unit] = field(default_factory=set)  # units known to be posted
    copies: dict[Unit, frozenset[Unit]] = field(default_factory=dict)  # unit → its copies
    pairs: dict[tuple[int, int], bool] = field(default_factory=dict)  # entries compared
    locked: set[int] = field(default_factory=set)  # indicators locked (``new_lock``)


_FOUND = "watchlist.units"


def found(session: Session) -> Found:
    """This transaction's memory (``Session.info`` lives as long as the session: one
    transaction). A sketch changes only when its entry is rewritten (``forget_entry``)."""
    kept = session.info.get(_FOUND)
    if not isinstance(kept, Found):
        kept = session.info[_FOUND] = Found()
    return kept


def forget_entry(session: Session, entry_id: int) -> None:
    """The entry was rewritten: its sketch and postings are gone (and every copy found)."""
    memory = found(session)
    memory.sketches.pop(entry_id, None)
    memory.posted = {u for u in memory.posted if u[0] != entry_id}
    memory.copies.clear()
    memory.pairs = {p: v for p, v in memory.pairs.items() if entry_id not in p}
    Raw(session).execute("DELETE FROM unit_bands WHERE entry_id = ?", (entry_id,))


def new_lock(session: Session, indicator_ids: Iterable[int]) -> None:
    """Indicators' locks were taken (``indicators.lock_indicator``; again: nothing). On
    PostgreSQL, a new lock forgets the copies found: another worker may have committed
    units and placed their pieces since, which only a lookup after the lock sees."""
    memory = found(session)
    new = set(indicator_ids) - memory.locked
    memory.locked |= new
    if new and session.get_bind().dialect.name != "sqlite":
        memory.copies.clear()


def post_units(session: Session, units: Iterable[tuple[Unit, tuple[int, ...]]]) -> None:
    """Post the band keys of units (each with its entry's sketch) not posted yet. On
    SQLite, find their copies on the way: among the units posted before (a query per
    ``CHUNK``) and among themselves (in memory), so they never meet their own postings."""
    memory = found(session)
    fresh = {u: sk for u, sk in units if u not in memory.posted}
    if not fresh:
        return
    raw = Raw(session)
    already = _posted(raw, sorted({entry for entry, _ in fresh}))
    new = {u: sk for u, sk in sorted(fresh.items()) if u not in already and sk}
    memory.posted |= fresh.keys()
    memory.sketches.update((entry, sk) for (entry, _), sk in fresh.items() if sk)
    if not new:
        return
    if raw.dialect.name == "sqlite":  # on PostgreSQL, locking forgets them (``new_lock``)
        in_time = sorted(new, key=lambda u: u[1])
        for start in range(0, len(in_time), CHUNK):  # each query's window: its units' times
            _find(raw, memory, {u: new[u] for u in in_time[start : start + CHUNK]})
        _among(memory, new)
    when = raw.writer(UnitBand.__table__.c.published_at)
    raw.append(  # none of them is posted: checked above, under the feeds' claims
        "unit_bands",
        ("hash", "published_at", "entry_id"),
        [
            (h, stamp, entry)
            for (entry, at), sk in new.items()
            for stamp in (when(at),)  # once a unit, not once a band
            for h in bands(sk)
        ],
    )


def _posted(raw: Raw, entry_ids: Sequence[int]) -> set[Unit]:
    read_time = raw.reader(UnitBand.__table__.c.published_at)
    out: set[Unit] = set()
    for part in _parts(entry_ids):
        where, params = raw.one_of("entry_id", part)
        for entry, at in raw.execute(
            f"SELECT DISTINCT entry_id, published_at FROM unit_bands WHERE {where}", params
        ):
            out.add((entry, read_time(at)))
    return out


def unit_copies(
    session: Session, units: Sequence[tuple[Unit, tuple[int, ...]]]
) -> dict[Unit, frozenset[Unit]]:
    """For each unit (with its entry's sketch), the posted units it is a copy of: they
    share a band, fall inside the window and their sketches are syndicated. Itself
    excluded; another time of its own entry included, as the full computation does."""
    memory = found(session)
    todo = {u: sk for u, sk in units if u not in memory.copies}
    if todo:
        _find(Raw(session), memory, todo)
    return {u: memory.copies[u] for u, _ in units}


def _find(raw: Raw, memory: Found, todo: dict[Unit, tuple[int, ...]]) -> None:
    hashes = sorted({h for sk in todo.values() for h in bands(sk)})
    for u in todo:
        memory.copies[u] = frozenset()
    if not hashes:
        return
    when = raw.writer(UnitBand.__table__.c.published_at)
    read_time = raw.reader(UnitBand.__table__.c.published_at)
    lo = min(at for _, at in todo) - SYNDICATION_WINDOW
    hi = max(at for _, at in todo) + SYNDICATION_WINDOW
    by_band: dict[int, list[Unit]] = {}
    times: dict[object, datetime] = {}  # a unit's ~22 rows share its time: read it once
    for part in _parts(hashes, 30_000):
        where, params = raw.one_of("hash", part)
        for h, at, entry in raw.execute(
            f"SELECT hash, published_at, entry_id FROM unit_bands WHERE {where}"
            " AND published_at BETWEEN ? AND ?",
            (*params, when(lo), when(hi)),
        ):
            time = times.get(at)
            if time is None:
                time = times[at] = read_time(at)
            by_band.setdefault(h, []).append((entry, time))
    _read_sketches(raw, {e for met in by_band.values() for e, _ in met}, memory)
    for unit, sk in todo.items():
        hashes_of = frozenset(sk)
        met = {other for h in bands(sk) for other in by_band.get(h, ())}  # each once
        copies = {
            other
            for other in met
            if other != unit
            and abs(other[1] - unit[1]) <= SYNDICATION_WINDOW
            and _similar(memory, unit[0], hashes_of, sk, other[0])
        }
        memory.copies[unit] = frozenset(copies)
        for other in copies:  # a unit whose copies were found before meets this one now
            if other in memory.copies and other not in todo:
                memory.copies[other] |= {unit}


def _among(memory: Found, new: dict[Unit, tuple[int, ...]]) -> None:
    """Copies among units posted together (added to what ``_find`` found of each)."""
    by_band: dict[int, list[Unit]] = {}
    for unit, sk in new.items():
        hashes_of = frozenset(sk)
        met = {
            other
            for other in {o for h in bands(sk) for o in by_band.get(h, ())}  # each once
            if abs(other[1] - unit[1]) <= SYNDICATION_WINDOW
            and _similar(memory, unit[0], hashes_of, sk, other[0])
        }
        for h in bands(sk):
            by_band.setdefault(h, []).append(unit)
        if met:
            memory.copies[unit] |= met
            for other in met:
                memory.copies[other] |= {unit}


def _similar(
    memory: Found, entry: int, hashes: frozenset[int], sk: tuple[int, ...], other: int
) -> bool:
    if other == entry:
        return True  # the same text at another time
    pair = (entry, other) if entry < other else (other, entry)
    same = memory.pairs.get(pair)
    if same is None:
        theirs = memory.sketches.get(other, ())
        same = memory.pairs[pair] = may_be_syndicated(hashes, theirs) and syndicated(sk, theirs)
    return same


def _read_sketches(raw: Raw, entry_ids: set[int], memory: Found) -> None:
    read_sketch = raw.reader(Entry.__table__.c.sketch)
    for part in _parts(sorted(entry_ids - memory.sketches.keys())):
        where, params = raw.one_of("id", part)
        for entry_id, sketch in raw.execute(
            f"SELECT id, sketch FROM entries WHERE {where}", params
        ):
            if sketch is not None:  # not computed (a rewritten entry): never kept
                memory.sketches[entry_id] = read_sketch(sketch)


def _parts(ids: Sequence[int], size: int = 4_000) -> list[Sequence[int]]:
    """``ids`` in parts small enough for one statement's bound parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]

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

import functools
import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from indicators.similarity import bands, compute_bands
from monitor.model import StoredEntry
from monitor.status import SYNDICATION_WINDOW
from monitor.storage.columns import epoch_micros, header_of
from monitor.storage.copies import Found, Mine, Theirs, Unit, found, parts, read_sketches
from monitor.storage.models import UnitBand
from monitor.storage.raw import Raw

__all__ = ["Found", "Unit", "bit", "forget_entry", "new_lock", "post_units", "unit_copies"]
# Units whose copies one query looks for (their candidates are held at once): a batch of
# 20 realistic feeds (~1,200 units) in one, where chunks of 400 made three lookups of it.
CHUNK = 1_500
FRESH_AT_ONCE = 5_000  # a transaction's own units compared in memory at once (a batch: ~1,200)
_MICROSECOND = timedelta(microseconds=1)
_BITS = 62  # a unit's indicators as bits of a signed BIGINT (``bit``)
_BAND_KEY = operator.itemgetter(0)  # of a posting row: its band key


def bit(indicator_id: int) -> int:
    """An indicator's bit in a unit's mask: two indicators may share one (a false
    candidate, compared for nothing), a unit never lacks one of its indicators' bits."""
    return 1 << (indicator_id % _BITS)


def forget_entry(session: Session, entry_id: int, sketch: Sequence[int] | None) -> None:
    """The entry was rewritten: its sketch and postings are gone (and every copy found).
    ``sketch`` is the one it had: its postings, at any time, are that sketch's bands (an
    entry without a sketch has none), found by key (``unit_bands`` has no index by entry:
    migration 0011)."""
    memory = found(session)
    memory.sketches.pop(entry_id, None)
    memory.signatures.pop(entry_id, None)
    memory.posted = {u: m for u, m in memory.posted.items() if u[0] != entry_id}
    memory.fresh = {u for u in memory.fresh if u[0] != entry_id}
    memory.copies.clear()
    if sketch:  # its keys computed, not remembered: the sketch is gone
        Raw(session).executemany(
            "DELETE FROM unit_bands WHERE hash = ? AND entry_id = ?",
            [(h, entry_id) for h in compute_bands(tuple(sketch))],
        )


def new_lock(session: Session, indicator_ids: Iterable[int]) -> None:
    """Indicators' locks were taken (``indicators.lock_indicator``; again: nothing). On
    PostgreSQL, a new lock forgets the copies found: another worker may have committed
    units and placed their pieces since, which only a lookup after the lock sees."""
    memory = found(session)
    new = set(indicator_ids) - memory.locked
    memory.locked |= new
    if new and session.get_bind().dialect.name != "sqlite":
        memory.copies.clear()


Posted = tuple[Unit, tuple[int, ...], int]  # a unit, its entry's sketch, its indicators' bits


def post_units(session: Session, units: Iterable[Posted]) -> None:
    """Post the band keys of units not posted yet, and the indicators' bits of units
    posted with fewer. On SQLite, find the new units' copies on the way: among the units
    posted before (a query per ``CHUNK``) and among themselves (in memory), so they never
    meet their own postings."""
    memory = found(session)
    wanted: dict[Unit, tuple[tuple[int, ...], int]] = {}
    for unit, sk, mask in units:
        known = memory.posted.get(unit)
        if known is None or mask & ~known:
            was = wanted.get(unit, ((), 0))[1]
            wanted[unit] = (sk, mask | was | (known or 0))
    if not wanted:
        return
    raw = Raw(session)
    already = _posted(raw, {entry: sk for (entry, _), (sk, _) in wanted.items()})
    _widen(
        raw,
        memory,
        {u: (sk, m | already[u], already[u]) for u, (sk, m) in wanted.items() if u in already},
    )
    new = {u: v for u, v in sorted(wanted.items()) if u not in already and v[0]}
    memory.posted.update((u, m) for u, (_, m) in wanted.items() if u not in already)
    memory.sketches.update((entry, sk) for (entry, _), (sk, _) in wanted.items() if sk)
    if not new:
        return
    memory.fresh.update(new)
    if raw.dialect.name == "sqlite":  # on PostgreSQL, locking forgets them (``new_lock``)
        _find(raw, memory, new)
        _among(memory, new)
    when = raw.writer(UnitBand.__table__.c.published_at)
    rows = [
        (h, stamp, entry, mask)
        for (entry, at), (sk, mask) in new.items()
        for stamp in (when(at),)  # once a unit, not once a band
        for h in bands(sk)
    ]
    # In the table's key order: band keys are random, and rows inserted in random order
    # each land on another page of the index (2.2 million rows of a replay of 100,000
    # entries: 13 s in random order, 7 s sorted, measured on SQLite). By key alone: a
    # band key is rarely shared within a batch, and comparing whole rows cost 2.5x more.
    rows.sort(key=_BAND_KEY)
    # None of them is posted: checked above, under the feeds' claims.
    raw.append("unit_bands", ("hash", "published_at", "entry_id", "indicators"), rows)


def entry_units(
    pieces: Iterable[tuple[StoredEntry, int]], sketches: Mapping[int, tuple[int, ...]]
) -> list[Posted]:
    """The units of new pieces (entry, indicator): each entry at its time, with its sketch
    and the bits of every indicator it has pieces for."""
    masks: dict[int, tuple[StoredEntry, int]] = {}
    for entry, indicator_id in pieces:
        masks[entry.id] = (entry, masks.get(entry.id, (entry, 0))[1] | bit(indicator_id))
    return [((e.id, e.published_at), sketches[e.id], mask) for e, mask in masks.values()]


def _widen(raw: Raw, memory: Found, masks: dict[Unit, tuple[tuple[int, ...], int, int]]) -> None:
    """Posted units (wanted and stored masks) with more indicators now (rare: a replay, a
    rewritten or restored piece): their bits, and the copies found (found for fewer
    indicators) forgotten."""
    memory.posted.update((u, wanted) for u, (_, wanted, _) in masks.items())
    grown = {u: (sk, wanted) for u, (sk, wanted, stored) in masks.items() if wanted != stored}
    if not grown:
        return
    when = raw.writer(UnitBand.__table__.c.published_at)
    raw.executemany(  # each posting by its key: the unit's bands
        "UPDATE unit_bands SET indicators = ? WHERE hash = ? AND published_at = ? AND entry_id = ?",
        [
            (mask, h, stamp, entry)
            for (entry, at), (sk, mask) in grown.items()
            for stamp in (when(at),)
            for h in bands(sk)
        ],
    )
    memory.copies.clear()


def _posted(raw: Raw, sketches: Mapping[int, tuple[int, ...]]) -> dict[Unit, int]:
    """The posted units of these entries (each with its sketch), at any time, and their
    indicators' bits. An entry's postings at any time are its sketch's bands, so each is
    looked for under its smallest band key, by the table's key: an index by entry cost
    more to keep than it saved (each posting written into a second B-tree: 256,000
    postings took 1.0 s of SQLite's CPU with it, 0.4 s without; migration 0011). The
    rows of other entries under those keys (copies) are dropped here."""
    probes = {entry: keys[0] for entry, sk in sketches.items() if (keys := bands(sk))}
    read_time = raw.reader(UnitBand.__table__.c.published_at)
    out: dict[Unit, int] = {}
    for part in parts(sorted(set(probes.values())), 16_384):
        where, params = raw.one_of("hash", part)
        for h, entry, at, mask in raw.execute(
            f"SELECT hash, entry_id, published_at, indicators FROM unit_bands WHERE {where}",
            params,
        ):
            if probes.get(entry) == h:
                unit = (entry, read_time(at))
                out[unit] = out.get(unit, 0) | mask
    return out


def unit_copies(
    session: Session, units: Sequence[tuple[Unit, tuple[int, ...]]]
) -> dict[Unit, frozenset[Unit]]:
    """For each posted unit (with its entry's sketch), the posted units it is a copy of
    that share one of its indicators: they share a band, fall inside the window and their
    sketches are syndicated. Itself excluded; another time of its own entry included, as
    the full computation does."""
    memory = found(session)
    todo = {u: (sk, memory.posted[u]) for u, sk in units if u not in memory.copies}
    if todo:
        raw = Raw(session)
        # Every unit this transaction posted whose copies are not known, asked or not:
        # found at once (on PostgreSQL, after the batch's locks: ``new_lock``). Compared
        # with each other in memory, so not too many at once: when a replay's 100,000
        # are forgotten by a lock, only those asked for.
        waiting = [u for u in memory.fresh if u not in memory.copies]
        if len(waiting) > FRESH_AT_ONCE:
            waiting = [u for u in todo if u in memory.fresh]
        fresh = {u: (memory.sketches[u[0]], memory.posted[u]) for u in waiting}
        if fresh:
            _find_fresh(raw, memory, fresh)
        older = {u: v for u, v in todo.items() if u not in fresh}
        if older:
            _find(raw, memory, older)
    return {u: memory.copies[u] for u, _ in units}


def _find_fresh(raw: Raw, memory: Found, fresh: dict[Unit, tuple[tuple[int, ...], int]]) -> None:
    """The copies of units posted in this transaction, as ``post_units`` finds them on
    SQLite: by one lookup for all of them (on PostgreSQL a batch asked ~14 times, once
    per indicator and side placed), whose rows of their own entries are dropped; those
    are compared in memory (``_among``), as are the other times of their own entries
    (``_same_entries``)."""
    entries = sorted({entry for entry, _ in fresh})
    _find(raw, memory, fresh, leave_out=frozenset(entries))
    _same_entries(raw, memory, fresh)
    _among(memory, fresh)


def _same_entries(raw: Raw, memory: Found, fresh: dict[Unit, tuple[tuple[int, ...], int]]) -> None:
    """A fresh unit's own entry at another time (one text: a copy), which the lookup of
    ``_find_fresh`` left out (rare: its entry's time moved)."""
    by_entry: dict[int, list[Unit]] = {}
    for unit in fresh:
        by_entry.setdefault(unit[0], []).append(unit)
    sketches = {unit[0]: sk for unit, (sk, _) in fresh.items()}
    for other, mask in _posted(raw, sketches).items():
        if other in fresh:
            continue  # compared in memory
        for unit in by_entry[other[0]]:
            if mask & fresh[unit][1] and abs(other[1] - unit[1]) <= SYNDICATION_WINDOW:
                memory.copies[unit] |= {other}
                if other in memory.copies:
                    memory.copies[other] |= {unit}


def _find(
    raw: Raw,
    memory: Found,
    todo: dict[Unit, tuple[tuple[int, ...], int]],
    leave_out: frozenset[int] = frozenset(),
) -> None:
    """The copies of ``todo``'s units among the posted units (those of the entries in
    ``leave_out`` aside), a query per ``CHUNK`` units in time order (each query's window:
    its units' times): the candidates that share a band, an indicator and the window, and
    whose signatures pass, found on arrays (``sieve``); their hashes compared here."""
    in_time = sorted(todo, key=lambda u: u[1])
    for start in range(0, len(in_time), CHUNK):
        chunk = in_time[start : start + CHUNK]
        for unit, copies in _copies(raw, memory, chunk, todo, leave_out).items():
            memory.copies[unit] = frozenset(copies)
            for other in copies:  # a unit whose copies were found before meets this one now
                if other in memory.copies and other not in todo:
                    memory.copies[other] |= {unit}


def _copies(
    raw: Raw,
    memory: Found,
    chunk: Sequence[Unit],
    todo: dict[Unit, tuple[tuple[int, ...], int]],
    leave_out: frozenset[int],
) -> dict[Unit, set[Unit]]:
    """The copies of one chunk's units. Candidates' sketches are read for this call only,
    packed: kept for the transaction, as tuples of ints, ~40,000 of them were ~100 MB at
    60,000 entries (each is compared by a few units of one call, rarely again). Only
    entries met inside a unit's window are read."""
    when = raw.writer(UnitBand.__table__.c.published_at)
    window = SYNDICATION_WINDOW // _MICROSECOND
    keys = [bands(todo[u][0]) for u in chunk]
    stamps = [when(u[1]) for u in chunk]
    masks = [todo[u][1] for u in chunk]
    rows = _postings(raw, keys, stamps, masks, window)
    found: dict[Unit, set[Unit]] = {u: set() for u in chunk}
    if not rows:
        return found
    # NumPy (~12 MB) is loaded by the first lookup with postings to sieve, not by every
    # command that imports storage: a poll that meets no posting never needs it.
    from monitor.storage import sieve

    units = sieve.Units([u[0] for u in chunk], stamps, masks, keys)
    unit, entry, at = sieve.met(units, rows, window, leave_out)
    met_entries = set(entry.tolist())
    packed = read_sketches(raw, met_entries - memory.sketches.keys())
    theirs = Theirs(packed, memory)
    marks = [Mine(u[0], todo[u][0], theirs) for u in chunk]
    signed, theirs_signed = sieve.signed(sorted(met_entries), packed, memory.sketches)
    mine = sieve.Signed.of([header_of(m.signature) for m in marks])
    ok = sieve.passing(units, mine, unit, entry, signed, theirs_signed)
    read_time = raw.reader(UnitBand.__table__.c.published_at)
    for n, other, stamp in zip(unit[ok].tolist(), entry[ok].tolist(), at[ok].tolist(), strict=True):
        mark = marks[n]
        if other == mark.entry or mark.resembles(other, theirs):
            found[chunk[n]].add((other, read_time(stamp)))
    return found


def _postings(
    raw: Raw,
    keys: Sequence[Sequence[int]],
    stamps: Sequence[int],
    masks: Sequence[int],
    window: int,
) -> list[tuple[int, int, int, int]]:
    """The posted units (band key, stored time, entry, indicators' bits) under any of the
    units' band ``keys``, inside their times (``stamps``) widened by the window, with one
    of their indicators (``masks``). Times stay the stored integers: a candidate is met
    ~100 times at 60,000 entries, a copy rarely."""
    hashes = sorted({h for unit_keys in keys for h in unit_keys})
    if not hashes:
        return []
    anyone = functools.reduce(operator.or_, masks)
    rows: list[tuple[int, int, int, int]] = []
    # SQLite binds each key (at most 32,766 a statement); PostgreSQL takes one array,
    # and each more statement scanned the postings once more.
    size = len(hashes) if raw.dialect.name == "postgresql" else 16_384
    for part in parts(hashes, size):
        where, params = raw.one_of("hash", part)
        # The units' own entries are left out on arrays (``sieve.met``): ``NOT
        # (entry_id = ANY(…))`` made PostgreSQL search the array for every row (1.7 s
        # against 0.8 s a poll).
        rows += raw.execute(
            f"SELECT hash, published_at, entry_id, indicators FROM unit_bands WHERE {where}"
            " AND published_at BETWEEN ? AND ? AND (indicators & ?) != 0",
            (*params, min(stamps) - window, max(stamps) + window, anyone),
        )
    return rows


def _among(memory: Found, new: dict[Unit, tuple[tuple[int, ...], int]]) -> None:
    """Copies among units posted together (added to what ``_find`` found of each). As in
    ``_candidates``, times are integers here and signatures are tested in one loop: a
    batch of 20 realistic feeds holds ~1,200 units that share stock-sentence bands."""
    theirs = Theirs({}, memory)
    signed = theirs.signatures({entry for entry, _ in new})
    window = SYNDICATION_WINDOW // _MICROSECOND
    by_band: dict[int, list[tuple[int, int]]] = {}  # band → units seen, as (entry, stamp)
    seen: dict[tuple[int, int], tuple[Unit, int]] = {}  # (entry, stamp) → unit, mask
    for unit, (sk, mine) in new.items():
        key = (unit[0], epoch_micros(unit[1]))
        near = {
            other
            for h in bands(sk)
            for other in by_band.get(h, ())
            if abs(other[1] - key[1]) <= window and seen[other][1] & mine
        }
        met = {seen[other][0] for other in Mine(unit[0], sk, theirs).among(near, signed, theirs)}
        seen[key] = (unit, mine)
        for h in bands(sk):
            by_band.setdefault(h, []).append(key)
        if met:
            memory.copies[unit] |= met
            for other in met:
                memory.copies[other] |= {unit}

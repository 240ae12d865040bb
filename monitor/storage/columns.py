"""Column types of the schema (``models``): times in UTC on every backend, and the two
compact encodings of the hot tables (issue 15)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, DateTime, LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from indicators.similarity import SIGNATURE_BITS, Signature, signature


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones, so values are normalised to UTC before storage and
    marked UTC again when read; a naive datetime is a programming error.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def epoch_micros(value: datetime) -> int:
    """An aware time as ``EpochMicros`` stores it."""
    return (value - _EPOCH) // _MICRO


class EpochMicros(TypeDecorator[datetime]):
    """An aware time as whole microseconds since 1970 UTC (a BIGINT): for keys written by
    the hundred thousand (``UnitBand``), where SQLite's 26-character text times made the
    index twice as wide and each read a parse."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC time")
        return epoch_micros(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _EPOCH + value * _MICRO


class PackedSketch(TypeDecorator[tuple[int, ...]]):
    """A near-duplicate sketch (``similarity.sketch``: up to 64 unsigned 32-bit hashes) as
    4 bytes a hash, big-endian, after its signature (``similarity.signature``: a byte for
    the number of hashes, then the bits). Placing new evidence reads the sketch of every
    candidate copy (issue 15): decoding JSON was ~17 µs a sketch, a third of placing at
    100,000 pieces of evidence; unpacking bytes is ~1 µs, and a signature rejects most
    candidates before that (``read_signature``). An empty sketch is ``b""``; NULL is
    "not computed" (``Entry.sketch``). Sketches stored without a signature (before
    migration 0009: a length divisible by 4) are still read."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Sequence[int] | None, dialect: Dialect) -> bytes | None:
        return None if value is None else pack_sketch(value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> tuple[int, ...] | None:
        return None if value is None else unpack_sketch(value)


_BITS_BYTES = SIGNATURE_BITS // 8
_HEADER = 1 + _BITS_BYTES  # 129 bytes: a packed sketch's length is 1 more than a multiple of 4


def pack_sketch(hashes: Sequence[int]) -> bytes:
    if not hashes:
        return b""
    return header_of(signature(hashes)) + struct.pack(f">{len(hashes)}I", *hashes)


def _start(value: bytes) -> int:
    return _HEADER if len(value) % 4 == 1 else 0


def unpack_sketch(value: bytes) -> tuple[int, ...]:
    start = _start(value)
    return struct.unpack_from(f">{(len(value) - start) // 4}I", value, start)


def header_of(signed: Signature) -> bytes:
    """A signature as a packed sketch's header holds it: its hash count, then its bits
    (big-endian), ``_HEADER`` bytes."""
    bits, count, _ = signed
    return bytes((count,)) + bits.to_bytes(_BITS_BYTES, "big")


def signature_header(value: bytes) -> bytes:
    """The signature header of a packed sketch, as stored (computed for one packed
    without it)."""
    return value[:_HEADER] if _start(value) else header_of(signature(unpack_sketch(value)))


def read_signature(value: bytes) -> Signature:
    """The signature of a packed sketch, without unpacking its hashes."""
    if not _start(value):
        return signature(unpack_sketch(value))
    bits = int.from_bytes(value[1:_HEADER], "big")
    return bits, value[0], value[0] - bits.bit_count()

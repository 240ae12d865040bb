"""sketches stored with their signature in front

Issue 15: finding an entry's copies compared it with every stored entry that shares a
band of its sketch, and at 60,000 entries of one busy topic only 0.2 % of those
candidates were copies; unpacking their hashes was most of the cost. A packed sketch
(``monitor.storage.columns.PackedSketch``) now starts with its signature
(``indicators.similarity.signature``: a byte for the number of hashes, then 1,024 bits),
which rejects most candidates before their hashes are read. The upgrade signs every
stored sketch; the downgrade strips the signatures. The bits are computed here, not with
``similarity.signature``: a later change of the signature comes with its own migration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:00:00.000000
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5_000
_BITS = 1_024
_HEADER = 1 + _BITS // 8


def upgrade() -> None:
    _rewrite(lambda packed: _sign(packed) if len(packed) % 4 == 0 else packed)


def downgrade() -> None:
    _rewrite(lambda packed: packed[_HEADER:] if len(packed) % 4 == 1 else packed)


def _sign(packed: bytes) -> bytes:
    hashes = struct.unpack(f">{len(packed) // 4}I", packed)
    bits = 0
    for h in hashes:
        bits |= 1 << (h & (_BITS - 1))
    return bytes((len(hashes),)) + bits.to_bytes(_BITS // 8, "big") + packed


def _rewrite(convert: Callable[[bytes], bytes]) -> None:
    """Every stored non-empty sketch, converted in place (an empty one stays ``b""``)."""
    bind = op.get_bind()
    stored = bind.execute(
        sa.text("SELECT id, sketch FROM entries WHERE sketch IS NOT NULL").columns(
            sa.column("id", sa.Integer()), sa.column("sketch", sa.LargeBinary())
        )
    ).all()
    values = [
        {"row": row_id, "value": new}
        for row_id, packed in stored
        if packed and (new := convert(bytes(packed))) != bytes(packed)
    ]
    update = sa.text("UPDATE entries SET sketch = :value WHERE id = :row").bindparams(
        sa.bindparam("value", type_=sa.LargeBinary())
    )
    for start in range(0, len(values), _CHUNK):
        bind.execute(update, values[start : start + _CHUNK])

"""more selective syndication bands, packed sketches: every piece placed again

Four changes of issue 15 that make placing new evidence cost what is new:

- The band keys of a sketch changed (``indicators.similarity``: rows of three bins over
  five permutations instead of rows of two over one), so the stored postings no longer
  meet the keys of new pieces. As in 0003, every piece starts unassigned: postings, source
  keys and links are cleared, and the next decision of each indicator places its evidence
  again with the new bands (once; later polls place only what is new).
- An entry's sketch is stored packed (4 bytes a hash, ``models.PackedSketch``) instead of
  as a JSON list: each candidate copy's sketch is read while placing, and decoding JSON
  was a third of it. The stored sketches are converted, not computed again.
- ``ix_evidence_cluster`` ends with ``dismissed``, so the pieces still unassigned are
  found by the index, not by scanning every live piece of the indicator.
- A posting names its piece's entry: a candidate copy is compared from its posting and
  its entry's sketch, without reading its evidence row.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-04 15:00:00.000000
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5_000


def upgrade() -> None:
    _unplace()
    _convert(sa.LargeBinary(), _pack)
    _cluster_index(["indicator_id", "cluster_id", "dismissed"])
    # Emptied above, so a NOT NULL column needs no default. Batch mode copies the table
    # on SQLite: nothing refers to postings, so nothing cascades.
    with op.batch_alter_table("evidence_postings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_id", sa.Integer(), nullable=False))


def downgrade() -> None:
    _unplace()  # the older bands place everything again too
    with op.batch_alter_table("evidence_postings", schema=None) as batch_op:
        batch_op.drop_column("entry_id")
    _convert(sa.JSON(), _unpack)
    _cluster_index(["indicator_id", "cluster_id"])


def _cluster_index(columns: list[str]) -> None:
    """The pieces still unassigned, found by the index: on (indicator, dismissed) SQLite
    scanned every live piece of the indicator at each decision."""
    op.drop_index("ix_evidence_cluster", table_name="evidence")
    op.create_index("ix_evidence_cluster", "evidence", columns)


def _unplace() -> None:
    op.execute("DELETE FROM evidence_postings")
    op.execute("DELETE FROM source_links")
    op.execute("DELETE FROM source_keys")
    op.execute("UPDATE evidence SET cluster_id = NULL")


def _convert(kind: sa.types.TypeEngine[Any], convert: Callable[[Any], Any]) -> None:
    """Replace ``entries.sketch`` by a column of ``kind`` holding the converted values.

    Plain ``ALTER TABLE`` (SQLite 3.35+ and PostgreSQL), never batch mode: on SQLite that
    copies the table and drops the old one, and with foreign keys on, dropping ``entries``
    deletes every piece of evidence (``ON DELETE CASCADE``)."""
    bind = op.get_bind()
    stored = bind.execute(sa.text("SELECT id, sketch FROM entries WHERE sketch IS NOT NULL"))
    values = [(row_id, convert(value)) for row_id, value in stored]
    op.add_column("entries", sa.Column("sketch_new", kind, nullable=True))
    entries = sa.table("entries", sa.column("id", sa.Integer()), sa.column("sketch_new", kind))
    update = (
        entries.update()
        .where(entries.c.id == sa.bindparam("row"))
        .values(sketch_new=sa.bindparam("value"))
    )
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        bind.execute(update, [{"row": row_id, "value": value} for row_id, value in chunk])
    op.execute("ALTER TABLE entries DROP COLUMN sketch")
    op.execute("ALTER TABLE entries RENAME COLUMN sketch_new TO sketch")


def _pack(value: Any) -> bytes:
    hashes = json.loads(value) if isinstance(value, str) else list(value or ())
    return struct.pack(f">{len(hashes)}I", *hashes)


def _unpack(value: bytes) -> list[int]:
    data = bytes(value)
    return list(struct.unpack(f">{len(data) // 4}I", data))

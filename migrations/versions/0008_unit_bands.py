"""band keys posted once per unit (an entry at one time), not per piece and indicator

Issue 15: a poll of 12,000 realistic entries wrote 381,513 postings, one per band of
each (entry, indicator) unit, and every indicator looked up and compared the same
candidate entries again. ``unit_bands`` holds the band keys of each unit of live
evidence once, whatever its indicators (``monitor.storage.candidates``).

The relation that clusters pieces does not change (the same bands, window and
threshold), so the stored clusters and sources stay as they are: the upgrade posts the
units of the live evidence and drops the per-piece postings. The downgrade gives 0007
its postings back by placing everything again (its next decisions do).

The band keys are computed here with ``indicators.similarity.compute_bands`` and the
indicators' bits with ``monitor.storage.candidates.bit``: a later change of either comes
with its own migration, as 0007 did for the bands.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:00:00.000000
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from indicators.similarity import compute_bands
from monitor.storage.candidates import bit

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 20_000


def upgrade() -> None:
    op.create_table(
        "unit_bands",
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.BigInteger(), nullable=False),  # µs since 1970 UTC
        sa.Column("entry_id", sa.Integer(), nullable=False),  # no foreign key: see models
        sa.Column("indicators", sa.BigInteger(), nullable=False),  # bits: candidates.bit
        sa.PrimaryKeyConstraint("hash", "published_at", "entry_id", name=op.f("pk_unit_bands")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_unit_bands_entry", "unit_bands", ["entry_id"])
    _post_live_units()
    op.drop_index("ix_evidence_postings_lookup", table_name="evidence_postings")
    op.drop_table("evidence_postings")


def downgrade() -> None:
    op.create_table(
        "evidence_postings",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("occurred", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_evidence_postings_evidence_id_evidence"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evidence_id", "hash", name=op.f("pk_evidence_postings")),
    )
    op.create_index(
        "ix_evidence_postings_lookup",
        "evidence_postings",
        ["indicator_id", "occurred", "hash", "published_at"],
    )
    # 0007 finds copies through postings of placed pieces: none are left, so every piece
    # starts unassigned and its next decision places (and posts) it again.
    op.execute("DELETE FROM source_links")
    op.execute("DELETE FROM source_keys")
    op.execute("UPDATE evidence SET cluster_id = NULL")
    op.drop_index("ix_unit_bands_entry", table_name="unit_bands")
    op.drop_table("unit_bands")


def _post_live_units() -> None:
    """The band keys of every unit of live evidence whose entry has a sketch, its time in
    microseconds since 1970 UTC (``columns.EpochMicros``) and its indicators' bits."""
    bind = op.get_bind()
    pieces = bind.execute(
        sa.text(
            "SELECT DISTINCT evidence.entry_id, evidence.published_at, evidence.indicator_id,"
            " entries.sketch FROM evidence JOIN entries ON entries.id = evidence.entry_id"
            " WHERE evidence.dismissed = :no AND entries.sketch IS NOT NULL"
        ).columns(
            sa.column("entry_id", sa.Integer()),
            sa.column("published_at", sa.DateTime(timezone=True)),
            sa.column("indicator_id", sa.Integer()),
            sa.column("sketch", sa.LargeBinary()),
        ),
        {"no": False},
    ).all()
    units: dict[tuple[int, int], tuple[bytes, int]] = {}
    for entry, at, indicator, packed in pieces:
        unit = (entry, _micros(at))
        units[unit] = (packed, units.get(unit, (b"", 0))[1] | bit(indicator))
    rows = [
        {"hash": h, "at": at, "entry": entry, "mask": mask}
        for (entry, at), (packed, mask) in units.items()
        for h in compute_bands(_unpack(packed))
    ]
    insert = sa.text(
        "INSERT INTO unit_bands (hash, published_at, entry_id, indicators)"
        " VALUES (:hash, :at, :entry, :mask)"
    )
    for start in range(0, len(rows), _CHUNK):
        bind.execute(insert, rows[start : start + _CHUNK])


def _micros(at: datetime) -> int:
    """SQLite gives the stored UTC time without a zone; PostgreSQL an aware one."""
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _unpack(value: bytes) -> tuple[int, ...]:
    """``models.PackedSketch``: 4 bytes a hash, big-endian, ascending."""
    data = bytes(value)
    return struct.unpack(f">{len(data) // 4}I", data)

"""evidence_archive: evidence superseded by a rewritten entry or left by a removed feed;
dates out of range repaired

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 08:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # AUTOINCREMENT: SQLite would hand a deleted evidence row's id (the largest) to the
        # next row, and the status log and the archive cite evidence by id.
        with op.batch_alter_table(
            "evidence", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
    op.create_table(
        "evidence_archive",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("indicator_version", sa.String(length=16), nullable=False),
        sa.Column("modality", sa.String(length=12), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("publisher", sa.String(length=255), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_title", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.Column("dismissed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("why", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_evidence_archive_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_archive")),
    )
    with op.batch_alter_table("evidence_archive", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_archive_indicator_id"), ["indicator_id"], unique=False
        )
    _repair_dates()


def _repair_dates() -> None:
    """Dates that now cannot enter, fixed where an older version stored them (issue 16): an
    entry dated after it was first seen (9999 pinned its indicator's status), or before
    1990 (unknown), and deadlines outside 2000-2199 (9999 broke the deadline check)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    floor = datetime(1990, 1, 1) if sqlite else datetime(1990, 1, 1, tzinfo=UTC)
    stamp = sa.DateTime(timezone=True)
    entries = sa.table(
        "entries", sa.column("published_at", stamp), sa.column("first_seen_at", stamp)
    )
    op.execute(
        entries.update()
        .where(entries.c.published_at > entries.c.first_seen_at)
        .values(published_at=entries.c.first_seen_at)
    )
    op.execute(entries.update().where(entries.c.published_at < floor).values(published_at=None))
    evidence = sa.table(
        "evidence", sa.column("published_at", stamp), sa.column("created_at", stamp)
    )
    op.execute(
        evidence.update()
        .where(
            sa.or_(evidence.c.published_at > evidence.c.created_at, evidence.c.published_at < floor)
        )
        .values(published_at=evidence.c.created_at)
    )
    for name in ("indicators", "watchlists"):
        table = sa.table(name, sa.column("expected_by", sa.Date()))
        op.execute(
            table.update()
            .where(
                sa.or_(
                    table.c.expected_by < date(2000, 1, 1), table.c.expected_by > date(2199, 12, 31)
                )
            )
            .values(expected_by=None)
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_archive", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_archive_indicator_id"))
    op.drop_table("evidence_archive")
    # The evidence table keeps AUTOINCREMENT on SQLite: harmless, and undoing it would
    # rebuild the table for nothing.

"""incremental syndication clusters and decision facts: postings, source keys, indexes

Existing cluster ids were computed over every modality at once; clusters are now kept per
side (occurred, or not) and assigned incrementally, so every piece starts unassigned and
the next decision of its indicator places it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 08:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_postings",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("occurred", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
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
    op.create_table(
        "source_keys",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_source_keys_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "key", name=op.f("pk_source_keys")),
    )
    op.create_table(
        "source_links",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("key_a", sa.String(length=255), nullable=False),
        sa.Column("key_b", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_source_links_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", "key_a", "key_b", name=op.f("pk_source_links")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_newest", ["indicator_id", "dismissed", "published_at"], unique=False
        )
        batch_op.create_index(
            "ix_evidence_modality",
            ["indicator_id", "dismissed", "modality", "published_at"],
            unique=False,
        )
        batch_op.create_index("ix_evidence_cluster", ["indicator_id", "cluster_id"], unique=False)
    op.execute("UPDATE evidence SET cluster_id = NULL")


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_cluster")
        batch_op.drop_index("ix_evidence_modality")
        batch_op.drop_index("ix_evidence_newest")
    op.drop_table("source_links")
    op.drop_table("source_keys")
    op.drop_index("ix_evidence_postings_lookup", table_name="evidence_postings")
    op.drop_table("evidence_postings")

"""alerts: digest period, refused recipients, and an index for the dispatcher's claim

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("recipient_errors", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_alerts_due", ["channel", "state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_due")
        batch_op.drop_column("recipient_errors")
        batch_op.drop_column("digest_key")

"""the brief: an index on evidence.created_at (evidence new since a time)

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-04 08:00:00.000000

Issue 17. The revision id is this branch's own; it follows the head on main when it was
written (0003); the lead chains it after the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_created")

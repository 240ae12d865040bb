"""evidence.undone: the sentence reports the event undone (status ``reversed``, issue 14)

Revision ID: 0004
Revises: 0006
Create Date: 2026-12-04 08:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite has it for a constant default): a batch rebuild of the
    # table would drop the AUTOINCREMENT that 0005 gave it (archived ids are never reused).
    op.add_column(
        "evidence", sa.Column("undone", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table(
        "evidence", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("undone")

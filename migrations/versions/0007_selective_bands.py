"""more selective syndication bands: every piece placed again

The band keys of a sketch changed (``indicators.similarity``: rows of three bins over
five permutations instead of rows of two over one, issue 15), so the stored postings no
longer meet the keys of new pieces. As in 0003, every piece starts unassigned: postings,
source keys and links are cleared, and the next decision of each indicator places its
evidence again with the new bands (once; later polls place only what is new).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-04 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _unplace()


def downgrade() -> None:
    _unplace()  # the older bands place everything again too


def _unplace() -> None:
    op.execute("DELETE FROM evidence_postings")
    op.execute("DELETE FROM source_links")
    op.execute("DELETE FROM source_keys")
    op.execute("UPDATE evidence SET cluster_id = NULL")

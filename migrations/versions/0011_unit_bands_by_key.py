"""band postings without an index by entry: found by their key

Issue 15. Every new unit (an entry with evidence at one time) posts ~22 band keys in
``unit_bands``, ~256,000 rows in a poll of 12,000 realistic entries, and each was written
into two B-trees: the table's key (hash, time, entry) and ``ix_unit_bands_entry``. The
second cost more than the first (0.6 s of SQLite's CPU against 0.4 s for 256,000
postings, measured alone; ~0.25 s of PostgreSQL's) for the few statements that read it:
an entry's postings are its sketch's bands at each of its times, so they are found by key
(``storage.candidates``: the smallest band key of the entry's sketch, then the entry). A
removed feed's postings are deleted by a scan of the table, once. The downgrade builds
the index again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_unit_bands_entry", table_name="unit_bands")


def downgrade() -> None:
    op.create_index("ix_unit_bands_entry", "unit_bands", ["entry_id"], unique=False)

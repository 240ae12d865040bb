"""drop three indexes no query needs: each row of a poll wrote them for nothing

Issue 15. A poll of 12,000 realistic entries writes 12,000 entries and 30,000 pieces of
evidence, and every index of those tables with them:

* ``ix_evidence_indicator`` (indicator, dismissed) is the start of ``ix_evidence_newest``
  (indicator, dismissed, published_at), which serves every query it served;
* ``ix_entries_feed_id`` (feed) is the start of ``uq_entries_feed_dedup`` (feed, key),
  which serves the lookups by feed and the cascade from a removed feed;
* ``ix_entries_cluster_id``: no query reads ``entries.cluster_id`` (syndication clusters
  are kept per piece of evidence, ``evidence.cluster_id``); the column stays.

Measured: ~0.1 s of PostgreSQL's CPU in that poll, ~0.05 s of SQLite's
(docs/benchmarks.md). The downgrade builds them again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index, columns)
_DROPPED = (
    ("evidence", "ix_evidence_indicator", ["indicator_id", "dismissed"]),
    ("entries", "ix_entries_feed_id", ["feed_id"]),
    ("entries", "ix_entries_cluster_id", ["cluster_id"]),
)


def upgrade() -> None:
    for table, name, _ in _DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, columns in _DROPPED:
        op.create_index(name, table, columns, unique=False)

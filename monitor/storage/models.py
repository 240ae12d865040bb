"""The database schema: SQLAlchemy 2 typed models.

Only ``monitor.storage`` sees these classes; repositories hand out frozen dataclasses.
Every time is stored as UTC (``columns.UTCDateTime``); names follow one naming convention so
Alembic's batch mode on SQLite can find constraints again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from indicators import limits
from monitor.storage.columns import EpochMicros, PackedSketch, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    folder: Mapped[str] = mapped_column(String(500), default="")  # "News/Wires"
    site: Mapped[str | None] = mapped_column(String(255))  # publisher domain
    added_at: Mapped[datetime]
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    next_poll_at: Mapped[datetime] = mapped_column(index=True)
    # Conditional GET validators and the hash of the last body (skip unchanged parses).
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Health: every fetch records its outcome here ("failure is data").
    last_polled_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error_kind: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration: Mapped[float | None] = mapped_column(Float)
    error_count: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failures
    total_errors: Mapped[int] = mapped_column(Integer, default=0)
    # Lease: a worker that claims a feed owns it until lease_until (PostgreSQL scale-out).
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("feed_id", "dedup_key", name="uq_entries_feed_dedup"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Looked up by ``uq_entries_feed_dedup``, which starts with it (migration 0010).
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    # guid → link → content hash, whichever the entry has first (docs/design-notes.md).
    dedup_key: Mapped[str] = mapped_column(String(600))
    guid: Mapped[str | None] = mapped_column(String(1000))
    link: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    publisher: Mapped[str | None] = mapped_column(String(255))
    published_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Near-duplicate sketch (similarity), packed; None is SQL NULL ("not computed"):
    # a rewritten entry's sketch is computed again where it is NULL (issue 15).
    sketch: Mapped[tuple[int, ...] | None] = mapped_column(PackedSketch)
    # Unused: clusters are kept per piece (``EvidenceRow.cluster_id``); its index is gone
    # (migration 0010), the column stays for databases that have it.
    cluster_id: Mapped[int | None] = mapped_column(Integer)


class WatchlistRow(Base):
    __tablename__ = "watchlists"

    id: Mapped[str] = mapped_column(String(limits.ID), primary_key=True)
    title: Mapped[str] = mapped_column(String(limits.WATCHLIST_TITLE))
    source: Mapped[str] = mapped_column(String(limits.WATCHLIST_SOURCE), default="")
    path: Mapped[str] = mapped_column(String(limits.WATCHLIST_PATH), default="")
    expected_by: Mapped[date | None] = mapped_column(Date)
    loaded_at: Mapped[datetime]


class IndicatorRow(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("watchlist_id", "key", name="uq_indicators_watchlist_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watchlist_id: Mapped[str] = mapped_column(ForeignKey("watchlists.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(limits.ID), index=True)  # the id in the YAML
    title: Mapped[str] = mapped_column(String(limits.INDICATOR_TITLE))
    query: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    expected_by: Mapped[date | None] = mapped_column(Date)
    corroboration: Mapped[int] = mapped_column(Integer, default=2)
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    cues: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The current status is a cache of the last decision; the status log is the truth.
    status: Mapped[str] = mapped_column(String(20), default="watching")
    status_since: Mapped[datetime]
    pinned_status: Mapped[str | None] = mapped_column(String(20))
    pin_note: Mapped[str | None] = mapped_column(Text)
    pinned_at: Mapped[datetime | None]


class IndicatorVersion(Base):
    """Every definition an indicator has had, so old evidence can name its rule."""

    __tablename__ = "indicator_versions"
    __table_args__ = (UniqueConstraint("indicator_id", "version", name="uq_indicator_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(16))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class EvidenceRow(Base):
    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("entry_id", "indicator_id", "position", name="uq_evidence_entry_ind_pos"),
        # (indicator, dismissed) alone is the start of ix_evidence_newest (migration 0010).
        # Decision facts read with indexed queries (newest, newest occurred) and the
        # clusters kept per indicator (members of one cluster, pieces still unassigned).
        Index("ix_evidence_newest", "indicator_id", "dismissed", "published_at"),
        Index("ix_evidence_modality", "indicator_id", "dismissed", "modality", "published_at"),
        # With ``dismissed`` last, the pieces still unassigned are found by the index (on
        # (indicator, dismissed) SQLite scanned every live piece of the indicator: issue 15).
        Index("ix_evidence_cluster", "indicator_id", "cluster_id", "dismissed"),
        Index("ix_evidence_created", "created_at"),  # the brief: evidence new since a time
        # Ids are never reused (SQLite reuses the largest rowid once deleted): the status
        # log and evidence_archive cite evidence by id (migration 0005).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    indicator_version: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)  # sentence index in the entry
    modality: Mapped[str] = mapped_column(String(12))
    sentence: Mapped[str] = mapped_column(Text)
    terms: Mapped[list[Any]] = mapped_column(default=list)
    publisher: Mapped[str | None] = mapped_column(String(255))
    published_at: Mapped[datetime]  # the entry's time, or when first seen
    # Syndication cluster (its first member's id) among the indicator's live evidence of
    # the same side (occurred, or not); None until ``assign_clusters`` places it.
    cluster_id: Mapped[int | None] = mapped_column(Integer)
    # The sentence reports the event undone (status ``reversed``; migration 0004). No
    # Python default: a row written as an older revision had it (the upgrade tests) omits it.
    undone: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime]
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)
    dismissed_at: Mapped[datetime | None]
    dismiss_note: Mapped[str | None] = mapped_column(Text)


class UnitBand(Base):
    """The band keys of a unit: an entry with evidence at one time, whatever its evidence's
    indicators (``similarity.bands`` of the entry's sketch; ``hash`` is a band key). New
    evidence looks here for the units it may be a copy of (``storage.candidates``).

    Keyed by the lookup itself, and on SQLite without a rowid: the table is its one
    B-tree (a posting is written into one, not three). No foreign key: its check per row
    was a third of writing a poll's postings on PostgreSQL; an entry's postings go with
    its text (``candidates.forget_entry``) and its feed (``feeds.remove_feed``, a scan)."""

    __tablename__ = "unit_bands"
    __table_args__ = (
        PrimaryKeyConstraint("hash", "published_at", "entry_id"),
        # No index by entry (migration 0011): an entry's postings are its sketch's bands,
        # found by key (``candidates.forget_entry``, ``candidates._posted``).
        {"sqlite_with_rowid": False},
    )

    hash: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[datetime] = mapped_column(EpochMicros)  # the unit's pieces' time
    entry_id: Mapped[int] = mapped_column(Integer)
    # The unit's indicators, one bit each (``candidates.bit``): a lookup reads only the
    # units that share one (on the realistic corpus at 60,000 entries, a unit met ~118
    # posted units through its bands, most of them evidence for other indicators only).
    indicators: Mapped[int] = mapped_column(BigInteger)


class SourceKey(Base):
    """One publisher (or one piece without a publisher) of an indicator's occurred evidence,
    with its first piece: independent sources are these keys joined by ``SourceLink``."""

    __tablename__ = "source_keys"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    first_id: Mapped[int] = mapped_column(Integer)


class SourceLink(Base):
    """Two keys whose occurred evidence shares a syndication cluster: one source."""

    __tablename__ = "source_links"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True
    )
    key_a: Mapped[str] = mapped_column(String(255), primary_key=True)
    key_b: Mapped[str] = mapped_column(String(255), primary_key=True)


class ArchivedEvidence(Base):
    """Evidence that no longer counts but that the status log may cite: superseded when
    its entry was rewritten, or left when its feed was removed (issue 16). It keeps the
    id it had in ``evidence`` and copies what a report shows of its entry, which may be
    gone; no foreign key to the entry for that reason.
    """

    __tablename__ = "evidence_archive"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(Integer)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), index=True
    )
    indicator_version: Mapped[str] = mapped_column(String(16))
    modality: Mapped[str] = mapped_column(String(12))
    sentence: Mapped[str] = mapped_column(Text)
    terms: Mapped[list[Any]] = mapped_column(default=list)
    publisher: Mapped[str | None] = mapped_column(String(255))
    published_at: Mapped[datetime]
    entry_title: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2048))
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    archived_at: Mapped[datetime]
    why: Mapped[str] = mapped_column(String(20))  # "superseded" or "feed removed"


class StatusChange(Base):
    """Append-only status log: every change of an indicator's decided status."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(String(20))  # evidence, deadline, analyst, replay
    evidence_ids: Mapped[list[Any]] = mapped_column(default=list)


class AnalystAction(Base):
    """Dismissals, restores, pins and unpins, with their notes (audit trail)."""

    __tablename__ = "analyst_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    evidence_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class Alert(Base):
    """The outbox: one row per (status change, channel), written with the change.

    States: pending → sending (only under a lease) → sent, or → dead (permanent failure,
    or out of attempts); a sending row whose lease expired is claimable again.
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_due", "channel", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_changes.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    # A digest channel's period ("hourly:2025-11-07T10"): one message per channel and period.
    digest_key: Mapped[str | None] = mapped_column(String(40))
    # Recipients an SMTP server refused while accepting the others: {address: reply}.
    recipient_errors: Mapped[dict[str, Any] | None] = mapped_column(JSON)

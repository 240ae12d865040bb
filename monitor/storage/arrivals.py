"""New evidence written with its syndication clusters (``clusters.place_new``).

The rows' ids are taken first (``Raw.next_ids``), so that each new piece is placed in
memory, as ``clusters.assign_clusters`` would place it once stored, and its row is
written once, cluster and all: a poll's stored evidence then never needs its cluster
written in a second pass (issue 15).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from monitor.storage.clusters import Placed, finish_sources, place_new
from monitor.storage.models import Base
from monitor.storage.pieces import OCCURRED, Piece
from monitor.storage.raw import Raw, insert_rows


def insert_placed(
    session: Session,
    rows: Sequence[dict[str, Any]],
    sketches: Mapping[int, Sequence[int]],
) -> None:
    """Write new evidence ``rows`` (``evidence._rows``) with their ids and clusters.

    The caller holds the lock of every indicator of the rows (taken in id order, as for
    a decision) and has posted their entries' units (``candidates.post_units``) with
    these ``sketches`` (by entry id)."""
    raw = Raw(session)
    pieces: dict[int, list[Piece]] = {}
    for row, piece_id in zip(rows, raw.next_ids("evidence", len(rows)), strict=True):
        row["id"] = piece_id
        row["cluster_id"] = None
        if not row["dismissed"]:  # a dismissed piece is in no cluster
            pieces.setdefault(row["indicator_id"], []).append(_piece(row, sketches))
    placed: dict[int, Placed] = {
        indicator_id: place_new(session, indicator_id, mine)
        for indicator_id, mine in sorted(pieces.items())
    }
    for row in rows:
        if not row["dismissed"]:
            row["cluster_id"] = placed[row["indicator_id"]].clusters[row["id"]]
    insert_rows(raw, Base.metadata.tables["evidence"], rows)
    for indicator_id, found in placed.items():  # source keys cite the rows just written
        finish_sources(session, indicator_id, found)


def _piece(row: Mapping[str, Any], sketches: Mapping[int, Sequence[int]]) -> Piece:
    return Piece(
        row["id"],
        row["modality"] == OCCURRED,
        row["publisher"],
        row["published_at"],
        row["sentence"],
        tuple(sketches.get(row["entry_id"], ())),
        None,
        row["entry_id"],
    )

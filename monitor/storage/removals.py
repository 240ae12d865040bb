"""Removing evidence from the clusters (``monitor.storage.clusters``): a piece dismissed
or replaced can split what it joined, so what it held together is placed again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from monitor.storage.models import EvidenceRow, SourceKey, SourceLink
from monitor.storage.pieces import OCCURRED


def release_evidence(session: Session, evidence_ids: Sequence[int]) -> None:
    """Before pieces are deleted or dismissed: unassign what they held together.

    The other members of their clusters lose their cluster (the next
    ``assign_clusters`` places them again, exactly), and an indicator that loses occurred
    evidence loses its source keys (rebuilt from its rows at the next placement).
    """
    if not evidence_ids:
        return
    held = session.execute(
        select(EvidenceRow.indicator_id, EvidenceRow.cluster_id, EvidenceRow.modality).where(
            EvidenceRow.id.in_(list(evidence_ids)), EvidenceRow.cluster_id.is_not(None)
        )
    ).all()
    for indicator_id, cluster in sorted({(r.indicator_id, r.cluster_id) for r in held}):
        members = and_(EvidenceRow.indicator_id == indicator_id, EvidenceRow.cluster_id == cluster)
        session.execute(
            update(EvidenceRow)
            .where(members)
            .values(cluster_id=None)
            .execution_options(synchronize_session=False)
        )
    for indicator_id in sorted({r.indicator_id for r in held if r.modality == OCCURRED}):
        session.execute(delete(SourceKey).where(SourceKey.indicator_id == indicator_id))
        session.execute(delete(SourceLink).where(SourceLink.indicator_id == indicator_id))

"""The problem triangle in an orsaksanalys: each of its perspectives (brottsutsatt, gärningsperson, plats) needs a
cause or an explicit "inte relevant, eftersom …" before the analysis can be complete."""

from __future__ import annotations

from sqlmodel import Session, select

from samverkan.core.labels import label
from samverkan.models.analysis import Cause, PerspectiveNotRelevant
from samverkan.models.enums import TRIANGLE, CausePerspective


def covered(session: Session, analysis_id: int | None) -> dict[CausePerspective, str]:
    """Each triangle perspective that is covered, with how: 'orsak' or the reason it is not relevant."""
    if analysis_id is None:
        return {}
    with_causes = {
        CausePerspective(p)
        for p in session.exec(select(Cause.perspective).where(Cause.analysis_id == analysis_id)).all()
    }
    notes = session.exec(select(PerspectiveNotRelevant).where(PerspectiveNotRelevant.analysis_id == analysis_id)).all()
    found: dict[CausePerspective, str] = {CausePerspective(n.perspective): n.reason for n in notes}
    found.update({p: "orsak" for p in with_causes})
    return {p: found[p] for p in TRIANGLE if p in found}


def gaps(session: Session, analysis_id: int | None) -> list[str]:
    """What the analysis lacks, in Swedish: one line per triangle perspective without a cause or a reason."""
    have = covered(session, analysis_id)
    return [
        f"en orsak från perspektivet {label(p)}, eller ett 'inte relevant, eftersom …' med skäl"
        for p in TRIANGLE
        if p not in have
    ]

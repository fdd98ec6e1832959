"""Which indicators will show an åtgärd's effect: chosen among the organisation's own (not archived) indicators."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, delete, select

from samverkan.core.ids import saved_id
from samverkan.models import Indicator, Measure, MeasureIndicator, Organisation
from samverkan.services.errors import RefusedError


def organisation_indicators(session: Session, organisation: Organisation) -> list[Indicator]:
    """The organisation's indicators in use (not archived), by name: what an åtgärd, a goal or a source may name."""
    return list(
        session.exec(
            select(Indicator)
            .where(Indicator.organisation_id == organisation.id, col(Indicator.archived_at).is_(None))
            .order_by(col(Indicator.name))
        ).all()
    )


def chosen_indicators(session: Session, organisation: Organisation, ids: Sequence[int]) -> list[Indicator]:
    """The indicators with these numbers; refused, naming each, if one is not the organisation's."""
    known = {saved_id(i): i for i in organisation_indicators(session, organisation)}
    unknown = [str(i) for i in dict.fromkeys(ids) if i not in known]
    if unknown:
        raise RefusedError(
            f"indikator nr {', '.join(unknown)} finns inte bland {organisation.name}s indikatorer; välj bland:",
            [f"{i}: {indicator.name}" for i, indicator in known.items()],
        )
    return [known[i] for i in dict.fromkeys(ids)]


def link_indicators(session: Session, measure: Measure, indicators: Sequence[Indicator]) -> None:
    """The åtgärd is followed up with exactly these indicators."""
    session.exec(delete(MeasureIndicator).where(col(MeasureIndicator.measure_id) == measure.id))
    for indicator in indicators:
        session.add(MeasureIndicator(measure_id=saved_id(measure), indicator_id=saved_id(indicator)))


def indicators_of(session: Session, measure_ids: Sequence[int]) -> dict[int, list[Indicator]]:
    """Each åtgärd's indicators, by name."""
    found: dict[int, list[Indicator]] = {m: [] for m in measure_ids}
    if not measure_ids:
        return found
    rows = session.exec(
        select(MeasureIndicator.measure_id, Indicator)
        .join(Indicator, col(Indicator.id) == MeasureIndicator.indicator_id)
        .where(col(MeasureIndicator.measure_id).in_(measure_ids))
        .order_by(col(Indicator.name))
    ).all()
    for measure_id, indicator in rows:
        found[measure_id].append(indicator)
    return found

"""The yearly follow-up of the indicators a cycle's åtgärder rely on: each has a value for the cycle, or the
coordinator records why not (a new survey not yet published, a source that stopped …)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from samverkan.core.ids import saved_id
from samverkan.models import IndicatorFollowUp
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.exit_facts import followed_indicators, has_value_in_cycle
from samverkan.services.inputs import ExplainIndicator
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data
from samverkan.services.substance import active_cycle


@dataclass(frozen=True)
class IndicatorState:
    key: str
    name: str
    has_value: bool
    reason: str | None


@dataclass(frozen=True)
class Explained:
    """A reason recorded: the indicator by its key and its name (what a page or a command says back)."""

    indicator_key: str
    indicator_name: str
    reason: str


def explain_indicator(session: Session, actor: Actor, given: ExplainIndicator) -> Explained:
    """Record (or replace) why the indicator has no value this cycle."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "ange varför en indikator saknar värde")
    cycle = active_cycle(session, organisation)
    reason = given.reason.strip()
    if not reason:
        raise RefusedError("skälet är tomt: skriv varför indikatorn saknar värde för cykeln")
    no_personal_data(skal=reason)
    followed = {indicator.key: indicator for indicator in followed_indicators(session, cycle)}
    indicator = followed.get(given.indicator)
    if indicator is None:
        known = ", ".join(sorted(followed)) or "inga"
        raise NotFoundError(
            f"indikatorn '{given.indicator}' följs inte upp av cykel {cycle.number}s åtgärder (de som gör det: {known})"
        )
    row = session.exec(
        select(IndicatorFollowUp).where(
            IndicatorFollowUp.cycle_id == cycle.id, IndicatorFollowUp.indicator_id == indicator.id
        )
    ).first()
    before = {"reason": row.reason} if row else None
    row = row or IndicatorFollowUp(
        cycle_id=saved_id(cycle), indicator_id=saved_id(indicator), reason=reason, recorded_by_person_id=0
    )
    row.reason, row.recorded_by_person_id, row.recorded_at = reason, saved_id(acting.person), actor.now
    session.add(row)
    audit(
        session, acting, organisation.id, "indicator.explain", row, key=indicator.key, before=before,
        after={"reason": reason, "cycle": cycle.number},
    )  # fmt: skip
    return Explained(indicator.key, indicator.name, reason)


def indicator_states(session: Session, org_key: str) -> list[IndicatorState]:
    """The indicators the active cycle follows up, each with whether it has a value and the reason if not."""
    organisation = find_organisation(session, org_key)
    cycle = active_cycle(session, organisation)
    reasons = {
        row.indicator_id: row.reason
        for row in session.exec(select(IndicatorFollowUp).where(IndicatorFollowUp.cycle_id == cycle.id)).all()
    }
    return [
        IndicatorState(i.key, i.name, has_value_in_cycle(session, cycle, i), reasons.get(saved_id(i)))
        for i in followed_indicators(session, cycle)
    ]

"""Simulated förvaltningar for `samverkan simulate --exempelbidrag`: on the day a kommun's weekly lägesbild is
due, each role the reminder reached reports one contribution and a coordinating role compiles the week — through
the same service functions and permission checks as real people. The contents are invented, deterministic
(seeded by the organisation, week and role) and say so: they preview how the county's analysis fills up."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from samverkan.models import Role
from samverkan.roles.holding import holders
from samverkan.scheduling.actions import Action
from samverkan.services.access import COORDINATING
from samverkan.services.actor import Actor
from samverkan.services.county_scope import vocabulary_for
from samverkan.services.errors import ServiceError
from samverkan.services.inputs import TIME_BANDS, CompileWeek, WeeklyContribution
from samverkan.services.overview import find_organisation
from samverkan.services.weekly_lagesbild import compile_week, report_contribution

AREAS = ("Centrum", "Resecentrum", "Skolområdet", "Bostadsområdet", "Idrottsplatsen")


def simulated_week(
    session: Session, org_key: str, reporters: Iterable[str], day: date, now: datetime
) -> tuple[int, bool]:
    """Every role in `reporters` (role keys) with a holder contributes; then the week is compiled.
    Returns the contributions made and whether the week was compiled."""
    org = find_organisation(session, org_key)
    names = vocabulary_for(session, org).names
    made = 0
    for role in session.exec(
        select(Role).where(Role.organisation_id == org.id, col(Role.key).in_(list(reporters))).order_by(Role.key)
    ).all():
        people = holders(session, role, day)
        if not people:
            continue
        rng = random.Random(f"{org_key}:{day.isocalendar()[:2]}:{role.key}")
        given = WeeklyContribution(
            category=rng.choice(names),
            area=rng.choice(AREAS),
            time_band=rng.choice(TIME_BANDS),
            count=rng.randint(0, 6),
            severity=rng.randint(1, 3),
            trend=rng.choice(["okar", "oforandrad", "minskar"]),
            text="Exempelbidrag från simuleringen.",
        )
        try:
            report_contribution(session, Actor(org_key, people[0].email, day, now), given)
            made += 1
        except ServiceError:
            continue  # a role that may not report (the simulation reports what real people could)
    return made, _compile(session, org_key, day, now)


def _compile(session: Session, org_key: str, day: date, now: datetime) -> bool:
    org = find_organisation(session, org_key)
    for role in session.exec(
        select(Role).where(Role.organisation_id == org.id, col(Role.function).in_(COORDINATING)).order_by(Role.key)
    ).all():
        for person in holders(session, role, day):
            try:
                compile_week(session, Actor(org_key, person.email, day, now), CompileWeek(summary=None))
                return True
            except ServiceError:
                continue
    return False


def weeks_due(messages: Sequence[Mapping[str, Any]], reminded: dict[str, set[str]]) -> list[str]:
    """From a sweep's messages: remember whom each kommun's reminder reached; the kommuner whose week is
    compiled today."""
    due = []
    for message in messages:
        if message["kind"] == Action.RAPPORTERA_LAGESBILD.value:
            reminded.setdefault(message["organisation"], set()).update(message["roles"])
        elif message["kind"] == Action.SAMMANSTALL_LAGESBILD.value:
            due.append(str(message["organisation"]))
    return due

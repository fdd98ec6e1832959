"""EST observations: what members report between meetings, about places and situations, never individuals."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from samverkan.core.ids import saved_id
from samverkan.models import Body, BodyMembership, EstObservation, Organisation, Person, Role
from samverkan.models.enums import BodyKind
from samverkan.orgconfig.categories import Vocabulary, category_key
from samverkan.services.access import COORDINATING, find_person, require_function, roles_held
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.bodies import only_body
from samverkan.services.effective_dates import held_then_and_now, require_effective_day
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import TIME_BANDS, Observation
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data

__all__ = [
    "OTHER", "TIME_BANDS", "categories_of", "chosen_category", "oldest_observation", "report_observation",
    "reporting_role",
]  # fmt: skip


OTHER = "annat"  # the form's last choice: a category outside the list, named in `other`


def oldest_observation(on: date) -> date:
    """The earliest day an observation reported on `on` may be from. EST works with the recent weeks: reports
    weekly or every 14 days, a monthly report, at most a quarterly or tertial analysis, and a yearly follow-up
    (reference/domain.md §3). An observation older than a year feeds none of them — the lägesbild shows 90 days, the
    chart half a year — so it is refused as a mistyped date (1999 for 2026) rather than stored where nobody sees it."""
    return on - timedelta(days=365)


def categories_of(organisation: Organisation) -> Vocabulary:
    """The organisation's lägesbild categories (its file's `categories`, else the common list)."""
    return Vocabulary.from_settings(organisation.settings)


def chosen_category(category: str, other: str | None) -> str:
    """The category as stored: "annat" with a text is that text. Stored as given; readers compare categories by
    `category_key` (case and spacing do not count), see services/documents.py::lagesbild_summary."""
    if category_key(category) == OTHER:
        if not other or not other.strip():
            raise RefusedError("Observationen kan inte sparas:", ["skriv vilken kategori det är när du väljer Annat"])
        category = other
    return category


def reporting_role(session: Session, organisation: Organisation, person: Person, body: Body, on: date) -> Role | None:
    """The role in which the person reports to the EST group on `on`: a member role of the group, else a
    coordinating role; None when they may not report."""
    members = set(session.exec(select(BodyMembership.role_id).where(BodyMembership.body_id == body.id)).all())
    return reporting_role_among(roles_held(session, organisation, person, on), members)


def reporting_role_among(held: list[Role], members: set[int]) -> Role | None:
    """`reporting_role` from the roles the person holds that day and the group's member roles (by id)."""
    member = next((r for r in held if r.id in members), None)
    return member or next((r for r in held if r.function in COORDINATING or r.key in COORDINATING), None)


def report_observation(session: Session, actor: Actor, given: Observation) -> EstObservation:
    """Record one observation. Members of the EST group (and the coordinating roles) may report. Without a group
    named, the organisation's only EST group; without a day, the day of the act."""
    org_key, actor_email, on = actor.org_key, actor.email, actor.on
    body_key = given.body_key or only_body(session, org_key, BodyKind.EST)
    observed_on, area = given.observed_on or on, given.area
    source_function = given.source_function
    time_band, count, severity, text = given.time_band, given.count, given.severity, given.text
    organisation = find_organisation(session, org_key)
    category = chosen_category(given.category, given.other)
    body = session.exec(select(Body).where(Body.organisation_id == organisation.id, Body.key == body_key)).first()
    if body is None or body.kind != BodyKind.EST:
        raise NotFoundError(f"'{body_key}' är ingen EST-grupp i {organisation.name}")
    person = find_person(session, actor_email)
    role = reporting_role(session, organisation, person, body, on)
    if role is None or not held_then_and_now(session, organisation, person, [role], actor):
        role = require_function(
            session, organisation, actor, COORDINATING, f"rapportera observationer till {body.name}"
        ).role
    require_effective_day(session, organisation, actor)
    problems = _problems(on, observed_on, (category, area, source_function), time_band, count, severity)
    if problems:
        raise RefusedError("Observationen kan inte sparas:", problems)
    no_personal_data(kategori=category, omrade=area, funktion=source_function, text=text)
    observation = EstObservation(
        organisation_id=saved_id(organisation),
        body_id=saved_id(body),
        observed_on=observed_on,
        category=category.strip(),
        area=area.strip(),
        time_band=time_band,
        source_function=source_function.strip(),
        count=count,
        severity=severity,
        text=text.strip() if text else None,
        reported_by_role_id=role.id,
    )
    session.add(observation)
    audit(
        session,
        person.email,
        organisation.id,
        "est.report",
        observation,
        key=body.key,
        after={"category": observation.category, "area": observation.area, "count": count},
    )
    return observation


def _problems(
    on: date,
    observed_on: date,
    texts: tuple[str, str, str],
    time_band: str | None,
    count: int | None,
    severity: int | None,
) -> list[str]:
    """What is wrong with an observation's fields, in Swedish; empty when it can be saved."""
    problems = []
    if not all(text.strip() for text in texts):
        problems.append("kategori, område och rapporterande funktion måste anges")
    if count is None and severity is None:
        problems.append("ange antal eller allvarlighetsgrad")
    if count is not None and count < 1:
        problems.append(f"antalet händelser ska vara minst 1 (du angav {count}); lämna det tomt om du inte vet")
    if severity is not None and not 1 <= severity <= 3:
        problems.append(f"allvarlighetsgraden ska vara 1–3, inte {severity}")
    if time_band is not None and time_band not in TIME_BANDS:
        problems.append(f"tidsintervallet ska vara ett av {', '.join(TIME_BANDS)}")
    if observed_on > on:
        problems.append(f"observationen kan inte vara gjord i framtiden ({observed_on})")
    elif observed_on < oldest_observation(on):
        problems.append(
            f"observationen är för gammal ({observed_on}): EST rapporterar det som hänt det senaste året, "
            f"från {oldest_observation(on)}"
        )
    return problems

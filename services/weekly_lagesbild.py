"""The kommun's weekly lägesbild: its förvaltningar (and EST members) contribute, the coordinator compiles.

A contribution is structured (category from the county's vocabulary, area, time band, count, severity, trend)
with an optional free text checked for personal data. The compiled lägesbild keeps the structured rows, which
the länsstyrelse rolls up, and the coordinator's summary, which stays with the kommun like the free texts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.models import LagesbildContribution, Organisation, Role, WeeklyLagesbild
from samverkan.models.enums import OrgKind
from samverkan.orgconfig.categories import category_key
from samverkan.services.access import COORDINATING, find_person, require_function, roles_held
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.county_scope import vocabulary_for
from samverkan.services.effective_dates import require_effective_day
from samverkan.services.errors import NotPermittedError, RefusedError
from samverkan.services.inputs import TIME_BANDS, CompileWeek, WeeklyContribution
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data

REPORTING_KINDS = (OrgKind.KOMMUN, OrgKind.STADSDEL, OrgKind.SAMVERKANSOMRADE)


def week_of(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"vecka {week} {year}"


def _reporting_org(session: Session, key: str) -> Organisation:
    org = find_organisation(session, key)
    if org.kind not in REPORTING_KINDS:
        raise RefusedError(f"{org.name} sammanställer ingen veckolägesbild: det gör kommunerna")
    return org


def report_contribution(session: Session, actor: Actor, given: WeeklyContribution) -> LagesbildContribution:
    """Record one contribution. Anyone with a role in the kommun on the day reports for that role's verksamhet;
    a week in the future, or one already compiled, is refused."""
    org = _reporting_org(session, actor.org_key)
    require_effective_day(session, org, actor)
    person = find_person(session, actor.email)
    held = roles_held(session, org, person, actor.on)
    if not held:
        raise NotPermittedError(f"{person.name} har ingen roll i {org.name} den {actor.on} och kan inte rapportera")
    monday = week_of(given.week or actor.on)
    vocabulary = vocabulary_for(session, org)
    category = vocabulary.canonical(given.category)
    problems = []
    if monday > week_of(actor.on):
        problems.append(f"{week_label(monday)} har inte börjat")
    if category is None:
        problems.append(f"kategorin '{given.category}' finns inte; välj en av: {', '.join(vocabulary.names)}")
    if given.time_band is not None and given.time_band not in TIME_BANDS:
        problems.append(f"tid på dygnet ska vara en av: {', '.join(TIME_BANDS)}")
    if problems:
        raise RefusedError("Bidraget kan inte sparas:", problems)
    assert category is not None
    no_personal_data(kategori=given.category, omrade=given.area, text=given.text)
    contribution = LagesbildContribution(
        organisation_id=saved_id(org),
        week_start=monday,
        role_id=held[0].id,
        category=category,
        area=given.area.strip(),
        time_band=given.time_band,
        count=given.count,
        severity=given.severity,
        trend=given.trend,
        text=given.text.strip() if given.text else None,
        created_at=actor.now,
    )
    session.add(contribution)
    after = {"week": monday, "category": category, "area": contribution.area, "count": given.count}
    audit(session, person.email, org.id, "lagesbild.contribution", contribution, key=held[0].key, after=after)
    return contribution


def compile_week(session: Session, actor: Actor, given: CompileWeek) -> WeeklyLagesbild:
    """The coordinator compiles the week's contributions into the weekly lägesbild (again: replaced whole)."""
    org = _reporting_org(session, actor.org_key)
    acting = require_function(session, org, actor, COORDINATING, "sammanställa veckolägesbilden")
    monday = week_of(given.week or actor.on)
    if monday > week_of(actor.on):
        raise RefusedError(f"{week_label(monday)} har inte börjat och kan inte sammanställas")
    no_personal_data(sammanfattning=given.summary)
    contributions = week_contributions(session, org, monday)
    compiled = session.exec(
        select(WeeklyLagesbild).where(WeeklyLagesbild.organisation_id == org.id, WeeklyLagesbild.week_start == monday)
    ).first()
    before = {"contributions": compiled.contributions} if compiled else None
    if compiled is None:
        compiled = WeeklyLagesbild(organisation_id=saved_id(org), week_start=monday, compiled_by=acting.person.email)
    compiled.rows = compiled_rows(contributions)
    compiled.contributions = len(contributions)
    compiled.summary = given.summary.strip() if given.summary else None
    compiled.compiled_by, compiled.compiled_at = acting.person.email, actor.now
    session.add(compiled)
    session.flush()
    for contribution in contributions:
        contribution.compiled_in_id = compiled.id
        session.add(contribution)
    after = {"week": monday, "contributions": len(contributions), "rows": len(compiled.rows)}
    audit(
        session, acting.person.email, org.id, "lagesbild.compile", compiled, key=str(monday), before=before, after=after
    )
    return compiled


def week_contributions(session: Session, org: Organisation, monday: date) -> list[LagesbildContribution]:
    return list(
        session.exec(
            select(LagesbildContribution)
            .where(LagesbildContribution.organisation_id == org.id, LagesbildContribution.week_start == monday)
            .order_by(col(LagesbildContribution.id))
        ).all()
    )


def compiled_rows(contributions: list[LagesbildContribution]) -> list[dict[str, Any]]:
    """One row per category, area and time band: the counts summed, the highest severity, the trend most
    reporters saw, how many contributions. No free text: the rows are what leaves the kommun."""
    groups: dict[tuple[str, str, str], list[LagesbildContribution]] = {}
    for c in contributions:
        groups.setdefault((category_key(c.category), c.area.casefold(), c.time_band or ""), []).append(c)
    rows = []
    for members in groups.values():
        trends = Counter(c.trend for c in members if c.trend)
        severities = [c.severity for c in members if c.severity]
        rows.append(
            {
                "category": members[0].category,
                "area": members[0].area,
                "time_band": members[0].time_band,
                "count": sum(c.count for c in members),
                "severity": max(severities) if severities else None,
                "trend": trends.most_common(1)[0][0] if trends else None,
                "reports": len(members),
            }
        )
    return sorted(rows, key=lambda r: (category_key(str(r["category"])), str(r["area"]).casefold()))


def sees_free_text(session: Session, roles: list[Role]) -> bool:
    """Whether the holder of `roles` in a kommun reads its free texts: not through a role that belongs to a
    länsstyrelse (a regional coordinator listed in the kommun's file sees aggregates and status only)."""
    for role in roles:
        party = session.get(Organisation, role.party_id) if role.party_id else None
        if party is None or party.kind != OrgKind.LANSSTYRELSE:
            return True
    return False


@dataclass
class WeekView:
    """The week as the kommun's own people see it (free texts included: they stay in the kommun)."""

    monday: date
    label: str
    contributions: list[tuple[LagesbildContribution, str]]  # with the reporting role's name
    compiled: WeeklyLagesbild | None
    categories: tuple[str, ...]
    free_text: bool = True  # the viewer reads the contributions' texts (see sees_free_text)

    @property
    def uncompiled(self) -> int:
        return sum(1 for c, _ in self.contributions if c.compiled_in_id is None)


def week_view(session: Session, org: Organisation, monday: date, viewer_roles: list[Role] | None = None) -> WeekView:
    contributions = week_contributions(session, org, monday)
    role_ids = {c.role_id for c in contributions if c.role_id}
    names = {r.id: r.name for r in session.exec(select(Role).where(col(Role.id).in_(role_ids))).all()}
    compiled = session.exec(
        select(WeeklyLagesbild).where(WeeklyLagesbild.organisation_id == org.id, WeeklyLagesbild.week_start == monday)
    ).first()
    return WeekView(
        monday,
        week_label(monday),
        [(c, names.get(c.role_id or 0, "")) for c in contributions],
        compiled,
        vocabulary_for(session, org).names,
        viewer_roles is None or sees_free_text(session, viewer_roles),
    )


def compiled_weeks(session: Session, org: Organisation, limit: int = 12) -> list[WeeklyLagesbild]:
    return list(
        session.exec(
            select(WeeklyLagesbild)
            .where(WeeklyLagesbild.organisation_id == org.id)
            .order_by(col(WeeklyLagesbild.week_start).desc())
            .limit(limit)
        ).all()
    )

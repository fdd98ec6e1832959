"""The exact text of an agreement version and of a medborgarlöfte version, built from the rows it is made of, and
its SHA-256: what the parties read, confirm and sign. A signature stores the hash, so a signature binds one text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from samverkan.core.labels import label
from samverkan.models import (
    Agreement,
    AgreementGoal,
    AgreementParty,
    AgreementProblem,
    Cause,
    CauseAnalysis,
    CitizenPromise,
    Indicator,
    Organisation,
    OrganisationLink,
    Problem,
    PromiseActivity,
)
from samverkan.templates.rendering import thousands


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CauseLine:
    number: int
    perspective: str
    direct: bool
    description: str
    parent_number: int | None

    def line(self) -> str:
        kind = (
            "direkt"
            if self.direct
            else f"indirekt, bakom orsak {self.parent_number}"
            if self.parent_number
            else ("indirekt")
        )
        return f"Orsak {self.number} ({label(self.perspective)}, {kind}): {self.description}"


@dataclass(frozen=True)
class CoveredProblem:
    id: int
    rank: int | None
    title: str
    causes: list[CauseLine]


@dataclass(frozen=True)
class GoalLine:
    number: int
    description: str
    indicator_id: int
    indicator: str
    unit: str
    problem: str | None
    baseline_value: float | None
    baseline_year: int | None
    target_value: float | None
    target_year: int | None

    def figure(self, value: float | None, year: int | None) -> str:
        if value is None:
            return "saknas"
        return f"{thousands(value)} {self.unit}" + (f" ({year})" if year else "")

    def line(self) -> str:
        about = f" Problem: {self.problem}." if self.problem else ""
        return (
            f"Mål {self.number}: {self.description} Indikator: {self.indicator}. "
            f"Utgångsvärde: {self.figure(self.baseline_value, self.baseline_year)}. "
            f"Målvärde: {self.figure(self.target_value, self.target_year)}.{about}"
        )


@dataclass(frozen=True)
class AgreementContent:
    title: str
    version: int
    period_start: date
    period_end: date
    review_on: date | None
    parties: list[str]
    problems: list[CoveredProblem]
    goals: list[GoalLine]
    documentation: str | None
    follow_up: str | None

    def text(self) -> str:
        lines = [
            f"Samverkansöverenskommelse: {self.title}",
            f"Version {self.version}",
            f"Period: {self.period_start} – {self.period_end}",
            f"Revideras senast: {self.review_on or 'ej angivet'}",
            f"Parter: {', '.join(self.parties)}",
            "",
            "Prioriterade problem och deras troliga orsaker:",
        ]
        for problem in self.problems:
            lines.append(f"{problem.rank or '–'}. {problem.title}")
            lines += [f"   {cause.line()}" for cause in problem.causes] or ["   Ingen orsaksanalys."]
        lines += ["", "Mätbara mål:", *[goal.line() for goal in self.goals]]
        lines += ["", f"Så dokumenteras arbetet: {self.documentation or 'ej angivet'}"]
        lines += [f"Så följs arbetet upp: {self.follow_up or 'ej angivet'}"]
        return "\n".join(lines)

    def missing(self) -> list[str]:
        """What the content lacks to be complete (the parts the issue names)."""
        lacking = [
            text
            for text, absent in (
                ("revisionsdatum", self.review_on is None),
                ("minst ett prioriterat problem", not self.problems),
                ("minst ett mätbart mål kopplat till en indikator", not self.goals),
                ("hur arbetet dokumenteras", not (self.documentation or "").strip()),
                ("hur arbetet följs upp", not (self.follow_up or "").strip()),
                ("minst två parter", len(self.parties) < 2),
            )
            if absent
        ]
        lacking += [
            f"mål {g.number} saknar utgångsvärde eller målvärde"
            for g in self.goals
            if g.baseline_value is None or g.target_value is None
        ]
        return lacking


def _causes(session: Session, problem_id: int) -> list[CauseLine]:
    analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem_id)).first()
    if analysis is None:
        return []
    causes = session.exec(select(Cause).where(Cause.analysis_id == analysis.id).order_by(col(Cause.number))).all()
    numbers = {c.id: c.number for c in causes}
    return [
        CauseLine(c.number, str(c.perspective), c.direct, c.description, numbers.get(c.parent_id or 0)) for c in causes
    ]


def covered_problems(session: Session, agreement: Agreement) -> list[CoveredProblem]:
    rows = session.exec(
        select(Problem)
        .join(AgreementProblem, col(AgreementProblem.problem_id) == Problem.id)
        .where(AgreementProblem.agreement_id == agreement.id)
        .order_by(col(Problem.rank), col(Problem.id))
    ).all()
    return [CoveredProblem(p.id or 0, p.rank, p.title, _causes(session, p.id or 0)) for p in rows]


def goal_lines(session: Session, agreement: Agreement) -> list[GoalLine]:
    goals = session.exec(
        select(AgreementGoal).where(AgreementGoal.agreement_id == agreement.id).order_by(col(AgreementGoal.number))
    ).all()
    lines = []
    for goal in goals:
        indicator = session.get(Indicator, goal.indicator_id)
        problem = session.get(Problem, goal.problem_id) if goal.problem_id else None
        name = (indicator.name + (f" ({indicator.area})" if indicator.area else "")) if indicator else "?"
        lines.append(
            GoalLine(
                goal.number, goal.description, goal.indicator_id, name, indicator.unit if indicator else "",
                problem.title if problem else None, goal.baseline_value, goal.baseline_year, goal.target_value,
                goal.target_year,
            )
        )  # fmt: skip
    return lines


def party_names(session: Session, agreement: Agreement) -> list[str]:
    rows = session.exec(
        select(Organisation.name)
        .join(AgreementParty, col(AgreementParty.party_id) == Organisation.id)
        .where(AgreementParty.agreement_id == agreement.id)
        .order_by(col(Organisation.kind), col(Organisation.name))
    ).all()
    return list(rows)


def agreement_content(session: Session, agreement: Agreement) -> AgreementContent:
    """The content as the rows hold it now."""
    return AgreementContent(
        agreement.title,
        agreement.version,
        agreement.period_start,
        agreement.period_end,
        agreement.review_on,
        party_names(session, agreement),
        covered_problems(session, agreement),
        goal_lines(session, agreement),
        agreement.documentation,
        agreement.follow_up,
    )


@dataclass(frozen=True)
class ActivityLine:
    number: int
    title: str
    owner: str | None
    due_on: date | None

    def line(self) -> str:
        return f"Aktivitet {self.number}: {self.title}. Ansvarig part: {self.owner or 'ingen'}. Klart senast: " + (
            f"{self.due_on or 'ej angivet'}."
        )


@dataclass(frozen=True)
class PromiseContent:
    title: str
    kommun: str
    version: int
    period_start: date
    period_end: date
    parties: list[str]
    text_body: str | None
    activities: list[ActivityLine] = field(default_factory=list)

    def text(self) -> str:
        lines = [
            f"Medborgarlöfte: {self.title}",
            f"Version {self.version}",
            f"Period: {self.period_start} – {self.period_end}",
            f"Parter: {', '.join(self.parties)}",
            "",
            "Löftet:",
            self.text_body or "ej skrivet",
            "",
            "Aktiviteter:",
            *[activity.line() for activity in self.activities],
        ]
        return "\n".join(lines)

    def missing(self) -> list[str]:
        lacking = ["löftets text"] if not (self.text_body or "").strip() else []
        return lacking + (["minst en aktivitet"] if not self.activities else [])


def police_party(session: Session, organisation: Organisation) -> Organisation | None:
    police_id = session.exec(
        select(OrganisationLink.member_id).where(
            OrganisationLink.organisation_id == organisation.id, OrganisationLink.relation == "polis"
        )
    ).first()
    return session.get(Organisation, police_id) if police_id else None


def activities_of(session: Session, promise: CitizenPromise) -> list[PromiseActivity]:
    return list(
        session.exec(
            select(PromiseActivity)
            .where(PromiseActivity.promise_id == promise.id)
            .order_by(col(PromiseActivity.number))
        ).all()
    )


def promise_content(session: Session, organisation: Organisation, promise: CitizenPromise) -> PromiseContent:
    kommun = session.get(Organisation, promise.municipality_id)
    police = police_party(session, organisation)
    parties = [p.name for p in (kommun, police) if p is not None]
    activities = []
    for activity in activities_of(session, promise):
        owner = session.get(Organisation, activity.owner_party_id) if activity.owner_party_id else None
        activities.append(ActivityLine(activity.number, activity.title, owner.name if owner else None, activity.due_on))
    return PromiseContent(
        promise.title,
        kommun.name if kommun else "?",
        promise.version,
        promise.period_start,
        promise.period_end,
        parties,
        promise.text,
        activities,
    )


def missing_content(session: Session, organisation: Organisation, subject: Agreement | CitizenPromise) -> list[str]:
    """What the subject's content, as its rows hold it now, lacks to be complete (empty when complete): the one
    list the signing rule, the pages and the exit criteria read."""
    if isinstance(subject, Agreement):
        return agreement_content(session, subject).missing()
    return promise_content(session, organisation, subject).missing()


def text_to_sign(session: Session, organisation: Organisation, subject: Agreement | CitizenPromise) -> str:
    """The text a signature binds: frozen at the first signature, else the content as it stands."""
    if subject.content_text is not None:
        return subject.content_text
    if isinstance(subject, Agreement):
        return agreement_content(session, subject).text()
    return promise_content(session, organisation, subject).text()

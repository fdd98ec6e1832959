"""What the lägesbild page, the problem page, the API and the CLI show: the problems with their sources and
matrix, the parties' own lägesbilder, who decides the prioritisation, and the prioritisation in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import local
from samverkan.models import Organisation, PartyLagesbild, Problem, Upload
from samverkan.models.analysis import CRITERIA
from samverkan.models.enums import ProblemSourceKind
from samverkan.services.errors import RefusedError
from samverkan.services.lagesbild import (
    cycle_problems,
    deciding_body,
    party_lagesbilder,
    problem_in,
    problem_sources,
    source_text,
)
from samverkan.services.overview import find_organisation
from samverkan.services.prioritisation import PrioritisationView, prioritisation_of
from samverkan.services.substance import active_cycle
from samverkan.services.uploads import upload_place

CRITERIA_SV = {
    "extent": "Omfattning",
    "severity": "Allvar",
    "trend": "Utveckling",
    "insecurity": "Otrygghet",
    "cost": "Kostnad",
}


@dataclass(frozen=True)
class SourceView:
    id: int
    kind: ProblemSourceKind
    text: str
    note: str | None
    href: str | None


@dataclass(frozen=True)
class ProblemView:
    id: int
    title: str
    description: str | None
    area: str | None
    category: str | None
    period_from: date | None
    period_to: date | None
    prioritised: bool
    rank: int | None
    rationale: str | None
    decision_id: int | None
    scores: dict[str, int | None]
    total: int | None
    sources: list[SourceView]


@dataclass(frozen=True)
class PartyLagesbildView:
    id: int
    party: str
    party_name: str
    title: str
    summary: str
    upload_id: int
    filename: str
    recorded_on: str


@dataclass(frozen=True)
class LagesbildView:
    cycle: int
    problems: list[ProblemView]
    party_lagesbilder: list[PartyLagesbildView]
    deciding_body: str | None
    deciding_body_problem: str | None
    prioritisation: PrioritisationView | None


def problem_view(session: Session, organisation: Organisation, problem: Problem) -> ProblemView:
    key = organisation.key
    sources = [
        SourceView(
            saved_id(s),
            ProblemSourceKind(s.kind),
            source_text(session, organisation, problem, s),
            s.note,
            _href(session, key, s.upload_id, s.party_lagesbild_id),
        )
        for s in problem_sources(session, problem)
    ]
    scores = problem.scores()
    given = [v for v in scores.values() if v is not None]
    return ProblemView(
        saved_id(problem), problem.title, problem.description, problem.area, problem.category,
        problem.period_from, problem.period_to, problem.prioritised, problem.rank, problem.rationale,
        problem.decision_id, scores, sum(given) if len(given) == len(CRITERIA) else None, sources,
    )  # fmt: skip


def _href(session: Session, key: str, upload_id: int | None, own_id: int | None) -> str | None:
    if upload_id is None and own_id is not None:
        own = session.get(PartyLagesbild, own_id)
        upload_id = own.upload_id if own else None
    return upload_place(key, upload_id) if upload_id is not None else None


def lagesbild_of(session: Session, org_key: str) -> LagesbildView:
    organisation = find_organisation(session, org_key)
    cycle = active_cycle(session, organisation)
    problems = [problem_view(session, organisation, p) for p in cycle_problems(session, cycle)]
    try:
        body, why_not = deciding_body(session, organisation, cycle).name, None
    except RefusedError as exc:
        body, why_not = None, str(exc)
    return LagesbildView(
        cycle.number,
        problems,
        [party_lagesbild_view(session, own) for own in party_lagesbilder(session, cycle)],
        body,
        why_not,
        prioritisation_of(session, cycle),
    )


def party_lagesbild_view(session: Session, own: PartyLagesbild) -> PartyLagesbildView:
    party = session.get(Organisation, own.party_id)
    upload = session.get(Upload, own.upload_id)
    return PartyLagesbildView(
        saved_id(own), party.key if party else "", party.name if party else "", own.title, own.summary,
        own.upload_id, upload.filename if upload else "", local(own.created_at).date().isoformat(),
    )  # fmt: skip


def problem_of(session: Session, org_key: str, problem_id: int) -> ProblemView:
    organisation = find_organisation(session, org_key)
    problem = problem_in(session, active_cycle(session, organisation), problem_id)
    return problem_view(session, organisation, problem)


def problems_of(session: Session, org_key: str) -> list[ProblemView]:
    organisation = find_organisation(session, org_key)
    cycle = active_cycle(session, organisation)
    return [problem_view(session, organisation, p) for p in cycle_problems(session, cycle)]

"""The joint lägesbild: its problems with their sources and criteria matrix, the parties' own lägesbilder, and
the prioritisation recorded as the deciding body's decision; one page per problem."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.models.enums import ProblemSourceKind
from samverkan.services import lagesbild, substance
from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError
from samverkan.services.inputs import (
    AddPartyLagesbild,
    AddProblem,
    AddProblemSource,
    AssessProblem,
    RecordPrioritisation,
)
from samverkan.services.lagesbild_view import CRITERIA_SV, LagesbildView, lagesbild_of, problem_of
from samverkan.services.prioritisation import PrioritisationView, record_prioritisation
from samverkan.services.uploads import MAX_UPLOAD
from samverkan.web.forms import Logged, Page, Posted, Visit, form_fields, page_router, parse, submit, upload_of
from samverkan.web.security import state

RANK_FIELD = re.compile(r"rank-(\d+)")
DEPRIORITISED = "bort"


def _read(visit: Visit) -> Mapping[str, object]:
    try:
        view: LagesbildView = lagesbild_of(visit.session, visit.key)
    except RefusedError as exc:  # no running cycle: the page says so
        return {"view": None, "no_cycle": str(exc)}
    by_total = sorted(view.problems, key=lambda p: (-(p.total or 0), p.id))
    suggested = {p.id: n for n, p in enumerate(by_total, start=1)}
    return {
        "view": view,
        "parties": lagesbild.parties(visit.session, visit.member.organisation),
        "criteria": CRITERIA_SV,
        "suggested": suggested,
        "categories": lagesbild.vocabulary(visit.member.organisation).names,
    }


def _read_problem(visit: Visit) -> Mapping[str, object]:
    problem = problem_of(visit.session, visit.key, visit.numbers["problem_id"])
    choices = lagesbild.source_choices(visit.session, visit.member.organisation)
    categories = lagesbild.vocabulary(visit.member.organisation).names
    kinds = list(ProblemSourceKind)
    return {"problem": problem, "criteria": CRITERIA_SV, "kinds": kinds, "categories": categories, **choices}


def _decided(result: PrioritisationView, _given: RecordPrioritisation) -> str:
    return f"Prioriteringen är protokollförd som beslut nr {result.decision_id} av {result.body_name}."


router = page_router()
page = Page(router, "/org/{key}/lagesbild", "lagesbild.html.j2", _read)
page.action("/org/{key}/lagesbild/problem", AddProblem, substance.add_problem, "Problem nr {result.id} är tillagt.")

problem_page = Page(router, "/org/{key}/problem/{problem_id}", "problem.html.j2", _read_problem)
problem_page.action(
    "/org/{key}/problem/{problem_id}/kalla", AddProblemSource, lagesbild.add_source, "Källan är tillagd."
)
problem_page.action(
    "/org/{key}/problem/{problem_id}/bedomning",
    AssessProblem,
    lagesbild.assess_problem,
    "Bedömningen av '{result.title}' är sparad.",
)


def ranking_of(fields: Mapping[str, str]) -> dict[str, Any]:
    """The prioritisation form's fields as the action's input: per problem `rank-N` (a number, or 'bort' for
    deprioritised) and `reason-N`; the date, the diarienummer and the body as they are."""
    ranking = []
    for name, value in fields.items():
        found = RANK_FIELD.fullmatch(name)
        if found is None:
            continue
        number = int(found.group(1))
        rank = None if value == DEPRIORITISED else value
        ranking.append({"problem_id": number, "rank": rank, "reason": fields.get(f"reason-{number}") or None})
    given = {name: fields[name] for name in ("decided_on", "diarienummer", "body_key") if name in fields}
    return {**given, "ranking": ranking}


@router.post("/org/{key}/lagesbild/prioritering", response_class=HTMLResponse)
def prioritise(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    """One row per problem in the form, so the input is gathered from the fields' names, then the one action."""

    def act(session: Session, actor: Actor) -> tuple[PrioritisationView, RecordPrioritisation]:
        given = parse(RecordPrioritisation, ranking_of(form_fields(form)))
        return record_prioritisation(session, actor, given), given

    return submit(
        request, viewer, key, act,
        lambda done: (f"/org/{key}/lagesbild", _decided(*done)),
        page.again(request, viewer, key, form),
    )  # fmt: skip


@router.post("/org/{key}/lagesbild/parter", response_class=HTMLResponse)
def add_party_lagesbild(request: Request, viewer: Logged, key: str, form: Posted) -> Response:
    """A party's lägesbild: the uploaded file goes into the action's input, kept once every check has passed."""
    upload = upload_of(form)
    data = upload.file.read(MAX_UPLOAD + 1) if upload else b""
    folder = state(request).uploads_dir

    def act(session: Session, actor: Actor) -> str:
        if upload is None:
            raise RefusedError("välj filen med partens lägesbild")
        fields = {**form_fields(form), "filename": upload.filename or "fil"}
        fields["content_base64"] = base64.b64encode(data).decode("ascii")
        own = lagesbild.add_party_lagesbild(session, actor, parse(AddPartyLagesbild, fields), folder)
        return own.title

    return submit(
        request, viewer, key, act,
        lambda title: (f"/org/{key}/lagesbild", f"'{title}' är inlagd."),
        page.again(request, viewer, key, form),
    )  # fmt: skip

"""The joint lägesbild: the sources behind each problem, the parties' own lägesbilder, the criteria matrix, and
the prioritisation recorded as one decision of the body the process definition names for that step.

The coordinating roles prepare (sources, lägesbilder, matrix); recording the prioritisation follows the decision
rules of `agreements.record_decision` (the body's members, or the coordinating roles as its secretaries)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.labels import label
from samverkan.core.privacy import shown_count
from samverkan.models import (
    Body,
    ChecklistItem,
    Cycle,
    EstObservation,
    Evidence,
    Indicator,
    Organisation,
    OrganisationLink,
    PartyLagesbild,
    Phase,
    Problem,
    ProblemSource,
    Upload,
)
from samverkan.models.enums import BodyKind, ProblemSourceKind
from samverkan.orgconfig.categories import Vocabulary, category_key
from samverkan.services.access import COORDINATING, find_person, require_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.bodies import active_bodies
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import AddPartyLagesbild, AddProblemSource, AssessProblem
from samverkan.services.measure_links import organisation_indicators
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data
from samverkan.services.substance import active_cycle
from samverkan.services.uploads import MAX_UPLOAD, keep_file, record_upload, upload_number

PRIORITISATION_KIND = "prioritering"
PRIORITISATION_REQUIREMENT = "problems_prioritised"
PARTY_RELATIONS = ("kommun", "polis")


def problem_in(session: Session, cycle: Cycle, problem_id: int) -> Problem:
    problem = session.get(Problem, problem_id)
    if problem is None or problem.cycle_id != cycle.id:
        raise NotFoundError(f"problem nr {problem_id} finns inte i den pågående cykeln")
    return problem


def cycle_problems(session: Session, cycle: Cycle) -> list[Problem]:
    return list(session.exec(select(Problem).where(Problem.cycle_id == cycle.id).order_by(col(Problem.id))).all())


def parties(session: Session, organisation: Organisation) -> list[Organisation]:
    """The parties that each have their own lägesbild: the kommun(er) and the police."""
    return list(
        session.exec(
            select(Organisation)
            .join(OrganisationLink, col(OrganisationLink.member_id) == Organisation.id)
            .where(OrganisationLink.organisation_id == organisation.id)
            .where(col(OrganisationLink.relation).in_(PARTY_RELATIONS))
            .order_by(col(OrganisationLink.relation), col(Organisation.name))
        ).all()
    )


# -- the sources behind a problem ----------------------------------------------------------------------


def add_source(session: Session, actor: Actor, given: AddProblemSource) -> ProblemSource:
    """Link a source to a problem: exactly the reference its kind needs, and one that exists here."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "ange källor för problem")
    cycle = active_cycle(session, organisation)
    problem = problem_in(session, cycle, given.problem_id)
    _check_reference(session, organisation, cycle, problem, given)
    no_personal_data(kategori=given.est_category, omrade=given.est_area, anteckning=given.note)
    kind = given.kind
    source = ProblemSource(
        problem_id=saved_id(problem),
        kind=kind,
        est_category=vocabulary(organisation).shown(given.est_category or "") or None
        if kind == ProblemSourceKind.EST
        else None,
        est_area=(given.est_area or "").strip() or None if kind == ProblemSourceKind.EST else None,
        indicator_id=given.indicator_id if kind == ProblemSourceKind.INDICATOR else None,
        upload_id=given.upload_id if kind == ProblemSourceKind.DOCUMENT else None,
        party_lagesbild_id=given.party_lagesbild_id if kind == ProblemSourceKind.PARTY_LAGESBILD else None,
        note=(given.note or "").strip() or None,
    )
    session.add(source)
    session.flush()
    audit(
        session, acting, organisation.id, "problem.source", source, key=problem.title,
        after={"kind": kind, "reference": source_text(session, organisation, problem, source)},
    )  # fmt: skip
    return source


def _check_est(session: Session, organisation: Organisation, problem: Problem, given: AddProblemSource) -> None:
    """An EST source names a category, and the EST group has reported something in it (and the area) over the
    problem's period: a source with nothing in it supports nothing."""
    category, area = (given.est_category or "").strip(), (given.est_area or "").strip() or None
    if not category:
        raise RefusedError("en EST-källa behöver en kategori (och gärna ett område)")
    if not _est_counts(session, organisation, problem, category, area):
        where = f" i {area}" if area else ""
        raise RefusedError(
            f"EST-gruppen har inga rapporter om {category}{where}{_period_text(problem)}; en källa utan innehåll "
            "stödjer inte problemet. Välj en kategori eller ett område med rapporter, eller en annan typ av källa"
        )


def _check_reference(
    session: Session, organisation: Organisation, cycle: Cycle, problem: Problem, given: AddProblemSource
) -> None:
    kind = given.kind
    if kind == ProblemSourceKind.EST:
        _check_est(session, organisation, problem, given)
    if kind == ProblemSourceKind.INDICATOR:
        indicator = session.get(Indicator, given.indicator_id) if given.indicator_id else None
        if indicator is None or indicator.organisation_id != organisation.id:
            raise RefusedError(f"välj en av {organisation.name}s indikatorer (fick nr {given.indicator_id})")
    if kind == ProblemSourceKind.DOCUMENT:
        documents = source_documents(session, organisation, cycle)
        if not any(upload.id == given.upload_id for upload in documents):
            phase = prioritisation_phase(session, cycle)
            raise RefusedError(
                f"välj ett dokument som laddats upp som bevis i fasen {phase.name if phase else 'Lägesbild'} i "
                f"den pågående cykeln (fick nr {given.upload_id}); "
                + ("inget dokument är uppladdat där än" if not documents else f"finns: {_names(documents)}")
            )
    if kind == ProblemSourceKind.PARTY_LAGESBILD:
        own = session.get(PartyLagesbild, given.party_lagesbild_id) if given.party_lagesbild_id else None
        if own is None or own.cycle_id != cycle.id:
            raise RefusedError(f"välj en av partternas lägesbilder i cykeln (fick nr {given.party_lagesbild_id})")


def source_choices(session: Session, organisation: Organisation) -> dict[str, Any]:
    """What a source can refer to: the organisation's indicators, the running cycle's lägesbild documents
    (`source_documents`) and its parties' lägesbilder; `documents_phase` names where documents come from."""
    indicators = organisation_indicators(session, organisation)
    cycle = active_cycle(session, organisation)
    phase = prioritisation_phase(session, cycle)
    own = party_lagesbilder(session, cycle)
    uploads = source_documents(session, organisation, cycle)
    return {"indicators": list(indicators), "uploads": uploads, "own": own, "documents_phase": phase}


def source_documents(session: Session, organisation: Organisation, cycle: Cycle) -> list[Upload]:
    """The uploaded documents a problem's source may be: the files kept as evidence for the items of the running
    cycle's lägesbild phase (the phase that prioritises the problems), newest first. Not a file kept for another
    phase's item (a kommunikationsplan supports no problem) nor one from an earlier cycle; a party's own lägesbild
    is a source of its own kind. An item's file is its evidence's place (services/uploads.py `upload_place`)."""
    phase = prioritisation_phase(session, cycle)
    if phase is None:
        return []
    places = session.exec(
        select(Evidence.uri)
        .join(ChecklistItem, col(ChecklistItem.id) == Evidence.checklist_item_id)
        .where(ChecklistItem.phase_id == phase.id)
    ).all()
    numbers = {number for uri in places if (number := upload_number(organisation.key, uri)) is not None}
    if not numbers:
        return []
    return list(
        session.exec(
            select(Upload)
            .where(Upload.organisation_id == organisation.id, col(Upload.id).in_(numbers))
            .order_by(col(Upload.id).desc())
        ).all()
    )


def _names(uploads: list[Upload]) -> str:
    return ", ".join(f"nr {upload.id} ({upload.filename})" for upload in uploads[:10])


def problem_sources(session: Session, problem: Problem) -> list[ProblemSource]:
    return list(
        session.exec(
            select(ProblemSource).where(ProblemSource.problem_id == problem.id).order_by(col(ProblemSource.id))
        ).all()
    )


def source_text(session: Session, organisation: Organisation, problem: Problem, source: ProblemSource) -> str:
    """What the source is, in Swedish: for EST the aggregate over the problem's period (small counts hidden)."""
    if source.kind == ProblemSourceKind.EST:
        return est_aggregate(session, organisation, problem, source.est_category or "", source.est_area)
    if source.kind == ProblemSourceKind.INDICATOR and source.indicator_id:
        indicator = session.get(Indicator, source.indicator_id)
        return f"Indikator: {indicator.name} ({indicator.source})" if indicator else "Indikator (borttagen)"
    if source.kind == ProblemSourceKind.DOCUMENT and source.upload_id:
        upload = session.get(Upload, source.upload_id)
        return f"Dokument: {upload.filename}" if upload else "Dokument (borttaget)"
    own = session.get(PartyLagesbild, source.party_lagesbild_id) if source.party_lagesbild_id else None
    return f"Partens lägesbild: {own.title}" if own else "Partens lägesbild (borttagen)"


def est_aggregate(
    session: Session, organisation: Organisation, problem: Problem, category: str, area: str | None
) -> str:
    """The EST observations of the category (and area) over the problem's period, compared as the category
    vocabulary compares (case and spacing do not count); counts under the suppression threshold are hidden."""
    counts = _est_counts(session, organisation, problem, category, area)
    where = f" i {area}" if area else ""
    shown = shown_count(len(counts))
    return f"EST: {category}{where} – {shown} rapporter, sammanlagt antal {shown_count(sum(counts))}"


def _est_counts(
    session: Session, organisation: Organisation, problem: Problem, category: str, area: str | None
) -> list[int]:
    """The count of each EST observation of the category (and area) over the problem's period."""
    query = select(EstObservation.category, EstObservation.area, EstObservation.count).where(
        EstObservation.organisation_id == organisation.id
    )
    if problem.period_from:
        query = query.where(EstObservation.observed_on >= problem.period_from)
    if problem.period_to:
        query = query.where(EstObservation.observed_on <= problem.period_to)
    wanted = (category_key(category), category_key(area) if area else None)
    return [
        count or 0
        for seen_category, seen_area, count in session.exec(query).all()
        if category_key(seen_category) == wanted[0] and wanted[1] in (None, category_key(seen_area))
    ]


def _period_text(problem: Problem) -> str:
    if problem.period_from or problem.period_to:
        return f" under {problem.period_from or '…'} – {problem.period_to or '…'}"
    return ""


def vocabulary(organisation: Organisation) -> Vocabulary:
    """The organisation's lägesbild categories (its file's list, else the default one)."""
    return Vocabulary.from_settings(organisation.settings)


# -- the criteria matrix -------------------------------------------------------------------------------


def assess_problem(session: Session, actor: Actor, given: AssessProblem) -> Problem:
    """The coordinating roles' assessment of one problem on Brå's criteria (1–5 each), for the deciding body."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "bedöma problem")
    problem = problem_in(session, active_cycle(session, organisation), given.problem_id)
    before = problem.scores()
    problem.score_extent, problem.score_severity, problem.score_trend = given.extent, given.severity, given.trend
    problem.score_insecurity, problem.score_cost = given.insecurity, given.cost
    session.add(problem)
    audit(
        session, acting, organisation.id, "problem.assess", problem, key=problem.title,
        before=before, after=problem.scores(),
    )  # fmt: skip
    return problem


# -- each party's own lägesbild ------------------------------------------------------------------------


def add_party_lagesbild(session: Session, actor: Actor, given: AddPartyLagesbild, folder: Path) -> PartyLagesbild:
    """A party's own lägesbild: the document is kept as an upload (its checks as for evidence), with a summary."""
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "lägga in lägesbilder")
    cycle = active_cycle(session, organisation)
    party = next((p for p in parties(session, organisation) if p.key == given.party), None)
    if party is None:
        known = ", ".join(f"{p.key} ({p.name})" for p in parties(session, organisation))
        raise RefusedError(f"'{given.party}' är ingen part i {organisation.name} (parter: {known})")
    no_personal_data(rubrik=given.title, sammanfattning=given.summary)
    data = _decoded(given.content_base64)
    upload = record_upload(session, actor, given.filename, data)
    own = PartyLagesbild(
        cycle_id=saved_id(cycle),
        party_id=saved_id(party),
        upload_id=saved_id(upload),
        title=given.title.strip(),
        summary=given.summary.strip(),
        recorded_by_person_id=saved_id(find_person(session, actor.email)),
    )
    session.add(own)
    session.flush()
    keep_file(folder, upload, data)  # written once every check has passed, before the commit
    audit(
        session, acting, organisation.id, "lagesbild.party", own, key=party.key,
        after={"title": own.title, "file": upload.filename, "size": upload.size},
    )  # fmt: skip
    return own


def _decoded(text: str) -> bytes:
    if len(text) > (MAX_UPLOAD // 3 + 1) * 4:
        raise RefusedError(f"filen är större än {MAX_UPLOAD // (1024 * 1024)} MB")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RefusedError("Filens innehåll (base64): är inte giltig base64") from None


def party_lagesbilder(session: Session, cycle: Cycle) -> list[PartyLagesbild]:
    return list(
        session.exec(
            select(PartyLagesbild).where(PartyLagesbild.cycle_id == cycle.id).order_by(col(PartyLagesbild.id))
        ).all()
    )


# -- who decides the prioritisation --------------------------------------------------------------------


def prioritisation_phase(session: Session, cycle: Cycle) -> Phase | None:
    """The cycle's phase whose checklist holds the 'problems prioritised' requirement."""
    return session.exec(
        select(Phase)
        .join(ChecklistItem, col(ChecklistItem.phase_id) == Phase.id)
        .where(Phase.cycle_id == cycle.id, ChecklistItem.requirement == PRIORITISATION_REQUIREMENT)
        .order_by(col(Phase.ordinal))
    ).first()


def deciding_body(session: Session, organisation: Organisation, cycle: Cycle, body_key: str | None = None) -> Body:
    """The body that decides the prioritisation: of the kind the process definition names for that phase;
    `body_key` chooses when the organisation has several of that kind."""
    phase = prioritisation_phase(session, cycle)
    if phase is None or not phase.deciding_body_key:
        raise RefusedError(
            f"processen för cykel {cycle.number} anger inget beslutande organ för prioriteringen av problemen"
        )
    kind = BodyKind(phase.deciding_body_key)
    bodies = active_bodies(session, organisation, kind)
    chosen = [b for b in bodies if body_key in (None, b.key)]
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        raise RefusedError(
            f"processen anger att {kind_name(kind)} beslutar i fasen {phase.name}, men {organisation.name} har "
            + (f"inget organ '{body_key}' av det slaget" if body_key else "inget sådant organ")
        )
    names = ", ".join(f"{b.key} ({b.name})" for b in chosen)
    raise RefusedError(f"{organisation.name} har flera organ av slaget {kind_name(kind)}; välj ett: {names}")


def kind_name(kind: BodyKind) -> str:
    return label(kind.value)

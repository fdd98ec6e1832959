"""The samverkansöverenskommelse's content, chosen from the cycle's own data: the prioritised problems it covers
(their causes come from the orsaksanalys), measurable goals on indicators, the period, the review date and how the
work is documented and followed up. The agreement belongs to the cycle that adopted it.

Content is edited in the working version: the newest one while nobody has signed it; once someone has, a change
makes a new version that needs every party's signature again. The version in force on a day is the newest one
signed by every party (each signature binding its text by hash) whose period holds the day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlmodel import Session, col, func, select

from samverkan.core.ids import saved_id
from samverkan.models import (
    Agreement,
    AgreementGoal,
    AgreementParty,
    AgreementProblem,
    CitizenPromise,
    Cycle,
    Indicator,
    Organisation,
    Problem,
    Signature,
)
from samverkan.models.enums import AgreementStatus
from samverkan.services.access import COORDINATING, Acting, require_function
from samverkan.services.actor import Actor
from samverkan.services.agreement_text import agreement_content, content_hash, missing_content, promise_content
from samverkan.services.agreements import Subject, latest_agreement, latest_promises, lock_newest, signing_facts
from samverkan.services.audit import audit
from samverkan.services.errors import NotFoundError, RefusedError
from samverkan.services.inputs import AddGoal, AgreementTerms, CoverProblem, RemoveGoal
from samverkan.services.lifecycle import move
from samverkan.services.overview import find_organisation
from samverkan.services.privacy import no_personal_data
from samverkan.services.substance import active_cycle

V = TypeVar("V")


def signatures_of(session: Session, subject: Subject) -> list[Signature]:
    kind = "agreement" if isinstance(subject, Agreement) else "citizen_promise"
    return list(
        session.exec(
            select(Signature)
            .where(Signature.subject_type == kind, Signature.subject_id == subject.id)
            .order_by(col(Signature.signed_at))
        ).all()
    )


def fully_signed(session: Session, organisation: Organisation, subject: Subject) -> bool:
    """Every party has signed, and every signature binds the version's signed text. (Signatures made before texts
    were bound carry no hash; a version signed that way by every party counts as signed.)"""
    if signing_facts(session, organisation, subject).missing_parties:
        return False
    signatures = signatures_of(session, subject)
    if subject.content_text is None:
        return bool(signatures) and all(s.content_hash is None for s in signatures)
    digest = content_hash(subject.content_text)
    return all(s.content_hash in (None, digest) for s in signatures)


def agreement_versions(session: Session, organisation: Organisation) -> list[Agreement]:
    return list(
        session.exec(
            select(Agreement)
            .where(Agreement.organisation_id == organisation.id)
            .order_by(col(Agreement.version).desc())
        ).all()
    )


def agreement_in_force(session: Session, organisation: Organisation, on: date) -> Agreement | None:
    """The version in force on `on`: the newest fully signed one whose period holds the day, never a draft."""
    for version in agreement_versions(session, organisation):
        if version.period_start <= on <= version.period_end and fully_signed(session, organisation, version):
            return version
    return None


def agreement_of_cycle(session: Session, cycle: Cycle) -> Agreement | None:
    """The newest version the cycle adopted (edited in it); else the one the cycle started with."""
    adopted = session.exec(
        select(Agreement).where(Agreement.cycle_id == cycle.id).order_by(col(Agreement.version).desc())
    ).first()
    return adopted or (session.get(Agreement, cycle.agreement_id) if cycle.agreement_id else None)


# -- the working version ---------------------------------------------------------------------------


def _has_signatures(session: Session, subject: Subject) -> bool:
    return bool(signatures_of(session, subject))


def _copy_rows(session: Session, old: Agreement, new: Agreement, cycle: Cycle) -> None:
    for party in session.exec(select(AgreementParty).where(AgreementParty.agreement_id == old.id)).all():
        session.add(
            AgreementParty(
                agreement_id=saved_id(new), party_id=party.party_id, signatory_role_id=party.signatory_role_id
            )
        )
    covered = session.exec(
        select(AgreementProblem)
        .join(Problem, col(Problem.id) == AgreementProblem.problem_id)
        .where(AgreementProblem.agreement_id == old.id, Problem.cycle_id == cycle.id)
    ).all()
    for row in covered:
        session.add(AgreementProblem(agreement_id=saved_id(new), problem_id=row.problem_id))
    for goal in session.exec(select(AgreementGoal).where(AgreementGoal.agreement_id == old.id)).all():
        values = goal.model_dump(exclude={"id", "agreement_id"})
        session.add(AgreementGoal(agreement_id=saved_id(new), **values))


def _new_version(session: Session, acting: Acting, latest: Agreement, cycle: Cycle) -> Agreement:
    """A new version with the latest one's content; a version still waiting for signatures is replaced."""
    if latest.status == AgreementStatus.PENDING_SIGNATURES:
        move(latest, AgreementStatus.SUPERSEDED, f"{latest.title} (version {latest.version})")
        session.add(latest)
    version = Agreement(
        **latest.model_dump(exclude={"id", "version", "previous_id", "status", "content_text", "created_at"}),
        version=latest.version + 1,
        previous_id=latest.id,
    )
    version.cycle_id = cycle.id
    session.add(version)
    session.flush()
    _copy_rows(session, latest, version, cycle)
    audit(
        session,
        acting,
        latest.organisation_id,
        "agreement.version",
        version,
        key=f"v{version.version}",
        before={"version": latest.version, "status": latest.status},
        after={"version": version.version, "reason": "innehållet ändrades efter underskrift"},
    )
    return version


@dataclass
class Editing:
    organisation: Organisation
    acting: Acting
    cycle: Cycle
    latest: Agreement


def _editing(session: Session, actor: Actor) -> Editing:
    organisation = find_organisation(session, actor.org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "ändra överenskommelsens innehåll")
    cycle = active_cycle(session, organisation)
    # locked as `sign` locks it, and read fresh, before anything is decided from it (in place or a new version)
    latest = lock_newest(session, lambda: latest_agreement(session, organisation))
    if latest is None:
        raise NotFoundError(
            f"{organisation.name} har ingen samverkansöverenskommelse; den läggs in med organisationsfilen"
        )
    return Editing(organisation, acting, cycle, latest)


def _working(session: Session, editing: Editing) -> Agreement:
    """The version a change goes into: the latest while unsigned, else a new version. (`_editing` locked the latest,
    so no signature can come between this look and the change.)"""
    latest = editing.latest
    if latest.status == AgreementStatus.DRAFT and not _has_signatures(session, latest):
        latest.cycle_id = editing.cycle.id
        session.add(latest)
        return latest
    return _new_version(session, editing.acting, latest, editing.cycle)


def _log(session: Session, editing: Editing, agreement: Agreement, action: str, after: dict[str, object]) -> None:
    audit(
        session, editing.acting.label, editing.organisation.id, action, agreement, key=f"v{agreement.version}",
        after=after,
    )  # fmt: skip


# -- the actions -----------------------------------------------------------------------------------


def _check_period(session: Session, agreement: Agreement, given: AgreementTerms) -> None:
    start, end = given.period_start, given.period_end
    if end <= start:
        raise RefusedError(f"perioden slutar ({end}) innan den börjar ({start})")
    if given.review_on is not None and not start <= given.review_on <= end:
        raise RefusedError(f"revisionsdatumet {given.review_on} ligger utanför perioden {start}–{end}")
    previous = session.get(Agreement, agreement.previous_id) if agreement.previous_id else None
    if previous is not None and start < previous.period_start:
        raise RefusedError(
            f"perioden kan inte börja före version {previous.version} som den ersätter ({previous.period_start}); "
            "versioner får inte överlappa"
        )
    outside = [
        f"{p.title} ({p.period_start}–{p.period_end})"
        for p in latest_promises(session, agreement)
        if p.period_start < start or p.period_end > end
    ]
    if outside:
        raise RefusedError("medborgarlöften får inte gälla längre än överenskommelsen:", outside)


def set_terms(session: Session, actor: Actor, given: AgreementTerms) -> Agreement:
    """Period, review date and how the work is documented and followed up."""
    editing = _editing(session, actor)
    no_personal_data(dokumentation=given.documentation, uppfoljning=given.follow_up)
    latest = editing.latest
    wanted = given.model_dump()
    if all(getattr(latest, name) == value for name, value in wanted.items()):
        raise RefusedError("inget ändrades i överenskommelsen")
    _check_period(session, latest, given)
    agreement = _working(session, editing)
    for name, value in wanted.items():
        setattr(agreement, name, value.strip() if isinstance(value, str) else value)
    session.add(agreement)
    _log(session, editing, agreement, "agreement.terms", wanted)
    return agreement


def _covered(session: Session, agreement: Agreement) -> set[int]:
    rows = session.exec(select(AgreementProblem.problem_id).where(AgreementProblem.agreement_id == agreement.id))
    return set(rows.all())


def cover_problem(session: Session, actor: Actor, given: CoverProblem) -> Agreement:
    """Take a prioritised problem of the cycle into the agreement (or out of it)."""
    editing = _editing(session, actor)
    problem = session.get(Problem, given.problem_id)
    if problem is None or problem.cycle_id != editing.cycle.id:
        raise NotFoundError(f"problem nr {given.problem_id} finns inte i den pågående cykeln")
    if given.covered and not problem.prioritised:
        raise RefusedError(f"'{problem.title}' är inte prioriterat; bara prioriterade problem ingår")
    if (problem.id in _covered(session, editing.latest)) == given.covered:
        raise RefusedError(f"'{problem.title}' {'ingår redan' if given.covered else 'ingår inte'} i överenskommelsen")
    agreement = _working(session, editing)
    row = session.get(AgreementProblem, (agreement.id, problem.id))
    if given.covered and row is None:
        session.add(AgreementProblem(agreement_id=saved_id(agreement), problem_id=saved_id(problem)))
    elif row is not None:
        session.delete(row)
    _log(session, editing, agreement, "agreement.problem", {"problem": problem.title, "covered": given.covered})
    return agreement


def add_goal(session: Session, actor: Actor, given: AddGoal) -> AgreementGoal:
    """A measurable goal on one of the organisation's indicators; baseline and target default to the indicator's."""
    editing = _editing(session, actor)
    indicator = session.get(Indicator, given.indicator_id)
    if indicator is None or indicator.organisation_id != editing.organisation.id or indicator.archived_at:
        raise NotFoundError(f"indikator nr {given.indicator_id} finns inte i {editing.organisation.name}")
    if given.problem_id is not None and given.problem_id not in _covered(session, editing.latest):
        raise RefusedError(f"problem nr {given.problem_id} ingår inte i överenskommelsen; ta med det först")
    no_personal_data(mal=given.description)
    agreement = _working(session, editing)
    number = (
        session.exec(select(func.max(AgreementGoal.number)).where(AgreementGoal.agreement_id == agreement.id)).one()
        or 0
    ) + 1
    goal = AgreementGoal(
        agreement_id=saved_id(agreement), number=number, problem_id=given.problem_id, indicator_id=saved_id(indicator),
        description=given.description.strip(),
        baseline_value=_or(given.baseline_value, indicator.baseline_value),
        baseline_year=_or(given.baseline_year, indicator.baseline_year),
        target_value=_or(given.target_value, indicator.target_value),
        target_year=_or(given.target_year, indicator.target_year),
    )  # fmt: skip
    session.add(goal)
    _log(session, editing, agreement, "agreement.goal", {"number": number, "indicator": indicator.key})
    return goal


def _or(given: V | None, default: V | None) -> V | None:
    return given if given is not None else default


def remove_goal(session: Session, actor: Actor, given: RemoveGoal) -> Agreement:
    editing = _editing(session, actor)
    numbers = set(
        session.exec(select(AgreementGoal.number).where(AgreementGoal.agreement_id == editing.latest.id)).all()
    )
    if given.goal_number not in numbers:
        raise NotFoundError(f"mål {given.goal_number} finns inte i överenskommelsen")
    agreement = _working(session, editing)
    goal = session.exec(
        select(AgreementGoal).where(
            AgreementGoal.agreement_id == agreement.id, AgreementGoal.number == given.goal_number
        )
    ).one()
    session.delete(goal)
    _log(session, editing, agreement, "agreement.goal.remove", {"number": given.goal_number})
    return agreement


# -- the facts the exit criteria ask for -------------------------------------------------------------


@dataclass
class AgreementState:
    """The cycle's agreement as facts: its content complete and signed by every party, for this cycle."""

    agreement: Agreement | None
    adopted_in_cycle: bool
    missing_content: list[str] = field(default_factory=list)
    missing_parties: list[str] = field(default_factory=list)
    signed: bool = False
    changed_since_signing: bool = False  # the problems, causes or indicators behind the signed text changed
    uncovered_problems: list[str] = field(default_factory=list)  # prioritised in the cycle, not in the agreement

    @property
    def ok(self) -> bool:
        return self.problems() == []

    def problems(self) -> list[str]:
        if self.agreement is None:
            return ["ingen samverkansöverenskommelse är registrerad"]
        lines = [] if self.adopted_in_cycle else ["överenskommelsens innehåll är inte antaget i denna cykel"]
        lines += [f"innehållet saknar {what}" for what in self.missing_content]
        if self.missing_parties:
            lines.append(f"underskrift saknas från {', '.join(self.missing_parties)}")
        elif not self.signed:
            lines.append("underskrifterna gäller inte den nuvarande texten")
        return lines


def changed_since_signing(session: Session, organisation: Organisation, subject: Subject) -> bool:
    """The signed text is no longer what the rows say (a cause or an indicator was changed since)."""
    if subject.content_text is None:
        return False
    if isinstance(subject, Agreement):
        return agreement_content(session, subject).text() != subject.content_text
    return promise_content(session, organisation, subject).text() != subject.content_text


def agreement_state(session: Session, cycle: Cycle) -> AgreementState:
    """Is the agreement of this cycle complete and signed by every party? (for the exit criteria)"""
    agreement = agreement_of_cycle(session, cycle)
    if agreement is None:
        return AgreementState(None, False)
    organisation = session.get(Organisation, cycle.organisation_id)
    assert organisation is not None
    return AgreementState(
        agreement,
        agreement.cycle_id == cycle.id,
        missing_content(session, organisation, agreement),
        list(signing_facts(session, organisation, agreement).missing_parties),
        fully_signed(session, organisation, agreement),
        changed_since_signing(session, organisation, agreement),
        _uncovered(session, cycle, agreement),
    )


def _uncovered(session: Session, cycle: Cycle, agreement: Agreement) -> list[str]:
    """The cycle's prioritised problems the agreement does not cover (e.g. prioritised after it was signed)."""
    covered = _covered(session, agreement)
    prioritised = session.exec(
        select(Problem).where(Problem.cycle_id == cycle.id, col(Problem.prioritised)).order_by(col(Problem.rank))
    ).all()
    return [p.title for p in prioritised if p.id not in covered]


def promises_in_force(session: Session, organisation: Organisation, on: date) -> list[CitizenPromise]:
    """Each kommun's medborgarlöfte version in force on `on` (fully signed, period holds the day)."""
    agreement = agreement_in_force(session, organisation, on) or latest_agreement(session, organisation)
    if agreement is None:
        return []
    found: dict[int, CitizenPromise] = {}
    for promise in _all_promises(session, agreement):
        if promise.period_start <= on <= promise.period_end and fully_signed(session, organisation, promise):
            found.setdefault(promise.municipality_id, promise)
    return [found[key] for key in sorted(found)]


def _all_promises(session: Session, agreement: Agreement) -> list[CitizenPromise]:
    """Every promise version of the agreement's line of versions, newest first."""
    ids = [agreement.id]
    current = agreement
    while current.previous_id is not None:
        previous = session.get(Agreement, current.previous_id)
        if previous is None:
            break
        ids.append(previous.id)
        current = previous
    return list(
        session.exec(
            select(CitizenPromise)
            .where(col(CitizenPromise.agreement_id).in_(ids))
            .order_by(col(CitizenPromise.period_start).desc(), col(CitizenPromise.version).desc())
        ).all()
    )

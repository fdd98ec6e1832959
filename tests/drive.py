"""A small driver for service-layer tests: each call is one transaction, as a request would be."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, get_args, get_type_hints

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.database import session_scope
from samverkan.models import AuditEntry, Cycle, Decision, Indicator, Organisation
from samverkan.models.enums import CycleStatus, EvidenceKind
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file
from samverkan.services import agreement_content, agreements, cycle, prioritisation, promises, substance
from samverkan.services.actor import Actor
from samverkan.services.inputs import EvidenceInput
from samverkan.services.overview import find_organisation

SAMORDNARE = "maria.exempelsson@fagersta.example"
KOMMUNPOLIS = "johan.provare@polisen.example"
LPO_CHEF = "per.polisson@polisen.example"
KOMMUNDIREKTOR = "eva.direktor@fagersta.example"
NY_KSO = "nadja.nyval@fagersta.example"


def input_model(function: Callable[..., Any]) -> type[BaseModel] | None:
    """The input model a service function takes after (session, actor), if any."""
    hints = get_type_hints(function)
    names = list(inspect.signature(function).parameters)
    if len(names) < 3:
        return None
    hint = hints.get(names[2])
    found = [t for t in get_args(hint) or (hint,) if isinstance(t, type) and issubclass(t, BaseModel)]
    return found[0] if found else None


class Driver:
    """Acts effective on `on`; they happen on `on` too (at noon, Stockholm) unless `happens` names a later day
    (a back-dated act: recorded on `happens`, effective for `on`)."""

    def __init__(self, engine: Engine, org_key: str, on: date, happens: date | None = None) -> None:
        self.engine, self.org_key, self.on, self.happens = engine, org_key, on, happens

    def load(self, path: Path) -> None:
        with session_scope(self.engine) as session:
            load_config(session, validate_file(path))

    def actor(self, email: str) -> Actor:
        if self.happens is None:
            return Actor.simulated(self.org_key, email, self.on)  # the act happens on its effective day
        return replace(Actor.simulated(self.org_key, email, self.happens), on=self.on)

    def __call__(self, function: Callable[..., Any], actor: str, *args: Any, **kwargs: Any) -> Any:
        """Call a service function as `actor`; the arguments (positional in the input model's field order, or
        by name) become the function's input model."""
        model = input_model(function)
        with session_scope(self.engine) as session:
            if model is None:
                return function(session, self.actor(actor))
            positional = dict(zip(list(model.model_fields)[: len(args)], args, strict=True))
            return function(session, self.actor(actor), model(**positional, **kwargs))

    def decision(self, title: str, body: str = "styrgrupp", actor: str = SAMORDNARE, kind: str = "beslut") -> int:
        """Record a decision of `body`; returns its number (Beslut nr N), which evidence refers to."""
        decision = self(
            agreements.record_decision,
            actor,
            body_key=body,
            kind=kind,
            title=title,
            text=f"Styrgruppen beslutar: {title}.",
        )
        return decision.number

    def audit_actions(self) -> list[str]:
        with Session(self.engine) as session:
            return [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]

    def decisions(self) -> int:
        with Session(self.engine) as session:
            return len(session.exec(select(Decision)).all())


def evidence(kind: EvidenceKind, title: str, uri: str | None = None, decision_id: int | None = None) -> EvidenceInput:
    return EvidenceInput(kind=kind, title=title, uri=uri, decision_id=decision_id)


def doc(title: str) -> EvidenceInput:
    return evidence(EvidenceKind.DOCUMENT, title, uri=f"diarium:KS 2027/{abs(hash(title)) % 1000}")


def dialog(title: str) -> EvidenceInput:
    return evidence(EvidenceKind.DIALOGUE, title)


def link(title: str) -> EvidenceInput:
    return evidence(EvidenceKind.LINK, title, uri="https://www.fagersta.example/medborgarlofte")


def decided(decision_id: int, title: str = "Protokollfört beslut") -> EvidenceInput:
    return evidence(EvidenceKind.DECISION, title, decision_id=decision_id)


def run_until_killed(script: str) -> subprocess.CompletedProcess[str]:
    """Run a Python script that SIGKILLs itself at a chosen point; check that it really died that way."""
    from tests.conftest import ROOT

    killed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    return killed


def fagersta_with_cycle(engine: Engine, on: date) -> Driver:
    """Fagersta loaded from its example file and cycle 1 started by the coordinator, acting on `on`."""
    driver = Driver(engine, "fagersta", on)
    driver.load(Path(__file__).resolve().parent.parent / "examples" / "fagersta.yaml")
    driver(cycle.start_cycle, SAMORDNARE)
    return driver


def finish_initiera(d: Driver) -> None:
    """The shipped definition's first phase (Initiera samverkan) done, each item by its owner with the evidence
    it asks for (a decision of the styrgrupp recorded for the decision items)."""
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan")))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Organisation")))
    d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan"))


def indicator_id(engine: Engine, key: str, org_key: str | None = None) -> int:
    """The indicator `key` (of the organisation `org_key`, when several have one by that key)."""
    query = select(Indicator.id).where(Indicator.key == key)
    if org_key is not None:
        query = query.join(Organisation, col(Organisation.id) == Indicator.organisation_id).where(
            Organisation.key == org_key
        )
    with Session(engine) as session:
        return int(session.exec(query).one() or 0)


def prioritise_all(d: Driver, ranked: list[int], dropped: tuple[int, ...] = (), actor: str = SAMORDNARE) -> int:
    """The styrgrupp's prioritisation of every problem of the lägesbild, as one decision; its number."""
    ranking = [{"problem_id": p, "rank": rank} for rank, p in enumerate(ranked, start=1)]
    ranking += [{"problem_id": p, "rank": None, "reason": "Drivs i annan regi"} for p in dropped]
    view = d(prioritisation.record_prioritisation, actor, ranking=ranking)
    with Session(d.engine) as session:
        decision = session.get(Decision, view.decision_id)
        assert decision is not None and decision.number is not None
        return decision.number


def _running_cycle(d: Driver, by: str) -> None:
    """The organisation's running cycle: started by `by` when none runs."""
    with Session(d.engine) as session:
        running = session.exec(
            select(Cycle.id)
            .join(Organisation, col(Organisation.id) == Cycle.organisation_id)
            .where(Organisation.key == d.org_key, Cycle.status == CycleStatus.ACTIVE)
        ).first()
    if running is None:
        d(cycle.start_cycle, by)


def agree_on(
    d: Driver, problem_ids: list[int] | None = None, indicator: str = "anmalda-brott", by: str = SAMORDNARE
) -> None:
    """The newest agreement version's content made complete through the service layer, by the coordinator `by`:
    the terms (reviewed at the period's end; how the work is documented and followed up), the running cycle's
    prioritised problems `problem_ids` (without them, one of its own: added and prioritised, the cycle started
    first when none runs) and one measurable goal on `indicator` for the first of them."""
    if problem_ids is None:
        _running_cycle(d, by)
        problem = d(substance.add_problem, by, title="Skadegörelse i centrum kvällstid")
        d(substance.prioritise, by, problem_id=problem.id, rank=1, rationale="Mest frekvent")
        problem_ids = [problem.id]
    with Session(d.engine) as session:
        agreement = agreements.latest_agreement(session, find_organisation(session, d.org_key))
        assert agreement is not None
        start, end = agreement.period_start, agreement.period_end
    d(
        agreement_content.set_terms, by, period_start=start, period_end=end, review_on=end,
        documentation="Styrgruppens protokoll och åtgärdsplanerna i Samverkan",
        follow_up="Kvartalsvis i styrgruppen, årligen i kommunfullmäktige",
    )  # fmt: skip
    for problem_id in problem_ids:
        d(agreement_content.cover_problem, by, problem_id=problem_id)
    d(
        agreement_content.add_goal, by, indicator_id=indicator_id(d.engine, indicator, d.org_key),
        problem_id=problem_ids[0], description="Färre anmälda skadegörelsebrott i centrum.",
        target_value=10000, target_year=end.year,
    )  # fmt: skip


def promise_text(d: Driver, kommun: str | None = None, by: str = SAMORDNARE) -> None:
    """A medborgarlöfte's content made complete through the service layer: its text and an activity the kommun
    owns, due on `d.on` (or the nearest day of the promise's period)."""
    with Session(d.engine) as session:
        promise = promises.latest_promise(session, find_organisation(session, d.org_key), kommun)
        owner = agreements.party_of(session, promise.municipality_id).key
        due = min(max(d.on, promise.period_start), promise.period_end)
    d(promises.set_promise_text, by, text="Vi gör centrum tryggare kvällstid: belysning och närvaro.", kommun=kommun)
    d(promises.add_activity, by, title="Ny belysning på torget", owner_party=owner, due_on=due, kommun=kommun)


def communicate(d: Driver) -> None:
    d(promises.communicate, SAMORDNARE, communicated_on=d.on, communicated_how="Lokaltidningen och kommunens webb")

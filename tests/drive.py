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
from sqlmodel import Session, select

from samverkan.database import session_scope
from samverkan.models import Agreement, AuditEntry, CitizenPromise, Decision, Indicator, MeasureIndicator
from samverkan.models.enums import EvidenceKind
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file
from samverkan.services import agreements, cycle
from samverkan.services.actor import Actor
from samverkan.services.inputs import EvidenceInput

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


# The agreement's and promise's content and the åtgärd–indicator link are written by the `avtal` and `orsak`
# services; until those are on this branch, the test writes the same rows directly.
def write_content(engine: Engine) -> None:
    with session_scope(engine) as session:
        for agreement in session.exec(select(Agreement)).all():
            agreement.problems, agreement.goals = "Skadegörelse i centrum kvällstid", "Skadegörelsen minskar 20 %"
            agreement.documentation, agreement.follow_up = "I Samverkan", "Årligen i styrgruppen"
        for promise in session.exec(select(CitizenPromise)).all():
            promise.text = "Vi gör centrum tryggare kvällstid: belysning och närvaro fredagar."


def link_indicator(engine: Engine, measure_id: int, key: str) -> None:
    with session_scope(engine) as session:
        indicator = session.exec(select(Indicator).where(Indicator.key == key)).one()
        session.add(MeasureIndicator(measure_id=measure_id, indicator_id=indicator.id))


def communicate(engine: Engine, on: date) -> None:
    with session_scope(engine) as session:
        for promise in session.exec(select(CitizenPromise)).all():
            promise.communicated_on = on

"""The personal-data table: every free-text input × every way to write a personnummer or samordningsnummer.

Each input is refused for each format; harmless look-alikes (dates, phone numbers, diarienummer, counts) pass.
The inputs are the organisation file's text fields, the process definition's, the CSV `källa` column and the
service layer's (see also test_privacy.py for the observations, problems, evidence and decisions).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.issues import ConfigError
from samverkan.core.privacy import identity_numbers
from samverkan.core.pydantic_messages import pydantic_message
from samverkan.database import session_scope
from samverkan.models import LoginAttempt, TokenKind
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.validate import validate_file, validate_text
from samverkan.process.definition import DEFINITIONS_DIR, parse_definition
from samverkan.services import accounts, inputs, uploads
from samverkan.services.access import find_person
from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError
from samverkan.services.inputs import ImportMeasurements
from samverkan.services.measurements import import_measurements
from tests.conftest import EXAMPLES
from tests.drive import SAMORDNARE

FORMATS = {
    "bindestreck": "811218-9876",
    "plus (över 100 år)": "811218+9876",
    "tolv siffror": "19811218-9876",
    "utan skiljetecken (Luhn)": "8112189876",
    "tankstreck (en dash)": "811218–9876",
    "långt tankstreck (em dash)": "811218—9876",
    "minustecken": "811218−9876",
    "figurstreck": "811218‒9876",
    "unicode-bindestreck": "811218‐9876",
    "hårt bindestreck": "811218‑9876",
    "punkt": "811218.9876",
    "snedstreck": "811218/9876",
    "understreck": "811218_9876",
    "mellanslag i datumet": "81 12 18-9876",
    "mellanslag i de fyra sista": "811218-98 76",
    "mellanslag runt strecket": "811218 - 9876",
    "hårt mellanslag": "811218\u00a0-\u00a09876",
    "nollbreddstecken": "811218\u200b-9876",
    "nollbreddstecken i datumet": "8112\u200b18-9876",
    "URL-kodat (%2D)": "811218%2D9876",
    "URL-kodat två gånger": "811218%252D9876",
    "URL-kodat tankstreck": "811218%E2%80%939876",
    "helbreddssiffror": "８１１２１８－９８７６",
    "samordningsnummer": "701063-2391",
    "samordningsnummer med tankstreck": "701063–2391",
}
HARMLESS = [
    "2027-03-12",
    "2027-03-12–2027-04-12",
    "Möte 2027-03-01 kl 13",
    "070-123 45 67",
    "+46 70 123 45 67",
    "Ring 0701234567",
    "KS 2027/1234",
    "Dnr 2026-001234",
    "Antal: 1234567890",
    "4 fall",
    "1 234 567",
]

FAGERSTA: dict[str, Any] = yaml.safe_load((EXAMPLES / "fagersta.yaml").read_text(encoding="utf-8"))
DEFINITION: dict[str, Any] = yaml.safe_load((DEFINITIONS_DIR / "samverkan.yaml").read_text(encoding="utf-8"))


def _set(data: dict[str, Any], path: str, value: str) -> str:
    changed = copy.deepcopy(data)
    *parents, last = path.split(".")
    target: Any = changed
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return yaml.safe_dump(changed, allow_unicode=True, sort_keys=False)


def _organisation_file(path: str, *, email: bool = False) -> Callable[[str], bool]:
    def refused(text: str) -> bool:
        value = f"x{text.replace(' ', '')}@fagersta.example" if email else f"Gäller {text} i centrum"
        result = validate_text(_set(FAGERSTA, path, value), "fagersta.yaml")
        return not result.ok

    return refused


def _definition(path: str) -> Callable[[str], bool]:
    def refused(text: str) -> bool:
        try:
            parse_definition(_set(DEFINITION, path, f"Gäller {text} i centrum"), "samverkan.yaml")
        except ConfigError:
            return True
        return False

    return refused


ORGANISATION_FIELDS = [
    "organisation.name",
    "organisation.notes",
    "organisation.county",
    "organisation.statistics.source",
    "police_area.name",
    "police_area.notes",
    "county_board.name",
    "roles.0.name",
    "people.0.name",
    "bodies.0.name",
    "bodies.0.description",
    "cadences.0.title",
    "breaks.0.name",
    "indicators.0.name",
    "indicators.0.source",
    "indicators.0.area",
    "indicators.0.unit",
    "agreement.title",
]
DEFINITION_FIELDS = ["name", "source", "phases.0.name", "phases.0.items.0.title"]
FILE_INPUTS: dict[str, Callable[[str], bool]] = {
    **{f"organisationsfil: {path}": _organisation_file(path) for path in ORGANISATION_FIELDS},
    "organisationsfil: people.0.email": _organisation_file("people.0.email", email=True),
    **{f"processdefinition: {path}": _definition(path) for path in DEFINITION_FIELDS},
}


def test_the_guard_finds_every_format_and_passes_every_look_alike() -> None:
    assert [name for name, text in FORMATS.items() if not identity_numbers(f"Gäller {text} i centrum")] == []
    assert [text for text in HARMLESS if identity_numbers(text)] == []


@pytest.mark.parametrize("what", list(FILE_INPUTS))
def test_every_file_input_refuses_every_format(what: str) -> None:
    refused = FILE_INPUTS[what]
    assert [name for name, text in FORMATS.items() if not refused(text)] == []
    if not what.endswith("email"):
        assert [text for text in HARMLESS if refused(text)] == []


def test_the_csv_source_column_refuses_every_format(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "fagersta.yaml"))

    def refused(source: str) -> bool:
        text = f"indikator;period;värde;preliminär;källa\nanmalda-brott;2021;5;;{source}\n"
        with Session(engine) as session:
            try:
                import_measurements(
                    session,
                    Actor.simulated("fagersta", SAMORDNARE, date(2027, 3, 1)),
                    ImportMeasurements(text=text, file="m.csv"),
                )
            except RefusedError as exc:
                return "personnummer" in str(exc)
            finally:
                session.rollback()
        return False

    assert [name for name, text in FORMATS.items() if not refused(f"Brå {text}")] == []
    assert [text for text in HARMLESS if refused(f"Brå {text}")] == []


def _input_models() -> list[type[inputs.Input]]:
    found: list[type[inputs.Input]] = []
    pending = list(inputs.Input.__subclasses__())
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return sorted(set(found), key=lambda model: model.__name__)


def _field_errors(model: type[inputs.Input], name: str, value: str) -> list[str]:
    try:
        model.model_validate({name: value})
    except ValidationError as exc:
        return [pydantic_message(e) for e in exc.errors() if e["loc"][:1] == (name,)]
    return []


TEXT_FIELDS = [
    (model, name)
    for model in _input_models()
    for name in model.model_fields
    if name not in model.checked_by_the_action and not _field_errors(model, name, "Skadegörelse")
]


def test_every_action_input_has_its_text_fields_in_the_table() -> None:
    named = {f"{model.__name__}.{name}" for model, name in TEXT_FIELDS}
    for expected in ("RecordDecision.diarienummer", "RecordDecision.kind", "Handover.to_name", "Handover.to_email"):
        assert expected in named
    assert len(named) >= 30, sorted(named)


@pytest.mark.parametrize(("model", "name"), TEXT_FIELDS, ids=[f"{m.__name__}.{n}" for m, n in TEXT_FIELDS])
def test_every_text_field_of_every_action_input_refuses_every_format(model: type[inputs.Input], name: str) -> None:
    passed = [
        label
        for label, text in FORMATS.items()
        if not any("personnummer" in error for error in _field_errors(model, name, f"Gäller {text}"))
    ]
    assert passed == []
    assert [text for text in HARMLESS if _field_errors(model, name, text)] == []


def test_service_inputs_outside_the_models_refuse_every_format(engine: Engine, tmp_path: Path) -> None:
    """The login e-mail box (before the attempt is recorded), an API key's label, an uploaded file's name."""
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "fagersta.yaml"))
    actor = Actor.simulated("fagersta", SAMORDNARE, date(2027, 3, 1))
    calls: dict[str, Callable[[Session, str], object]] = {
        "inloggningens e-post": lambda s, t: accounts.login(s, f"x{t}@fagersta.example", "lösenord", "127.0.0.1"),
        "API-nyckelns etikett": lambda s, t: accounts.issue_token(
            s, find_person(s, SAMORDNARE), TokenKind.API, label=t
        ),
        "filnamn": lambda s, t: uploads.store_upload(s, actor, tmp_path / "filer", f"Utredning {t}.pdf", b"%PDF-1.4"),
    }
    for what, call in calls.items():
        passed = []
        for label, text in FORMATS.items():
            with Session(engine) as session:
                try:
                    call(session, text)
                    passed.append(label)
                except RefusedError as exc:
                    assert "personnummer" in str(exc), (what, label)
                finally:
                    session.rollback()
        assert passed == [], what
    with Session(engine) as session:
        assert session.exec(select(LoginAttempt)).all() == []
    assert not (tmp_path / "filer").exists()  # nothing written for a refused upload

"""Loading organisation files into the database: idempotent, diff-applying, audited, all-or-nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from samverkan.core.issues import ConfigError
from samverkan.database import session_scope
from samverkan.models import (
    Agreement,
    AgreementParty,
    AuditEntry,
    Body,
    BodyMembership,
    Cadence,
    CitizenPromise,
    ContactRoute,
    Indicator,
    Organisation,
    Person,
    Role,
    RoleAssignment,
)
from samverkan.models.enums import ContactChannel, OrgKind
from samverkan.orgconfig.loader import LoadReport, load_config
from samverkan.orgconfig.validate import validate_file, validate_text
from tests.conftest import EXAMPLES

FAGERSTA = EXAMPLES / "fagersta.yaml"


def load_text(engine: Engine, text: str, name: str = "fagersta.yaml") -> LoadReport:
    result = validate_text(text, name)
    with session_scope(engine) as session:
        return load_config(session, result)


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_loading_fagersta_stores_the_organisation(engine: Engine) -> None:
    with session_scope(engine) as session:
        report = load_config(session, validate_file(FAGERSTA))
    assert report.organisation_key == "fagersta" and not report.unchanged
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        assert (org.kind, org.population, org.kommunkod) == (OrgKind.KOMMUN, 13391, "1982")
        assert org.statistics["reported_crimes_per_100k"] == 11777
        assert org.settings["breaks"] == [{"name": "Sommaruppehåll", "from": "06-22", "to": "08-09"}]
        roles = session.exec(select(Role).where(Role.organisation_id == org.id)).all()
        assert len(roles) == 15
        assert {r.key for r in roles if r.signatory} == {"kso", "lpo-chef"}
        est = session.exec(select(Body).where(Body.key == "est", Body.organisation_id == org.id)).one()
        members = session.exec(select(BodyMembership).where(BodyMembership.body_id == est.id)).all()
        assert len(members) == 6
        cadence = session.exec(select(Cadence).where(Cadence.key == "est-mote")).one()
        assert cadence.rule["frequency"] == "biweekly" and cadence.rule["start"] == "2027-01-05"
        routes = session.exec(select(ContactRoute)).all()
        assert {r.channel for r in routes} == {ContactChannel.SMS, ContactChannel.TEAMS}
        assert all("${" in r.url_template for r in routes)  # secrets stay references
        indicator = session.exec(select(Indicator).where(Indicator.key == "ntu-utsatthet")).one()
        assert (indicator.baseline_value, indicator.national_value) == (18.1, 22.6)
        agreement = session.exec(select(Agreement)).one()
        assert (agreement.period_start, agreement.period_end) == (date(2027, 1, 1), date(2030, 12, 31))
        assert len(session.exec(select(AgreementParty)).all()) == 2
        promise = session.exec(select(CitizenPromise)).one()
        assert (promise.period_start, promise.period_end) == (date(2027, 1, 1), date(2027, 12, 31))
    assert count(engine, AuditEntry) == len(report.changes)


def test_loading_the_same_file_again_changes_nothing(engine: Engine) -> None:
    text = FAGERSTA.read_text(encoding="utf-8")
    load_text(engine, text)
    audit_rows = count(engine, AuditEntry)
    again = load_text(engine, text)
    assert again.unchanged
    assert count(engine, AuditEntry) == audit_rows
    comments_only = load_text(engine, "# ny kommentar\n" + text.replace("# Källor", "#  Källor"))
    assert comments_only.unchanged


def test_an_edited_file_applies_exactly_the_difference_with_audit(engine: Engine) -> None:
    text = FAGERSTA.read_text(encoding="utf-8")
    load_text(engine, text)
    edited = (
        text.replace("    name: EST-gruppen Fagersta\n", "    name: EST-gruppen i Fagersta\n")
        .replace(
            "members: [samordnare, kommunpolis, est-socialtjanst, est-skola, est-fritid, est-bostad]",
            "members: [samordnare, kommunpolis, est-socialtjanst, est-skola, est-bostad]",
        )
        .replace(
            'schedule: {frequency: monthly, day: 5, time: "10:00", observe_breaks: false}',
            'schedule: {frequency: monthly, day: 7, time: "10:00", observe_breaks: false}',
        )
    )
    report = load_text(engine, edited)
    assert sorted(str(c) for c in report.changes) == [
        "medlemskap est/est-fritid: borttagen",
        "organ est: ändrad (name)",
        "organisation fagersta: ändrad (config_hash)",
        "rytm est-manadsrapport: ändrad (rule)",
    ]
    with Session(engine) as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.entity_key == "est", AuditEntry.action == "config.updated")
        ).one()
        assert entry.before == {"name": "EST-gruppen Fagersta"}
        assert entry.after == {"name": "EST-gruppen i Fagersta"}
        assert entry.actor == "config:fagersta.yaml"
        rule_entry = session.exec(
            select(AuditEntry).where(AuditEntry.entity_key == "est-manadsrapport").order_by(col(AuditEntry.id).desc())
        ).first()
        assert rule_entry is not None and rule_entry.before is not None and rule_entry.after is not None
        assert (rule_entry.before["rule"]["day"], rule_entry.after["rule"]["day"]) == (5, 7)


def test_a_removed_role_is_archived_and_comes_back_when_restored(engine: Engine) -> None:
    text = FAGERSTA.read_text(encoding="utf-8")
    load_text(engine, text)
    without = text.replace("  - {key: kommunikator, name: Kommunikationsansvarig, party: fagersta}\n", "").replace(
        "  - {role: kommunikator, person: lena, from: 2024-01-01}\n", ""
    )
    report = load_text(engine, without)
    assert "roll kommunikator: arkiverad" in [str(c) for c in report.changes]
    with Session(engine) as session:
        role = session.exec(select(Role).where(Role.key == "kommunikator")).one()
        assert role.archived_at is not None
    restored = load_text(engine, text)
    assert "roll kommunikator: återställd" in [str(c) for c in restored.changes]
    with Session(engine) as session:
        assert session.exec(select(Role).where(Role.key == "kommunikator")).one().archived_at is None


def test_reload_leaves_assignments_made_by_a_handover_alone(engine: Engine) -> None:
    text = FAGERSTA.read_text(encoding="utf-8")
    load_text(engine, text)
    with session_scope(engine) as session:
        role = session.exec(select(Role).where(Role.key == "samordnare")).one()
        maria_assignment = session.exec(select(RoleAssignment).where(RoleAssignment.role_id == role.id)).one()
        maria_assignment.ends_on = date(2027, 3, 31)
        successor = Person(email="ny.samordnare@fagersta.example", name="Ny Samordnare")
        session.add_all([maria_assignment, successor])
        session.flush()
        session.add(
            RoleAssignment(role_id=role.id, person_id=successor.id, starts_on=date(2027, 4, 1), source="handover")
        )
    report = load_text(engine, text)
    assert report.unchanged
    with Session(engine) as session:
        role = session.exec(select(Role).where(Role.key == "samordnare")).one()
        rows = session.exec(
            select(RoleAssignment).where(RoleAssignment.role_id == role.id).order_by(RoleAssignment.starts_on)
        ).all()
        assert [(r.source, r.ends_on) for r in rows] == [("config", date(2027, 3, 31)), ("handover", None)]


def test_invalid_file_is_refused_and_nothing_is_written(engine: Engine) -> None:
    broken = FAGERSTA.read_text(encoding="utf-8").replace("chair: kso\n", "chair: nobody\n")
    with pytest.raises(ConfigError) as failure:
        load_text(engine, broken)
    assert "okänd roll 'nobody'" in str(failure.value)
    assert count(engine, Organisation) == 0
    assert count(engine, AuditEntry) == 0


def test_a_failure_midway_rolls_back_everything(engine: Engine) -> None:
    result = validate_file(FAGERSTA)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        load_config(session, result)
        raise RuntimeError("strömavbrott")
    assert count(engine, Organisation) == 0 and count(engine, Role) == 0 and count(engine, AuditEntry) == 0


def test_joint_agreement_for_six_kommuner_with_two_year_promises(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "sodra-lappland.yaml"))
    with Session(engine) as session:
        area = session.exec(select(Organisation).where(Organisation.key == "sodra-lappland")).one()
        assert area.kind == OrgKind.SAMVERKANSOMRADE
        kommuner = session.exec(select(Organisation).where(Organisation.parent_id == area.id)).all()
        assert len(kommuner) == 6
        assert {k.key for k in kommuner if not k.assumed} == {"lycksele", "vilhelmina"}
        agreement = session.exec(select(Agreement).where(Agreement.organisation_id == area.id)).one()
        parties = session.exec(select(AgreementParty).where(AgreementParty.agreement_id == agreement.id)).all()
        assert len(parties) == 7  # six kommuner and one police area, each with its own signatory role
        signers = {session.get(Role, p.signatory_role_id).key for p in parties}  # type: ignore[union-attr]
        assert signers == {
            "lpo-chef",
            "kso-lycksele",
            "kso-vilhelmina",
            "kso-storuman",
            "kso-sorsele",
            "kso-mala",
            "kso-asele",
        }
        promises = session.exec(select(CitizenPromise).where(CitizenPromise.agreement_id == agreement.id)).all()
        assert len(promises) == 6
        assert {(p.period_start, p.period_end) for p in promises} == {(date(2027, 1, 1), date(2028, 12, 31))}


def test_all_examples_load_into_one_database_sharing_people_and_county_boards(engine: Engine) -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        with session_scope(engine) as session:
            load_config(session, validate_file(path))
    with Session(engine) as session:
        configured = session.exec(select(Organisation).where(col(Organisation.source_file).is_not(None))).all()
        assert {o.key for o in configured} == {
            "fagersta", "umea", "norsjo", "angered", "sodra-lappland",
            "jarnboda", "malmberga", "gruvsjo", "lansstyrelsen-vastmanland", "lansstyrelsen-dalarna",
        }  # fmt: skip
        boards = session.exec(select(Organisation).where(Organisation.key == "lansstyrelsen-vasterbotten")).all()
        assert len(boards) == 1
        tove = session.exec(select(Person).where(Person.email == "tove.lansson@lansstyrelsen.example")).one()
        held = session.exec(select(RoleAssignment).where(RoleAssignment.person_id == tove.id)).all()
        assert len(held) == 2  # the same person holds the county role for Umeå and for södra Lappland


def test_file_moved_to_another_path_is_not_a_change(engine: Engine, tmp_path: Path) -> None:
    text = FAGERSTA.read_text(encoding="utf-8")
    load_text(engine, text, "examples/fagersta.yaml")
    assert load_text(engine, text, str(tmp_path / "kopia.yaml")).unchanged

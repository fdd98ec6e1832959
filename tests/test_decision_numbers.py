"""Decisions are numbered per organisation ("Beslut nr N"), also when many are recorded at the same moment."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.cli.main import app
from samverkan.database import session_scope, upgrade
from samverkan.database.migrate import alembic_config
from samverkan.models import Decision
from samverkan.services import agreements
from samverkan.services.actor import Actor
from samverkan.services.inputs import RecordDecision, SignDecision
from samverkan.services.packets import render_packet
from tests.conftest import EXAMPLES
from tests.drive import SAMORDNARE, Driver

ON = date(2027, 2, 1)
UMEA = "sofia.processledare@umea.example"


def record(engine: Engine, org: str, email: str, body: str, title: str, on: date = ON) -> Decision:
    with session_scope(engine) as session:
        given = RecordDecision(body_key=body, title=title, text=f"Beslutet: {title}.")
        return agreements.record_decision(session, Actor.simulated(org, email, on), given)


def test_each_organisation_numbers_its_own_decisions(engine: Engine) -> None:
    Driver(engine, "fagersta", ON).load(EXAMPLES / "fagersta.yaml")
    Driver(engine, "umea", ON).load(EXAMPLES / "umea.yaml")
    numbers = [
        (org, record(engine, org, email, body, f"Beslut {i}").number)
        for i, (org, email, body) in enumerate(
            [("fagersta", SAMORDNARE, "styrgrupp"), ("umea", UMEA, "umebra"), ("fagersta", SAMORDNARE, "styrgrupp")]
        )
    ]
    assert numbers == [("fagersta", 1), ("umea", 1), ("fagersta", 2)]
    with Session(engine) as session:
        view = agreements.decision_view(session, "fagersta", 2)
    assert (view.number, view.title) == (2, "Beslut 2")


def test_a_decision_in_a_transaction_that_fails_is_not_recorded(engine: Engine) -> None:
    """The number is taken in a savepoint that is the transaction's first write: a failure after it takes the
    decision back with its audit entry (on SQLite that savepoint's release used to commit it on its own)."""
    from samverkan.models import AuditEntry

    Driver(engine, "fagersta", ON).load(EXAMPLES / "fagersta.yaml")
    with pytest.raises(RuntimeError, match="avbrott"), session_scope(engine) as session:
        given = RecordDecision(body_key="styrgrupp", title="Avbrutet", text="Beslutet: avbrutet.")
        agreements.record_decision(session, Actor.simulated("fagersta", SAMORDNARE, ON), given)
        raise RuntimeError("avbrott")
    with Session(engine) as session:
        assert session.exec(select(Decision.id)).all() == []
        assert session.exec(select(AuditEntry.id).where(AuditEntry.entity_type == "decision")).all() == []
    assert record(engine, "fagersta", SAMORDNARE, "styrgrupp", "Nästa").number == 1


def test_decisions_recorded_at_the_same_moment_get_one_number_each(engine: Engine) -> None:
    Driver(engine, "fagersta", ON).load(EXAMPLES / "fagersta.yaml")
    record(engine, "fagersta", SAMORDNARE, "styrgrupp", "Det första")
    writers = 8
    barrier = threading.Barrier(writers)
    results: list[Any] = [None] * writers

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = record(engine, "fagersta", SAMORDNARE, "styrgrupp", f"Samtidigt {index}").number
        except Exception as exc:  # the assertion below shows any that failed
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == list(range(2, 2 + writers)), results
    with Session(engine) as session:
        stored = session.exec(select(Decision.number).order_by(col(Decision.number))).all()
    assert stored == list(range(1, 2 + writers))


def test_justering_and_views_go_by_the_number_not_the_row(engine: Engine) -> None:
    Driver(engine, "fagersta", ON).load(EXAMPLES / "fagersta.yaml")
    Driver(engine, "umea", ON).load(EXAMPLES / "umea.yaml")
    record(engine, "umea", UMEA, "umebra", "Umebrås första beslut")  # takes the first row, not Fagersta's number
    decision = record(engine, "fagersta", SAMORDNARE, "styrgrupp", "Justeras", date(2026, 12, 1))  # in Karin's term
    assert (decision.number, decision.id) == (1, 2)
    kso = Actor.simulated("fagersta", "karin.teststrom@fagersta.example", date(2026, 12, 1))  # the chair, in her term
    with session_scope(engine) as session:
        view = agreements.sign_decision(session, kso, SignDecision(decision_id=1))
    assert (view.number, view.title) == (1, "Justeras")
    assert view.signatories and view.signatories[0].startswith("Karin Testström (Kommunstyrelsens ordförande")
    with Session(engine) as session:
        umea_view = agreements.decision_view(session, "umea", 1)
    assert (umea_view.title, umea_view.signatories) == ("Umebrås första beslut", [])


def test_the_migration_numbers_existing_decisions_per_organisation(engine: Engine) -> None:
    Driver(engine, "fagersta", ON).load(EXAMPLES / "fagersta.yaml")
    Driver(engine, "umea", ON).load(EXAMPLES / "umea.yaml")
    for org, email, body in [("fagersta", SAMORDNARE, "styrgrupp"), ("umea", UMEA, "umebra")] * 2:
        record(engine, org, email, body, f"Beslut i {org}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        before = ScriptDirectory.from_config(config).get_revision("0008_utgang").down_revision
        command.downgrade(config, str(before))  # as a database from before numbers: the column goes
    assert "number" not in {c["name"] for c in sa.inspect(engine).get_columns("decision")}
    upgrade(engine)
    query = (
        "SELECT organisation.key, decision.number FROM decision "
        "JOIN organisation ON organisation.id = decision.organisation_id ORDER BY decision.id"
    )
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(query)).all()]
    assert rows == [("fagersta", 1), ("umea", 1), ("fagersta", 2), ("umea", 2)]


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_the_cli_lists_and_shows_decisions_by_number(db_url: str) -> None:
    runner = CliRunner()

    def cli(*args: str, who: str | None = SAMORDNARE) -> str:
        argv = [*args, "--db", db_url, *(["--as", who, "--date", "2027-01-11"] if who else [])]
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, f"{argv}: {result.output}"
        return result.output

    cli("load", str(EXAMPLES / "fagersta.yaml"), who=None)
    first = cli("decision", "record", "fagersta", "--body", "styrgrupp", "--title", "Inriktning", "--text", "Text.")
    assert first.startswith("Beslut nr 1: Inriktning")
    cli("decision", "record", "fagersta", "--body", "lokala-bra", "--title", "Tema", "--text", "Text.")
    listed = cli("decision", "list", "fagersta", who=None).splitlines()
    assert [line.split("  ")[0] for line in listed] == ["Beslut nr 2", "Beslut nr 1"]
    assert listed[1].endswith("Styrgrupp för samverkan kommun–polis: Inriktning")
    assert cli("decision", "show", "fagersta", "2", who=None).startswith("Beslut nr 2 – Lokala BRÅ Fagersta")
    cli("cycle", "start", "fagersta")
    cli("cycle", "complete", "fagersta", "beslut-om-samverkan", "--evidence", "beslut", "--title", "Beslutet",
        "--decision", "1")  # fmt: skip
    status = json.loads(cli("cycle", "status", "fagersta", "--json", who=None))
    assert status["phases"][0]["items"][0]["evidence"] == ["Beslut nr 1: Beslutet"]


def test_a_packet_names_decisions_by_number(engine: Engine, tmp_path: Path) -> None:
    Driver(engine, "fagersta", ON).load(EXAMPLES / "fagersta.yaml")
    Driver(engine, "umea", ON).load(EXAMPLES / "umea.yaml")
    record(engine, "umea", UMEA, "umebra", "Umebrås beslut")
    record(engine, "fagersta", SAMORDNARE, "styrgrupp", "Inriktning för centrum")
    with session_scope(engine) as session:
        path = render_packet(
            session, "fagersta", "overenskommelse", date(2027, 3, 11), "styrgrupp", tmp_path, pdf=False
        )
    html = path.read_text(encoding="utf-8")
    assert "Beslut nr 1 – Inriktning för centrum" in html
    assert "Umebrås beslut" not in html

"""`samverkan run` sets demo passwords only in a database it created itself, and never resets a password."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.cli.run import created_by_run, is_empty, prepare_demo, record_created
from samverkan.database import make_engine, upgrade
from samverkan.models import Account, Person, Purpose
from samverkan.services import accounts
from samverkan.services.installation import purpose_of
from tests.conftest import EXAMPLES

EXAMPLE = EXAMPLES / "fagersta.yaml"
MARIA = "maria.exempelsson@fagersta.example"


def start(engine: Engine, data_dir: Path) -> None:
    """What run_service does before prepare_demo: note an empty database, make the schema, record it."""
    creating = is_empty(engine)
    upgrade(engine)
    if creating:
        record_created(engine, data_dir)


def set_own_password(engine: Engine, email: str, password: str) -> None:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        accounts.set_password(session, person, password)
        session.commit()


def matches(engine: Engine, email: str, password: str) -> bool:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        return accounts.password_matches(session, person, password)


def test_a_second_run_resets_nobodys_password(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'samverkan.db'}")
    start(engine, tmp_path)
    first = prepare_demo(engine, EXAMPLE, tmp_path)
    assert first.password is not None and matches(engine, MARIA, first.password)
    with Session(engine) as session:
        assert purpose_of(session) is Purpose.DEMO  # run's own database: the CLI takes --as there
    set_own_password(engine, MARIA, "Ett-eget-hemligt-ord-2027")
    start(engine, tmp_path)  # the second run
    second = prepare_demo(engine, EXAMPLE, tmp_path)
    assert second.password == first.password
    assert matches(engine, MARIA, "Ett-eget-hemligt-ord-2027")
    assert not matches(engine, MARIA, first.password)
    assert matches(engine, "johan.provare@polisen.example", first.password)  # untouched, still the demo one


def test_run_sets_no_password_in_a_database_it_did_not_create(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'drift.db'}")
    upgrade(engine)  # made by someone else (samverkan load, an administrator)
    assert not is_empty(engine)
    start(engine, tmp_path)
    assert not created_by_run(engine, tmp_path)
    login = prepare_demo(engine, EXAMPLE, tmp_path)
    assert login.password is None
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []
        assert purpose_of(session) is None  # stays a production database: --as needs an API key


def test_a_database_made_anew_at_the_same_place_is_not_taken_for_runs(tmp_path: Path) -> None:
    path = tmp_path / "samverkan.db"
    engine = make_engine(f"sqlite:///{path}")
    start(engine, tmp_path)
    assert created_by_run(engine, tmp_path)
    engine.dispose()
    keep = tmp_path / "keep.db"
    path.rename(keep)  # keeps its inode busy, so the new file cannot reuse it
    other = make_engine(f"sqlite:///{path}")
    upgrade(other)
    assert not created_by_run(other, tmp_path)


def test_the_demo_start_names_whom_to_log_in_as_for_each_role(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'samverkan.db'}")
    start(engine, tmp_path)
    login = prepare_demo(engine, EXAMPLE, tmp_path)
    roles = {what: email for what, _name, email in login.by_role}
    assert roles["Brottsförebyggande samordnare"] == MARIA, roles
    assert roles["Kommunpolis"] == "johan.provare@polisen.example", roles
    signing = [what for what in roles if "skriver under för" in what]
    assert "Kommunstyrelsens ordförande, skriver under för Fagersta kommun" in signing, roles
    assert any(what.startswith("EST-medlem") for what in roles), roles
    with Session(engine) as session:  # each one can log in with the demo password
        for email in roles.values():
            person = session.exec(select(Person).where(Person.email == email)).one()
            assert login.password and accounts.password_matches(session, person, login.password)

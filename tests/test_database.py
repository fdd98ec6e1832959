"""The schema as the migrations build it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlmodel import Session, SQLModel, col, select

from samverkan.core.ids import saved_id
from samverkan.database import current_revision, head_revision, make_engine, upgrade
from samverkan.database.id_lists import among
from samverkan.database.migrate import alembic_config
from samverkan.models import AuditEntry, Organisation, Person, Role, Signature
from samverkan.models.base import table_of
from samverkan.models.enums import OrgKind
from tests.conftest import PG_URL


def _org(session: Session, key: str = "testkommun") -> Organisation:
    org = Organisation(key=key, name="Testkommun", kind=OrgKind.KOMMUN)
    session.add(org)
    session.commit()
    return org


def test_migrations_reach_head_and_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_every_domain_table_exists(engine: Engine) -> None:
    tables = set(sa.inspect(engine).get_table_names())
    expected = {
        "organisation",
        "organisation_link",
        "role",
        "person",
        "role_assignment",
        "body",
        "body_membership",
        "contact_route",
        "cadence",
        "meeting",
        "trigger_occurrence",
        "agreement",
        "agreement_party",
        "citizen_promise",
        "decision",
        "signature",
        "cycle",
        "phase",
        "checklist_item",
        "evidence",
        "problem",
        "cause_analysis",
        "cause",
        "measure",
        "indicator",
        "measurement",
        "est_observation",
        "audit_log",
        "notification",
        "delivery_attempt",
        "alembic_version",
    }
    assert expected <= tables


def test_downgrade_and_upgrade_again(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert "organisation" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_audit_log_is_append_only_in_the_database(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(AuditEntry(actor="test", action="x", entity_type="organisation", after={"a": 1}))
        session.commit()
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError) as failure, engine.begin() as connection:
            connection.execute(sa.text(statement))
        assert "append-only" in str(failure.value)
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry)).all()
        assert [(e.actor, e.after) for e in entries] == [("test", {"a": 1})]


def test_datetimes_come_back_aware_in_utc_on_every_backend(engine: Engine) -> None:
    stockholm_summer = datetime(2027, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    with Session(engine) as session:
        entry = AuditEntry(actor="t", action="x", entity_type="y", at=stockholm_summer)
        session.add(entry)
        session.commit()
        entry_id = entry.id
    with Session(engine) as session:
        stored = session.get(AuditEntry, entry_id)
        assert stored is not None
        assert stored.at.tzinfo is not None and stored.at.utcoffset() == timedelta(0)
        assert stored.at == datetime(2027, 7, 1, 7, 0, tzinfo=UTC)


def test_naive_datetime_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(AuditEntry(actor="t", action="x", entity_type="y", at=datetime(2027, 1, 1, 9, 0)))
        with pytest.raises(StatementError, match="utan tidszon"):
            session.commit()


def test_one_signature_per_party_and_subject(engine: Engine) -> None:
    with Session(engine) as session:
        org = _org(session)
        role = Role(organisation_id=org.id, key="kso", name="KSO", party_id=org.id, signatory=True)
        person = Person(email="a@example.se", name="A")
        session.add_all([role, person])
        session.commit()
        signed = datetime(2027, 1, 1, 10, tzinfo=UTC)
        fields = {
            "subject_type": "agreement",
            "subject_id": 1,
            "party_id": org.id,
            "role_id": role.id,
            "person_id": person.id,
        }
        session.add(Signature(**fields, signed_at=signed))
        session.commit()
        session.add(Signature(**fields, signed_at=signed + timedelta(minutes=1)))
        with pytest.raises(IntegrityError):
            session.commit()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Role(organisation_id=999, key="x", name="X"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_sqlite_file_and_its_folder_are_created(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "dir" / "s.db"
    engine = make_engine(f"sqlite:///{target}")
    upgrade(engine)
    assert target.exists()
    assert "organisation" in sa.inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs SAMVERKAN_TEST_DATABASE_URL (PostgreSQL)")
def test_the_web_pool_pings_a_rested_connection_and_replaces_a_dead_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The web's pool (database/engine.py::pooled_engine) hands a connection back a moment ago out as it is, and
    pings one that has rested: a connection the server has ended since is replaced, so the page does not fail."""
    import samverkan.database.engine as engines

    pool = engines.pooled_engine(PG_URL, 2)  # type: ignore[arg-type]
    admin = sa.create_engine(PG_URL)  # type: ignore[arg-type]
    try:
        with pool.connect() as connection:
            first = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with pool.connect() as connection:  # back a moment ago: the same connection, without a ping
            assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == first
        with admin.begin() as connection:  # the server ends it (as a restart would)
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engines, "IDLE_BEFORE_PING", 0.0)  # it has now rested long enough to be pinged
        with pool.connect() as connection:
            second = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
        # a pinged connection is handed out outside a transaction: a lookup may still switch it to autocommit
        with pool.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == second
    finally:
        pool.dispose()
        admin.dispose()


def test_id_lists_are_written_as_literals_and_select_the_same_rows(engine: Engine) -> None:
    """database/id_lists.py: `among` selects exactly the rows `in_` does, on every backend, with the ids written
    into the statement instead of one bound parameter each (short statements for psycopg to parse)."""
    with Session(engine) as session:
        ids = [saved_id(_org(session, f"kommun{n}")) for n in range(30)]
        session.commit()
        table = table_of(Organisation)
        wanted = [*ids[::3], 10_000_000]  # every third, and one that does not exist
        rows = session.execute(sa.select(table.c.id).where(among(table.c.id, wanted))).scalars().all()
        assert sorted(rows) == sorted(ids[::3])
        assert sorted(rows) == sorted(session.execute(sa.select(table.c.id).where(table.c.id.in_(wanted))).scalars())
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        session.execute(sa.select(table.c.id).where(among(table.c.id, wanted))).all()
        assert f"{ids[3]}, {ids[6]}" in statements[-1]  # the ids themselves, not placeholders


def test_a_savepoint_that_opens_the_transaction_is_rolled_back_with_it(engine: Engine) -> None:
    """A savepoint released as the transaction's first statement does not commit (pysqlite sends no BEGIN before a
    SAVEPOINT, and SQLite commits a savepoint that opened the transaction at its RELEASE): when the transaction then
    fails, what the savepoint wrote is gone with the rest, on both databases."""

    class Failed(Exception):
        pass

    with pytest.raises(Failed), Session(engine) as session:
        with session.begin_nested():
            session.add(Person(email="sparpunkt@fagersta.example", name="Sparpunkt"))
        session.add(Person(email="efter@fagersta.example", name="Efter"))
        session.flush()
        raise Failed
    with Session(engine) as session:
        assert session.exec(select(Person.email).where(col(Person.email).like("%@fagersta.example"))).all() == []
    with Session(engine) as session:  # and a committed one is kept, savepoint and all
        with session.begin_nested():
            session.add(Person(email="sparpunkt@fagersta.example", name="Sparpunkt"))
        session.commit()
    with Session(engine) as session:
        assert session.exec(select(Person.email).where(col(Person.email).like("%@fagersta.example"))).all() == [
            "sparpunkt@fagersta.example"
        ]

"""Production CLI use is authenticated (services/identity.py): in a production database a person acts with
their personal API key; --as alone is refused unless the database is a demo or test database (marked by
`samverkan run`, `samverkan demo`, the test suite or `samverkan db mark`) or the OS user is a configured local
administrator, who still cannot sign for anyone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select

from samverkan.cli.main import app
from samverkan.cli.options import os_user
from samverkan.core.settings import get_settings
from samverkan.core.timeutil import today_local
from samverkan.database import make_engine, session_scope
from samverkan.models import AuditEntry, PersonToken
from samverkan.services.access import find_person
from samverkan.services.identity import NEEDS_KEY
from samverkan.services.personal_keys import new_api_key, revoke_key
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, LPO_CHEF, SAMORDNARE, Driver, agree_on

START = ["cycle", "start", "fagersta"]
COMPLETE = ["cycle", "complete", "fagersta", "roller-och-ansvar", "--evidence", "dokument", "--title", "Roller"]


class Cli:
    def __init__(self, db_url: str) -> None:
        self.runner, self.db_url = CliRunner(), db_url

    def __call__(self, *args: str, ok: bool = True, env: dict[str, str] | None = None) -> str:
        result = self.runner.invoke(app, [*args, "--db", self.db_url], env=env)
        assert (result.exit_code == 0) == ok, f"{args}: {result.output}"
        return result.stdout if ok else result.stderr

    def key(self, email: str) -> str:
        with session_scope(make_engine(self.db_url)) as session:
            return new_api_key(session, find_person(session, email), "kommandoraden")


@pytest.fixture
def production(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Fagersta loaded into a new database by `samverkan load`: a production database (no mark)."""
    monkeypatch.delenv("SAMVERKAN_OPERATORS", raising=False)
    monkeypatch.delenv("SAMVERKAN_API_KEY", raising=False)
    get_settings.cache_clear()
    cli = Cli(db_url)
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    yield cli
    get_settings.cache_clear()


def test_as_alone_is_refused_in_a_production_database(production: Cli) -> None:
    refused = production(*START, "--as", SAMORDNARE, ok=False)
    assert refused == f"fel: {NEEDS_KEY}\n"
    assert "ange vem som gör det" in production(*START, ok=False)
    with Session(make_engine(production.db_url)) as session:
        assert not session.exec(select(AuditEntry).where(AuditEntry.action == "cycle.start")).all()


def test_a_personal_api_key_acts_as_its_owner(production: Cli) -> None:
    maria = production.key(SAMORDNARE)
    assert production(*START, "--nyckel", maria) == "Cykel 1 har startat (samverkan).\n"
    johan = production.key(KOMMUNPOLIS)
    assert production(*COMPLETE, "--uri", "diarium:KS 2026/1", env={"SAMVERKAN_API_KEY": johan}).startswith("Klar")
    with Session(make_engine(production.db_url)) as session:
        actors = session.exec(select(AuditEntry.actor).order_by(col(AuditEntry.id))).all()
    assert [a for a in actors if a in (SAMORDNARE, KOMMUNPOLIS)][-2:] == [SAMORDNARE, KOMMUNPOLIS]


def test_a_key_is_its_owners_alone_and_must_be_live(production: Cli) -> None:
    maria = production.key(SAMORDNARE)
    refused = production(*START, "--nyckel", maria, "--as", KOMMUNPOLIS, ok=False)
    assert (
        refused
        == f"fel: API-nyckeln tillhör {SAMORDNARE}, inte {KOMMUNPOLIS}: med en nyckel handlar du som dig själv\n"
    )
    assert "API-nyckeln gäller inte" in production(*START, "--nyckel", "påhittad-nyckel", ok=False)
    with session_scope(make_engine(production.db_url)) as session:
        person = find_person(session, SAMORDNARE)
        token = session.exec(select(PersonToken).where(PersonToken.person_id == person.id)).one()
        assert revoke_key(session, person, token.id or 0)
    assert "API-nyckeln gäller inte" in production(*START, "--nyckel", maria, ok=False)


def test_with_a_key_the_effective_date_is_bounded_by_the_real_clock(production: Cli) -> None:
    maria = production.key(SAMORDNARE)
    refused = production(*START, "--nyckel", maria, "--date", "2099-01-01", ok=False)
    assert refused.startswith("fel: datumet 2099-01-01 ligger i framtiden (handlingen görs ")


def test_a_local_administrator_may_act_as_someone_but_not_sign_for_them(
    production: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMVERKAN_OPERATORS", f"nagon-annan, {os_user()}")
    get_settings.cache_clear()
    assert production(*START, "--as", SAMORDNARE) == "Cykel 1 har startat (samverkan).\n"
    with Session(make_engine(production.db_url)) as session:
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(2)).all()
    assert [(e.actor, e.action) for e in entries] == [(f"drift:{os_user()}", "cli.as"), (SAMORDNARE, "cycle.start")]
    assert entries[0].after == {"kommando": "samverkan cycle start"}
    agree_on(Driver(make_engine(production.db_url), "fagersta", today_local()))
    refused = production("sign", "fagersta", "--as", LPO_CHEF, ok=False)
    assert "kan bara skrivas under av undertecknaren själv" in refused
    assert "en lokal administratör kan inte skriva under åt någon" in refused
    signed = production("sign", "fagersta", "--nyckel", production.key(LPO_CHEF))
    assert signed.endswith("väntar på underskrift\nUnderskrift saknas från: Fagersta kommun\n")  # the police signed
    monkeypatch.setenv("SAMVERKAN_OPERATORS", "nagon-annan")
    get_settings.cache_clear()
    assert production(*START, "--as", SAMORDNARE, ok=False) == f"fel: {NEEDS_KEY}\n"


def test_only_an_unused_database_can_be_marked_as_demo_or_test(production: Cli) -> None:
    production.key(SAMORDNARE)
    refused = production("db", "mark", "demo", ok=False)
    assert refused.startswith("fel: databasen används redan (det finns lösenord eller API-nycklar)")
    assert production(*START, "--as", SAMORDNARE, ok=False) == f"fel: {NEEDS_KEY}\n"


def test_a_marked_database_takes_as_and_its_date_sets_the_clock(db_url: str) -> None:
    cli = Cli(db_url)
    assert cli("db", "mark", "test") == "Databasen är nu en testdatabas.\n"
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    assert cli(*START, "--as", SAMORDNARE, "--date", "2027-01-11") == "Cykel 1 har startat (samverkan).\n"
    cli(*COMPLETE, "--uri", "d:1", "--as", KOMMUNPOLIS, "--date", "2027-01-12")  # 2027 is "now" here
    assert cli("db", "mark", "drift") == "Databasen är nu en driftdatabas.\n"
    assert cli(*START, "--as", SAMORDNARE, ok=False) == f"fel: {NEEDS_KEY}\n"


def test_samverkan_demo_makes_a_demo_database(db_url: str) -> None:
    cli = Cli(db_url)
    cli("demo", str(EXAMPLES / "fagersta.yaml"))
    assert cli(*START, "--as", SAMORDNARE) == "Cykel 1 har startat (samverkan).\n"


def test_the_handover_rule_holds_at_the_command_line(db_url: str) -> None:
    """The same authority rule as the web and the API (services/authority.py), here in a test database."""
    cli = Cli(db_url)
    cli("db", "mark", "test")
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    police = ["handover", "fagersta", "lpo-chef", "--to", "sara.skolberg@fagersta.example", "--date", "2027-01-11"]
    refused = cli(*police, "--as", "sara.skolberg@fagersta.example", ok=False)
    assert refused.startswith("fel: Sara") and "lämnas bara över av den egna parten" in refused
    outside = ["handover", "fagersta", "samordnare", "--to", "ny@annanstans.example", "--name", "Ny Person"]
    refused = cli(*outside, "--as", SAMORDNARE, "--date", "2027-01-11", ok=False)
    assert "utanför" in refused
    done = cli(*outside, "--utanfor", "--as", SAMORDNARE, "--date", "2027-01-11")
    assert done.startswith("Rollen samordnare har lämnats över till ny@annanstans.example")

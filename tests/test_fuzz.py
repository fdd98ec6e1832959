"""Hostile input: every file Samverkan reads is refused with located Swedish errors, never a traceback or a hang,
and nothing `validate` accepts is refused by the database when it is loaded (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from samverkan.core.issues import ConfigError
from samverkan.database import session_scope
from samverkan.models import AuditEntry
from samverkan.models.base import table_of
from samverkan.orgconfig.loader import load_config
from samverkan.orgconfig.routes import check_route
from samverkan.orgconfig.validate import validate_file, validate_text
from samverkan.process.definition import DEFINITIONS_DIR, parse_definition
from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError
from samverkan.services.inputs import ImportMeasurements
from samverkan.services.measurements import import_measurements
from tests import fuzzing
from tests.conftest import EXAMPLES
from tests.drive import SAMORDNARE

FAGERSTA = (EXAMPLES / "fagersta.yaml").read_text(encoding="utf-8")
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.fixture
def fagersta(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        load_config(session, validate_file(EXAMPLES / "fagersta.yaml"))
    return engine


def test_a_few_hundred_mutated_files_give_no_traceback_no_hang_and_validate_equals_load(fagersta: Engine) -> None:
    figures = fuzzing.run(fagersta, seed=2026, organisations=150, definitions=60, csvs=90)
    report = "\n".join(f.line(what) for what, f in figures.items())
    failures = [failure for f in figures.values() for failure in f.failures]
    assert not failures, report + "\n\n" + "\n\n".join(failures[:5])
    assert sum(f.cases for f in figures.values()) == 300
    assert all(f.accepted and f.refused for f in figures.values()), report  # the cases reach both outcomes


def test_the_sqlite_check_refuses_what_postgresql_would(engine: Engine) -> None:
    result = validate_text(FAGERSTA, "fagersta.yaml")
    assert result.config is not None
    organisation = result.config.organisation.model_copy(update={"name": "x" * 201, "population": 2**31})
    result.config = result.config.model_copy(update={"organisation": organisation})
    with Session(engine) as session, pytest.raises(ValueError, match=r"PostgreSQL skulle vägra organisation\."):
        fuzzing.as_postgresql_would(session)
        load_config(session, result)
        session.flush()


@pytest.mark.parametrize(
    ("section", "field", "table"),
    [("roles", "name", "role"), ("people", "name", "person"), ("bodies", "name", "body")],
)
def test_the_sqlite_check_sees_rows_inserted_in_bulk(engine: Engine, section: str, field: str, table: str) -> None:
    """The loader writes new roles, people and bodies in one multi-row INSERT each, past the ORM's flush: the
    check refuses them all the same."""
    result = validate_text(FAGERSTA, "fagersta.yaml")
    assert result.config is not None
    rows = getattr(result.config, section)
    rows[0] = rows[0].model_copy(update={field: "x" * 301})
    with Session(engine) as session, pytest.raises(ValueError, match=rf"PostgreSQL skulle vägra {table}\.{field}"):
        fuzzing.as_postgresql_would(session)
        load_config(session, result)
        session.flush()


def test_the_sqlite_check_sees_core_inserts_on_the_session(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(ValueError, match=r"PostgreSQL skulle vägra audit_log\.after"):
        fuzzing.as_postgresql_would(session)
        session.connection().execute(
            insert(table_of(AuditEntry)),
            [{"actor": "fuzz", "action": "x", "entity_type": "x", "after": {"v": float("nan")}}],
        )


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (BOMB, "test.yaml:1: filen har för många värden (över 25000, alias medräknade)"),
        ("a: &a [*a]\n", "test.yaml:1: värdena är nästlade för djupt (över 40 nivåer)"),
        ("a:\n  b: " + "[" * 50 + "]" * 50 + "\n", "test.yaml:2: värdena är nästlade för djupt (över 40 nivåer)"),
        ("a: 1\nb: 2027-02-30\n", "test.yaml:2: ogiltigt värde '2027-02-30': datumet finns inte"),
        ("a: " + "9" * 4301 + "\n", "test.yaml:1: ogiltigt värde '9999999999999999999999999999999999999999…'"),
    ],
)
def test_hostile_yaml_is_a_located_error_at_once(yaml_text: str, message: str) -> None:
    started = time.perf_counter()
    result = validate_text(yaml_text, "test.yaml")
    with pytest.raises(ConfigError) as refused:
        parse_definition(yaml_text, "test.yaml")
    assert time.perf_counter() - started < 2
    assert str(result.issues[0]).startswith(message)
    assert str(refused.value.issues[0]).startswith(message)


def _with(old: str, new: str) -> str:
    assert old in FAGERSTA
    return FAGERSTA.replace(old, new, 1)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        (_with("population: 13391", "population: 4294967296"), "ska vara högst 2147483647 (fick 4294967296)"),
        (_with("population: 13391", "population: .nan"), "ska vara ett ändligt tal (inte NaN eller oändligt)"),
        (_with("name: Fagersta kommun", "name: " + "x" * 201), "är för långt"),
        (_with("name: Fagersta kommun", 'name: "Fagersta\\0kommun"'), "får inte innehålla tecknet NUL (tecken 9)"),
        (_with("name: Fagersta kommun", 'name: "Fagersta\\x1bkommun"'), "får inte innehålla styrtecken (tecken 9)"),
        (_with("county: Västmanlands län", "county: " + "å" * 101), "är för långt"),
        (_with("from: 2024-01-01", "from: 9999-12-31"), "datumet 9999-12-31 ligger utanför 1900–2199"),
    ],
)
def test_values_the_database_cannot_store_are_refused_by_validate(changed: str, message: str) -> None:
    result = validate_text(changed, "fagersta.yaml")
    assert not result.ok
    assert any(message in issue.message for issue in result.issues), [str(i) for i in result.issues]


@pytest.mark.parametrize(
    "url",
    [
        "slack://T000/B000/XXXX/#kanal",
        "slack://xoxb-1234-abcd/#kanal",
        "discord://1234/webhooktoken",
        "tgram://123456789:AAHtoken/12345",
        "workflows://prod-00.swedencentral.logic.azure.com:443/${WF}/plainsignature/",
        "https://hooks.slack.com/services/T0/B0/XYZ",
        "https://discord.com/api/webhooks/123/token",
        "https://api.telegram.org/bot123:abc/",
        "json://hook.example/p?access_token=abc",
        "jsons://prod.logic.azure.com/workflows/x/invoke?sp=%2Ftriggers&sig=abc",
        "json://hook.example/p?client_secret=abc",
        "mailto://user:p%40ss@smtp.example",
    ],
)
def test_plain_text_secrets_are_found_in_every_apprise_url_form(url: str) -> None:
    assert any("klartext" in finding.message for finding in check_route(url)), check_route(url)


def test_secrets_as_environment_references_pass() -> None:
    for url in (
        "slack://${A}/${B}/${C}/#kanal",
        "discord://1234/${DISCORD_TOKEN}",
        "workflows://prod-00.swedencentral.logic.azure.com:443/${WF}/${SIG}/",
        "jsons://prod.logic.azure.com/workflows/x/invoke?sp=%2Ftriggers&sig=${SIG}",
    ):
        assert not [f for f in check_route(url) if "klartext" in f.message], url


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("anmalda-brott;2021;NaN;;Brå", "fuzz.csv:2: 'NaN' är inget tal"),
        ("anmalda-brott;2021;inf;;Brå", "fuzz.csv:2: 'inf' är inget tal"),
        ("anmalda-brott;2021;1e309;;Brå", "fuzz.csv:2: '1e309' är inget tal"),
        ("anmalda-brott;2021;5;;" + "x" * 201, "fuzz.csv:2: källan är för lång (201 tecken, högst 200)"),
        ("anmalda-brott;2021;5;;Brå\x00", "fuzz.csv:2: källan får inte innehålla tecknet NUL (tecken 4)"),
        ("anmalda-brott;2021;5;;Brå 811218–9876", "fuzz.csv:2: källan innehåller något som ser ut som ett person"),
        ("anmalda-brott;٢٠٢١;5;;Brå", "fuzz.csv:2: '٢٠٢١' är ingen period"),
        ("anmalda-brott;2021;" + "1" * 200_000 + ";;Brå", "fuzz.csv: filen kan inte läsas som CSV"),
    ],
)
def test_a_hostile_csv_row_is_a_located_swedish_error(fagersta: Engine, cells: str, message: str) -> None:
    text = "indikator;period;värde;preliminär;källa\n" + cells + "\n"
    with Session(fagersta) as session, pytest.raises(RefusedError) as refused:
        import_measurements(
            session,
            Actor.simulated("fagersta", SAMORDNARE, date(2027, 3, 1)),
            ImportMeasurements(text=text, file="fuzz.csv"),
        )
    assert message in str(refused.value)


def test_the_built_in_definitions_still_parse() -> None:
    for path in sorted(DEFINITIONS_DIR.glob("*.yaml")):
        assert parse_definition(path.read_text(encoding="utf-8"), str(path)).phases

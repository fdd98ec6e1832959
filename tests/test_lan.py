"""The regional level (issue 17): länsstyrelse files, persons shared across organisations, the weekly lägesbild
that flows upward, the county's monthly analysis, status and yearly report, and a simulated year."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.core.timeutil import STOCKHOLM
from samverkan.database import session_scope
from samverkan.models import Organisation, Person, Role, RoleAssignment, WeeklyLagesbild
from samverkan.orgconfig.categories import Vocabulary, category_key
from samverkan.orgconfig.loader import LoadReport, load_config
from samverkan.orgconfig.validate import validate_file, validate_text
from samverkan.services.actor import Actor
from samverkan.services.county_analysis import monthly_analysis
from samverkan.services.county_documents import yearly_html
from samverkan.services.county_scope import county
from samverkan.services.county_status import county_status, network_meetings
from samverkan.services.errors import NotPermittedError, RefusedError
from samverkan.services.inputs import CompileWeek, WeeklyContribution
from samverkan.services.weekly_lagesbild import compile_week, report_contribution
from tests.conftest import EXAMPLES

COUNTY = ["lansstyrelsen-vastmanland", "fagersta", "jarnboda", "malmberga"]
DALARNA = ["lansstyrelsen-dalarna", "gruvsjo"]
MARIA, ERIK = "maria.exempelsson@fagersta.example", "erik.larare@fagersta.example"
ANNA, MONA = "anna.samordnarsson@jarnboda.example", "mona.social@jarnboda.example"


def load(engine: Engine, *names: str) -> list[LoadReport]:
    reports = []
    for name in names:
        with session_scope(engine) as session:
            reports.append(load_config(session, validate_file(EXAMPLES / f"{name}.yaml")))
    return reports


def issues_of(text: str) -> list[str]:
    return [str(issue) for issue in validate_text(text, "lan.yaml").issues]


def county_text() -> str:
    return (EXAMPLES / "lansstyrelsen-vastmanland.yaml").read_text(encoding="utf-8")


# -- files -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COUNTY + DALARNA)
def test_the_example_county_files_validate(name: str) -> None:
    result = validate_file(EXAMPLES / f"{name}.yaml")
    assert result.ok, [str(i) for i in result.issues]


@pytest.mark.parametrize(
    ("change", "line_text", "message"),
    [
        (
            ("county:\n  kommuner: [fagersta, jarnboda, malmberga]\n  coordinator: regional-samordnare\n", ""),
            "kind: lansstyrelse",
            "en länsstyrelse behöver 'county'",
        ),
        (("coordinator: regional-samordnare", "coordinator: ingen-sadan"), "coordinator: ingen-sadan", "okänd roll"),
        (
            ("kommuner: [fagersta, jarnboda, malmberga]", "kommuner: [fagersta, jarnboda, fagersta]"),
            "kommuner: [fagersta",
            "står två gånger",
        ),
        (("  - Klotter\n", "  - Klotter\n  - KLOTTER\n"), "  - KLOTTER", "finns redan"),
        (("trigger: county_analysis", "trigger: weekly_situation"), "trigger: weekly_situation", "kommun"),
        (
            (
                "{key: ida, name: Ida Analys, email: ida.analys@lansstyrelsen.example}",
                "{key: ida, name: Ida Analys, email: HELENA.Lansson@lansstyrelsen.example}",
            ),
            "HELENA.Lansson",
            "finns redan",
        ),
    ],
)
def test_a_wrong_county_file_is_a_located_error(change: tuple[str, str], line_text: str, message: str) -> None:
    text = county_text()
    assert change[0] in text
    text = text.replace(change[0], change[1], 1)
    found = [i for i in issues_of(text) if message in i]
    assert found, issues_of(text)
    lines = text.splitlines()
    line = int(found[0].split(":")[1])
    assert line_text in lines[line - 1] or (line_text == "kind: lansstyrelse" and "kind" in lines[line - 1])


def test_county_triggers_and_network_members_belong_to_a_lansstyrelse() -> None:
    text = (EXAMPLES / "jarnboda.yaml").read_text(encoding="utf-8")
    text = text.replace("trigger: weekly_situation", "trigger: county_analysis")
    text = text.replace(
        "    members: [socialtjansten, skolan",
        "    member_functions: [samordnare]\n    members: [socialtjansten, skolan",
    )
    found = issues_of(text)
    assert any("gäller bara en länsstyrelse" in i and "county_analysis" in i for i in found), found
    assert any("member_functions" in i for i in found), found
    without_police = re.sub(r"police_area:\n(  .*\n)+", "", (EXAMPLES / "jarnboda.yaml").read_text(encoding="utf-8"))
    assert any("'police_area' saknas" in i for i in issues_of(without_police)), issues_of(without_police)


def test_categories_are_one_by_key() -> None:
    vocabulary = Vocabulary.of(["Skadegörelse", " skadegörelse ", "Oro  och otrygghet"])
    assert vocabulary.names == ("Skadegörelse", "Oro och otrygghet")
    assert vocabulary.canonical("SKADEGÖRELSE") == "Skadegörelse"
    assert vocabulary.canonical("oro och   otrygghet") == "Oro och otrygghet"
    assert vocabulary.canonical("Cykelstölder") is None
    assert category_key("Skadegörelse") == category_key("skadegörelse")
    assert Vocabulary.of([]).names == Vocabulary().names  # the common list when a file lists none


# -- persons across organisations ----------------------------------------------------------------------------


def test_loading_two_files_that_share_a_person_keeps_both_intact(engine: Engine) -> None:
    load(engine, "fagersta", "jarnboda", "lansstyrelsen-vastmanland")
    load(engine, "fagersta")  # reloading one file never touches the other's assignments
    with Session(engine) as session:
        johan = session.exec(select(Person).where(Person.email == "johan.provare@polisen.example")).all()
        assert len(johan) == 1  # 'Johan.Provare@…' in Järnboda's file is the same person
        held = session.exec(
            select(Organisation.key, Role.key)
            .join(Role, col(Role.organisation_id) == Organisation.id)
            .join(RoleAssignment, col(RoleAssignment.role_id) == Role.id)
            .where(RoleAssignment.person_id == johan[0].id)
        ).all()
        assert sorted(held) == [("fagersta", "kommunpolis"), ("jarnboda", "kommunpolis")]
        helena = session.exec(select(Person).where(Person.email == "helena.lansson@lansstyrelsen.example")).one()
        orgs = session.exec(
            select(Organisation.key)
            .join(Role, col(Role.organisation_id) == Organisation.id)
            .join(RoleAssignment, col(RoleAssignment.role_id) == Role.id)
            .where(RoleAssignment.person_id == helena.id)
        ).all()
        assert sorted(orgs) == ["fagersta", "lansstyrelsen-vastmanland"]
        board = session.exec(select(Organisation).where(Organisation.key == "lansstyrelsen-vastmanland")).one()
        assert board.source_file is not None and board.settings["county"]["kommuner"] == COUNTY[1:]


def test_a_shared_person_is_never_renamed_by_another_file(engine: Engine) -> None:
    load(engine, "fagersta")
    text = (EXAMPLES / "jarnboda.yaml").read_text(encoding="utf-8")
    renamed = text.replace("name: Johan Prövare,", "name: Johan Prövare-Ek,")
    with session_scope(engine) as session:
        report = load_config(session, validate_text(renamed, "jarnboda.yaml"))
    warning = next(w for w in report.warnings if "Johan Prövare-Ek" in str(w))
    assert str(warning).startswith("jarnboda.yaml:") and "varning" in str(warning)
    assert "Johan Prövare-Ek" in renamed.splitlines()[warning.line - 1]
    load(engine, "fagersta")
    with Session(engine) as session:
        assert session.exec(select(Person.name).where(Person.email == "johan.provare@polisen.example")).one() == (
            "Johan Prövare"
        )


def test_a_kommun_file_never_overwrites_the_lansstyrelse_its_own_file_describes(engine: Engine) -> None:
    load(engine, "lansstyrelsen-vastmanland")
    text = (EXAMPLES / "jarnboda.yaml").read_text(encoding="utf-8")
    text = text.replace("  name: Länsstyrelsen Västmanland", "  name: Länsstyrelsen i Västmanlands län")
    with session_scope(engine) as session:
        report = load_config(session, validate_text(text, "jarnboda.yaml"))
    assert any("beskrivs av sin egen fil" in str(w) for w in report.warnings)
    with Session(engine) as session:
        board = session.exec(select(Organisation).where(Organisation.key == "lansstyrelsen-vastmanland")).one()
        assert board.name == "Länsstyrelsen Västmanland" and board.settings.get("county")


# -- the weekly lägesbild --------------------------------------------------------------------------------------


def contribute(engine: Engine, org: str, email: str, on: date, category: str, count: int, **more: object) -> None:
    with session_scope(engine) as session:
        given = WeeklyContribution(category=category, area="Centrum", count=count, **more)  # type: ignore[arg-type]
        report_contribution(session, Actor.simulated(org, email, on), given)


def compile_(engine: Engine, org: str, email: str, on: date, summary: str | None = None) -> WeeklyLagesbild:
    with session_scope(engine) as session:
        compiled = compile_week(session, Actor.simulated(org, email, on), CompileWeek(summary=summary))
        session.expunge(compiled)
        return compiled


def test_a_forvaltning_contributes_and_the_coordinator_compiles(engine: Engine) -> None:
    load(engine, *COUNTY)
    day = date(2027, 3, 10)  # a Wednesday
    contribute(
        engine, "fagersta", ERIK, day, "skadegörelse", 4, time_band="kväll", trend="okar", text="Sten mot fönster."
    )
    contribute(engine, "fagersta", MARIA, day, "SKADEGÖRELSE", 2, time_band="kväll", severity=2)
    contribute(engine, "fagersta", ERIK, day, "Klotter", 1)
    with pytest.raises(RefusedError, match="kategorin 'Cykelstölder' finns inte"):
        contribute(engine, "fagersta", ERIK, day, "Cykelstölder", 1)
    with pytest.raises(ValidationError, match="personnummer"):  # the input model refuses it, for every caller
        contribute(engine, "fagersta", ERIK, day, "Klotter", 1, text="Gäller 19850101-1234")
    with pytest.raises(NotPermittedError):  # a Järnboda official has no role in Fagersta
        contribute(engine, "fagersta", MONA, day, "Klotter", 1)
    with pytest.raises(NotPermittedError):  # an EST member reports, the coordinator compiles
        compile_(engine, "fagersta", ERIK, day)
    compiled = compile_(engine, "fagersta", MARIA, day, "Mest kvällstid i centrum.")
    assert compiled.week_start == date(2027, 3, 8) and compiled.contributions == 3
    rows = {(r["category"], r["time_band"]): r for r in compiled.rows}
    assert rows[("Skadegörelse", "kväll")]["count"] == 6 and rows[("Skadegörelse", "kväll")]["reports"] == 2
    assert rows[("Skadegörelse", "kväll")]["severity"] == 2 and rows[("Skadegörelse", "kväll")]["trend"] == "okar"
    assert "Sten" not in str(compiled.rows)  # free text never leaves in the rows
    contribute(engine, "fagersta", ERIK, day, "Brand", 3)
    again = compile_(engine, "fagersta", MARIA, day)
    assert again.id == compiled.id and again.contributions == 4  # compiled again: the same week, replaced


def test_the_monthly_analysis_rolls_up_the_kommuner(engine: Engine) -> None:
    load(engine, *COUNTY)
    for day in (date(2027, 3, 10), date(2027, 3, 17)):
        contribute(engine, "fagersta", ERIK, day, "Skadegörelse", 5)
        contribute(engine, "jarnboda", MONA, day, "skadegörelse", 1)
        contribute(engine, "jarnboda", MONA, day, "Narkotika", 1)
        compile_(engine, "fagersta", MARIA, day)
        compile_(engine, "jarnboda", ANNA, day)
    contribute(engine, "fagersta", ERIK, date(2027, 2, 10), "Skadegörelse", 2)
    compile_(engine, "fagersta", MARIA, date(2027, 2, 10))
    with Session(engine) as session:
        analysis = monthly_analysis(session, county(session, "lansstyrelsen-vastmanland"), 2027, 3)
    by_name = {row.name: row for row in analysis.categories}
    assert set(by_name) == {"Skadegörelse", "Narkotika"}  # one category whatever the case
    assert by_name["Skadegörelse"].shown == "12" and by_name["Skadegörelse"].shared
    assert by_name["Skadegörelse"].per_kommun == {"fagersta": "10", "jarnboda": "<3"}
    assert by_name["Skadegörelse"].trend == "okar"  # 12 against February's 2
    assert by_name["Narkotika"].shown == "<3" and not by_name["Narkotika"].shared
    assert [k.name for k in analysis.not_reported] == ["Malmberga kommun"]
    months = {k.key: k for k in analysis.kommuner}
    assert (months["fagersta"].weeks_compiled, months["fagersta"].contributions) == (2, 2)
    assert months["fagersta"].weeks_expected == 5  # the Mondays of March 2027


def test_the_county_status_shows_vacancies_and_what_expires(engine: Engine) -> None:
    load(engine, *COUNTY)
    with Session(engine) as session:
        the_county = county(session, "lansstyrelsen-vastmanland")
        statuses = {s.key: s for s in county_status(session, the_county, date(2027, 9, 15))}
        meetings = network_meetings(session, the_county, date(2027, 1, 1), date(2027, 12, 31))
    assert statuses["malmberga"].coordinator_vacant and not statuses["fagersta"].coordinator_vacant
    assert statuses["jarnboda"].agreement is not None and statuses["jarnboda"].agreement.expires_soon
    assert not statuses["malmberga"].agreement or not statuses["malmberga"].agreement.expires_soon
    assert "samordnarrollen är vakant" in statuses["malmberga"].attention
    assert len(meetings) == 4
    called = {(kommun, role) for kommun, role, _ in meetings[0].called}
    for kommun in ("Fagersta kommun", "Järnboda kommun", "Malmberga kommun"):
        assert {role for k, role in called if k == kommun} >= {"Kommunpolis"}
        assert any("amordnare" in role for k, role in called if k == kommun)
    september = next(m for m in meetings if m.day.month == 9)
    assert ("Malmberga kommun", "Samordnare trygghet (20 %)", True) in september.called


def test_the_yearly_report_to_bra_names_the_three_duties(engine: Engine) -> None:
    load(engine, *COUNTY)
    contribute(engine, "fagersta", ERIK, date(2027, 3, 10), "Klotter", 4)
    compile_(engine, "fagersta", MARIA, date(2027, 3, 10))
    with Session(engine) as session:
        board = session.exec(select(Organisation).where(Organisation.key == "lansstyrelsen-vastmanland")).one()
        html = yearly_html(session, board, 2027, date(2027, 12, 8))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "lag (2023:196)" in text and "Fagersta kommun" in text and "Malmberga kommun" in text
    assert "ja (1 veckolägesbilder" in text  # Fagersta's lägesbild; the others have none yet
    assert "Nätverket hade 4 möten" in text


# -- a simulated year ------------------------------------------------------------------------------------------


def test_a_simulated_year_of_the_county(tmp_path: Path) -> None:
    from samverkan.services.simulation import simulate
    from samverkan.services.sweep import sweep

    db = tmp_path / "sim.db"
    results = [validate_file(EXAMPLES / f"{name}.yaml") for name in COUNTY + DALARNA]
    simulation = simulate(
        results, date(2027, 1, 1), date(2027, 12, 31), tmp_path / "ut", database_url=f"sqlite:///{db}",
        example_contributions=True,
    )  # fmt: skip
    assert simulation.result.triggers["county_analysis"] == 24  # twelve in each county
    assert simulation.result.triggers["county_report"] == 2
    folder = tmp_path / "ut" / "lansstyrelsen-vastmanland"
    analyses = sorted(folder.glob("manadsanalys-2027-*.html"))
    assert len(analyses) == 12
    assert len(list(folder.glob("arsrapport-bra-*.html"))) == 1
    from sqlmodel import create_engine

    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        for path in analyses:  # each month's analysis shows every kommun's compiled weeks and contributions
            month = int(path.stem[-2:])
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
            made_on = date.fromisoformat(re.search(r"Datum (\d{4}-\d{2}-\d{2})", text)[1])  # type: ignore[index]
            for key in COUNTY[1:]:
                org = session.exec(select(Organisation).where(Organisation.key == key)).one()
                weeks = [
                    w
                    for w in session.exec(select(WeeklyLagesbild).where(WeeklyLagesbild.organisation_id == org.id))
                    if (w.week_start.year, w.week_start.month) == (2027, month)
                    and w.compiled_at.astimezone(STOCKHOLM).date() <= made_on
                ]
                contributions = sum(w.contributions for w in weeks)
                assert weeks and contributions > 0, (key, month)
                assert re.search(rf"{org.name} {len(weeks)}( – saknar veckor)? {contributions} ", text), (key, month)
        calls = sorted(folder.glob("kallelse-lansbra-mote-*.ics"))
        assert len(calls) == 4
        for call in calls:
            day = date.fromisoformat(call.stem[-10:])
            ics = call.read_text(encoding="utf-8").replace("\r\n ", "")
            for key in COUNTY[1:]:
                for function in ("samordnare", "kommunpolis"):
                    people = session.exec(
                        select(Person.email)
                        .join(RoleAssignment, col(RoleAssignment.person_id) == Person.id)
                        .join(Role, col(Role.id) == RoleAssignment.role_id)
                        .join(Organisation, col(Organisation.id) == Role.organisation_id)
                        .where(Organisation.key == key, Role.function == function, RoleAssignment.held_on(day))
                    ).all()
                    assert all(f"mailto:{email}" in ics for email in people), (key, function, day)
    with session_scope(engine) as session:  # exactly once: the year's last day swept again does nothing new
        again = sweep(session, datetime(2027, 12, 30, 7, 0, tzinfo=STOCKHOLM), lookback_days=3)
    assert again.already_done > 0 and not again.triggers
    engine.dispose()


def test_every_trigger_is_in_a_group_of_the_per_kind_flows() -> None:
    """Production sweeps every kind each day; the per-kind flows (flows/cycle_flows.py) and the catch-up's days per
    kind (services/catchup.py) must know every kind too, or a kind would be missed after a per-kind run."""
    from samverkan.flows.cycle_flows import DEADLINES, DIRECTION, MEETINGS, REPORTS
    from samverkan.models.enums import TriggerKind
    from samverkan.services.catchup import ALL_KINDS

    assert set(ALL_KINDS) == {*DEADLINES, *MEETINGS, *DIRECTION, *REPORTS}
    assert {kind.value for kind in TriggerKind} | {"item_deadline", "measure_deadline", "phase_opened"} == ALL_KINDS


def test_files_validated_together_agree_on_the_county(tmp_path: Path) -> None:
    from samverkan.orgconfig.county_check import county_issues

    moved = (EXAMPLES / "malmberga.yaml").read_text(encoding="utf-8")
    moved = moved.replace("  key: lansstyrelsen-vastmanland", "  key: lansstyrelsen-dalarna")
    (tmp_path / "malmberga.yaml").write_text(moved, encoding="utf-8")
    files = [
        EXAMPLES / "lansstyrelsen-vastmanland.yaml",
        tmp_path / "malmberga.yaml",
        EXAMPLES / "lansstyrelsen-dalarna.yaml",
    ]
    found = county_issues([validate_file(file) for file in files])
    [listed] = found[str(files[0])]
    assert "'malmberga'" in listed.message and listed.severity == "varning"
    assert "malmberga" in county_text().splitlines()[listed.line - 1]
    [named] = found[str(files[1])]
    assert "lansstyrelsen-dalarna" in moved.splitlines()[named.line - 1]
    together = [validate_file(EXAMPLES / f"{name}.yaml") for name in COUNTY + DALARNA]
    assert county_issues(together) == {}  # the examples agree


# -- the HTTP API ------------------------------------------------------------------------------------------------


def test_the_api_takes_contributions_and_shows_the_county(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samverkan.core.timeutil import today_local
    from samverkan.models import TokenKind
    from samverkan.services import accounts
    from samverkan.services.access import find_person
    from tests.live import live_server

    load(engine, *COUNTY)
    keys = {}
    with session_scope(engine) as session:
        for email in (ERIK, MARIA, "helena.lansson@lansstyrelsen.example"):
            keys[email] = accounts.issue_token(session, find_person(session, email), TokenKind.API, label="test")[0]
    with live_server(engine, tmp_path / "data", monkeypatch) as site, site.client() as client:

        def call(method: str, path: str, email: str, **body: object) -> httpx.Response:
            headers = {"Authorization": f"Bearer {keys[email]}"}
            sent = body if method == "POST" else None
            return client.request(method, f"/api/v1/organisationer/{path}", headers=headers, json=sent)

        made = call("POST", "fagersta/veckolagesbild/bidrag", ERIK, category="klotter", area="Torget", count=3)
        assert made.status_code == 201, made.text
        assert made.json()["category"] == "Klotter"
        wrong = call("POST", "fagersta/veckolagesbild/bidrag", ERIK, category="Cykel", area="Torget", count=3)
        assert wrong.status_code == 422 and "finns inte" in wrong.json()["fel"] + " ".join(wrong.json()["saknas"])
        refused = call("POST", "fagersta/veckolagesbild/sammanstallning", ERIK)
        assert refused.status_code == 403
        compiled = call("POST", "fagersta/veckolagesbild/sammanstallning", MARIA, summary="Lugn vecka.")
        assert compiled.status_code == 201 and compiled.json()["contributions"] == 1
        assert call("GET", "lansstyrelsen-vastmanland/lan", MARIA).status_code == 403  # a kommun sees only itself
        status = call("GET", "lansstyrelsen-vastmanland/lan", "helena.lansson@lansstyrelsen.example")
        assert status.status_code == 200
        assert {row["key"] for row in status.json()} == {"fagersta", "jarnboda", "malmberga"}
        today = today_local()
        path = f"lansstyrelsen-vastmanland/lan/analys/{today.year}/{today.month}"
        analysis = call("GET", path, "helena.lansson@lansstyrelsen.example").json()
        assert [(c["name"], c["shown"]) for c in analysis["categories"]] == [("Klotter", "3")]
        assert "Lugn vecka" not in str(analysis) and "total" not in analysis["categories"][0]
        assert (
            call(
                "GET", "lansstyrelsen-vastmanland/lan/analys/2027/13", "helena.lansson@lansstyrelsen.example"
            ).status_code
            == 404
        )

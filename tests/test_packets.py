"""Each decision packet kind for Fagersta, rendered from the database: sections and numbers in the HTML,
and a PDF that opens with the expected pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from samverkan.cli.main import app
from samverkan.models.enums import CausePerspective
from samverkan.services import agreements, cycle, substance
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, LPO_CHEF, SAMORDNARE, Driver


@pytest.fixture
def fagersta_with_work(engine: Engine) -> Driver:
    d = Driver(engine, "fagersta", date(2027, 2, 1))
    d.load(EXAMPLES / "fagersta.yaml")
    d(cycle.start_cycle, SAMORDNARE)
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    d(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1)
    cause = d(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem.id,
        perspective=CausePerspective.PLACE,
        direct=True,
        description="Mörkt torg med skymda siktlinjer",
    )
    measure = d(
        substance.add_measure,
        SAMORDNARE,
        cause_id=cause.id,
        title="Ny belysning på torget",
        owner="samordnare",
        due_on=date(2027, 9, 30),
        follow_up="Anmälningar per kvartal",
        operational_goal="Belysning klar före hösten",
    )
    d(substance.update_measure, SAMORDNARE, measure_id=measure.id, progress_pct=100, hours_spent=120, cost_sek=85000)
    d(agreements.sign, LPO_CHEF)  # one party has signed: pending
    return d


@pytest.mark.parametrize(
    ("kind", "sections"),
    [
        (
            "inriktningsbeslut",
            [
                "Föredragningslista",
                "Inriktningsbeslut för nästa kvartal",
                "Indikatorer",
                "11\u00a0777",
                "att fastställa inriktningen för nästa kvartal",
                "Ny belysning på torget",
            ],
        ),
        (
            "overenskommelse",
            [
                "Prioriterade problem och deras troliga orsaker",
                "1. Skadegörelse i centrum kvällstid",
                "Orsak 1 (plats/objekt, direkt): Mörkt torg med skymda siktlinjer",
                "underskrift saknas från Fagersta kommun",
                "att godkänna samverkansöverenskommelsen för perioden 2027-01-01–2030-12-31",
            ],
        ),
        (
            "atgardsplaner",
            [
                "Åtgärdsplaner",
                "<td>1. Mörkt torg med skymda siktlinjer</td><td>Ny belysning på torget</td>",
                "Belysning klar före hösten",
                "Medborgarlöften",
                "Fagersta kommun: Medborgarlöfte Fagersta kommun 2027, 2027-01-01–2027-12-31",
                "att anta åtgärdsplanerna enligt bilaga",
            ],
        ),
        (
            "arsuppfoljning",
            [
                "Processuppföljning",
                "Genomförda åtgärder: 1 av 1 planerade",
                "Nedlagd tid: 120 timmar",
                "Kostnad: 85\u00a0000 kr",
                "Parternas åtaganden",
                "att godkänna årets uppföljning",
            ],
        ),
    ],
)
def test_each_packet_kind_renders_with_its_sections_and_numbers(
    fagersta_with_work: Driver, db_url: str, tmp_path: Path, kind: str, sections: list[str]
) -> None:
    body = "lokala-bra" if kind == "inriktningsbeslut" else "styrgrupp"
    result = CliRunner().invoke(
        app,
        [
            "packet",
            "fagersta",
            "--kind",
            kind,
            "--body",
            body,
            "--meeting",
            "2027-03-11",
            "--out",
            str(tmp_path),
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    pdf_path = Path(result.stdout.split(": ", 1)[1].strip())
    html = pdf_path.with_suffix(".html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in html and "<h1>Beslutsunderlag</h1>" in html and "Diarienummer" in html
    for section in sections:
        assert section in html, section
    assert "<svg" in html  # the indicator charts
    assert "<h2>Bilagor</h2>" in html and "EST-observationer de senaste 90 dagarna" in html
    reader = PdfReader(pdf_path)
    assert 1 <= len(reader.pages) <= 4
    assert "Beslutsunderlag" in reader.pages[0].extract_text()

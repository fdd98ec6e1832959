"""Each decision packet kind for Fagersta, rendered from the database: sections and numbers in the HTML,
and a PDF that opens with the expected pages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import select

from samverkan.cli.main import app
from samverkan.core.timeutil import STOCKHOLM
from samverkan.database import session_scope
from samverkan.models import Cause
from samverkan.models.enums import CausePerspective
from samverkan.services import agreements, cycle, handover, substance
from samverkan.services.packets import render_packet
from samverkan.services.sweep import sweep
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, LPO_CHEF, NY_KSO, SAMORDNARE, Driver, agree_on
from tests.live import fagersta_for_web, live_server


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
    agree_on(d, [problem.id])
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


# -- the tjänsteskrivelse form and PDF/A -------------------------------------------------------------------

OUTPUT = Path(os.environ.get("SAMVERKAN_TEST_OUTPUT", "test-output")) / "handlingar"
KINDS = {"inriktningsbeslut": "lokala-bra", "overenskommelse": "styrgrupp", "atgardsplaner": "styrgrupp"}
KINDS["arsuppfoljning"] = "styrgrupp"


def packet(d: Driver, kind: str, folder: Path, meeting_on: date = date(2027, 3, 11)) -> Path:
    with session_scope(d.engine) as session:
        return render_packet(session, "fagersta", kind, meeting_on, KINDS[kind], folder, written_on=date(2027, 3, 4))


def archivable_text(path: Path, part: int = 2) -> str:
    """The PDF is tagged PDF/A-`part`a in Swedish with 'Sida X av Y' on every page; returns its text."""
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], "untagged"
    assert root["/Lang"] == "sv"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert f'pdfaid:part="{part}"' in xmp and 'pdfaid:conformance="A"' in xmp, xmp
    assert "/OutputIntents" in root
    pages = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(pages, 1):
        assert f"Sida {number} av {len(pages)}" in text, (number, text[-200:])
    return " ".join("\n".join(pages).replace("\u00a0", " ").replace("\u2010\n", "").split())


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_packet_is_a_tjansteskrivelse_in_tagged_pdf_a(
    fagersta_with_work: Driver, tmp_path: Path, kind: str
) -> None:
    path = packet(fagersta_with_work, kind, tmp_path)
    text = archivable_text(path)
    for part in (
        "Fagersta kommun",
        "Kommunstyrelseförvaltningen",
        "737 80 Fagersta",
        "TJÄNSTESKRIVELSE",
        "Datum 2027-03-04",
        "Diarienummer KS 2027/",
        "Handläggare Brottsförebyggande samordnare",  # a role, not a person
        "Beslutsunderlag",
        "Möte torsdag 11 mars 2027 kl. 13:00",  # with its year
        "Sammanfattning",
        "Förslag till beslut",
        "Ärendet",
        "Bedömning",
        "Beslutet skickas till Kommunstyrelsens ordförande",
        "Bilagor",
    ):
        assert part in text, part
    html = path.with_suffix(".html").read_text(encoding="utf-8")
    assert "Beslutsunderlag – Beslutsunderlag" not in html and "<title>Beslutsunderlag – " in html
    assert '<link rel="stylesheet" href="/static/handlingar.css">' in html and "<style" not in html  # strict CSP
    assert '<img src="data:image/svg+xml;base64,' in html  # the logo from the letterhead section
    assert "<td>samordnare</td>" not in html  # roles by their Swedish names
    if kind in ("inriktningsbeslut", "atgardsplaner"):
        assert "<td>Brottsförebyggande samordnare</td>" in html and '<td class="datum">2027-09-30' in html
    _save_png(path, kind)


def _save_png(path: Path, kind: str) -> None:
    """One rendering per kind for a person to look at (pdftoppm from poppler-utils, when installed)."""
    if shutil.which("pdftoppm") is None:
        return
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob(f"{kind}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(OUTPUT / kind)], check=True)
    assert list(OUTPUT.glob(f"{kind}-*.png"))


def test_the_agreement_packet_proposes_signing_only_what_is_unsigned(
    fagersta_with_work: Driver, tmp_path: Path
) -> None:
    d = fagersta_with_work
    pending = packet(d, "overenskommelse", tmp_path / "pending").with_suffix(".html").read_text(encoding="utf-8")
    assert "att uppdra åt kommunstyrelsens ordförande att underteckna den" in pending  # the LPO chief has signed
    assert "lokalpolisområdeschef" not in pending.split("Förslag till beslut")[1].split("</ul>")[0]
    d(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=date(2027, 1, 1))
    d(agreements.sign, NY_KSO)
    signed_pdf = packet(d, "overenskommelse", tmp_path / "signed")
    signed = signed_pdf.with_suffix(".html").read_text(encoding="utf-8")
    proposals = signed.split("Förslag till beslut")[1].split("</ul>")[0]
    assert "att notera att samverkansöverenskommelsen för perioden 2027-01-01–2030-12-31 är undertecknad" in proposals
    assert "underteckna" not in proposals.replace("undertecknad", "")
    assert "Samverkansöverenskommelsen är undertecknad av alla parter." in signed
    assert "Underteckna samverkansöverenskommelsen" not in archivable_text(signed_pdf)


def test_est_reports_go_inside_the_packet_as_pdf_a_3(fagersta_with_work: Driver, tmp_path: Path) -> None:
    d = fagersta_with_work
    with session_scope(d.engine) as session:
        sweep(
            session,
            datetime(2027, 3, 5, 6, 0, tzinfo=STOCKHOLM),
            kinds=["est_report"],
            lookback_days=0,
            documents_dir=tmp_path,
        )
    (report,) = (tmp_path / "fagersta").glob("rapport-*.pdf")
    assert "RAPPORT" in archivable_text(report)  # the report is PDF/A-2a with the letterhead too
    _save_png(report, "est-rapport")
    path = packet(d, "inriktningsbeslut", tmp_path)
    text = archivable_text(path, part=3)
    assert "(bifogade i PDF-filen)" in text
    assert f'<a href="{report.name}">{report.name}</a> (bifogade' in path.with_suffix(".html").read_text(
        encoding="utf-8"
    )
    reader = PdfReader(path)
    assert list(reader.attachments) == [report.name]
    assert reader.attachments[report.name][0] == report.read_bytes()
    assert "/AF" in reader.trailer["/Root"]  # PDF/A-3: the embedded file's relation to the document
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots") or []]
    assert not [a for a in links if "file:" in str(a.get("/A"))]  # no links to the server's folder


def test_long_tables_repeat_their_header_and_keep_dates_whole(fagersta_with_work: Driver, tmp_path: Path) -> None:
    d = fagersta_with_work
    with session_scope(d.engine) as session:
        cause_id = session.exec(select(Cause.id)).one()
    for number in range(45):
        d(
            substance.add_measure,
            SAMORDNARE,
            cause_id=cause_id,
            title=f"Åtgärd nummer {number} med en beskrivning som tar två rader i tabellen",
            owner="est-fritid",
            due_on=date(2027, 10, 1),
            follow_up="Kvartalsvis",
        )
    path = packet(d, "inriktningsbeslut", tmp_path)
    text = archivable_text(path)
    assert "est-fritid" not in text and "EST-representant fritidsgårdarna" in text
    reader = PdfReader(path)
    assert len(reader.pages) >= 3
    header = "Åtgärd Ansvarig Senast Status Genomfört"
    with_header = [n for n, page in enumerate(reader.pages) if header in " ".join(page.extract_text().split())]
    assert len(with_header) >= 2, with_header  # the table's header on each page it runs over
    assert "2027-10-01" in " ".join(reader.pages[with_header[1]].extract_text().split())


def test_the_packet_is_readable_in_the_web_app_under_its_csp(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Läs (webb)' links the stylesheet the app serves (the CSP allows style-src 'self', no inline style). One
    stylesheet: the PDF inlines templates/documents/handlingar.css and the app serves that same file."""
    here = Path(__file__).parent.parent
    css = (here / "templates/documents/handlingar.css").read_text(encoding="utf-8")
    assert not (here / "web/static/handlingar.css").exists(), "one stylesheet, not a copy"
    fagersta_for_web(engine)
    with live_server(engine, tmp_path / "data", monkeypatch) as live:
        maria = live.login(SAMORDNARE)
        form = {"csrf_token": maria.csrf, "kind": "inriktningsbeslut", "body_key": "lokala-bra"}  # type: ignore[attr-defined]
        made = maria.post("/org/fagersta/handlingar", data={**form, "meeting_on": "2027-03-11"})
        assert made.status_code == 303, made.text
        listing = maria.get("/org/fagersta/handlingar").text
        (name,) = re.findall(r'href="/org/fagersta/handlingar/(beslutsunderlag-[^"]+\.html)">Läs \(webb\)', listing)
        page = maria.get(f"/org/fagersta/handlingar/{name}")
        assert page.status_code == 200 and "style-src 'self'" in page.headers["content-security-policy"]
        assert '<link rel="stylesheet" href="/static/handlingar.css">' in page.text and "<style" not in page.text
        assert "Möte torsdag 11 mars 2027" in " ".join(re.sub("<[^>]+>", " ", page.text).split())
        stylesheet = maria.get("/static/handlingar.css")
        assert stylesheet.status_code == 200 and stylesheet.headers["content-type"].startswith("text/css")
        assert stylesheet.text == css

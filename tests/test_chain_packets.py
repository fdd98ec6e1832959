"""The decision packets carry the verkningskedja: the inriktningsbeslut and årsuppföljning made from a cycle with
a prioritised problem, causes, åtgärder, indicators and measurements show the chain, its gaps and the indicator
charts (in the HTML and in the PDF's text), and a first page rendered to PNG for a person to look at. A packet of a
cycle with nothing prioritised says so instead of being an empty shell."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from samverkan.database import session_scope
from samverkan.models.enums import CausePerspective
from samverkan.services import cycle, indicators, substance
from samverkan.services.packets import render_packet
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, SAMORDNARE, Driver
from tests.test_chain import indicator_id, link

OUTPUT = Path(os.environ.get("SAMVERKAN_TEST_OUTPUT", "test-output")) / "handlingar"
BODIES = {"inriktningsbeslut": "lokala-bra", "overenskommelse": "styrgrupp", "atgardsplaner": "styrgrupp",
          "arsuppfoljning": "styrgrupp"}  # fmt: skip


@pytest.fixture
def fagersta_with_chain(engine: Engine) -> Driver:
    d = Driver(engine, "fagersta", date(2027, 2, 1))
    d.load(EXAMPLES / "fagersta.yaml")
    d(cycle.start_cycle, SAMORDNARE)
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    d(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1)
    place = d(substance.add_cause, KOMMUNPOLIS, problem_id=problem.id, perspective=CausePerspective.PLACE,
              description="Mörkt torg med skymda siktlinjer")  # fmt: skip
    d(substance.add_cause, KOMMUNPOLIS, problem_id=problem.id, perspective=CausePerspective.OFFENDER,
      description="Unga samlas utan vuxna på kvällen")  # fmt: skip
    light = d(substance.add_measure, SAMORDNARE, cause_id=place.id, title="Ny belysning på torget",
              owner="samordnare", due_on=date(2027, 9, 30), follow_up="Anmälningar per kvartal")  # fmt: skip
    d(substance.update_measure, SAMORDNARE, measure_id=light.id, status="gul", progress_pct=40)
    link(d, light.id, "anmalda-brott")
    crimes = indicator_id(d, "anmalda-brott")
    for period, value, preliminary in (("2023", 12100, False), ("2024", 11650, False), ("2025", 10980, True)):
        d(indicators.add_measurement, SAMORDNARE, indicator_id=crimes, period=period, value=value,
          preliminary=preliminary)  # fmt: skip
    return d


def made(d: Driver, kind: str, folder: Path) -> tuple[str, str, Path]:
    """The packet's HTML, its PDF's text (whitespace folded) and the PDF."""
    with session_scope(d.engine) as session:
        pdf = render_packet(session, "fagersta", kind, date(2027, 3, 11), BODIES[kind], folder,
                            written_on=date(2027, 3, 4))  # fmt: skip
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    return pdf.with_suffix(".html").read_text(encoding="utf-8"), " ".join(text.replace("\u00a0", " ").split()), pdf


@pytest.mark.parametrize("kind", list(BODIES))
def test_each_packet_carries_the_chain_its_gaps_and_the_charts(
    fagersta_with_chain: Driver, tmp_path: Path, kind: str
) -> None:
    html, text, pdf = made(fagersta_with_chain, kind, tmp_path)
    assert "<h3>Verkningskedjan</h3>" in html
    assert "<h4>1. Skadegörelse i centrum kvällstid</h4>" in html
    assert "1. Mörkt torg med skymda siktlinjer (plats/objekt, direkt)" in html
    assert '<td class="gul">gul, 40 %</td>' in html
    assert "Anmälda brott per 100 000 invånare: Senast 10\u00a0980 (2025): målet" not in html  # no target in the file
    assert "Anmälda brott per 100 000 invånare: Senast 10\u00a0980 (2025); inget mål är satt (preliminärt)" in html
    assert "<h3>Luckor i verkningskedjan</h3>" in html
    gaps = re.findall(r'<ul class="luckor">(.*?)</ul>', html, re.S)[0]
    assert "Orsaksanalysen av ”Skadegörelse i centrum kvällstid” (prioritet 1) är inte slutförd." in gaps
    assert (
        "Orsak 2 till ”Skadegörelse i centrum kvällstid” (prioritet 1) (”Unga samlas utan vuxna på kvällen”) "
        "har ingen åtgärd." in gaps
    )
    assert "Verkningskedjan har 2 luckor; se Luckor i verkningskedjan." in html
    assert 'id="diagram-underlag-' in html and '<circle class="preliminar"' in html  # the chart, preliminary marked
    assert "<caption>Åtgärder per status</caption>" in html
    for part in ("Verkningskedjan", "Skadegörelse i centrum kvällstid", "Ny belysning på torget",
                 "Luckor i verkningskedjan", "har ingen åtgärd", "Anmälda brott per 100 000 invånare",
                 "10 980", "preliminärt"):  # fmt: skip
        assert part in text, part
    assert len(PdfReader(pdf).pages) <= 5


def test_a_packet_of_a_cycle_with_nothing_prioritised_says_so(engine: Engine, tmp_path: Path) -> None:
    d = Driver(engine, "fagersta", date(2027, 2, 1))
    d.load(EXAMPLES / "fagersta.yaml")
    d(cycle.start_cycle, SAMORDNARE)
    html, text, _ = made(d, "inriktningsbeslut", tmp_path)
    assert "Cykel 1 har inga prioriterade problem: kedjan har ingen början." in html
    assert "Cykel 1 har inga prioriterade problem" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) saknas")
def test_the_yearly_review_with_its_chain_is_drawn_on_paper(fagersta_with_chain: Driver, tmp_path: Path) -> None:
    """Page images of the årsuppföljning, kept in test-output/handlingar/ to look at."""
    _, _, pdf = made(fagersta_with_chain, "arsuppfoljning", tmp_path)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    stem = OUTPUT / "kedja-arsuppfoljning"
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(stem)], check=True, timeout=60)
    pages = sorted(OUTPUT.glob("kedja-arsuppfoljning-*.png"))
    assert pages and all(page.stat().st_size > 10_000 for page in pages)  # drawn, not blank

"""Evidence that proves what it claims: a cited decision was made while the item's phase ran (and is the
prioritisation for the prioritisation's item); an uploaded file is what its name says; a place written as an
address is a web address; an EST source has reports in it. The services, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.core.timeutil import STOCKHOLM, to_utc
from samverkan.database import session_scope
from samverkan.models import Body, ChecklistItem, Decision, EstObservation, Organisation, Phase, Upload
from samverkan.models.enums import ItemStatus, ProblemSourceKind
from samverkan.services import agreements, cycle, lagesbild, substance
from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError
from samverkan.services.evidence import phase_opened_on
from samverkan.services.inputs import AddPartyLagesbild, EvidenceInput, RecordDecision, address_scheme
from samverkan.services.items import item_details
from samverkan.services.uploads import content_problem
from tests.drive import (
    KOMMUNPOLIS,
    SAMORDNARE,
    Driver,
    decided,
    fagersta_with_cycle,
    finish_initiera,
    prioritise_all,
)

ON = date(2027, 1, 11)


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def offered(d: Driver, key: str) -> list[int]:
    """The decision numbers the item's page offers, in the order shown (the first is preselected)."""
    with Session(d.engine) as session:
        number = session.exec(select(ChecklistItem.id).where(ChecklistItem.key == key)).one()
        assert number is not None
        return [decision.number for decision in item_details(session, "fagersta", number, d.on)["decisions"]]


def item_status(d: Driver, key: str) -> str:
    with Session(d.engine) as session:
        return session.exec(select(ChecklistItem.status).where(ChecklistItem.key == key)).one()


# -- a decision made while the phase ran ------------------------------------------------------------------


def test_a_decision_made_before_the_phase_opened_is_refused_and_not_offered(d: Driver) -> None:
    d.on = ON + timedelta(days=1)
    earlier = d.decision("Ledningen har tagit del (före fasen)")  # made while Initiera ran
    d.on = ON + timedelta(days=2)
    finish_initiera(d)  # Lägesbild opens on ON + 2
    assert earlier not in offered(d, "ledningen-har-tagit-del")
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(earlier))
    assert str(refused.value) == (
        f"beslut nr {earlier} ('Ledningen har tagit del (före fasen)') fattades 2027-01-12, innan fasen Lägesbild "
        "öppnades 2027-01-13; 'Respektive ledning har tagit del av underlaget' visas med ett beslut som fattats "
        "medan fasen pågår (den 2027-01-13 eller senare)"
    )
    assert item_status(d, "ledningen-har-tagit-del") == ItemStatus.OPEN
    d.on = ON + timedelta(days=3)
    first, second = d.decision("Ledningen har tagit del"), d.decision("Ledningen har tagit del, polisen")
    shown = offered(d, "ledningen-har-tagit-del")  # newest first; the first is preselected
    assert shown[:2] == [second, first] and earlier not in shown
    d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(second))
    assert item_status(d, "ledningen-har-tagit-del") == ItemStatus.DONE


def test_a_decision_recorded_before_the_phase_opened_the_same_day_is_refused(d: Driver) -> None:
    """On the day the phase opened the day alone does not tell: a decision recorded that morning, before the
    opening at noon, belongs to what came before (found walking the pages: an Initiera decision showed an
    item of a later phase, all on one day)."""
    morning = Actor("fagersta", SAMORDNARE, ON, to_utc(datetime.combine(ON, time(9), tzinfo=STOCKHOLM)))
    given = RecordDecision(body_key="styrgrupp", title="Organisationen (på morgonen)", text="Styrgruppen beslutar.")
    with session_scope(d.engine) as session:
        before = agreements.record_decision(session, morning, given).number
    finish_initiera(d)  # at noon: Lägesbild opens
    assert before not in offered(d, "ledningen-har-tagit-del")
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(before))
    assert str(refused.value).startswith(
        f"beslut nr {before} ('Organisationen (på morgonen)') protokollfördes innan fasen Lägesbild öppnades "
        "(2027-01-11); "
    )
    after = d.decision("Ledningen har tagit del")  # at noon, with the opening
    assert offered(d, "ledningen-har-tagit-del")[0] == after
    d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(after))
    assert item_status(d, "ledningen-har-tagit-del") == ItemStatus.DONE


def test_the_prioritisations_item_shows_the_prioritisation_in_force(d: Driver) -> None:
    finish_initiera(d)
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    unrelated = d.decision("Lägesbilden är mottagen")
    assert unrelated in offered(d, "problem-prioriterade")  # none is in force yet: the requirement says so
    prioritised = prioritise_all(d, [problem.id])
    also = d.decision("Ett annat beslut samma dag")
    assert offered(d, "problem-prioriterade") == [prioritised]
    for number in (unrelated, also):
        with pytest.raises(RefusedError) as refused:
            d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(number))
        assert str(refused.value).startswith(
            "'Styrgruppen har prioriterat (och bortprioriterat) problemen' visas med prioriteringen som gäller, "
            f"beslut nr {prioritised}; beslut nr {number} ("
        )
    d(cycle.complete_item, SAMORDNARE, "problem-prioriterade", decided(prioritised))
    assert item_status(d, "problem-prioriterade") == ItemStatus.DONE


def test_a_decision_that_records_its_phase_shows_only_that_phases_items(d: Driver) -> None:
    finish_initiera(d)
    number = d.decision("Beslut i initieringen")
    with Session(d.engine) as session:  # as the prioritisation records its phase, this one records Initiera
        decision = session.exec(select(Decision).where(Decision.number == number)).one()
        decision.phase_id = session.exec(select(Phase.id).where(Phase.key == "initiera")).one()
        session.add(decision)
        session.commit()
    assert number not in offered(d, "ledningen-har-tagit-del")
    with pytest.raises(RefusedError, match=f"beslut nr {number} .* är fattat i fasen Initiera samverkan; "):
        d(cycle.complete_item, SAMORDNARE, "ledningen-har-tagit-del", decided(number))


def test_the_phase_opens_on_its_latest_opening_or_omtag() -> None:
    phase = Phase(cycle_id=1, key="lagesbild", name="Lägesbild", ordinal=2)
    assert phase_opened_on(phase) is None
    phase.history = [
        {"at": "2027-01-11T11:00:00+00:00", "on": "2027-01-11", "action": "öppnad"},
        {"at": "2027-02-01T11:00:00+00:00", "on": "2027-02-01", "action": "klar"},
        {"at": "2027-03-01T11:00:00+00:00", "on": "2027-02-27", "action": "omtag", "reason": "Ny statistik"},
        {"at": "2027-03-01T11:00:00+00:00", "action": "punkt öppnad igen vid omtag"},
    ]
    assert phase_opened_on(phase) == date(2027, 2, 27)  # the omtag's effective day, not when it was recorded
    phase.history = [{"at": "2027-01-10T23:30:00+00:00", "action": "öppnad"}]  # written before effective days
    assert phase_opened_on(phase) == date(2027, 1, 11)  # in Stockholm


# -- a place written as an address ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "place", ["javascript:alert(1)", " JavaScript:alert('a b')", "java\tscript:x", "data:text/html,x", "ftp://x.se/a",
              "mailto:samordnare@fagersta.example", "file:///K:/plan.pdf", "vbscript:msgbox"],
)  # fmt: skip
def test_an_address_that_is_not_a_web_address_is_refused(place: str) -> None:
    with pytest.raises(ValidationError, match="tas inte emot som bevis; ange en webbadress som börjar med https://"):
        EvidenceInput(title="Plan", uri=place)


@pytest.mark.parametrize(
    "place", ["https://intra.fagersta.example/plan", "http://x.example", "diarium:KS 2027/3", "dnr KS 2027/12",
              "K:\\Trygghet\\plan.pdf", "\\\\server\\delat\\plan.pdf", "/org/fagersta/filer/3", "KS 2027/12"],
)  # fmt: skip
def test_web_addresses_paths_and_diarienummer_are_places(place: str) -> None:
    assert EvidenceInput(title="Plan", uri=place).uri == place
    assert address_scheme(place) in (None, "http", "https")


def test_a_javascript_place_is_refused_through_the_item_too(d: Driver) -> None:
    with pytest.raises(ValidationError, match="adress av typen javascript:"):
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", EvidenceInput(title="x", uri="javascript:alert(1)"))
    assert item_status(d, "roller-och-ansvar") == ItemStatus.OPEN


# -- a file is what its name says -------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _ooxml(main: str) -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.{main}"/></Types>'
    )
    return _zip({"[Content_Types].xml": types.encode(), "word/document.xml": b"<w:document/>"})


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, "JPEG")
    return buffer.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (".pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        (".docx", _ooxml("wordprocessingml.document.main+xml")),
        (".xlsx", _ooxml("spreadsheetml.sheet.main+xml")),
        (".pptx", _ooxml("presentationml.presentation.main+xml")),
        (".odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})),
        (".ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})),
        (".doc", OLE2 + b"\x00" * 100 + "WordDocument".encode("utf-16-le")),
        (".xls", OLE2 + b"\x00" * 100 + "Workbook".encode("utf-16-le")),
        (".png", _png()),
        (".jpg", _jpeg()),
        (".jpeg", _jpeg()),
        (".txt", "Lägesbild för Fagersta, hösten 2026\n".encode()),
        (".csv", "\ufeffområde;antal\nCentrum;12\n".encode()),
    ],
)
def test_a_file_whose_content_matches_its_name_is_taken(suffix: str, data: bytes) -> None:
    assert content_problem(suffix, data) is None


@pytest.mark.parametrize(
    ("suffix", "data", "seen"),
    [
        (".pdf", b"MZ\x90\x00\x03\x00\x00\x00", "namnet säger en PDF, men innehållet ser ut som ett Windows-program"),
        (".pdf", "Det här är ingen PDF".encode(), "namnet säger en PDF, men innehållet ser ut som text"),
        (".docx", _zip({"a.txt": b"x"}), "namnet säger ett Word-dokument, men innehållet ser ut som ett zip-arkiv"),
        (".docx", _ooxml("spreadsheetml.sheet.main+xml"), "innehållet ser ut som en Excel-fil (.xlsx)"),
        (".xlsx", b"%PDF-1.4\n", "namnet säger en Excel-fil, men innehållet ser ut som en PDF"),
        (".odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "OpenDocument-kalkylark"),
        (".doc", OLE2 + "Workbook".encode("utf-16-le"), "namnet säger ett Word-dokument (.doc), men innehållet"),
        (".png", _jpeg(), "namnet säger en PNG-bild, men innehållet ser ut som en JPEG-bild"),
        (".jpg", b"<!DOCTYPE html><html>", "innehållet ser ut som en HTML-sida"),
        (".txt", "åäö".encode("cp1252"), "innehållet ser ut som text som inte är UTF-8 (spara filen som UTF-8)"),
        (".csv", "a,b\n".encode("utf-16"), "namnet säger en CSV-fil, men innehållet ser ut som okänt innehåll"),
        (".pdf", b"\x7fELF\x02\x01\x00", "innehållet ser ut som ett program för Linux (ELF)"),
    ],
)
def test_a_file_whose_content_is_something_else_is_refused(suffix: str, data: bytes, seen: str) -> None:
    problem = content_problem(suffix, data)
    assert problem is not None and seen in problem


def test_a_fake_file_is_not_stored(d: Driver, tmp_path: Path) -> None:
    given = AddPartyLagesbild(party="fagersta", title="Kommunens lägesbild", summary="Kort.", filename="fake.pdf",
                              content_base64=base64.b64encode(b"MZ\x90\x00 not a pdf").decode())  # fmt: skip
    with pytest.raises(RefusedError) as refused, session_scope(d.engine) as session:
        lagesbild.add_party_lagesbild(session, d.actor(SAMORDNARE), given, tmp_path / "filer")
    assert str(refused.value) == (
        "filen fake.pdf tas inte emot: namnet säger en PDF, men innehållet ser ut som ett Windows-program "
        "(.exe eller .dll)"
    )
    with Session(d.engine) as session:
        assert session.exec(select(Upload)).all() == []
    assert not (tmp_path / "filer").exists()


# -- an EST source has something in it --------------------------------------------------------------------


def test_an_est_source_without_reports_is_refused(d: Driver) -> None:
    problem = d(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum", area="Centrum",
                category="skadegörelse", period_from=date(2026, 1, 1), period_to=date(2026, 12, 31))  # fmt: skip
    with pytest.raises(RefusedError) as refused:
        d(lagesbild.add_source, SAMORDNARE, problem_id=problem.id, kind=ProblemSourceKind.EST,
          est_category="Skadegörelse", est_area="Centrum")  # fmt: skip
    assert str(refused.value) == (
        "EST-gruppen har inga rapporter om Skadegörelse i Centrum under 2026-01-01 – 2026-12-31; en källa utan "
        "innehåll stödjer inte problemet. Välj en kategori eller ett område med rapporter, eller en annan typ av källa"
    )
    with Session(d.engine) as session, session.begin():
        organisation = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        body = session.exec(select(Body).where(Body.organisation_id == organisation.id, Body.key == "est")).one()
        session.add(EstObservation(
            organisation_id=organisation.id, body_id=body.id, observed_on=date(2026, 6, 1), category="skadegörelse",
            area="centrum", source_function="skola", count=4,
        ))  # fmt: skip
    source = d(lagesbild.add_source, SAMORDNARE, problem_id=problem.id, kind=ProblemSourceKind.EST,
               est_category="Skadegörelse", est_area="Centrum")  # fmt: skip
    assert source.kind == ProblemSourceKind.EST and source.est_area == "Centrum"

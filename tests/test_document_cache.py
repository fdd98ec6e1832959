"""Documents rendered once per content (services/pdfa.py): a re-render of the same content reuses the PDF, a
changed content gets a new one, no reader ever sees half a file, the process pool writes the same bytes as the
calling process, and a document that fails is reported in Swedish while its messages still go out."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.database import session_scope
from samverkan.models import Notification
from samverkan.notifications.delivery import deliver_pending
from samverkan.services import pdfa
from samverkan.services.packets import render_packet
from samverkan.services.pdfa import CACHE, DocumentError, PdfJob, prune, write_pdf, write_pdfs
from samverkan.services.sweep import sweep
from tests.conftest import EXAMPLES
from tests.drive import Driver
from tests.receivers import SmtpServer
from tests.test_delivery import at
from tests.test_delivery import fagersta as fagersta_with_loopback_routes

REPORT = "rapport-est-manadsrapport-2027-03-05-manadsrapport"  # the monthly EST report of 5 March 2027


@pytest.fixture
def fagersta(engine: Engine) -> Driver:
    driver = Driver(engine, "fagersta", date(2027, 2, 1))
    driver.load(EXAMPLES / "fagersta.yaml")
    return driver


def packet(d: Driver, folder: Path, written_on: date = date(2027, 3, 4)) -> Path:
    with session_scope(d.engine) as session:
        return render_packet(
            session, "fagersta", "inriktningsbeslut", date(2027, 3, 11), "lokala-bra", folder, written_on=written_on
        )


def cached(folder: Path) -> list[Path]:
    return sorted((folder / CACHE).glob("*.pdf"))


def leftovers(folder: Path) -> list[Path]:
    """Files being written that were never renamed into place."""
    return sorted((folder / CACHE).glob("*.tmp"))


def whole(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def text_of(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_the_same_packet_again_is_not_rendered_again(fagersta: Driver, tmp_path: Path) -> None:
    first = packet(fagersta, tmp_path)
    folder = first.parent
    before = first.stat()
    (entry,) = cached(folder)
    assert entry.samefile(first)  # the document is a link to its content's PDF
    again = packet(fagersta, tmp_path)  # the web app's request, or the sweep run again
    assert again == first
    after = again.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    assert cached(folder) == [entry] and not leftovers(folder)
    # the same through the PDF writer itself: the job of that content is reported as reused, not rendered
    html = first.with_suffix(".html").read_text(encoding="utf-8").replace("Beslutsunderlag", "Kopia av underlag")
    job = PdfJob(html, folder / "kopia.pdf")
    (written,) = write_pdfs([job])
    assert written.rendered and written.error is None  # a new content: rendered
    (reused,) = write_pdfs([job])
    assert not reused.rendered and (folder / "kopia.pdf").samefile(written.target)
    assert "Beslutsunderlag" in text_of(first)


def test_a_changed_content_gets_a_new_pdf_and_the_old_one_is_pruned(fagersta: Driver, tmp_path: Path) -> None:
    first = packet(fagersta, tmp_path, written_on=date(2027, 3, 4))
    old_bytes, old_inode = first.read_bytes(), first.stat().st_ino
    (old_entry,) = cached(first.parent)
    second = packet(fagersta, tmp_path, written_on=date(2027, 3, 5))  # another datum: another document
    assert second == first and second.stat().st_ino != old_inode and second.read_bytes() != old_bytes
    assert "Datum 2027-03-05" in text_of(second)
    assert len(cached(first.parent)) == 2 and old_entry.stat().st_nlink == 1  # nothing links to the old one
    prune(first.parent, now=time.time() + 3600)
    assert len(cached(first.parent)) == 2  # kept a while: the content may be due again
    prune(first.parent, now=time.time() + (pdfa.UNUSED_DAYS + 1) * 86400)
    (kept,) = cached(first.parent)
    assert kept.samefile(second) and not old_entry.exists()


WRITER = """
import sys
from pathlib import Path
from samverkan.services.pdfa import write_pdf
target = Path(sys.argv[1])
for version in range(6):
    rows = "".join(f"<p>Version {version}, stycke {n}: en rad text som tar plats på sidan.</p>" for n in range(400))
    write_pdf(f'<!doctype html><html lang="sv"><title>Test</title><body>{rows}</body></html>', target)
"""


def test_a_reader_never_sees_half_a_pdf(tmp_path: Path) -> None:
    """Another process (the worker) replaces the PDF six times while this one (the web app) keeps reading it."""
    target = tmp_path / "handling.pdf"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)])
    seen: set[bytes] = set()
    broken: list[int] = []
    while writer.poll() is None:
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            continue  # not written yet
        if not whole(data):
            broken.append(len(data))
        seen.add(data)
    assert writer.returncode == 0
    assert not broken, f"{len(broken)} partial reads"
    assert len(seen) >= 2  # it did see the file replaced
    assert whole(target.read_bytes()) and not leftovers(tmp_path)
    assert "Version 5, stycke 0" in text_of(target)


def test_the_pool_writes_the_same_bytes_as_the_calling_process(
    fagersta: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catch-up sweep with eight documents (EST reports, and packets that embed them) renders them in the pool;
    the same sweep again, with the cache emptied and the pool turned off, renders each of them in this process:
    byte for byte the same files."""
    pdfa.shutdown_pool()
    folder = tmp_path / "handlingar"

    def documents() -> dict[str, bytes]:
        with Session(fagersta.engine) as session:  # rolled back: the next sweep finds the same work
            result = sweep(session, at(date(2027, 3, 12), 6), lookback_days=40, documents_dir=folder)
            session.rollback()
        assert not [e for e in result.errors if "kunde inte skapas" in e], result.errors
        return {Path(p).name: Path(p).read_bytes() for p in result.documents}

    pooled = documents()
    assert pdfa.pool_workers() >= 2, "the pool was not used"
    assert len(pooled) == 8 and sum(name.startswith("beslutsunderlag") for name in pooled) == 3
    shutil.rmtree(folder / "fagersta" / CACHE)  # the documents stay, with their dates (embedded in the packets)
    monkeypatch.setattr(pdfa, "POOL_FROM", 10**6)  # every PDF in this process
    pdfa.shutdown_pool()
    assert documents() == pooled
    assert pdfa.pool_workers() == 0
    rendered_here = sorted(entry.read_bytes() for entry in cached(folder / "fagersta"))
    assert rendered_here == sorted(pooled.values())  # each rendered again here, each the same bytes
    assert all(whole(data) for data in pooled.values())
    packet_pdf = folder / "fagersta" / "beslutsunderlag-inriktningsbeslut-2027-03-11-beslutsunderlag.pdf"
    embedded = PdfReader(packet_pdf).attachments  # the reports of the same sweep, up to the packet's day (4 March)
    inside = [
        "rapport-est-mote-2027-03-02-gemensam-lagesbild.pdf",
        "rapport-est-mote-2027-02-16-gemensam-lagesbild.pdf",
    ]
    inside.append("rapport-est-manadsrapport-2027-02-05-manadsrapport.pdf")
    assert sorted(embedded) == sorted(inside)  # not the report of 5 March, nor the oldest (three at most)
    assert all(embedded[name][0] == pooled[name] for name in inside)


def test_a_failing_pdf_is_located_and_the_others_are_written(tmp_path: Path) -> None:
    good = [PdfJob(f'<html lang="sv"><body><p>Handling {n}</p></body></html>', tmp_path / f"h{n}.pdf") for n in (1, 2)]
    bad = PdfJob('<html lang="sv"><body><p>Trasig \ud800 text</p></body></html>', tmp_path / "trasig.pdf")
    write_pdf('<html lang="sv"><body><p>Förra versionen</p></body></html>', bad.target)
    previous = bad.target.read_bytes()
    written = write_pdfs([good[0], bad, good[1]], workers=2)  # three to render: the pool
    assert [w.error is None for w in written] == [True, False, True]
    assert "UnicodeEncodeError" in str(written[1].error)
    assert bad.target.read_bytes() == previous  # the old file is left whole
    assert all(whole(job.target.read_bytes()) for job in good) and not leftovers(tmp_path)
    with pytest.raises(DocumentError, match=r"^PDF-filen trasig\.pdf kunde inte skapas: UnicodeEncodeError"):
        write_pdf(bad.html, bad.target)  # in the calling process too
    assert bad.target.read_bytes() == previous and not leftovers(tmp_path)


def test_a_document_that_cannot_be_written_loses_no_message(
    engine: Engine, smtp_settings: SmtpServer, tmp_path: Path
) -> None:
    """The report's PDF cannot be put in place (a folder stands where it goes): the sweep reports it in Swedish,
    with the organisation and the file, and the länsstyrelse still gets the report, as HTML."""
    fagersta_with_loopback_routes(engine)
    folder = tmp_path / "handlingar"
    (folder / "fagersta" / f"{REPORT}.pdf" / "i-vagen").mkdir(parents=True)
    with session_scope(engine) as session:
        result = sweep(session, at(date(2027, 3, 5), 6), kinds=["est_report"], lookback_days=0, documents_dir=folder)
    (error,) = [e for e in result.errors if "kunde inte skapas" in e]
    assert error.startswith(f"Fagersta kommun: PDF-filen {REPORT}.pdf kunde inte skapas (IsADirectoryError")
    assert error.endswith(f"meddelandena bifogar {REPORT}.html i stället")
    html = folder / "fagersta" / f"{REPORT}.html"
    assert result.documents == [str(html)] and result.actions == {"manadsrapport": 1}
    with session_scope(engine) as session:
        rows = session.exec(select(Notification)).all()
        assert rows and all(row.attachments == [str(html)] for row in rows)
        assert all(f"Bifogat: {REPORT}.html" in row.body_text and ".pdf" not in row.body_text for row in rows)
        sent = len(rows)
    assert sent == sum(result.notifications.values())
    deliver_pending(engine, at(date(2027, 3, 5)))
    (mail,) = smtp_settings.to("helena.lansson@lansstyrelsen.example")
    (attachment,) = mail.iter_attachments()
    assert attachment.get_filename() == f"{REPORT}.html"
    assert "Observationer totalt" in attachment.get_payload(decode=True).decode("utf-8")


def test_a_document_that_cannot_be_made_at_all_still_lets_its_messages_go(engine: Engine, tmp_path: Path) -> None:
    """The organisation's documents folder cannot be created (a file stands in its place): the report is not
    made, the sweep says so in Swedish, and its messages go out without it, saying it could not be made."""
    fagersta_with_loopback_routes(engine)
    folder = tmp_path / "handlingar"
    folder.mkdir()
    (folder / "fagersta").write_text("inte en mapp", encoding="utf-8")
    with session_scope(engine) as session:
        result = sweep(session, at(date(2027, 3, 5), 6), kinds=["est_report"], lookback_days=0, documents_dir=folder)
    (error,) = [e for e in result.errors if "kunde inte skapas" in e]
    assert error.startswith("Fagersta kommun: rapporten 'EST-rapport till Länsstyrelsen Västmanland och Lokala BRÅ")
    assert "(2027-03-05) kunde inte skapas (FileExistsError" in error and error.endswith("meddelandena går utan bilaga")
    assert result.documents == [] and result.actions == {"manadsrapport": 1}
    with session_scope(engine) as session:
        rows = session.exec(select(Notification)).all()
        assert len(rows) == sum(result.notifications.values()) >= 1
        assert all(row.attachments == [] for row in rows)
        assert all(f"Bifogat: {REPORT}.pdf (kunde inte skapas)" in row.body_text for row in rows)


def test_a_worker_killed_midway_fails_its_documents_and_the_next_batch_starts_a_new_pool(tmp_path: Path) -> None:
    """A PDF worker dies (the OOM killer, a crash in a C library): the documents it had are reported failed, no
    half-written file is left where a document goes, and the next batch renders them in a new pool."""
    rows = "".join(f"<p>Stycke {n}: en rad text som tar plats på sidan.</p>" for n in range(800))
    jobs = [
        PdfJob(f'<html lang="sv"><body><h1>Handling {n}</h1>{rows}</body></html>', tmp_path / f"h{n}.pdf")
        for n in range(8)
    ]
    pdfa.shutdown_pool()
    outcome: list[list[pdfa.Written]] = []
    batch = threading.Thread(target=lambda: outcome.append(write_pdfs(jobs, workers=2)))
    batch.start()
    deadline = time.monotonic() + 120
    while not cached(tmp_path) and time.monotonic() < deadline:  # until the first PDF is done: mid-batch
        time.sleep(0.01)
    victim = multiprocessing.active_children()[0]
    assert victim.pid is not None
    os.kill(victim.pid, signal.SIGKILL)
    batch.join(timeout=300)
    (written,) = outcome
    failed = [w for w in written if w.error]
    assert failed and all("BrokenProcessPool" in str(w.error) for w in failed)
    assert not [w.target for w in failed if w.target.exists()]  # nothing half-written in a document's place
    assert pdfa.pool_workers() == 0  # the broken pool was let go
    prune(tmp_path, now=time.time() + 2 * 86400)
    assert not leftovers(tmp_path)  # what the killed worker was writing is cleared away
    again = write_pdfs(jobs, workers=2)
    assert all(w.error is None for w in again) and all(whole(job.target.read_bytes()) for job in jobs)
    assert pdfa.pool_workers() == 2


UNGUARDED = """
import os, sys
from pathlib import Path
from samverkan.services import pdfa
folder = Path(sys.argv[1])
print("main ran", os.getpid(), flush=True)  # in this process only: the workers never run this file
jobs = [pdfa.PdfJob(f'<html lang="sv"><body><p>Handling {n}</p></body></html>', folder / f"h{n}.pdf") for n in range(3)]
written = pdfa.write_pdfs(jobs, workers=2)
assert all(w.error is None and w.rendered for w in written), written
assert pdfa.pool_workers() == 2
"""


def test_the_pool_does_not_run_the_callers_main_module_again(tmp_path: Path) -> None:
    """Spawned workers import the PDF module, not the program that started them: a script without a main guard
    (which a spawn pool would otherwise run again in every worker) uses the pool like any other caller."""
    script = tmp_path / "skript.py"
    script.write_text(UNGUARDED, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("main ran") == 1, done.stdout
    assert all(whole((tmp_path / f"h{n}.pdf").read_bytes()) for n in range(3))

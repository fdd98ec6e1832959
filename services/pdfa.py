"""Archivable PDFs: every document is written as tagged PDF/A-2a (PDF/A-3a when files are embedded in it),
with the stylesheet the web app serves at /static/handlingar.css put inline for WeasyPrint.

Rendered once per content. A PDF is kept in its folder's `.cache` under the SHA-256 of everything that makes its
bytes (the HTML, the stylesheet, the PDF variant, each bilaga's name, date and bytes, the renderer's versions);
a document whose content was rendered before is a hard link to that file, not a new rendering (a sweep run
again, the same report asked for twice, a packet requested from the web app that the sweep already made).
Documents that must differ (a date, a number, a signature) differ in their HTML and so in their key.

Every file appears whole: it is written under a temporary name in `.cache` and renamed into place, so the web
app and the worker never see half a PDF. Many PDFs due at once (a nationwide day) are rendered in a process
pool by `write_pdfs`; one or two are rendered in the calling process, where a worker's start would cost more.
The workers are spawned (never forked) and import only this module and WeasyPrint, not the caller's main module.
"""

from __future__ import annotations

import atexit
import hashlib
import multiprocessing
import os
import shutil
import sys
import threading
import time
import types
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from ctypes.util import find_library
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

from samverkan.core.reproducible import renderer_epoch
from samverkan.services.errors import ServiceError

STYLESHEET_HREF = "/static/handlingar.css"
STYLESHEET_LINK = f'<link rel="stylesheet" href="{STYLESHEET_HREF}">'
CACHE = ".cache"  # in each documents folder: rendered PDFs by content, and files being written
FORMAT = "1"  # raise when what goes into a PDF changes in a way the hashed inputs below do not show
POOL_FROM = 3  # fewer PDFs than this to render: in the calling process (a worker's start costs ~1 s)
UNUSED_DAYS = 7  # a cached PDF no document links to any more is removed after this many days
# fontTools stamps each font subset it embeds with the time of subsetting unless SOURCE_DATE_EPOCH (the
# reproducible-builds convention) is set; with it, the same content gives the same bytes in every process.
FONT_EPOCH = "0"


class DocumentError(ServiceError):
    """A PDF that could not be written (the file it would replace is left as it was)."""


@dataclass(frozen=True)
class EmbeddedFile:
    """A bilaga put inside the PDF (PDF/A-3 allows any file, with its relation to the document)."""

    path: Path
    description: str


@dataclass(frozen=True)
class PdfJob:
    """One PDF to write: the printed HTML, where the PDF goes, and the files to embed in it."""

    html: str
    target: Path
    embedded: tuple[EmbeddedFile, ...] = ()


@dataclass(frozen=True)
class Written:
    """What became of a PDF job: `rendered` is False when the same content's PDF was reused; `error` says why
    nothing was written (technical, for the log; the callers put it in a Swedish sentence)."""

    target: Path
    rendered: bool
    error: str | None = None


class _Spec(NamedTuple):
    """A rendering as a worker process receives it (plain values: it crosses a process boundary)."""

    html: str
    base_url: str
    variant: str
    attachments: tuple[tuple[str, str, str, datetime], ...]  # path, name, description, its date
    entry: str  # the cache file to create


@lru_cache
def stylesheet() -> str:
    """The documents' stylesheet (templates/documents/handlingar.css)."""
    return files("samverkan.templates.documents").joinpath("handlingar.css").read_text(encoding="utf-8")


@lru_cache
def renderer() -> str:
    """What shapes the bytes of a PDF besides its HTML: the versions (a new WeasyPrint may lay the same HTML out
    differently) and which library subsets the fonts (HarfBuzz where installed: the whole PDF about 2× faster)."""
    versions = ", ".join(f"{name} {version(name)}" for name in ("weasyprint", "pydyf", "fonttools"))
    return f"{versions}; fonts subset by {font_subsetter()}; format {FORMAT}"


@lru_cache
def font_subsetter() -> str:
    """'harfbuzz' where libharfbuzz-subset is installed (WeasyPrint then uses it), else 'fonttools'."""
    return "harfbuzz" if find_library("harfbuzz-subset") else "fonttools"


def pdf_variant(embedded: Sequence[EmbeddedFile]) -> str:
    """PDF/A-2a (tagged, archivable) unless files are embedded: PDF/A-2 only allows PDF/A files inside."""
    return "pdf/a-3a" if embedded else "pdf/a-2a"


def _stamp(path: Path) -> datetime:
    """A bilaga's date in the PDF: its file's modification time, to the second (as the PDF records it)."""
    return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)


def _spec(job: PdfJob) -> _Spec:
    """The job with its bilagor read (those that exist) and its cache file named by the content's hash."""
    inside = [f for f in job.embedded if f.path.is_file()]
    attachments = tuple((str(f.path), f.path.name, f.description, _stamp(f.path)) for f in inside)
    variant = pdf_variant(inside)
    digest = hashlib.sha256()
    for part in (renderer(), os.environ.get("SOURCE_DATE_EPOCH", FONT_EPOCH), variant, stylesheet(), job.html):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")  # any text has a key; WeasyPrint judges it
    digest.update(str(job.target.parent).encode("utf-8") + b"\0")  # relative links resolve against the folder
    for path, name, description, stamp in attachments:
        digest.update(f"{name}\0{description}\0{stamp.isoformat()}\0".encode())
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    entry = job.target.parent / CACHE / f"{digest.hexdigest()}.pdf"
    return _Spec(job.html, str(job.target.parent), variant, attachments, str(entry))


def _temporary(folder: Path, name: str) -> Path:
    """A unique name in `folder`'s cache for a file being written (never listed, never served)."""
    cache = folder / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    return cache / f"{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (a temporary file renamed into place); unchanged content is left alone,
    so a re-run keeps the file and its date."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(path.parent, path.name)
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _render(spec: _Spec) -> None:
    """HTML to a tagged PDF/A with WeasyPrint (imported here: it is heavy, and only document runs need it),
    written to its cache file. Runs in the calling process or in a pool worker."""
    with renderer_epoch(FONT_EPOCH):  # the caller's own environment is given back afterwards
        _write(spec)


def _write(spec: _Spec) -> None:
    from weasyprint import HTML, Attachment

    attachments = [
        Attachment(
            filename=path,
            name=name,
            description=description,
            relationship="Supplement",
            created=stamp,
            modified=stamp,
        )
        for path, name, description, stamp in spec.attachments
    ]
    entry = Path(spec.entry)
    source = spec.html.replace(STYLESHEET_LINK, f"<style>\n{stylesheet()}</style>", 1)
    temporary = _temporary(Path(spec.base_url), entry.name)
    try:
        HTML(string=source, base_url=spec.base_url).write_pdf(
            temporary, pdf_variant=spec.variant, attachments=attachments
        )
        os.replace(temporary, entry)
    finally:
        temporary.unlink(missing_ok=True)


def _render_reporting(spec: _Spec) -> str | None:
    """`_render`, its failure returned as text (an exception from a worker may not survive pickling)."""
    try:
        _render(spec)
    except Exception as exc:  # every failure of one document is that document's own
        return f"{type(exc).__name__}: {exc}"
    return None


def _place(entry: Path, target: Path) -> None:
    """Put the cached PDF at `target`: a hard link (a copy where the file system has none), renamed into place.
    A target that already has these bytes is left alone."""
    if target.is_file() and (
        target.samefile(entry)
        or (target.stat().st_size == entry.stat().st_size and target.read_bytes() == entry.read_bytes())
    ):
        return
    temporary = _temporary(target.parent, target.name)
    try:
        try:
            os.link(entry, temporary)
        except OSError:
            shutil.copy2(entry, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def write_pdf(html: str, target: Path, embedded: Sequence[EmbeddedFile] | None = None) -> Path:
    """One PDF, rendered only if its content has not been rendered before; raises DocumentError on failure."""
    (written,) = write_pdfs([PdfJob(html, target, tuple(embedded or ()))])
    if written.error is not None:
        raise DocumentError(f"PDF-filen {target.name} kunde inte skapas: {written.error}")
    return target


def write_pdfs(jobs: Sequence[PdfJob], workers: int | None = None) -> list[Written]:
    """Write every job's PDF, each content rendered once; in a process pool of `workers` (default: the cores
    this process may use) when POOL_FROM or more need rendering. A PDF that embeds another job's PDF is
    rendered after it. One job's failure is that job's `error`; the others are written all the same."""
    done: dict[int, Written] = {}
    remaining = list(range(len(jobs)))
    while remaining:
        targets = {jobs[i].target for i in remaining}
        ready = [i for i in remaining if not any(f.path in targets for f in jobs[i].embedded)] or remaining
        done.update(_write_wave([(i, jobs[i]) for i in ready], workers))
        remaining = [i for i in remaining if i not in done]
    for folder in {job.target.parent for job in jobs}:
        prune(folder)
    return [done[i] for i in range(len(jobs))]


def _write_wave(jobs: list[tuple[int, PdfJob]], workers: int | None) -> dict[int, Written]:
    specs: dict[int, _Spec] = {}
    failed: dict[int, str] = {}
    for index, job in jobs:
        try:
            specs[index] = _spec(job)
        except Exception as exc:  # a bilaga unreadable, the cache folder not writable: this job's failure
            failed[index] = f"{type(exc).__name__}: {exc}"
    due = {spec.entry: spec for spec in specs.values() if not Path(spec.entry).is_file()}
    errors = _render_all(list(due.values()), workers)
    written: dict[int, Written] = {}
    for index, job in jobs:
        if index in failed:
            written[index] = Written(job.target, False, failed[index])
            continue
        entry = specs[index].entry
        rendered = due.pop(entry, None) is not None  # the first job of this content rendered it; others reuse
        error = errors.get(entry)
        if error is None:
            try:
                _place(Path(entry), job.target)
            except OSError as exc:
                error = f"{type(exc).__name__}: {exc}"
        written[index] = Written(job.target, rendered, error)
    return written


def cores() -> int:
    """The cores this process may run on (the pool's default size)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _render_all(specs: list[_Spec], workers: int | None) -> dict[str, str]:
    """Render each spec; the error of each that failed, by its cache file."""
    workers = workers or cores()
    if len(specs) < POOL_FROM or workers < 2:
        outcomes = {spec.entry: _render_reporting(spec) for spec in specs}
    else:
        pool = _pool(workers)
        futures: dict[str, Future[str | None]] = {spec.entry: pool.submit(_render_reporting, spec) for spec in specs}
        outcomes = {}
        for entry, future in futures.items():
            try:
                outcomes[entry] = future.result()
            except Exception as exc:  # e.g. a worker that died: the documents it had are failed, not lost silently
                outcomes[entry] = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, BrokenProcessPool):
                    shutdown_pool()  # a broken pool is not reused: the next call starts a new one
    return {entry: error for entry, error in outcomes.items() if error is not None}


_POOL: ProcessPoolExecutor | None = None
_POOL_WORKERS = 0
_POOL_LOCK = threading.Lock()


def _start_worker() -> None:
    os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_EPOCH)
    import weasyprint  # noqa: F401 - imported once per worker, not per document


def _started() -> int:
    return os.getpid()


@contextmanager
def _bare_main() -> Iterator[None]:
    """While the workers are spawned: a bare `__main__`, so that no worker imports the caller's main module again
    (spawn does that by default: under Prefect it is prefect.engine, ~1.3 s of CPU per worker, and a script
    without a main guard would run again). A worker needs only this module and WeasyPrint."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _pool(workers: int) -> ProcessPoolExecutor:
    """The process's pool of PDF workers, started on first use and kept for the next batch (a long-lived worker
    renders many days); `spawn`, never `fork`: the caller may hold threads, locks and database connections.
    All workers start at once (a spawn pool starts one per task submitted while none is idle)."""
    global _POOL, _POOL_WORKERS
    with _POOL_LOCK:
        if _POOL is None or workers != _POOL_WORKERS:
            if _POOL is not None:
                _POOL.shutdown(wait=True)
            _POOL = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
            )
            with _bare_main():
                started = [_POOL.submit(_started) for _ in range(workers)]
            for future in started:
                future.result()
            _POOL_WORKERS = workers
        return _POOL


def pool_workers() -> int:
    """How many PDF workers this process has started (0: none, every PDF so far was rendered in-process)."""
    return _POOL_WORKERS if _POOL is not None else 0


def shutdown_pool() -> None:
    """Stop the PDF workers (at exit, and after a worker died)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pool)


def prune(folder: Path, now: float | None = None) -> None:
    """Remove from `folder`'s cache what no document uses any more: PDFs no file links to (a newer content
    replaced them) after UNUSED_DAYS, and files a killed process left half-written after a day. Where the file
    system has no hard links every cached PDF counts as unused, and is rendered again when due after that."""
    cache = folder / CACHE
    if not cache.is_dir():
        return
    now = time.time() if now is None else now
    for item in os.scandir(cache):
        try:
            stat = item.stat()
            age = now - stat.st_mtime
            half_written = item.name.endswith(".tmp") and age > 86400
            unused = item.name.endswith(".pdf") and stat.st_nlink == 1 and age > UNUSED_DAYS * 86400
            if half_written or unused:
                os.unlink(item.path)
        except FileNotFoundError:
            continue  # another process removed or renamed it meanwhile

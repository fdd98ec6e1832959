"""SOURCE_DATE_EPOCH: the PDF renderer sets it in the environment while it writes (fontTools reads it there),
but a calendar file written by another thread meanwhile keeps its real DTSTAMP; the operator's own value wins."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samverkan.core.reproducible import NAME, operator_epoch, renderer_epoch
from samverkan.scheduling.ics import generation_time
from samverkan.services.pdfa import FONT_EPOCH, write_pdf


def test_a_calendar_written_during_a_render_keeps_its_real_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(NAME, raising=False)
    html = "<html lang='sv'><head><title>Prov</title></head><body><h1>Prov</h1><p>Å ä ö, ett stycke.</p></body></html>"
    seen_in_environment: list[str] = []
    stamps: list[datetime] = []
    rendering = threading.Event()

    def render() -> None:
        try:
            write_pdf(html, tmp_path / "prov.pdf")
        finally:
            rendering.set()

    renderer = threading.Thread(target=render)
    renderer.start()
    while not rendering.is_set():  # the window the race needs: the variable is in the environment
        if (value := os.environ.get(NAME)) is not None:
            seen_in_environment.append(value)
        stamps.append(generation_time())
    renderer.join()
    assert (tmp_path / "prov.pdf").read_bytes().startswith(b"%PDF")
    assert seen_in_environment and set(seen_in_environment) == {FONT_EPOCH}  # fontTools did see it
    assert stamps and min(stamps).year >= 2026  # but no .ics DTSTAMP of 1970
    assert NAME not in os.environ  # and it is gone afterwards


def test_the_operators_value_is_kept_and_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "1798761600")
    with renderer_epoch(FONT_EPOCH):
        assert os.environ[NAME] == "1798761600"
        assert generation_time() == datetime(2027, 1, 1, tzinfo=UTC)
    assert operator_epoch() == 1798761600 and os.environ[NAME] == "1798761600"
    monkeypatch.setenv(NAME, "inte ett tal")
    assert operator_epoch() is None

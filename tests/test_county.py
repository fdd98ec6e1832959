"""The länsstyrelse's monthly roll-up across its kommuner: who reported, common problems, who is behind;
small counts suppressed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from samverkan.cli.main import app
from samverkan.services import cycle, est
from tests.conftest import EXAMPLES
from tests.drive import Driver

UMEA, LAPPLAND = "sofia.processledare@umea.example", "greta.samordnare@lycksele.example"


def observe(d: Driver, who: str, category: str, count: int, area: str = "Centrum") -> None:
    d(
        est.report_observation,
        who,
        body_key="est",
        observed_on=date(2027, 3, 10),
        category=category,
        area=area,
        source_function="fritid",
        count=count,
    )


def test_county_report_rolls_up_suppresses_small_counts_and_shows_who_is_behind(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    umea = Driver(engine, "umea", date(2027, 3, 12))
    umea.load(EXAMPLES / "umea.yaml")
    lappland = Driver(engine, "sodra-lappland", date(2027, 3, 12))
    lappland.load(EXAMPLES / "sodra-lappland.yaml")
    observe(umea, UMEA, "skadegörelse", 5)
    observe(umea, UMEA, "nedskräpning", 2)
    observe(lappland, LAPPLAND, "skadegörelse", 4, area="Lycksele centrum")
    Driver(engine, "umea", date(2027, 1, 11))(cycle.start_cycle, UMEA)  # Initiera samverkan due 2027-03-12

    runner = CliRunner()
    result = runner.invoke(
        app, ["county-report", "lansstyrelsen-vasterbotten", "--month", "2027-03", "--json", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["categories"] == [["nedskräpning", "<3", 1], ["skadegörelse", "9", 2]]
    assert report["common"] == ["skadegörelse"]
    members = {m["name"]: m for m in report["members"]}
    assert set(members) == {"Umeå kommun", "Södra Lappland"}
    assert members["Umeå kommun"]["reported"] and members["Umeå kommun"]["observations"] == "7"
    assert members["Umeå kommun"]["behind"] and members["Umeå kommun"]["phase"] == "Initiera samverkan"
    assert not members["Södra Lappland"]["behind"] and members["Södra Lappland"]["phase"] is None

    out = tmp_path / "lansrapport.html"
    written = runner.invoke(
        app, ["county-report", "lansstyrelsen-vasterbotten", "--month", "2027-03", "--out", str(out), "--db", db_url]
    )
    assert written.exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert (
        "<td>nedskräpning</td><td>&lt;3</td>" in html and "Gemensamma problem för flera kommuner: skadegörelse" in html
    )
    text = PdfReader(out.with_suffix(".pdf")).pages[0].extract_text()
    assert "Länsrapport 2027-03" in text and "<3" in text
    wrong = runner.invoke(app, ["county-report", "umea", "--month", "2027-03", "--db", db_url])
    assert wrong.exit_code == 1 and "'umea' är ingen länsstyrelse" in wrong.stderr

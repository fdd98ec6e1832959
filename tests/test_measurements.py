"""Indicator measurements from CSV: located errors for bad rows, all or nothing, idempotent; and EST via the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.cli.main import app
from samverkan.models import AuditEntry, Measurement
from tests.conftest import EXAMPLES
from tests.drive import SAMORDNARE


def cli(db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


def test_import_measurements_all_or_nothing_with_located_errors(db_url: str, engine: Engine, tmp_path: Path) -> None:
    cli(db_url, "load", str(EXAMPLES / "fagersta.yaml"))
    good = tmp_path / "matvarden.csv"
    good.write_text(
        "indikator;period;värde;preliminär;källa\n"
        "anmalda-brott;2021;11 204;;Brå\n"
        "ntu-utsatthet;2021;17,4;ja;NTU 2022\n"
        "scb-trygghet;2027;61;;SCB\n",
        encoding="utf-8",
    )
    code, out, err = cli(db_url, "measurements", "import", "fagersta", str(good), "--as", SAMORDNARE)
    assert code == 0, err
    assert out == f"{good}: 3 nya, 0 ändrade, 0 oförändrade\n"
    code, out, _ = cli(db_url, "measurements", "import", "fagersta", str(good), "--as", SAMORDNARE)
    assert out == f"{good}: 0 nya, 0 ändrade, 3 oförändrade\n"
    with Session(engine) as session:
        values = {(m.period, m.value, m.preliminary) for m in session.exec(select(Measurement)).all()}
        assert (("2021", 11204.0, False) in values) and (("2021", 17.4, True) in values)
        imported = session.exec(select(AuditEntry).where(AuditEntry.action == "measurement.import")).all()
        assert len(imported) == 3

    bad = tmp_path / "fel.csv"
    bad.write_text(
        "indikator;period;värde\n"
        "anmalda-brott;2022;10 900\n"
        "anmälda-brott;2022;1\n"
        "ntu-utsatthet;22;16\n"
        "scb-trygghet;2029;många\n"
        "anmalda-brott;2022;10 800\n",
        encoding="utf-8",
    )
    code, _, err = cli(db_url, "measurements", "import", "fagersta", str(bad), "--as", SAMORDNARE)
    assert code == 1
    assert err.splitlines() == [
        f"fel: {bad} importerades inte. Rätta raderna:",
        f"  - {bad}:3: okänd indikator 'anmälda-brott' (kända: anmalda-brott, ntu-utsatthet, scb-trygghet)",
        f"  - {bad}:4: '22' är ingen period (ÅÅÅÅ, ÅÅÅÅ-Q1 eller ÅÅÅÅ-MM)",
        f"  - {bad}:5: 'många' är inget tal",
        f"  - {bad}:6: anmalda-brott 2022 finns redan på rad 2",
    ]
    with Session(engine) as session:
        assert len(session.exec(select(Measurement)).all()) == 3  # the good row 2 was not imported either
    missing = tmp_path / "kolumner.csv"
    missing.write_text("indikator,värde\nanmalda-brott,1\n", encoding="utf-8")
    code, _, err = cli(db_url, "measurements", "import", "fagersta", str(missing), "--as", SAMORDNARE)
    assert err.startswith(f"fel: {missing}:1: kolumner saknas: period")


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_est_report_through_the_cli_refuses_a_personnummer(db_url: str) -> None:
    cli(db_url, "load", str(EXAMPLES / "fagersta.yaml"))
    base = [
        "est",
        "report",
        "fagersta",
        "--category",
        "skadegörelse",
        "--area",
        "Centrum",
        "--source",
        "skolan",
        "--count",
        "3",
        "--as",
        "erik.larare@fagersta.example",
        "--date",
        "2027-02-02",
    ]
    code, out, _ = cli(db_url, *base, "--time-band", "kväll")
    assert code == 0 and out.startswith("Observation nr 1 sparad: skadegörelse, Centrum")
    code, _, err = cli(db_url, *base, "--text", "Eleven 20081218-9874 igen")
    assert code == 1 and "Fritext: innehåller något som ser ut som ett personnummer" in err
    assert "9874" not in err

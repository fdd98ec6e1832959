"""The `samverkan` command: validate, load, show, demo and db, with Swedish output and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from samverkan.cli.main import app
from samverkan.database import head_revision
from tests.conftest import EXAMPLE_FILES, EXAMPLES, ROOT

FAGERSTA = str(EXAMPLES / "fagersta.yaml")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_accepts_every_example(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", *map(str, EXAMPLE_FILES)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": giltig") == len(EXAMPLE_FILES)


def test_validate_reports_each_problem_as_file_line_message(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "trasig.yaml"
    text = Path(FAGERSTA).read_text(encoding="utf-8")
    broken.write_text(text.replace("  population: 13391", "  population: -1\n  invånare: 5"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(broken), FAGERSTA])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{broken}:14: ska vara större än 0 (fick -1) (organisation.population)",
        f"{broken}:15: okänd nyckel (organisation.invånare)",
    ]
    assert "Traceback" not in result.output
    assert f"{FAGERSTA}: giltig" in result.stdout


def test_validate_json_output_for_scripts(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "syntax.yaml"
    broken.write_text("schema_version: 1\norganisation: [\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--json", str(broken)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report[0]["ok"] is False
    assert report[0]["issues"][0]["message"].startswith("YAML-syntaxfel")


def test_load_twice_then_show(runner: CliRunner, db_url: str) -> None:
    first = runner.invoke(app, ["load", FAGERSTA, "--db", db_url])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("fagersta: 86 ändringar")
    second = runner.invoke(app, ["load", FAGERSTA, "--db", db_url])
    assert second.stdout == "fagersta: inga ändringar\n"
    shown = runner.invoke(app, ["show", "fagersta", "--db", db_url, "--date", "2027-02-01"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("Fagersta kommun (kommun, Västmanlands län)\nFolkmängd: 13\u00a0391\n")
    assert "Kommunstyrelsens ordförande (Fagersta kommun), undertecknar: VAKANT" in shown.stdout  # ended 2026-12-31
    assert "EST-möte: varannan tisdag kl. 09:00 (från 2027-01-05)" in shown.stdout
    assert "Cykel: ingen cykel har startats ännu" in shown.stdout


def test_show_json_for_scripts(runner: CliRunner, db_url: str) -> None:
    runner.invoke(app, ["load", FAGERSTA, "--db", db_url])
    result = runner.invoke(app, ["show", "fagersta", "--db", db_url, "--json", "--date", "2026-06-01"])
    data = json.loads(result.stdout)
    assert data["key"] == "fagersta" and data["population"] == 13391
    assert {b["key"] for b in data["bodies"]} == {"styrgrupp", "lokala-bra", "est"}
    kso = next(r for r in data["roles"] if r["key"] == "kso")
    assert kso["holders"] == ["Karin Testström"] and kso["signatory"] is True
    assert data["agreement"]["status"] == "utkast" and data["cycle"] is None


def test_show_unknown_organisation_is_a_clear_error(runner: CliRunner, db_url: str) -> None:
    runner.invoke(app, ["load", FAGERSTA, "--db", db_url])
    result = runner.invoke(app, ["show", "fagerstad", "--db", db_url])
    assert result.exit_code == 1
    assert result.stderr == "fel: organisationen 'fagerstad' finns inte (inlästa: fagersta)\n"


def test_load_refuses_an_invalid_file_and_writes_nothing(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "fel.yaml"
    broken.write_text(
        Path(FAGERSTA).read_text(encoding="utf-8").replace("party: fagersta}", "party: fagersda}", 1),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["load", str(broken), "--db", db_url])
    assert result.exit_code == 1
    assert "okänd part 'fagersda'" in result.stderr
    assert result.stderr.rstrip().endswith("läses inte in: rätta felen ovan")
    shown = runner.invoke(app, ["show", "fagersta", "--db", db_url])
    assert "finns inte" in shown.stderr


def test_db_upgrade_and_status(runner: CliRunner, db_url: str) -> None:
    before = runner.invoke(app, ["db", "status", "--db", db_url])
    assert before.exit_code == 1 and "schema: tomt" in before.stdout
    upgraded = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert upgraded.stdout == f"schema: tomt → {head_revision()}\n"
    after = runner.invoke(app, ["db", "status", "--db", db_url])
    assert after.exit_code == 0 and "(aktuellt)" in after.stdout


def test_help_is_swedish(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.stdout.startswith("Användning: samverkan [FLAGGOR] KOMMANDO [ARGUMENT]...")
    assert "Visa denna hjälp och avsluta." in result.stdout
    for english in ("Usage", "Options", "Show this message"):
        assert english not in result.stdout
    wrong = runner.invoke(app, ["load"])
    assert wrong.exit_code == 2 and "Fel: Argument saknas 'FIL...'." in wrong.stderr


def test_installed_command_runs_the_main_job(tmp_path: Path) -> None:
    """The console script as `make run` calls it, in a real subprocess."""
    executable = shutil.which("samverkan", path=str(Path(os.sys.executable).parent))  # type: ignore[attr-defined]
    assert executable, "the samverkan console script is installed with the project"
    env = {**os.environ, "SAMVERKAN_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'samverkan.db'}"}
    done = subprocess.run(
        [executable, "demo", "examples/fagersta.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Fagersta kommun (kommun, Västmanlands län)" in done.stdout
    assert "Lokala BRÅ Fagersta" in done.stdout
    assert (tmp_path / "var" / "samverkan.db").exists()


def test_load_takes_every_example_at_once_and_a_bad_file_loads_none(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    files = [str(path) for path in EXAMPLE_FILES]
    loaded = runner.invoke(app, ["load", *files, "--db", db_url, "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert sorted(entry["organisation"] for entry in json.loads(loaded.stdout)) == sorted(
        Path(file).stem for file in files
    )
    again = runner.invoke(app, ["load", *files, "--db", db_url])
    assert again.exit_code == 0 and again.stdout.count("inga ändringar") == len(files)

    bad = tmp_path / "trasig.yaml"
    bad.write_text("schema_version: 1\norganisation: {key: trasig}\n", encoding="utf-8")
    other = tmp_path / "annan.db"
    refused = runner.invoke(app, ["load", files[0], str(bad), "--db", f"sqlite:///{other}"])
    assert refused.exit_code == 1
    assert "läses inte in, och därför inte heller de andra filerna" in refused.output
    assert "Traceback" not in refused.output
    listing = runner.invoke(app, ["show", Path(files[0]).stem, "--db", f"sqlite:///{other}"])
    assert listing.exit_code == 1, "nothing of the good file was loaded either"

"""A running cycle keeps the process definition it started with; the file changing under it is reported,
applies from the next cycle, and moves onto the cycle only by an explicit, audited upgrade."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.cli.main import app
from samverkan.core.timeutil import today_local
from samverkan.database import make_engine
from samverkan.models import AuditEntry, ChecklistItem, Cycle, Evidence, Notification, Phase
from samverkan.models.enums import ItemStatus, NotificationStatus, PhaseStatus, Related
from samverkan.process.changes import compare
from samverkan.process.definition import DEFINITIONS_DIR, ProcessDefinition, load_definition
from samverkan.process.snapshot import content_version, label_of
from samverkan.services import cycle, upgrade
from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError
from tests.conftest import EXAMPLES
from tests.drive import (
    KOMMUNDIREKTOR,
    KOMMUNPOLIS,
    SAMORDNARE,
    Driver,
    decided,
    doc,
    fagersta_with_cycle,
    finish_initiera,
)
from tests.live import KOMMUNIKATOR, Live, fagersta_for_web, live_server
from tests.receivers import SmtpServer
from tests.test_cli_cycle import Cli
from tests.test_concurrency import at_once
from tests.test_sweep import at, run

ON = date(2027, 1, 11)
NEW_INITIERA_ITEM = """\
      - key: kommunikationsplan
        title: Kommunikationsansvarig är utsedd och en kommunikationsplan är påbörjad
        owner: samordnare
        evidence: dokument
      - key: arkiv-ordnat
        title: Samverkansarbetets handlingar har en plats i diariet
        owner: samordnare
        evidence: dokument
        due_days: 5
"""
OLD_INITIERA_ITEM = NEW_INITIERA_ITEM.split("      - key: arkiv-ordnat")[0]


class ProcessDir:
    """A kommun's own copy of the samverkan definition (SAMVERKAN_PROCESS_DIR), edited under running cycles."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "samverkan.yaml"
        shutil.copy(DEFINITIONS_DIR / "samverkan.yaml", self.path)

    def edit(self, *changes: tuple[str, str]) -> None:
        text = self.path.read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, old
            text = text.replace(old, new, 1)
        self.path.write_text(text, encoding="utf-8")


@pytest.fixture
def process_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProcessDir:
    folder = tmp_path / "processer"
    folder.mkdir()
    monkeypatch.setenv("SAMVERKAN_PROCESS_DIR", str(folder))
    return ProcessDir(folder)


@pytest.fixture
def d(engine: Engine, process_dir: ProcessDir) -> Driver:
    return fagersta_with_cycle(engine, ON)


VERSION_2 = ("version: 1\n", "version: 2\n")
RENAME_LAGESBILD = ("  - key: lagesbild\n", "  - key: lagesbild-2027\n")


def the_cycle(engine: Engine, number: int = 1) -> Cycle:
    with Session(engine) as session:
        return session.exec(select(Cycle).where(Cycle.number == number)).one()


def items(engine: Engine) -> dict[str, ChecklistItem]:
    with Session(engine) as session:
        return {i.key: i for i in session.exec(select(ChecklistItem)).all()}


def phases(engine: Engine, number: int = 1) -> list[tuple[str, int, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Phase).join(Cycle, col(Cycle.id) == Phase.cycle_id).where(Cycle.number == number)
        ).all()
        return sorted((p.key, p.ordinal, p.status) for p in rows)


def state(engine: Engine) -> tuple[Any, ...]:
    """Everything an upgrade could touch, to show that a refused one touched nothing."""
    with Session(engine) as session:
        cycles = [(c.definition_snapshot, c.definition_version, c.version) for c in session.exec(select(Cycle))]
        all_phases = [(p.id, p.key, p.name, p.ordinal, p.status, p.due_on) for p in session.exec(select(Phase))]
        all_items = [
            (i.id, i.phase_id, i.key, i.title, i.status, i.due_on, i.owner_role_key)
            for i in session.exec(select(ChecklistItem).order_by(col(ChecklistItem.id)))
        ]
        evidence = len(session.exec(select(Evidence)).all())
        audits = len(session.exec(select(AuditEntry)).all())
    return cycles, all_phases, all_items, evidence, audits


def test_the_snapshot_is_the_parsed_definition_and_its_content_version(d: Driver) -> None:
    started = the_cycle(d.engine)
    definition = load_definition("samverkan")
    assert started.definition_snapshot == {
        "format": 1,
        "content": content_version(definition),
        "version": 1,
        "definition": definition.model_dump(mode="json"),
    }
    assert len(started.definition_snapshot["content"]) == 12
    view = d(lambda s, a: cycle.cycle_status(s, a.org_key, a.on), SAMORDNARE)
    assert view.definition_version == label_of(definition) == f"version 1 · {content_version(definition)}"
    assert view.definition_notice is None and view.definition_changes == []


def test_a_running_cycle_keeps_its_phases_and_checklist_when_the_file_changes(
    d: Driver, process_dir: ProcessDir
) -> None:
    before = label_of(load_definition("samverkan"))
    process_dir.edit(
        VERSION_2,
        RENAME_LAGESBILD,
        ("        due_days: 60\n", "        due_days: 30\n"),
        (OLD_INITIERA_ITEM, NEW_INITIERA_ITEM),
        ("      - key: medborgardialog\n", "      - key: medborgardialoger\n"),
    )
    after = label_of(load_definition("samverkan"))
    finish_initiera(d)  # opens the next phase: by the cycle's own definition, so no KeyError for 'lagesbild'
    assert ("lagesbild", 2, PhaseStatus.ACTIVE) in phases(d.engine)
    kept = items(d.engine)
    assert "arkiv-ordnat" not in kept
    assert kept["kommunens-lagesbild"].due_on == ON + timedelta(days=60)  # the old deadline rule
    view = d(lambda s, a: cycle.cycle_status(s, a.org_key, a.on), SAMORDNARE)
    assert view.definition_version == before
    assert view.definition_notice == (
        f"Processbeskrivningen har ändrats sedan cykeln startade ({before} → {after}); "
        "ändringen gäller från nästa cykel."
    )
    assert view.definition_changes == [
        "versionsnumret: 1 → 2",
        "ny punkt i Initiera samverkan: Samverkansarbetets handlingar har en plats i diariet [arkiv-ordnat]",
        "punkten Kunskapen är fördjupad genom medborgardialoger i Orsaksanalys har bytt nyckel: "
        "medborgardialog → medborgardialoger",
        "fasen Lägesbild har bytt nyckel: lagesbild → lagesbild-2027",
        "ändrad punkt i Lägesbild: Kommunens egen översiktliga lägesbild är framtagen [kommunens-lagesbild] "
        "(tidsfrist)",
    ]
    assert the_cycle(d.engine).definition_snapshot["content"] == before.split(" · ")[1]


def test_the_next_cycle_starts_on_the_changed_file(engine: Engine, process_dir: ProcessDir) -> None:
    (process_dir.path.parent / "kort-cykel.yaml").write_text(
        "key: kort-cykel\nname: Kort cykel\nversion: 1\nphases:\n"
        "  - key: lagesbild\n    name: Lägesbild\n    items:\n"
        "      - {key: lb, title: Lägesbild klar, owner: samordnare, evidence: dokument}\n"
        "  - key: uppfoljning\n    name: Uppföljning\n    items:\n"
        "      - {key: up, title: Uppföljd, owner: kommunpolis, evidence: dokument}\n",
        encoding="utf-8",
    )
    f = Driver(engine, "fagersta", ON)
    f.load(EXAMPLES / "fagersta.yaml")
    f(cycle.start_cycle, SAMORDNARE, "kort-cykel")
    short = ProcessDir.__new__(ProcessDir)
    short.path = process_dir.path.parent / "kort-cykel.yaml"
    short.edit(
        ("version: 1", "version: 2"),
        ("  - key: lagesbild\n    name: Lägesbild\n", "  - key: lagesbild-ny\n    name: Lägesbild\n"),
    )
    f(cycle.complete_item, SAMORDNARE, "lb", doc("Lägesbild"))
    moved = f(cycle.complete_item, KOMMUNPOLIS, "up", doc("Uppföljning"))
    assert (moved.closed_cycle, moved.new_cycle, moved.opened_phase) == (1, 2, "Lägesbild")
    assert phases(engine, 2) == [("lagesbild-ny", 1, PhaseStatus.ACTIVE), ("uppfoljning", 2, PhaseStatus.NOT_STARTED)]
    assert the_cycle(engine, 2).definition_version == 2
    assert the_cycle(engine, 1).definition_version == 1


def test_upgrade_keeps_completed_items_and_evidence_and_adds_new_items_with_deadlines(
    d: Driver, process_dir: ProcessDir
) -> None:
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    before, old_content = label_of(load_definition("samverkan")), content_version(load_definition("samverkan"))
    process_dir.edit(
        VERSION_2,
        (OLD_INITIERA_ITEM, NEW_INITIERA_ITEM),
        ("        title: Varje organisations", "        title: Alla organisationers"),
        (
            "        requirement: problems_prioritised\n",
            "        requirement: problems_prioritised\n"
            "      - key: trygghetsmatning\n        title: Trygghetsmätningen är beställd\n"
            "        owner: samordnare\n        evidence: dokument\n        due_days: 10\n",
        ),
        (
            "      - key: medborgardialog\n        title: Kunskapen är fördjupad genom medborgardialoger\n"
            "        owner: samordnare\n        evidence: dialog\n",
            "",
        ),
    )
    with process_dir.path.open("a", encoding="utf-8") as file:
        file.write(
            "\n  - key: utvardering\n    name: Utvärdering\n    items:\n"
            "      - {key: utvarderad, title: Arbetet är utvärderat, owner: samordnare, evidence: dokument}\n"
        )
    after = label_of(load_definition("samverkan"))
    d.on = ON + timedelta(days=7)
    result = d(upgrade.upgrade_definition, SAMORDNARE)
    assert result.describe()[0] == f"Cykel 1 följer nu processbeskrivningen {after}; tidigare {before}."
    assert "  - ny fas: Utvärdering [utvardering]" in result.describe()

    now = items(d.engine)
    assert now["roller-och-ansvar"].status == ItemStatus.DONE
    assert now["roller-och-ansvar"].title.startswith("Alla organisationers")
    assert now["arkiv-ordnat"].due_on == ON + timedelta(days=7 + 5)  # its clock starts on the day of the upgrade
    assert now["trygghetsmatning"].due_on is None  # its phase has not opened
    assert "medborgardialog" not in now
    assert ("utvardering", 7, PhaseStatus.NOT_STARTED) in phases(d.engine)
    with Session(d.engine) as session:
        assert [e.title for e in session.exec(select(Evidence))] == ["Roller"]
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert entry is not None and entry.action == "cycle.upgrade_definition" and entry.actor == SAMORDNARE
    assert entry.before == {"definition_version": 1, "content": old_content}
    new_content = content_version(load_definition("samverkan"))
    assert entry.after["definition_version"] == 2 and entry.after["content"] == new_content
    assert the_cycle(d.engine).definition_version == 2

    view = d(lambda s, a: cycle.cycle_status(s, a.org_key, a.on), SAMORDNARE)
    assert (view.definition_version, view.definition_notice) == (after, None)
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan")))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Organisation")))
    d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan"))
    assert d(cycle.complete_item, SAMORDNARE, "arkiv-ordnat", doc("Diarieplan")).opened_phase == "Lägesbild"
    assert items(d.engine)["trygghetsmatning"].due_on == d.on + timedelta(days=10)  # opened by the new version
    with pytest.raises(RefusedError, match="Cykel 1 följer redan den aktuella processbeskrivningen"):
        d(upgrade.upgrade_definition, SAMORDNARE)


def test_a_refused_upgrade_leaves_the_cycle_untouched(d: Driver, process_dir: ProcessDir) -> None:
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    process_dir.edit(
        VERSION_2,
        ("  - key: initiera\n", "  - key: uppstart\n"),
        ("      - key: roller-och-ansvar\n", "      - key: roller\n"),
    )
    untouched = state(d.engine)
    with pytest.raises(RefusedError) as refused:
        d(upgrade.upgrade_definition, SAMORDNARE)
    assert str(refused.value).startswith(
        f"Cykel 1 kan inte flyttas över till processbeskrivningen 'samverkan' {label_of(load_definition('samverkan'))}"
        "; cykeln är oförändrad. Det som hindrar:\n  - "
    )
    assert refused.value.missing == [
        "den pågående fasen Initiera samverkan [initiera] finns inte i den nya versionen (i den nya versionen har "
        "den nyckeln 'uppstart', och en ny nyckel är en ny fas)",
        "den klara punkten 'Varje organisations förutsättningar, ansvar, roller och uppgifter är identifierade' "
        "[initiera/roller-och-ansvar] finns inte i den nya versionen",
    ]
    assert state(d.engine) == untouched


def test_upgrade_refuses_a_new_phase_before_the_running_one_and_needs_a_coordinator(
    d: Driver, process_dir: ProcessDir
) -> None:
    finish_initiera(d)
    process_dir.edit(
        (
            "  - key: lagesbild\n",
            "  - key: kartlaggning\n    name: Kartläggning\n    items:\n"
            "      - {key: kartlagt, title: Kartlagt, owner: samordnare, evidence: dokument}\n\n  - key: lagesbild\n",
        ),
    )
    untouched = state(d.engine)
    with pytest.raises(RefusedError) as refused:
        d(upgrade.upgrade_definition, SAMORDNARE)
    assert refused.value.missing == [
        "den nya fasen Kartläggning [kartlaggning] skulle komma före den pågående fasen Lägesbild"
    ]
    with pytest.raises(Exception, match="får inte flytta över cykeln till en ny processbeskrivning"):
        d(upgrade.upgrade_definition, "lena.kommunikator@fagersta.example")
    assert state(d.engine) == untouched


def legacy(engine: Engine) -> None:
    """Make cycle 1 look as if it had started before migration 0005: no snapshot."""
    with Session(engine) as session:
        session.execute(update(Cycle).values(definition_snapshot={}))
        session.commit()


def test_a_cycle_from_before_snapshots_is_pinned_to_the_file_once_and_audited(d: Driver) -> None:
    legacy(d.engine)
    view = d(lambda s, a: cycle.cycle_status(s, a.org_key, a.on), SAMORDNARE)
    assert view.definition_version == label_of(load_definition("samverkan"))
    assert the_cycle(d.engine).definition_snapshot["content"] == content_version(load_definition("samverkan"))
    d(lambda s, a: cycle.cycle_status(s, a.org_key, a.on), SAMORDNARE)
    assert d.audit_actions().count("cycle.pin_definition") == 1


def test_a_renamed_phase_under_an_unpinned_cycle_is_a_swedish_refusal_not_a_key_error(
    d: Driver, process_dir: ProcessDir
) -> None:
    legacy(d.engine)
    process_dir.edit(VERSION_2, RENAME_LAGESBILD)
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan")))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Organisation")))
    untouched = state(d.engine)
    with pytest.raises(RefusedError) as refused:
        d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan"))
    assert str(refused.value) == (
        "fasen Lägesbild [lagesbild] finns inte i processbeskrivningen 'samverkan' "
        f"({label_of(load_definition('samverkan'))}) som cykeln följer. Flytta över cykeln till den aktuella "
        "processbeskrivningen (samverkan cycle upgrade) eller ge fasen tillbaka sin nyckel i filen."
    )
    assert state(d.engine) == untouched
    # the way out: the phase that has not started yet takes the new key
    d(upgrade.upgrade_definition, SAMORDNARE)
    moved = d(cycle.complete_item, SAMORDNARE, "kommunikationsplan", doc("Kommunikationsplan"))
    assert moved.opened_phase == "Lägesbild"
    assert ("lagesbild-2027", 2, PhaseStatus.ACTIVE) in phases(d.engine)


# -- the web cycle page and the CLI ------------------------------------------------------------------


@pytest.fixture
def live(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_settings: SmtpServer, process_dir: ProcessDir
) -> Iterator[Live]:
    fagersta_for_web(engine)  # cycle 1 starts on the kommun's own copy of the definition
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


def test_the_web_cycle_page_reports_the_change_and_a_coordinator_moves_the_cycle_over(
    live: Live, process_dir: ProcessDir
) -> None:
    maria = live.login(SAMORDNARE)
    assert "har ändrats" not in maria.get("/org/fagersta/cykel").text
    process_dir.edit(VERSION_2, (OLD_INITIERA_ITEM, NEW_INITIERA_ITEM))
    page = maria.get("/org/fagersta/cykel").text
    assert "Processbeskrivningen har ändrats sedan cykeln startade (version 1 · " in page
    assert "ändringen gäller från nästa cykel." in page
    assert "<li>ny punkt i Initiera samverkan: Samverkansarbetets handlingar har en plats i diariet" in page
    assert 'action="/org/fagersta/cykel/uppgradera"' in page
    assert "cykel/uppgradera" not in live.login(KOMMUNIKATOR).get("/org/fagersta/cykel").text  # not coordinating
    moved = maria.post("/org/fagersta/cykel/uppgradera", data={"csrf_token": maria.csrf})  # type: ignore[attr-defined]
    assert moved.status_code == 303, moved.text
    page = maria.get(moved.headers["location"]).text
    assert f"Cykel 1 följer nu processbeskrivningen {label_of(load_definition('samverkan'))}" in page
    assert "Processbeskrivningen har ändrats" not in page and "cykel/uppgradera" not in page
    assert "Samverkansarbetets handlingar har en plats i diariet – ansvarig" in page  # now to do (no raw key)

    process_dir.edit(("  - key: initiera\n", "  - key: uppstart\n"))
    refused = maria.post("/org/fagersta/cykel/uppgradera", data={"csrf_token": maria.csrf})  # type: ignore[attr-defined]
    assert refused.status_code == 422
    assert "cykeln är oförändrad" in refused.text
    assert "den pågående fasen Initiera samverkan [initiera] finns inte i den nya versionen" in refused.text


def test_a_renamed_phase_under_an_unpinned_cycle_is_a_4xx_page_on_the_web(live: Live, process_dir: ProcessDir) -> None:
    legacy(live.engine)
    process_dir.edit(VERSION_2, RENAME_LAGESBILD)
    d = Driver(live.engine, "fagersta", today_local())
    d(cycle.complete_item, SAMORDNARE, "beslut-om-samverkan", decided(d.decision("Beslut om samverkan")))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, SAMORDNARE, "organisation-utsedd", decided(d.decision("Organisation")))
    maria = live.login(SAMORDNARE)
    with Session(live.engine) as session:
        last = session.exec(select(ChecklistItem.id).where(ChecklistItem.key == "kommunikationsplan")).one()
    refused = maria.post(
        f"/org/fagersta/punkt/{last}",
        data={"csrf_token": maria.csrf, "title": "Kommunikationsplan", "uri": "KS 2026/9"},  # type: ignore[attr-defined]
    )
    assert refused.status_code == 422
    assert "fasen Lägesbild [lagesbild] finns inte i processbeskrivningen" in refused.text
    assert items(live.engine)["kommunikationsplan"].status == ItemStatus.OPEN


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_the_cli_reports_the_change_lists_cycles_behind_and_upgrades(db_url: str, process_dir: ProcessDir) -> None:
    cli = Cli(db_url)
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    cli("cycle", "start", "fagersta", who=SAMORDNARE)
    before = label_of(load_definition("samverkan"))
    assert "Inga pågående cykler följer en annan version" in cli("process", "validate", str(process_dir.path))
    process_dir.edit(VERSION_2, (OLD_INITIERA_ITEM, NEW_INITIERA_ITEM))
    after = label_of(load_definition("samverkan"))
    new_item = "ny punkt i Initiera samverkan: Samverkansarbetets handlingar har en plats i diariet [arkiv-ordnat]"
    status = cli("cycle", "status", "fagersta")
    assert (
        f"Process: {load_definition('samverkan').name} ({before})\n"
        f"Processbeskrivningen har ändrats sedan cykeln startade ({before} → {after}); "
        "ändringen gäller från nästa cykel.\n"
        f"  - versionsnumret: 1 → 2\n  - {new_item}\n"
        "En samordnare kan flytta över cykeln till den nya versionen redan nu: samverkan cycle upgrade fagersta\n"
    ) in status
    assert cli("process", "validate", str(process_dir.path)) == (
        f"{process_dir.path}: giltig (6 faser)\n"
        "  Pågående cykler på en annan version (för dem gäller ändringen från nästa cykel, "
        "eller efter 'samverkan cycle upgrade ORGANISATION'):\n"
        f"    fagersta (Fagersta kommun), cykel 1: {before}\n"
        f"      - versionsnumret: 1 → 2\n      - {new_item}\n"
    )
    assert cli("cycle", "upgrade", "fagersta", who=SAMORDNARE) == (
        f"Cykel 1 följer nu processbeskrivningen {after}; tidigare {before}.\n"
        f"  - versionsnumret: 1 → 2\n  - {new_item}\n"
    )
    assert "Processbeskrivningen har ändrats" not in cli("cycle", "status", "fagersta")
    assert "Inga pågående cykler följer en annan version" in cli("process", "validate", str(process_dir.path))

    process_dir.edit(("  - key: initiera\n", "  - key: uppstart\n"))
    refused = CliRunner().invoke(
        app, ["cycle", "upgrade", "fagersta", "--db", db_url, "--as", SAMORDNARE, "--date", "2027-01-11"]
    )
    assert refused.exit_code == 1
    assert refused.stderr.startswith("fel: Cykel 1 kan inte flyttas över till processbeskrivningen 'samverkan' ")
    assert "den pågående fasen Initiera samverkan [initiera] finns inte i den nya versionen" in refused.stderr


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_a_renamed_phase_under_an_unpinned_cycle_is_exit_1_on_the_cli(db_url: str, process_dir: ProcessDir) -> None:
    cli = Cli(db_url)
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    cli("cycle", "start", "fagersta", who=SAMORDNARE)
    engine = make_engine(db_url)
    legacy(engine)
    engine.dispose()
    process_dir.edit(VERSION_2, RENAME_LAGESBILD)
    cli.done("beslut-om-samverkan", SAMORDNARE, "beslut", "Beslut", decision=cli.decide("Samverkan"))
    cli.done("roller-och-ansvar", KOMMUNPOLIS, "dokument", "Roller", uri="diarium:KS 2027/3")
    cli.done("organisation-utsedd", SAMORDNARE, "beslut", "Organisation", decision=cli.decide("Organisation"))
    last = ["cycle", "complete", "fagersta", "kommunikationsplan", "--evidence", "dokument", "--title", "Plan"]
    refused = CliRunner().invoke(
        app, [*last, "--uri", "diarium:KS 2027/4", "--db", db_url, "--as", SAMORDNARE, "--date", "2027-01-11"]
    )
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)  # 'fel: …', not a traceback
    assert refused.stderr.startswith("fel: fasen Lägesbild [lagesbild] finns inte i processbeskrivningen 'samverkan'")


def _definition(*phases: dict[str, Any], version: int = 1) -> ProcessDefinition:
    return ProcessDefinition.model_validate({"key": "p", "name": "P", "version": version, "phases": list(phases)})


def _phase(key: str, name: str, *items: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "items": [{"key": i, "title": i.upper(), "owner": "samordnare", "evidence": "dokument"} for i in items],
        **extra,
    }


def test_compare_names_every_kind_of_change() -> None:
    old = _definition(_phase("a", "A", "x", "y"), _phase("b", "B", "z"), _phase("c", "C", "w"))
    new = _definition(
        _phase("c", "C", "w", duration_days=30),
        _phase("a", "A", "x", "y2"),
        {**_phase("b", "B", "z"), "items": [{"key": "z", "title": "Z", "owner": "kommunpolis", "evidence": "beslut"}]},
        version=2,
    )
    assert compare(old, new) == [
        "versionsnumret: 1 → 2",
        "ändrad fas: C [c] (längd)",
        "ny punkt i A: Y2 [y2]",
        "borttagen punkt i A: Y [y]",
        "ändrad punkt i B: Z [z] (ansvarig, bevis)",
        "faserna har ny ordning: C, A, B",
    ]
    assert compare(old, _definition(_phase("a", "A", "x", "y"), _phase("c", "C", "w"))) == ["borttagen fas: B [b]"]
    assert compare(old, old) == []


def test_a_deleted_definition_file_is_reported_and_keeps_the_cycle_from_closing(
    engine: Engine, process_dir: ProcessDir
) -> None:
    short = process_dir.path.parent / "kort-cykel.yaml"
    short.write_text(
        "key: kort-cykel\nname: Kort cykel\nversion: 1\nphases:\n"
        "  - key: lagesbild\n    name: Lägesbild\n    items:\n"
        "      - {key: lb, title: Lägesbild klar, owner: samordnare, evidence: dokument}\n"
        "  - key: uppfoljning\n    name: Uppföljning\n    items:\n"
        "      - {key: up, title: Uppföljd, owner: kommunpolis, evidence: dokument}\n",
        encoding="utf-8",
    )
    f = Driver(engine, "fagersta", ON)
    f.load(EXAMPLES / "fagersta.yaml")
    f(cycle.start_cycle, SAMORDNARE, "kort-cykel")
    short.unlink()
    assert f(cycle.complete_item, SAMORDNARE, "lb", doc("Lägesbild")).opened_phase == "Uppföljning"  # its own copy
    view = f(lambda s, a: cycle.cycle_status(s, a.org_key, a.on), SAMORDNARE)
    assert view.definition_notice == (
        "Processbeskrivningen 'kort-cykel' finns inte längre; cykeln följer den version den startade med "
        f"({view.definition_version}), och nästa cykel kan inte starta förrän filen finns igen."
    )
    with pytest.raises(RefusedError) as refused:
        f(cycle.complete_item, KOMMUNPOLIS, "up", doc("Uppföljning"))
    assert str(refused.value).startswith(
        "Cykel 1 kan inte avslutas, eftersom nästa cykel startar på den aktuella processbeskrivningen: "
        "processdefinitionen 'kort-cykel' finns inte"
    )
    assert items(engine)["up"].status == ItemStatus.OPEN


def test_two_upgrades_at_once_apply_once(d: Driver, db_url: str, process_dir: ProcessDir) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("real concurrent transactions need PostgreSQL")
    process_dir.edit(VERSION_2, (OLD_INITIERA_ITEM, NEW_INITIERA_ITEM))
    results = at_once(
        d.engine,
        [lambda s: upgrade.upgrade_definition(s, Actor.simulated("fagersta", SAMORDNARE, ON)) for _ in range(2)],
    )
    assert sorted(type(r).__name__ for r in results) == ["RefusedError", "UpgradeResult"], results
    assert d.audit_actions().count("cycle.upgrade_definition") == 1
    with Session(d.engine) as session:
        assert len(session.exec(select(ChecklistItem).where(ChecklistItem.key == "arkiv-ordnat")).all()) == 1


def test_an_open_item_the_file_dropped_is_removed_and_its_reminders_stop(d: Driver, process_dir: ProcessDir) -> None:
    d(cycle.set_deadline, KOMMUNDIREKTOR, "kommunikationsplan", date(2027, 2, 1))
    assert run(d.engine, at(date(2027, 1, 25)), kinds=["item_deadline"])["actions"] == {"paminnelse-7": 1}
    process_dir.edit(
        (OLD_INITIERA_ITEM, OLD_INITIERA_ITEM.split("      - key: kommunikationsplan")[0]),
    )
    result = d(upgrade.upgrade_definition, SAMORDNARE)
    assert result.changes == [
        "borttagen punkt i Initiera samverkan: Kommunikationsansvarig är utsedd och en kommunikationsplan är "
        "påbörjad [kommunikationsplan]"
    ]
    assert "kommunikationsplan" not in items(d.engine)
    with Session(d.engine) as session:
        reminder = session.exec(select(Notification).where(Notification.related_type == Related.ITEM)).one()
    assert (reminder.status, reminder.last_error) == (
        NotificationStatus.CANCELLED,
        "stoppad: punkten finns inte längre",
    )


def test_the_cycle_page_reads_the_pinned_copy_once_per_stored_content(d: Driver) -> None:
    """On PostgreSQL the cycle page reads the pinned copy (58 kB with 400 items) only when its digest is new to the
    process; a copy changed in the database is read and followed at once, on every database."""
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        if re.search(r"cycle\.definition_snapshot(,| FROM| AS cycle_definition_snapshot)", sql):
            reads.append(sql)

    status = lambda: d(lambda s, a: cycle.cycle_status(s, a.org_key, a.on), SAMORDNARE)  # noqa: E731
    event.listen(d.engine, "before_cursor_execute", seen)
    try:
        first = status()
        again = status()
        copied = the_cycle(d.engine).definition_snapshot
        copied["definition"]["name"] = "Omdöpt i databasen"
        with Session(d.engine) as session:
            session.execute(update(Cycle).values(definition_snapshot=copied))
            session.commit()
        reads.clear()
        changed = status()
        read_changed = len(reads)
        again_changed = status()
    finally:
        event.remove(d.engine, "before_cursor_execute", seen)
    assert first.definition == again.definition == load_definition("samverkan").name != "Omdöpt i databasen"
    assert changed.definition == again_changed.definition == "Omdöpt i databasen"
    assert read_changed == 1  # the changed copy is read (on SQLite with the cycle, on PostgreSQL by its new digest)
    if d.engine.dialect.name == "postgresql":
        assert len(reads) == 1  # and only once

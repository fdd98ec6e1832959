"""södra Lappland: one agreement, six kommuners' KSO and the LPO head sign; two-year medborgarlöften."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.cli.main import app
from samverkan.models import Agreement, CitizenPromise, Signature
from samverkan.models.enums import AgreementStatus
from samverkan.services import agreements
from samverkan.services.errors import ConflictError, RefusedError
from tests.conftest import EXAMPLES
from tests.drive import Driver, agree_on, promise_text

ON = date(2027, 2, 1)
KSO = {
    "lycksele": "anna.lyckselesson@lycksele.example",
    "vilhelmina": "bo.vilhelminasson@vilhelmina.example",
    "storuman": "cecilia.storumansdotter@storuman.example",
    "sorsele": "dennis.sorselesson@sorsele.example",
    "mala": "emma.malasdotter@mala.example",
    "asele": "filip.aselesson@asele.example",
}
LPO = "gunnar.lokalpolischef@polisen.example"
SAMORDNARE = "greta.samordnare@lycksele.example"


@pytest.fixture
def lappland(engine: Engine) -> Driver:
    driver = Driver(engine, "sodra-lappland", ON)
    driver.load(EXAMPLES / "sodra-lappland.yaml")
    return driver


def test_seven_parties_sign_the_joint_agreement_through_the_service_layer(lappland: Driver) -> None:
    agree_on(lappland, by=SAMORDNARE)
    results = [lappland(agreements.sign, KSO[kommun]) for kommun in KSO]
    assert [r.status for r in results[:-1]] == [AgreementStatus.PENDING_SIGNATURES] * 5
    assert results[-1].status == AgreementStatus.PENDING_SIGNATURES
    assert results[-1].missing == ["Lokalpolisområde Södra Lappland"]
    assert len(results[2].missing) == 4  # lycksele, vilhelmina, storuman signed: 3 kommuner + LPO left
    final = lappland(agreements.sign, LPO)
    assert final.status == AgreementStatus.SIGNED and final.missing == []
    with pytest.raises(RefusedError, match="är redan undertecknad av alla parter"):
        lappland(agreements.sign, KSO["mala"])
    with Session(lappland.engine) as session:
        assert len(session.exec(select(Signature).where(Signature.subject_type == "agreement")).all()) == 7


def test_each_kommun_has_its_own_two_year_promise_signed_by_its_kso_and_the_police(lappland: Driver) -> None:
    with pytest.raises(Exception, match="ange vilken kommuns medborgarlöfte"):
        lappland(agreements.sign, KSO["mala"], "promise")
    with pytest.raises(Exception, match="kan inte skriva under Medborgarlöfte Vilhelmina kommun"):
        lappland(agreements.sign, KSO["mala"], "promise", "vilhelmina")
    promise_text(lappland, "vilhelmina", by=SAMORDNARE)
    first = lappland(agreements.sign, KSO["vilhelmina"], "promise", "vilhelmina")
    assert first.missing == ["Lokalpolisområde Södra Lappland"]
    done = lappland(agreements.sign, LPO, "promise", "vilhelmina")
    assert done.status == AgreementStatus.SIGNED
    with Session(lappland.engine) as session:
        promises = session.exec(select(CitizenPromise)).all()
        assert len(promises) == 6
        assert {(p.period_start, p.period_end) for p in promises} == {(date(2027, 1, 1), date(2028, 12, 31))}


def test_renewal_creates_a_new_version_and_keeps_the_old(lappland: Driver) -> None:
    with pytest.raises(RefusedError, match="version 1 är inte undertecknad än"):
        lappland(agreements.renew_agreement, SAMORDNARE, starts_on=date(2031, 1, 1), ends_on=date(2034, 12, 31))
    agree_on(lappland, by=SAMORDNARE)
    for email in [*KSO.values(), LPO]:
        lappland(agreements.sign, email)
    renewed = lappland(agreements.renew_agreement, SAMORDNARE, starts_on=date(2031, 1, 1), ends_on=date(2034, 12, 31))
    assert renewed.version == 2
    agree_on(lappland, by=SAMORDNARE)  # the new period's content: its own problem, terms and goal
    for email in [*KSO.values(), LPO]:
        lappland(agreements.sign, email)
    with Session(lappland.engine) as session:
        versions = session.exec(select(Agreement).order_by(Agreement.version)).all()
        assert [(a.version, a.status) for a in versions] == [
            (1, AgreementStatus.SUPERSEDED),
            (2, AgreementStatus.SIGNED),
        ]
        assert versions[1].previous_id == versions[0].id
        assert len(session.exec(select(CitizenPromise).where(CitizenPromise.agreement_id == versions[1].id)).all()) == 6


def test_promise_renewal_keeps_the_previous_version(lappland: Driver) -> None:
    promise_text(lappland, "lycksele", by=SAMORDNARE)
    lappland(agreements.sign, KSO["lycksele"], "promise", "lycksele")
    lappland(agreements.sign, LPO, "promise", "lycksele")
    renewed = lappland(agreements.renew_promise, SAMORDNARE, kommun="lycksele", starts_on=date(2029, 1, 1))
    assert (renewed.version, renewed.title, renewed.period_end) == (
        2,
        "Medborgarlöfte Lycksele kommun 2029",
        date(2030, 12, 31),
    )


def test_seven_sign_offs_through_the_cli(engine: Engine, db_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(EXAMPLES / "sodra-lappland.yaml"), "--db", db_url]).exit_code == 0
    sign = ["sign", "sodra-lappland", "agreement", "--as", LPO, "--date", "2027-02-01", "--db", db_url]
    early = runner.invoke(app, sign)
    assert early.exit_code == 1 and early.stdout == ""
    assert early.stderr.startswith(
        "fel: Gemensam samverkansöverenskommelse för södra Lappland (version 1) kan inte skrivas under förrän "
        "innehållet är komplett. Det saknas:\n  - revisionsdatum\n"
    )
    agree_on(Driver(engine, "sodra-lappland", ON), by=SAMORDNARE)
    outputs = []
    for email in [*KSO.values(), LPO]:
        result = runner.invoke(
            app, ["sign", "sodra-lappland", "agreement", "--as", email, "--date", "2027-02-01", "--db", db_url]
        )
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    assert outputs[0].startswith("Gemensam samverkansöverenskommelse för södra Lappland: väntar på underskrift\n")
    assert "Underskrift saknas från: " in outputs[0] and outputs[0].count(",") == 5
    assert outputs[-1] == "Gemensam samverkansöverenskommelse för södra Lappland: undertecknad\n"
    again = runner.invoke(app, ["sign", "sodra-lappland", "--as", LPO, "--db", db_url])
    assert again.exit_code == 1 and again.stderr.startswith("fel: Gemensam samverkansöverenskommelse")


def test_conflict_message_names_who_signed(lappland: Driver) -> None:
    agree_on(lappland, by=SAMORDNARE)
    lappland(agreements.sign, KSO["asele"])
    with pytest.raises(ConflictError, match=r"Åsele kommun har redan skrivit under .*\(Filip Åselesson, 2\d{3}-"):
        lappland(agreements.sign, KSO["asele"])


def test_a_cycle_for_the_joint_area_is_driven_by_all_six_samordnare(lappland: Driver) -> None:
    from samverkan.services import cycle
    from tests.drive import doc

    assert lappland(cycle.start_cycle, "hugo.samordnare@vilhelmina.example").number == 1
    lappland(cycle.complete_item, "lovisa.samordnare@asele.example", "kommunikationsplan", doc("Gemensam plan"))
    lappland(cycle.complete_item, "frida.kommunpolis@polisen.example", "roller-och-ansvar", doc("Roller"))
    with pytest.raises(Exception, match="det kräver rollen Samordnare Lycksele eller Samordnare Malå"):
        lappland(cycle.complete_item, KSO["mala"], "organisation-utsedd", doc("x"))

"""The agreement's and the medborgarlöftenas content, through the service layer: content chosen from the cycle,
signatures that bind one text by its hash, new versions on change, no overlap, the version in force, and the
watered-down risk."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.database import session_scope
from samverkan.models import Agreement, CitizenPromise, Cycle, Signature
from samverkan.models.enums import ActivityStatus, AgreementStatus, CausePerspective
from samverkan.services import agreement_content, agreements, handover, promises, substance
from samverkan.services.access import find_person
from samverkan.services.agreement_text import agreement_content as content_of
from samverkan.services.agreement_text import content_hash
from samverkan.services.agreement_view import SigningView, agreement_page, promises_page
from samverkan.services.errors import NotPermittedError, RefusedError
from samverkan.services.overview import find_organisation
from samverkan.services.packets import render_packet
from tests.drive import KOMMUNPOLIS, LPO_CHEF, NY_KSO, SAMORDNARE, Driver, agree_on, fagersta_with_cycle

DAY = date(2027, 1, 11)


@pytest.fixture
def d(engine: Engine) -> Driver:
    """Fagersta in cycle 1 with one prioritised problem and its causes, and a new KSO who signs."""
    driver = fagersta_with_cycle(engine, DAY)
    driver(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=DAY)
    problem = driver(substance.add_problem, SAMORDNARE, title="Skadegörelse i centrum kvällstid")
    driver(substance.add_problem, SAMORDNARE, title="Nedskräpning vid stationen")
    driver(substance.prioritise, SAMORDNARE, problem_id=problem.id, rank=1, rationale="Mest frekvent")
    driver(
        substance.add_cause,
        KOMMUNPOLIS,
        problem_id=problem.id,
        perspective=CausePerspective.PLACE,
        description="Dålig belysning vid torget",
    )
    driver.problem_id = problem.id  # type: ignore[attr-defined]
    return driver


def _content(d: Driver) -> None:
    """The agreement's content, complete, with the fixture's prioritised problem."""
    agree_on(d, [d.problem_id])  # type: ignore[attr-defined]


def _indicator(d: Driver, key: str) -> int:
    from samverkan.models import Indicator

    with Session(d.engine) as session:
        return session.exec(select(Indicator.id).where(Indicator.key == key)).one()  # type: ignore[return-value]


def _versions(d: Driver) -> list[Agreement]:
    with Session(d.engine) as session:
        return list(session.exec(select(Agreement).order_by(Agreement.version)).all())


def _in_force(d: Driver, on: date) -> int | None:
    with Session(d.engine) as session:
        found = agreement_content.agreement_in_force(session, find_organisation(session, "fagersta"), on)
        return found.version if found else None


def _state(d: Driver) -> agreement_content.AgreementState:
    with Session(d.engine) as session:
        cycle = session.exec(select(Cycle)).one()
        return agreement_content.agreement_state(session, cycle)


def test_content_is_chosen_from_the_cycle_and_complete(d: Driver) -> None:
    before = _state(d)
    assert "minst ett prioriterat problem" in before.missing_content
    assert before.uncovered_problems == ["Skadegörelse i centrum kvällstid"] and not before.adopted_in_cycle
    _content(d)
    state = _state(d)
    assert state.missing_content == [] and state.adopted_in_cycle and state.uncovered_problems == []
    assert state.problems() == ["underskrift saknas från Fagersta kommun, Lokalpolisområde Norra Västmanland"]
    with Session(d.engine) as session:
        text = content_of(session, session.exec(select(Agreement)).one()).text()
    assert "1. Skadegörelse i centrum kvällstid" in text
    assert "Orsak 1 (plats/objekt, direkt): Dålig belysning vid torget" in text
    assert "Utgångsvärde: 11\u00a0777 per 100 000 inv. (2020). Målvärde: 10\u00a0000 per 100 000 inv. (2030)" in text
    # a problem that is not prioritised, or not in this cycle, is refused
    with Session(d.engine) as session:
        from samverkan.models import Problem

        other = session.exec(select(Problem).where(Problem.title == "Nedskräpning vid stationen")).one().id
    with pytest.raises(RefusedError, match="inte prioriterat"):
        d(agreement_content.cover_problem, SAMORDNARE, problem_id=other)
    with pytest.raises(NotPermittedError):
        d(agreement_content.cover_problem, LPO_CHEF, problem_id=d.problem_id)  # type: ignore[attr-defined]


def test_a_signature_binds_the_text_by_its_hash_and_a_change_makes_a_new_version(d: Driver) -> None:
    _content(d)
    with Session(d.engine) as session:
        first_text = content_of(session, session.exec(select(Agreement)).one()).text()
    with pytest.raises(RefusedError, match="har ändrats sedan du läste den"):
        d(agreements.sign, NY_KSO, content_hash="0" * 64)
    d(agreements.sign, NY_KSO, content_hash=content_hash(first_text))
    assert _in_force(d, DAY) is None  # one party is not enough
    d(agreements.sign, LPO_CHEF)
    with Session(d.engine) as session:
        hashes = {s.content_hash for s in session.exec(select(Signature)).all()}
        stored = session.exec(select(Agreement)).one().content_text
    assert hashes == {content_hash(first_text)} and stored == first_text
    assert _in_force(d, DAY) == 1 and _state(d).ok

    # changing signed content: a new version that needs new signatures; the signed one stays in force
    d(agreement_content.remove_goal, SAMORDNARE, goal_number=1)
    v1, v2 = _versions(d)
    assert (v2.version, v2.status, v2.previous_id, v2.content_text) == (2, AgreementStatus.DRAFT, v1.id, None)
    assert v1.status == AgreementStatus.SIGNED and _in_force(d, DAY) == 1
    state = _state(d)
    assert not state.ok and "mätbart mål" in " ".join(state.problems())
    d(
        agreement_content.add_goal,
        SAMORDNARE,
        indicator_id=_indicator(d, "ntu-utsatthet"),
        description="Lägre utsatthet.",
        target_value=15,
    )
    assert len(_versions(d)) == 2  # an unsigned draft is edited in place
    d(agreements.sign, LPO_CHEF)
    d(agreements.sign, NY_KSO)
    v1, v2 = _versions(d)
    assert (v1.status, v2.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.SIGNED)
    assert _in_force(d, DAY) == 2 and _state(d).ok


def test_a_change_while_signatures_are_pending_replaces_that_version(d: Driver) -> None:
    _content(d)
    d(agreements.sign, NY_KSO)
    d(agreement_content.cover_problem, SAMORDNARE, problem_id=d.problem_id, covered=False)  # type: ignore[attr-defined]
    v1, v2 = _versions(d)
    assert (v1.status, v2.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.DRAFT)
    assert "underskrift saknas från Fagersta kommun" in " ".join(_state(d).problems())


def test_versions_do_not_overlap_or_outlast_the_agreement(d: Driver) -> None:
    _content(d)
    d(agreements.sign, NY_KSO)
    d(agreements.sign, LPO_CHEF)
    with pytest.raises(RefusedError, match="överlappar version 1"):
        d(agreements.renew_agreement, SAMORDNARE, starts_on=date(2030, 1, 1), ends_on=date(2033, 12, 31))
    with pytest.raises(RefusedError, match="får inte gälla längre än överenskommelsen"):
        d(
            agreement_content.set_terms,
            SAMORDNARE,
            period_start=date(2027, 3, 1),
            period_end=date(2030, 12, 31),
            review_on=date(2028, 12, 31),
        )
    # a promise renewal must follow the current promise and stays inside the agreement
    d(promises.set_promise_text, SAMORDNARE, text="Vi lovar tryggare kvällar i centrum.")
    d(promises.add_activity, SAMORDNARE, title="Trygghetsvandringar", owner_party="lpo-norra-vastmanland")
    d(agreements.sign, NY_KSO, what="promise")
    d(agreements.sign, LPO_CHEF, what="promise")
    with pytest.raises(RefusedError, match="måste börja efter det nuvarande"):
        d(agreements.renew_promise, SAMORDNARE, starts_on=date(2027, 6, 1))
    renewed = d(agreements.renew_promise, SAMORDNARE, starts_on=date(2030, 6, 1))
    assert renewed.period_end == date(2030, 12, 31)  # clipped to the agreement's end
    renewed_agreement = d(
        agreements.renew_agreement, SAMORDNARE, starts_on=date(2031, 1, 1), ends_on=date(2034, 12, 31)
    )
    assert renewed_agreement.version == 2 and _in_force(d, date(2031, 2, 1)) is None  # a draft is never in force
    assert _in_force(d, date(2030, 2, 1)) == 1


def test_promise_content_signing_communication_and_watered_down_risk(d: Driver) -> None:
    _content(d)
    d(promises.set_promise_text, SAMORDNARE, text="Vi lovar tryggare kvällar i centrum.")
    d(promises.add_activity, SAMORDNARE, title="Bättre belysning", owner_party="fagersta", due_on=date(2027, 3, 31))
    d(promises.add_activity, SAMORDNARE, title="Fler kvällspass i centrum")  # no owner: the risk the seeds name
    with pytest.raises(RefusedError, match="inte part i medborgarlöftet"):
        d(promises.add_activity, SAMORDNARE, title="X", owner_party="lansstyrelsen-vastmanland")
    with Session(d.engine) as session:
        cycle = session.exec(select(Cycle)).one()
        (state,) = promises.promise_state(session, cycle, date(2027, 4, 15))
    assert state.missing_content == []
    assert state.risks == [
        "Aktivitet 1 (Bättre belysning): försenad (skulle vara klar 2027-03-31)",
        "Aktivitet 2 (Fler kvällspass i centrum): ingen ansvarig part",
        "Ingen aktivitet har Lokalpolisområde Norra Västmanland som ansvarig part",
    ]
    with pytest.raises(RefusedError, match="inte undertecknat"):
        d(promises.communicate, SAMORDNARE, communicated_on=DAY, communicated_how="Lokaltidningen")
    d(agreements.sign, NY_KSO, what="promise")
    d(agreements.sign, LPO_CHEF, what="promise")
    # follow-up needs no new signatures; a new activity does
    d(promises.follow_up_activity, SAMORDNARE, activity_number=1, status=ActivityStatus.DONE, follow_up="Klart")
    d(promises.communicate, SAMORDNARE, communicated_on=DAY, communicated_how="Lokaltidningen och kommunens webb")
    with Session(d.engine) as session:
        cycle = session.exec(select(Cycle)).one()
        (state,) = promises.promise_state(session, cycle, date(2027, 4, 15))
        assert promises.promises_ok(session, cycle, DAY) == []
    assert state.signed and state.communicated and len(state.risks) == 2
    d(promises.add_activity, SAMORDNARE, title="Polisens kvällspass", owner_party="lpo-norra-vastmanland")
    with Session(d.engine) as session:
        rows = session.exec(select(CitizenPromise).order_by(CitizenPromise.version)).all()
        assert [(p.version, p.status) for p in rows] == [(1, AgreementStatus.SIGNED), (2, AgreementStatus.DRAFT)]
        cycle = session.exec(select(Cycle)).one()
        problems = promises.promises_ok(session, cycle, DAY)
        in_force = agreement_content.promises_in_force(session, find_organisation(session, "fagersta"), DAY)
    assert in_force[0].version == 1
    assert any("underskrift saknas" in line for line in problems)
    assert any("inte registrerat när och hur" in line for line in problems)


def _packet(d: Driver, name: str, folder: Path) -> str:
    with session_scope(d.engine) as session:
        path = render_packet(session, "fagersta", name, date(2027, 2, 1), "styrgrupp", folder, pdf=False)
    return path.read_text(encoding="utf-8")


def test_packets_show_the_version_in_force_and_the_promises_risks(d: Driver, tmp_path: Path) -> None:
    _content(d)
    d(agreements.sign, NY_KSO)
    d(agreements.sign, LPO_CHEF)
    d(promises.set_promise_text, SAMORDNARE, text="Vi lovar tryggare kvällar i centrum.")
    d(promises.add_activity, SAMORDNARE, title="Fler kvällspass", due_on=date(2027, 1, 31))
    d(agreements.sign, NY_KSO, what="promise")
    d(agreements.sign, LPO_CHEF, what="promise")
    d(agreement_content.remove_goal, SAMORDNARE, goal_number=1)  # version 2: a draft, not in force

    plans = _packet(d, "atgardsplaner", tmp_path / "plans")
    assert (
        "Gällande version: <strong>Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten</strong>, "
        + ("version 1")
        in plans
    )
    assert "Undertecknad av Fagersta kommun: Nadja Nyval (Kommunstyrelsens ordförande) " in plans
    assert "Version 2 (utkast, period" in plans and "underskrift saknas från Fagersta kommun" in plans
    assert "<h4>Mätbara mål (version 1)</h4>" in plans  # the version in force, not the newest draft
    assert "1. Färre anmälda skadegörelsebrott i centrum. (Skadegörelse i centrum kvällstid)" in plans
    assert "(version 1, gäller)" in plans and "Vi lovar tryggare kvällar i centrum." in plans
    assert "<td>1. Fler kvällspass</td><td>ingen ansvarig part</td>" in plans
    assert "Risk för urvattnat löfte:</strong> Aktivitet 1 (Fler kvällspass): ingen ansvarig part; " in plans
    assert "försenad (skulle vara klar 2027-01-31)" in plans
    assert "Det är inte registrerat när och hur löftet kommunicerades." in plans

    signing = _packet(d, "overenskommelse", tmp_path / "signing")
    assert "<h4>Mätbara mål i förslaget (version 2)</h4>" in signing and "Inga mätbara mål är formulerade." in signing
    assert "Innehållet saknar: minst ett mätbart mål kopplat till en indikator." in signing


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_the_cli_writes_signs_and_shows_the_agreement_and_the_promise(db_url: str) -> None:
    from tests.conftest import EXAMPLES
    from tests.test_cli_cycle import Cli

    cli = Cli(db_url)
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    cli("cycle", "start", "fagersta", who=SAMORDNARE)
    cli("handover", "fagersta", "kso", "--to", NY_KSO, "--name", "Nadja Nyval", "--from", "2027-01-01", who=SAMORDNARE)
    refused = cli("sign", "fagersta", who=NY_KSO, ok=False)  # nothing written yet: refused, naming what is missing
    assert refused.startswith(
        "fel: Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten (version 1) kan inte skrivas "
        "under förrän innehållet är komplett. Det saknas:\n  - revisionsdatum\n  - minst ett prioriterat problem\n"
    )
    assert "fel: Medborgarlöfte Fagersta kommun 2027 (version 1) kan inte skrivas under" in cli(
        "sign", "fagersta", "promise", who=LPO_CHEF, ok=False
    )
    problem = cli("problem", "add", "fagersta", "Skadegörelse i centrum", who=SAMORDNARE).split()[2].rstrip(":")
    cli("problem", "prioritise", "fagersta", problem, "--rank", "1", who=SAMORDNARE)
    cli("agreement", "problem", "fagersta", problem, who=SAMORDNARE)
    cli(
        "agreement",
        "goal",
        "fagersta",
        "--indicator",
        "1",
        "--text",
        "Färre brott.",
        "--target",
        "9000",
        who=SAMORDNARE,
    )
    terms = ["--from", "2027-01-01", "--to", "2030-12-31", "--review", "2028-12-31"]
    cli(
        "agreement",
        "terms",
        "fagersta",
        *terms,
        "--documentation",
        "Protokoll",
        "--follow-up",
        "Kvartalsvis",
        who=SAMORDNARE,
    )
    shown = cli("agreement", "show", "fagersta", "--date", "2027-01-11")
    assert "1. Skadegörelse i centrum" in shown and "Målvärde: 9\u00a0000" in shown and "Innehållet saknar" not in shown
    cli("sign", "fagersta", who=NY_KSO)
    cli("sign", "fagersta", who=LPO_CHEF)
    data = json.loads(cli("agreement", "show", "fagersta", "--date", "2027-01-11", "--json"))
    assert data["version_in_force"] == 1 and data["signing"]["complete"]
    assert {s["binds_text"] for s in data["signing"]["signers"]} == {True}

    cli("promise", "text", "fagersta", "--text", "Tryggare kvällar.", who=SAMORDNARE)
    cli("promise", "activity", "fagersta", "--title", "Kvällspass", "--owner", "lpo-norra-vastmanland", who=SAMORDNARE)
    cli("promise", "activity", "fagersta", "--title", "Belysning", "--due", "2027-01-31", who=SAMORDNARE)
    cli("sign", "fagersta", "promise", who=NY_KSO)
    cli("sign", "fagersta", "promise", who=LPO_CHEF)
    cli("promise", "follow-up", "fagersta", "1", "--status", "pagaende", "--text", "Två pass i veckan", who=SAMORDNARE)
    cli("promise", "communicated", "fagersta", "--on", "2027-01-11", "--how", "Lokaltidningen", who=SAMORDNARE)
    listed = cli("promise", "list", "fagersta", "--date", "2027-02-15")
    assert "gäller: version 1; 2 aktiviteter; 2 risker; kommunicerat 2027-01-11" in listed
    detail = cli("promise", "show", "fagersta", "--date", "2027-02-15")
    assert "! Aktivitet 2 (Belysning): ingen ansvarig part" in detail
    assert (
        "1. Kvällspass – Lokalpolisområde Norra Västmanland, senast ej angivet, pågående: Två pass i veckan" in detail
    )
    refused = cli("promise", "activity", "fagersta", "--title", "X", "--owner", "nej", who=SAMORDNARE, ok=False)
    assert "'nej' är inte part i medborgarlöftet" in refused


def test_a_version_signed_before_texts_were_bound_stays_in_force(d: Driver) -> None:
    _content(d)
    d(agreements.sign, NY_KSO)
    d(agreements.sign, LPO_CHEF)
    with session_scope(d.engine) as session:  # as rows migrated from before 0008 look: no text, no hashes
        for signature in session.exec(select(Signature)).all():
            signature.content_hash = None
            session.add(signature)
        agreement = session.exec(select(Agreement)).one()
        agreement.content_text = None
        session.add(agreement)
    assert _in_force(d, DAY) == 1
    d(agreement_content.remove_goal, SAMORDNARE, goal_number=1)
    assert [v.version for v in _versions(d)] == [1, 2] and _in_force(d, DAY) == 1


def _nothing_signed(d: Driver, subject: type[Agreement] | type[CitizenPromise], actions: list[str]) -> None:
    """No signature row, the text not frozen, still a draft, and no audit entry since `actions`."""
    with Session(d.engine) as session:
        assert session.exec(select(Signature)).all() == []
        row = session.exec(select(subject)).one()
        assert (row.content_text, row.status) == (None, AgreementStatus.DRAFT)
    assert d.audit_actions() == actions


def test_an_incomplete_agreement_cannot_be_signed_and_the_refusal_says_what_is_missing(d: Driver) -> None:
    before = d.audit_actions()
    with pytest.raises(RefusedError) as refused:
        d(agreements.sign, NY_KSO)
    assert str(refused.value).startswith(
        "Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten (version 1) kan inte skrivas under "
        "förrän innehållet är komplett. Det saknas:\n  - revisionsdatum\n  - minst ett prioriterat problem\n"
    )
    assert refused.value.missing == [
        "revisionsdatum",
        "minst ett prioriterat problem",
        "minst ett mätbart mål kopplat till en indikator",
        "hur arbetet dokumenteras",
        "hur arbetet följs upp",
    ]
    assert refused.value.missing == _state(d).missing_content  # the same list the exit criteria read
    _nothing_signed(d, Agreement, before)

    # a goal on an indicator without a baseline, and no target: named by its number
    d(agreement_content.cover_problem, SAMORDNARE, problem_id=d.problem_id)  # type: ignore[attr-defined]
    d(agreement_content.add_goal, SAMORDNARE, indicator_id=_indicator(d, "scb-trygghet"), description="Tryggare.")
    partly = d.audit_actions()
    with pytest.raises(RefusedError) as refused:
        d(agreements.sign, LPO_CHEF)
    assert refused.value.missing == [
        "revisionsdatum",
        "hur arbetet dokumenteras",
        "hur arbetet följs upp",
        "mål 1 saknar utgångsvärde eller målvärde",
    ]
    _nothing_signed(d, Agreement, partly)

    d(agreement_content.remove_goal, SAMORDNARE, goal_number=1)
    d(agreement_content.cover_problem, SAMORDNARE, problem_id=d.problem_id, covered=False)  # type: ignore[attr-defined]
    _content(d)
    result = d(agreements.sign, NY_KSO)
    assert result.status == AgreementStatus.PENDING_SIGNATURES and result.signed == ["Fagersta kommun"]
    with Session(d.engine) as session:
        agreement = session.exec(select(Agreement)).one()
        assert agreement.content_text == content_of(session, agreement).text()
    assert d.audit_actions()[-1] == "sign"


def test_an_incomplete_promise_cannot_be_signed_and_the_refusal_says_what_is_missing(d: Driver) -> None:
    _content(d)
    before = d.audit_actions()
    with pytest.raises(RefusedError) as refused:
        d(agreements.sign, NY_KSO, what="promise")
    assert "Medborgarlöfte Fagersta kommun 2027 (version 1) kan inte skrivas under förrän innehållet är komplett" in (
        str(refused.value)
    )
    assert refused.value.missing == ["löftets text", "minst en aktivitet"]
    _nothing_signed(d, CitizenPromise, before)
    d(promises.set_promise_text, SAMORDNARE, text="Vi lovar tryggare kvällar i centrum.")
    with_text = d.audit_actions()
    with pytest.raises(RefusedError) as refused:
        d(agreements.sign, LPO_CHEF, what="promise")
    assert refused.value.missing == ["minst en aktivitet"]
    _nothing_signed(d, CitizenPromise, with_text)
    d(promises.add_activity, SAMORDNARE, title="Trygghetsvandringar", owner_party="lpo-norra-vastmanland")
    assert d(agreements.sign, LPO_CHEF, what="promise").missing == ["Fagersta kommun"]
    with Session(d.engine) as session:
        assert session.exec(select(CitizenPromise)).one().content_text is not None


def test_the_pages_offer_no_signing_while_the_content_is_incomplete_and_show_what_is_missing(d: Driver) -> None:
    def signing(what: str) -> SigningView:
        with Session(d.engine) as session:
            fagersta, kso = find_organisation(session, "fagersta"), find_person(session, NY_KSO)
            if what == "agreement":
                return agreement_page(session, fagersta, kso, DAY)["signing"]  # type: ignore[no-any-return]
            return promises_page(session, fagersta, kso, DAY)["entries"][0]["signing"]  # type: ignore[no-any-return]

    early = signing("agreement")
    assert early.mine == [] and early.missing_before_signing == early.missing
    assert "hur arbetet följs upp" in early.missing_before_signing
    assert signing("promise").missing_before_signing == ["löftets text", "minst en aktivitet"]
    _content(d)
    ready = signing("agreement")
    assert ready.mine == ["Fagersta kommun"] and ready.missing_before_signing == ready.missing == []
    assert signing("promise").mine == []

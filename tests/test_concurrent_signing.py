"""A signature and an edit of the same version's content at the same moment, on SQLite and PostgreSQL, with two real
connections in two threads forced into each order (tests/interleave.py). Both take the version's row lock
(services/agreements.py::lock_subject) before they look at it, so whichever comes second sees what the first did:

- signed first: the edit makes a new version; the signed version keeps the text its signature binds;
- edited first: the signer who read the text before the edit is refused (the text changed), and the one who reads
  the new text signs that.

Never an edit in place of a signed version. On SQLite the writers are the web app's (`WebState.write()`), whose
writer's turn the row lock takes: the same interleavings, the same outcomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from samverkan.database import session_scope
from samverkan.models import Agreement, CitizenPromise, Organisation, Signature
from samverkan.models.enums import AgreementStatus
from samverkan.services import agreement_content, agreements, handover, promises
from samverkan.services.agreement_content import changed_since_signing, signatures_of
from samverkan.services.agreement_text import content_hash, text_to_sign
from samverkan.services.errors import ConflictError, RefusedError
from samverkan.services.inputs import AddActivity, AddGoal, RenewAgreement, RenewPromise, Signing
from samverkan.services.overview import find_organisation
from tests.drive import (
    LPO_CHEF,
    NY_KSO,
    SAMORDNARE,
    Driver,
    agree_on,
    fagersta_with_cycle,
    indicator_id,
    promise_text,
)
from tests.interleave import writers

DAY = date(2027, 1, 11)
Subject = Agreement | CitizenPromise


@pytest.fixture
def d(engine: Engine) -> Driver:
    """Fagersta in cycle 1: the agreement's content and the medborgarlöfte's complete, nothing signed."""
    driver = fagersta_with_cycle(engine, DAY)
    agree_on(driver)
    promise_text(driver)
    return driver


def _versions(d: Driver, what: str) -> list[Subject]:
    with Session(d.engine) as session:
        model = Agreement if what == "agreement" else CitizenPromise
        return list(session.exec(select(model).order_by(col(model.version))).all())


def _edit(d: Driver, what: str) -> Callable[[Session], Any]:
    """A change of what the parties sign: a second goal in the agreement, a second activity in the promise."""
    if what == "agreement":
        goal = AddGoal(
            indicator_id=indicator_id(d.engine, "anmalda-brott", "fagersta"),
            description="Färre anmälda brott i centrum kvällstid.", target_value=9000, target_year=2030,
        )  # fmt: skip
        return lambda session: agreement_content.add_goal(session, d.actor(SAMORDNARE), goal)
    activity = AddActivity(title="Trygghetsvandring i centrum", owner_party="lpo-norra-vastmanland")
    return lambda session: promises.add_activity(session, d.actor(SAMORDNARE), activity)


def _sign(d: Driver, what: str, read: str | None = None) -> Callable[[Session], Any]:
    """The police's signatory signs; `read`: the hash of the text they read (the signing form sends it)."""
    signing = Signing(what="agreement" if what == "agreement" else "promise", content_hash=read)
    return lambda session: agreements.sign(session, d.actor(LPO_CHEF), signing)


def _text_now(d: Driver, subject: Subject) -> str:
    with Session(d.engine) as session:
        organisation = find_organisation(session, d.org_key)
        return text_to_sign(session, organisation, session.get(type(subject), subject.id))  # type: ignore[arg-type]


def _facts(d: Driver, subject: Subject) -> tuple[Subject, list[Signature], bool]:
    """The version as stored now, its signatures, and whether its rows still make the text it froze."""
    with Session(d.engine) as session:
        organisation: Organisation = find_organisation(session, d.org_key)
        stored = session.get(type(subject), subject.id)
        assert stored is not None
        return stored, signatures_of(session, stored), changed_since_signing(session, organisation, stored)


@pytest.mark.parametrize("what", ["agreement", "promise"])
def test_signed_first_the_edit_makes_a_new_version(d: Driver, what: str) -> None:
    [first] = _versions(d, what)
    with writers(d.engine) as both:
        signed, edited = both.first_then_second(_sign(d, what), _edit(d, what))
    assert isinstance(signed, agreements.SigningResult), signed
    assert not isinstance(edited, BaseException), edited
    # the signed version keeps the text its signature binds; the change went into the next version
    stored, signatures, changed = _facts(d, first)
    assert [s.content_hash for s in signatures] == [content_hash(stored.content_text or "")]
    assert stored.content_text is not None
    assert not changed, "the signed version was edited in place: its rows no longer make the text signed"
    assert stored.status == AgreementStatus.SUPERSEDED  # a version waiting for signatures is replaced by the new
    versions = _versions(d, what)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].status == AgreementStatus.DRAFT and versions[1].content_text is None
    added = "Färre anmälda brott i centrum kvällstid." if what == "agreement" else "Trygghetsvandring i centrum"
    assert added in _text_now(d, versions[1]) and added not in (stored.content_text or "")


@pytest.mark.parametrize("what", ["agreement", "promise"])
def test_edited_first_the_signer_who_read_the_old_text_is_refused(d: Driver, what: str) -> None:
    [first] = _versions(d, what)
    read = content_hash(_text_now(d, first))  # what the signing page showed before the edit
    with writers(d.engine) as both:
        edited, refused = both.first_then_second(_edit(d, what), _sign(d, what, read))
    assert not isinstance(edited, BaseException), edited
    assert isinstance(refused, RefusedError), refused
    assert "har ändrats sedan du läste den. Läs den nya texten och skriv under igen." in str(refused)
    stored, signatures, _ = _facts(d, first)
    assert signatures == [] and stored.content_text is None and stored.status == AgreementStatus.DRAFT
    assert [v.version for v in _versions(d, what)] == [1]  # the edit went into the unsigned version, in place
    # who reads the new text signs it, and their signature binds that text
    new_text = _text_now(d, first)
    assert new_text != "" and content_hash(new_text) != read
    with Session(d.engine) as session, session.begin():
        result = _sign(d, what, content_hash(new_text))(session)
    assert result.missing, result  # one party of two has signed
    stored, signatures, changed = _facts(d, first)
    assert stored.content_text == new_text and not changed
    assert [s.content_hash for s in signatures] == [content_hash(new_text)]


@pytest.mark.parametrize("what", ["agreement", "promise"])
def test_edited_first_a_signer_without_a_hash_signs_the_edited_text(d: Driver, what: str) -> None:
    """The command line may sign without naming a text: the signature then binds the text as it stands after the
    edit it waited for, never the one from before."""
    [first] = _versions(d, what)
    before = _text_now(d, first)
    with writers(d.engine) as both:
        edited, signed = both.first_then_second(_edit(d, what), _sign(d, what))
    assert not isinstance(edited, BaseException), edited
    assert isinstance(signed, agreements.SigningResult), signed
    stored, signatures, changed = _facts(d, first)
    assert stored.content_text is not None and stored.content_text != before and not changed
    assert [s.content_hash for s in signatures] == [content_hash(stored.content_text)]


@pytest.mark.parametrize("web", [True, False], ids=["web", "plain"])
def test_the_same_party_signing_twice_at_once_is_one_signature(d: Driver, web: bool) -> None:
    """The second waits for the first; seeing its signature (row lock, or the web's turn) or colliding with it on
    the unique key (SQLite without the web's turn, as two command-line processes), it is refused."""
    with writers(d.engine, web=web) as both:
        signed, again = both.first_then_second(_sign(d, "agreement"), _sign(d, "agreement"))
    assert isinstance(signed, agreements.SigningResult), signed
    assert isinstance(again, ConflictError), again
    assert str(again).startswith("Lokalpolisområde Norra Västmanland har redan skrivit under")
    if not web and d.engine.dialect.name == "sqlite":  # read "not signed yet", then collided on the unique key
        assert str(again).endswith("under Samverkansöverenskommelse mellan Fagersta kommun och Polismyndigheten")
    [first] = _versions(d, "agreement")
    stored, signatures, changed = _facts(d, first)
    assert len(signatures) == 1 and stored.status == AgreementStatus.PENDING_SIGNATURES and not changed


def test_a_signature_whose_transaction_fails_leaves_nothing(d: Driver) -> None:
    """The last party's signature, its status change and its audit entry are one transaction (on SQLite too)."""
    d(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=DAY)
    d(agreements.sign, LPO_CHEF)
    with pytest.raises(RuntimeError), session_scope(d.engine) as session:
        result = agreements.sign(session, d.actor(NY_KSO))
        assert result.status == AgreementStatus.SIGNED
        raise RuntimeError("the request fails after signing")
    [first] = _versions(d, "agreement")
    stored, signatures, _ = _facts(d, first)
    assert len(signatures) == 1 and stored.status == AgreementStatus.PENDING_SIGNATURES
    d(agreements.sign, NY_KSO)
    stored, signatures, _ = _facts(d, first)
    assert len(signatures) == 2 and stored.status == AgreementStatus.SIGNED


@pytest.mark.parametrize("what", ["agreement", "promise"])
def test_two_renewals_at_once_make_one_new_version(d: Driver, what: str) -> None:
    """Two coordinators renew the signed version at the same moment: the second waits for the first's lock, then
    finds the new draft and is refused in Swedish; one new version, not two (or a collision on the version)."""
    d(handover.handover, SAMORDNARE, role_key="kso", to_email=NY_KSO, to_name="Nadja Nyval", starts_on=DAY)
    subject = "agreement" if what == "agreement" else "promise"
    for signer in (NY_KSO, LPO_CHEF):
        d(agreements.sign, signer, what=subject)
    [first] = _versions(d, what)
    assert first.status == AgreementStatus.SIGNED

    def renew(session: Session) -> Any:
        if what == "agreement":
            terms = RenewAgreement(starts_on=first.period_end + timedelta(days=1), ends_on=date(2034, 12, 31))
            return agreements.renew_agreement(session, d.actor(SAMORDNARE), terms)
        with Session(d.engine) as read:
            agreement = agreements.latest_agreement(read, find_organisation(read, d.org_key))
            assert agreement is not None
            first_day = min(first.period_end + timedelta(days=1), agreement.period_end)
        return agreements.renew_promise(session, d.actor(SAMORDNARE), RenewPromise(starts_on=first_day))

    with writers(d.engine) as both:
        renewed, refused = both.first_then_second(renew, renew)
    assert not isinstance(renewed, BaseException), renewed
    assert isinstance(refused, RefusedError), refused
    assert "inte undertecknad" in str(refused) or "inte undertecknat" in str(refused)
    assert [(v.version, v.status) for v in _versions(d, what)] == [
        (1, AgreementStatus.SIGNED),
        (2, AgreementStatus.DRAFT),
    ]

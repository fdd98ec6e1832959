"""Two people acting on the same thing at the same moment, on PostgreSQL with real concurrent
connections: exactly one change is applied and the other gets a clear answer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.database import make_engine, session_scope, upgrade
from samverkan.models import Agreement, ChecklistItem, Evidence, Signature
from samverkan.models.enums import AgreementStatus, ItemStatus
from samverkan.services import agreements, cycle
from samverkan.services.errors import ConflictError
from samverkan.services.inputs import CompleteItem
from tests.conftest import EXAMPLES, PG_URL, pg_schema
from tests.drive import Driver, agree_on, doc

pytestmark = pytest.mark.skipif(PG_URL is None, reason="needs SAMVERKAN_TEST_DATABASE_URL (PostgreSQL)")
ON = date(2027, 2, 1)


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue("pg_url")
    engine = make_engine(url, pool_size=10)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with pg_schema("c") as url:
        yield url


def at_once(engine: Engine, calls: list[Callable[[Session], Any]]) -> list[Any]:
    """Run each call in its own thread and transaction, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[Session], Any]) -> None:
        barrier.wait()
        try:
            with session_scope(engine) as session:
                results[index] = call(session)
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_people_complete_the_same_item_at_once(pg_engine: Engine, attempt: int) -> None:
    umea = Driver(pg_engine, "umea", ON)
    umea.load(EXAMPLES / "umea.yaml")
    sofia, ali = "sofia.processledare@umea.example", "ali.processledare@umea.example"
    umea(cycle.start_cycle, sofia)
    results = at_once(
        pg_engine,
        [
            lambda s, who=who: cycle.complete_item(
                s, umea.actor(who), CompleteItem(item="kommunikationsplan", evidence=doc(f"Plan av {who}"))
            )
            for who in (sofia, ali)
        ],
    )
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    successes = [r for r in results if isinstance(r, cycle.Transition)]
    assert len(successes) == 1 and len(conflicts) == 1, results
    assert "är redan markerad som klar (" in str(conflicts[0])
    with Session(pg_engine) as session:
        item = session.exec(select(ChecklistItem).where(ChecklistItem.key == "kommunikationsplan")).one()
        assert item.status == ItemStatus.DONE and item.version == 2
        assert len(session.exec(select(Evidence)).all()) == 1


def test_the_same_signatory_signing_twice_at_once(pg_engine: Engine) -> None:
    fagersta = Driver(pg_engine, "fagersta", ON)
    fagersta.load(EXAMPLES / "fagersta.yaml")
    agree_on(fagersta)
    lpo = "per.polisson@polisen.example"
    results = at_once(pg_engine, [lambda s: agreements.sign(s, fagersta.actor(lpo))] * 2)
    assert sorted(type(r).__name__ for r in results) == ["ConflictError", "SigningResult"], results
    conflict = next(r for r in results if isinstance(r, ConflictError))
    assert "Lokalpolisområde Norra Västmanland har redan skrivit under" in str(conflict)
    with Session(pg_engine) as session:
        assert len(session.exec(select(Signature)).all()) == 1


def test_seven_parties_signing_at_the_same_moment_leave_it_signed(pg_engine: Engine) -> None:
    lappland = Driver(pg_engine, "sodra-lappland", ON)
    lappland.load(EXAMPLES / "sodra-lappland.yaml")
    agree_on(lappland, by="greta.samordnare@lycksele.example")
    signers = [
        "anna.lyckselesson@lycksele.example",
        "bo.vilhelminasson@vilhelmina.example",
        "cecilia.storumansdotter@storuman.example",
        "dennis.sorselesson@sorsele.example",
        "emma.malasdotter@mala.example",
        "filip.aselesson@asele.example",
        "gunnar.lokalpolischef@polisen.example",
    ]
    results = at_once(pg_engine, [lambda s, e=e: agreements.sign(s, lappland.actor(e)) for e in signers])
    assert all(isinstance(r, agreements.SigningResult) for r in results), results
    assert sum(r.status == AgreementStatus.SIGNED for r in results) == 1  # the last one in sees it complete
    with Session(pg_engine) as session:
        assert session.exec(select(Agreement)).one().status == AgreementStatus.SIGNED
        assert len(session.exec(select(Signature)).all()) == 7

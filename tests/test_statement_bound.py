"""Every page in a bounded number of SQL statements (issue 19): a listener on the engine counts what each GET
issues while a person follows every link; the cycle page's count does not grow with its checklist (no N+1)."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import utcnow
from samverkan.database import session_scope
from samverkan.models import ChecklistItem, Evidence, Person, Phase
from samverkan.models.enums import EvidenceKind, ItemStatus
from samverkan.services.sweep import sweep
from tests.counting import Counter
from tests.drive import KOMMUNPOLIS, SAMORDNARE
from tests.live import KSO, Live, fagersta_for_web, live_server

# The most statements any page may issue. Pages read a fixed set of tables; what grows with the data (items,
# measures, people, meetings) must be read in one statement per kind, not one per row.
BOUND = 60
SKIP = ("/logga-ut", "/static/", "/kalender/", "/filer/", "/api/")


def statements_per_page(client: httpx.Client, counter: Counter, start: str = "/mitt-arbete") -> dict[str, int]:
    """Every same-site HTML page reachable from `start` by GET links: path → statements its request issued."""
    seen: dict[str, int] = {}
    todo = [start, "/konto"]
    while todo:
        path = todo.pop()
        if path in seen or path.startswith(SKIP):
            continue
        counter.take()
        answer = client.get(path)
        seen[path] = counter.take()
        assert answer.status_code < 500, (path, answer.status_code)
        if "text/html" in answer.headers.get("content-type", ""):
            todo += [html.unescape(link) for link in re.findall(r'href="(/[^"#]*)', answer.text)]
    return seen


@pytest.fixture
def live(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    fagersta_for_web(engine)
    with session_scope(engine) as session:
        sweep(session, utcnow(), org_keys=["fagersta"])
    with live_server(engine, tmp_path / "data", monkeypatch) as server:
        yield server


@pytest.mark.parametrize("email", [SAMORDNARE, KOMMUNPOLIS, KSO])
def test_every_page_stays_within_the_bound(live: Live, counter: Counter, email: str) -> None:
    pages = statements_per_page(live.login(email), counter)
    assert "/org/fagersta/cykel" in pages and len(pages) >= 10, sorted(pages)
    over = {path: count for path, count in pages.items() if count > BOUND}
    assert over == {}


def _add_items(engine: Engine, first: int, count: int) -> int:
    """`count` more items in every phase, every other one done by a person with evidence; the number of phases."""
    with session_scope(engine) as session:
        person = session.exec(select(Person).where(Person.email == SAMORDNARE)).one()
        phases = session.exec(select(Phase)).all()
        for phase, n in itertools.product(phases, range(first, first + count)):
            done = n % 2 == 1
            item = ChecklistItem(
                phase_id=saved_id(phase),
                key=f"extra-{n}",
                title=f"Extra punkt {n}",
                owner_role_key="samordnare",
                evidence_kind=EvidenceKind.DOCUMENT,
                status=ItemStatus.DONE if done else ItemStatus.OPEN,
                completed_by_person_id=person.id if done else None,
            )
            session.add(item)
            session.flush()
            if done:
                title = f"Protokoll {phase.key} {n}"
                session.add(
                    Evidence(
                        checklist_item_id=saved_id(item),
                        kind=EvidenceKind.DOCUMENT,
                        title=title,
                        recorded_by_person_id=saved_id(person),
                    )
                )
        return len(phases)


# The cycle page: the viewer, membership (the viewer's roles with their organisations), the cycle, its phases, items
# with their completers, evidence, the owning functions' holders (one statement for all of them), and what the running
# phase still lacks.
CYCLE_PAGE_BOUND = 7  # 12 before the holders were read in one statement, 9 before membership and completers joined


def test_the_cycle_page_does_not_grow_with_its_checklist(live: Live, counter: Counter) -> None:
    client = live.login(SAMORDNARE)
    counts = []
    for first, count in ((0, 20), (20, 40), (60, 80)):  # 20, 60 and 140 extra items per phase
        phases = _add_items(live.engine, first, count)
        counter.take()
        page = client.get("/org/fagersta/cykel")
        counts.append(counter.take())
        assert page.status_code == 200
    assert page.text.count("Protokoll ") == 70 * phases  # every done item's evidence is on the page
    assert counts[0] == counts[1] == counts[2] <= CYCLE_PAGE_BOUND, counts


# The most statements completing an item may issue (the viewer, membership, the item locked with its phase, the
# effective-day bounds, the acting role, the evidence, the update, its audit entry, stopping its reminders).
WRITE_BOUND = 25


def _open_extra_item(engine: Engine, phase_key: str, key: str) -> int:
    with session_scope(engine) as session:
        item = session.exec(
            select(ChecklistItem).join(Phase).where(Phase.key == phase_key, ChecklistItem.key == key)
        ).one()
        return saved_id(item)


def test_completing_an_item_does_not_grow_with_its_checklist(live: Live, counter: Counter) -> None:
    """The write behind "markera klar" issues the same bounded number of statements with 20 or 140 more items in
    its phase (no statement per item), and the item is done afterwards."""
    client = live.login(SAMORDNARE)
    counts = []
    for first, count in ((0, 20), (20, 40), (60, 80)):
        _add_items(live.engine, first, count)
        item_id = _open_extra_item(live.engine, "initiera", f"extra-{first}")  # even numbers are open
        counter.take()
        answer = client.post(
            f"/org/fagersta/punkt/{item_id}",
            data={"csrf_token": client.csrf, "title": "Protokoll", "uri": "dnr KS 2027/1"},  # type: ignore[attr-defined]
        )
        counts.append(counter.take())
        assert answer.status_code == 303, answer.text
        with session_scope(live.engine) as session:
            assert session.get(ChecklistItem, item_id).status == ItemStatus.DONE  # type: ignore[union-attr]
    assert counts[0] == counts[1] == counts[2] <= WRITE_BOUND, counts


def test_owners_of_every_function_in_one_statement_say_what_each_asked_alone_says(live: Live, counter: Counter) -> None:
    """The cycle page reads who holds each owning function's roles in one statement (roles/holding.py::
    describe_functions); it says word for word what asking per function says, vacant roles and missing ones too."""
    from samverkan.core.timeutil import today_local
    from samverkan.models import Role, RoleAssignment
    from samverkan.roles.holding import describe_functions, describe_holders, roles_with_function
    from samverkan.services.overview import find_organisation

    on = today_local()
    with session_scope(live.engine) as session:
        organisation = find_organisation(session, "fagersta")
        roles = session.exec(select(Role).where(Role.organisation_id == organisation.id)).all()
        vacated = next(r for r in roles if r.function)
        for assignment in session.exec(select(RoleAssignment).where(RoleAssignment.role_id == vacated.id)).all():
            session.delete(assignment)  # one role without a holder: 'vakant'
    with session_scope(live.engine) as session:
        organisation = find_organisation(session, "fagersta")
        functions = sorted({r.function for r in roles if r.function} | {"finns-inte"})
        counter.take()
        together = describe_functions(session, organisation, functions, on)
        assert counter.take() == 1
        alone = {f: describe_holders(session, roles_with_function(session, organisation, f), on) for f in functions}
    assert together == alone and len(functions) >= 5
    assert together["finns-inte"] == "ingen sådan roll finns" and "vakant" in together[vacated.function or ""]

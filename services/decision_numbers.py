"""Decisions are numbered per organisation ("Beslut nr N"), in the order they are recorded.

The number is computed in the INSERT itself (max + 1 of the organisation's decisions), so on SQLite the read
and the write happen under the same write lock; on PostgreSQL the organisation row is locked first, so
concurrent recorders queue instead of colliding. Should two still meet, the unique (organisation, number) key
refuses the second and it takes the next number in a savepoint.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from samverkan.models import Body, Decision, Organisation
from samverkan.services.errors import ConflictError, NotFoundError

ATTEMPTS = 5


def add_numbered(session: Session, decision: Decision) -> Decision:
    """Insert the decision with the organisation's next number; returns it with `number` set."""
    session.exec(select(Organisation.id).where(Organisation.id == decision.organisation_id).with_for_update()).one()
    for _attempt in range(ATTEMPTS):
        fields = decision.model_dump(exclude={"id", "number"})
        candidate = Decision(**fields)
        try:
            with session.begin_nested():
                session.add(candidate)
                candidate.number = _next_number(decision.organisation_id)  # type: ignore[assignment]
                session.flush()
        except IntegrityError:
            continue
        session.refresh(candidate)
        return candidate
    raise ConflictError("beslutet fick inget nummer (många beslut protokollfördes samtidigt); försök igen")


def _next_number(organisation_id: int) -> object:
    """The next number as an SQL expression evaluated inside the INSERT."""
    earlier = Decision.__table__.alias("earlier")  # type: ignore[attr-defined]
    return (
        select(func.coalesce(func.max(earlier.c.number), 0) + 1)
        .where(earlier.c.organisation_id == organisation_id)
        .scalar_subquery()
    )


def decision_by_number(session: Session, organisation: Organisation, number: int) -> Decision:
    """The organisation's decision with that number (the number shown as "Beslut nr N")."""
    decision = session.exec(select(Decision).where(*_numbered(organisation, number))).first()
    if decision is None:
        raise NotFoundError(f"beslut nr {number} finns inte i {organisation.name}")
    return decision


def decision_and_body(session: Session, organisation: Organisation, number: int) -> tuple[Decision, Body | None]:
    """decision_by_number with the body that made the decision (None for none), in one statement."""
    found = session.exec(
        select(Decision, Body).outerjoin(Body, col(Body.id) == Decision.body_id).where(*_numbered(organisation, number))
    ).first()
    if found is None:
        raise NotFoundError(f"beslut nr {number} finns inte i {organisation.name}")
    return found[0], found[1]


def _numbered(organisation: Organisation, number: int) -> tuple[ColumnElement[bool], ...]:
    return (col(Decision.organisation_id) == organisation.id, col(Decision.number) == number)


def label(decision: Decision) -> str:
    """How a decision is named wherever it is shown."""
    return f"Beslut nr {decision.number}"

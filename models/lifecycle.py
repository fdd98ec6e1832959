"""Declared state machines: which status may follow which, for cycles, phases, checklist items,
agreements and medborgarlöften, and åtgärder. Every status change goes through `move` (or `check` first,
where the change itself is a guarded SQL update), so an illegal change is refused with a Swedish message
instead of being written.

A self-loop is legal only where it is listed (an agreement still waiting after one more party signed; a
measure reported with the same colour again).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, TypeVar

from samverkan.core.labels import label
from samverkan.models.enums import AgreementStatus, CycleStatus, ItemStatus, MeasureState, MeasureStatus, PhaseStatus

S = TypeVar("S", bound=StrEnum)

CYCLE: frozenset[tuple[CycleStatus, CycleStatus]] = frozenset(
    {
        (CycleStatus.ACTIVE, CycleStatus.CLOSED),  # the last phase is complete
    }
)

PHASE: frozenset[tuple[PhaseStatus, PhaseStatus]] = frozenset(
    {
        (PhaseStatus.NOT_STARTED, PhaseStatus.ACTIVE),  # opened: first phase of a cycle, or the next one
        (PhaseStatus.ACTIVE, PhaseStatus.COMPLETED),  # exit criteria hold
        (PhaseStatus.COMPLETED, PhaseStatus.ACTIVE),  # omtag: the phase gone back to
        (PhaseStatus.COMPLETED, PhaseStatus.NOT_STARTED),  # omtag: phases between it and the current one
        (PhaseStatus.ACTIVE, PhaseStatus.NOT_STARTED),  # omtag: the phase that was current
    }
)

ITEM: frozenset[tuple[ItemStatus, ItemStatus]] = frozenset(
    {
        (ItemStatus.OPEN, ItemStatus.DONE),  # completed with evidence
        (ItemStatus.DONE, ItemStatus.OPEN),  # omtag to its phase
    }
)

AGREEMENT: frozenset[tuple[AgreementStatus, AgreementStatus]] = frozenset(
    {
        (AgreementStatus.DRAFT, AgreementStatus.PENDING_SIGNATURES),  # the first party signed
        (AgreementStatus.DRAFT, AgreementStatus.SIGNED),  # the only party signed
        (AgreementStatus.PENDING_SIGNATURES, AgreementStatus.PENDING_SIGNATURES),  # one more, still not all
        (AgreementStatus.PENDING_SIGNATURES, AgreementStatus.SIGNED),  # the last party signed
        (AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED),  # the next version was signed
        (AgreementStatus.PENDING_SIGNATURES, AgreementStatus.SUPERSEDED),  # content changed before all signed
    }
)

# An åtgärd's status is the owner's report (grön/gul/röd): any colour may follow any, the same one too.
# Its progress (0–100 %) is not a state machine: any value in range may be reported, also after 100 %.
MEASURE: frozenset[tuple[MeasureStatus, MeasureStatus]] = frozenset(
    (before, after) for before in MeasureStatus for after in MeasureStatus
)

# An åtgärd's lifecycle: cancelled only by a recorded decision of the deciding body, and never taken back (a new
# åtgärd is created instead), so a cancelled one keeps showing as cancelled with its decision.
MEASURE_STATE: frozenset[tuple[MeasureState, MeasureState]] = frozenset(
    {
        (MeasureState.ACTIVE, MeasureState.CANCELLED),  # the deciding body cancelled it
    }
)

TABLES: dict[type[StrEnum], frozenset[tuple[StrEnum, StrEnum]]] = {
    CycleStatus: CYCLE,
    PhaseStatus: PHASE,
    ItemStatus: ITEM,
    AgreementStatus: AGREEMENT,
    MeasureStatus: MEASURE,
    MeasureState: MEASURE_STATE,
}

SUBJECTS_SV: dict[type[StrEnum], str] = {
    CycleStatus: "cykeln",
    PhaseStatus: "fasen",
    ItemStatus: "punkten",
    AgreementStatus: "dokumentet",
    MeasureStatus: "åtgärden",
    MeasureState: "åtgärden",
}


class IllegalTransition(ValueError):
    """A status change the declared state machine does not allow; the message is Swedish."""


class HasStatus(Protocol[S]):
    status: S


def allowed(before: S, after: S) -> bool:
    return (before, after) in TABLES[type(after)]


def check(before: S, after: S, what: str | None = None) -> None:
    """Refuse (IllegalTransition) a change from `before` to `after` that the table for their enum lacks."""
    kind = type(after)
    before = kind(before)  # a status read back from the database may be a plain string
    if not allowed(before, after):
        subject = what or SUBJECTS_SV[kind]
        possible = sorted(label(to) for frm, to in TABLES[kind] if frm == before)
        raise IllegalTransition(
            f"{subject} kan inte gå från {label(before)} till {label(after)}"
            + (f"; härifrån kan den bli {' eller '.join(possible)}" if possible else "; den ändras inte längre")
        )


def move(entity: HasStatus[S], after: S, what: str | None = None) -> S:
    """Change the entity's status if the table allows it; returns the status it had."""
    before = entity.status
    check(before, after, what)
    entity.status = after
    return before

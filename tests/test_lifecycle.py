"""The declared state machines: every legal status change accepted, every other one refused in Swedish."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import product

import pytest

from samverkan.core.labels import label
from samverkan.models import lifecycle
from samverkan.models.enums import AgreementStatus, CycleStatus, ItemStatus, MeasureState, MeasureStatus, PhaseStatus
from samverkan.models.lifecycle import IllegalTransition
from samverkan.services.errors import RefusedError
from samverkan.services.lifecycle import move

# The legal changes, written out here independently of models/lifecycle.py: the table there must say exactly this.
LEGAL: dict[type[StrEnum], set[tuple[str, str]]] = {
    CycleStatus: {("pagaende", "avslutad")},
    PhaseStatus: {
        ("ej_paborjad", "pagaende"),
        ("pagaende", "klar"),
        ("klar", "pagaende"),
        ("klar", "ej_paborjad"),
        ("pagaende", "ej_paborjad"),
    },
    ItemStatus: {("oppen", "klar"), ("klar", "oppen")},
    AgreementStatus: {
        ("utkast", "vantar_pa_underskrift"),
        ("utkast", "undertecknad"),
        ("vantar_pa_underskrift", "vantar_pa_underskrift"),
        ("vantar_pa_underskrift", "undertecknad"),
        ("undertecknad", "ersatt"),
        ("vantar_pa_underskrift", "ersatt"),  # the content changed before every party had signed
    },
    MeasureStatus: {(a, b) for a, b in product(("gron", "gul", "rod"), repeat=2)},
    MeasureState: {("aktiv", "avbruten")},  # cancelled by a decision, never taken back
}

CASES = [
    (kind, before, after, (before.value, after.value) in LEGAL[kind])
    for kind in LEGAL
    for before, after in product(list(kind), repeat=2)
]


@dataclass
class Thing:
    status: StrEnum


@pytest.mark.parametrize(
    ("kind", "before", "after", "legal"),
    CASES,
    ids=[f"{kind.__name__}:{before.value}->{after.value}" for kind, before, after, _ in CASES],
)
def test_every_transition_is_accepted_or_refused_as_declared(
    kind: type[StrEnum], before: StrEnum, after: StrEnum, legal: bool
) -> None:
    assert lifecycle.allowed(before, after) is legal
    thing = Thing(before)
    if legal:
        assert lifecycle.move(thing, after) == before
        assert thing.status == after
    else:
        with pytest.raises(IllegalTransition, match=f"kan inte gå från .* till {label(after)}"):
            lifecycle.move(thing, after)
        assert thing.status == before  # nothing written


def test_the_tables_cover_exactly_the_declared_enums() -> None:
    assert set(lifecycle.TABLES) == set(LEGAL)
    for kind, table in lifecycle.TABLES.items():
        assert {(a.value, b.value) for a, b in table} == LEGAL[kind]


def test_a_refusal_says_what_may_follow_in_swedish() -> None:
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.move(Thing(PhaseStatus.NOT_STARTED), PhaseStatus.COMPLETED, "fasen Lägesbild")
    assert str(refused.value) == "fasen Lägesbild kan inte gå från ej påbörjad till klar; härifrån kan den bli pågående"
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.move(Thing(AgreementStatus.SUPERSEDED), AgreementStatus.SIGNED, "Överenskommelse 2027")
    assert str(refused.value) == (
        "Överenskommelse 2027 kan inte gå från ersatt av ny version till undertecknad; den ändras inte längre"
    )


def test_a_status_read_back_as_plain_text_is_checked_as_its_enum() -> None:
    thing = Thing(PhaseStatus.ACTIVE)
    thing.status = "pagaende"  # type: ignore[assignment]  # as a raw row or an old session may hold it
    assert lifecycle.move(thing, PhaseStatus.COMPLETED) == "pagaende"


def test_the_service_layer_refuses_with_a_refused_error() -> None:
    closed = Thing(CycleStatus.CLOSED)
    with pytest.raises(RefusedError, match="cykel 3 kan inte gå från avslutad till pågående"):
        move(closed, CycleStatus.ACTIVE, "cykel 3")

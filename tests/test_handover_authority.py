"""Who may hand over which role: a party its own roles, a signatory role only its leadership, and only inside
the organisation's e-mail domains unless the handover explicitly confirms an outside address."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from samverkan.services import agreements, handover
from samverkan.services.errors import NotPermittedError, RefusedError
from tests.drive import LPO_CHEF, SAMORDNARE, Driver, fagersta_with_cycle

ON = date(2027, 1, 11)
SKOLCHEF = "sara.skolberg@fagersta.example"


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def test_a_steering_member_may_not_take_the_polices_signatory_role(d: Driver) -> None:
    with pytest.raises(NotPermittedError, match=r"Sara Skolberg .* får inte lämna över roller") as refused:
        d(handover.handover, SKOLCHEF, role_key="lpo-chef", to_email=SKOLCHEF)
    assert "Lokalpolisområdeschef: Per Polisson" in str(refused.value)


def test_a_steering_member_may_not_hand_over_her_own_partys_signatory_role(d: Driver) -> None:
    with pytest.raises(NotPermittedError, match="får inte lämna över roller"):
        d(handover.handover, SKOLCHEF, role_key="kso", to_email=SKOLCHEF)


def test_the_municipality_may_not_hand_over_the_polices_ordinary_roles(d: Driver) -> None:
    with pytest.raises(NotPermittedError, match="får inte lämna över roller"):
        d(handover.handover, SAMORDNARE, role_key="kommunpolis", to_email="kim.ny@polisen.example", to_name="Kim Ny")


def test_an_outside_address_needs_an_explicit_confirmation(d: Driver) -> None:
    outside = {"role_key": "samordnare", "to_email": "ny@annan.example", "to_name": "Ny Utanför"}
    with pytest.raises(RefusedError, match=r"ligger utanför Fagersta kommuns e-postdomäner .*bekräfta uttryckligen"):
        d(handover.handover, SKOLCHEF, **outside)
    new = d(handover.handover, SKOLCHEF, **outside, confirm_outside=True)
    assert new.starts_on == ON


def test_the_rightful_handovers_still_work(d: Driver) -> None:
    d(handover.handover, LPO_CHEF, role_key="kommunpolis", to_email="kim.ny@polisen.example", to_name="Kim Ny")
    d(
        handover.handover,
        "kim.ny@polisen.example",
        role_key="lpo-chef",
        to_email="pia.ny@polisen.example",
        to_name="Pia Ny",
    )
    d(handover.handover, SAMORDNARE, role_key="kso", to_email="nadja.nyval@fagersta.example", to_name="Nadja Nyval")
    d(handover.handover, SKOLCHEF, role_key="samordnare", to_email="ny@fagersta.example", to_name="Ny Samordnare")
    with pytest.raises(NotPermittedError):  # the former LPO head no longer signs for the police
        d(agreements.sign, LPO_CHEF)

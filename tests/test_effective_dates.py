"""Honest time: an act's effective day may not lie before the running cycle started, and a predecessor may
not act after the handover, nor escape it by back-dating to before the cycle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine

from samverkan.core.timeutil import today_local
from samverkan.services import cycle, handover
from samverkan.services.errors import NotPermittedError, RefusedError
from tests.drive import KOMMUNPOLIS, LPO_CHEF, Driver, doc, fagersta_with_cycle

ON = date(2027, 1, 11)  # the cycle starts now (today); the acts below are effective on ON, after it


@pytest.fixture
def d(engine: Engine) -> Driver:
    return fagersta_with_cycle(engine, ON)


def test_an_act_dated_before_the_cycle_started_is_refused(d: Driver) -> None:
    before = Driver(d.engine, "fagersta", today_local() - timedelta(days=1))
    with pytest.raises(RefusedError, match=r"ligger före cykel 1s start den .*innan cykeln startade"):
        before(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))  # on the honest day it is accepted


def test_a_predecessor_may_not_act_after_the_handover_nor_back_date_before_the_cycle(d: Driver) -> None:
    d(handover.handover, LPO_CHEF, role_key="kommunpolis", to_email="kim.ny@polisen.example", to_name="Kim Ny")
    with pytest.raises(NotPermittedError, match=r"Johan Prövare .* får inte"):  # effective on the handover day
        d(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    later = Driver(d.engine, "fagersta", ON + timedelta(days=30))
    with pytest.raises(NotPermittedError, match=r"Johan Prövare .* får inte"):  # and after it
        later(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    back_dated = Driver(d.engine, "fagersta", today_local() - timedelta(days=1))
    with pytest.raises(RefusedError, match="innan cykeln startade"):  # back-dated before the cycle
        back_dated(cycle.complete_item, KOMMUNPOLIS, "roller-och-ansvar", doc("Roller"))
    d(cycle.complete_item, "kim.ny@polisen.example", "roller-och-ansvar", doc("Roller"))

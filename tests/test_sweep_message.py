"""The sweep's message text (services/sweep_message.py) is exactly what templates/rendering.py renders, for every
action, with and without a meeting's place, link, invitation and attachment."""

from __future__ import annotations

from datetime import date, datetime
from itertools import product

import pytest

from samverkan.core.timeutil import STOCKHOLM
from samverkan.models import Organisation
from samverkan.models.enums import OrgKind
from samverkan.scheduling.actions import Action
from samverkan.scheduling.calendar import CalendarEvent
from samverkan.scheduling.triggers import PlannedAction
from samverkan.services.sweep_message import ACTION_TEMPLATE, render_message
from samverkan.templates.rendering import render

ORG = Organisation(key="fagersta", name="Fagersta kommun", kind=OrgKind.KOMMUN)


def event(location: str | None, online_url: str | None) -> CalendarEvent:
    start = datetime(2027, 3, 9, 9, 0, tzinfo=STOCKHOLM)
    return CalendarEvent(
        "uid-1", "fagersta", "est", "2027-03-09", "est_meeting", "EST-möte", "est", "EST", start,
        start.replace(hour=10), ("est",), ("samordnare",), None, None, location, online_url,
    )  # fmt: skip


@pytest.mark.parametrize("action", list(Action))
def test_same_text_as_render(action: Action) -> None:
    planned = PlannedAction(
        "est", f"2027-03-09:{action.value}", "est_meeting", action, date(2027, 3, 2), "Kallelse: EST-möte"
    )
    events = [
        None,
        event("Stadshuset, rum 3", None),
        event(None, "https://teams.example/m"),
        event("Rum 1", "https://x"),
    ]
    for meeting, invitation, attachment in product(events, (False, True), (None, "beslutsunderlag.pdf")):
        context = dict(
            action=planned, org=ORG, base_url="https://samverkan.example", attachment=attachment,
            event=meeting, invitation=invitation, Action=Action,
        )  # fmt: skip
        expected = render(ACTION_TEMPLATE, **context)
        assert render_message(**context) == expected
        assert ORG.name in expected and "https://samverkan.example/org/fagersta" in expected

"""Deployments with their schedules (Europe/Stockholm wall clock; DTSTART and timezone= both given,
see the Prefect notes), and serving them on the embedded default."""

from __future__ import annotations

from typing import Any

DAILY = "DTSTART:20260101T{hhmm}00\nRRULE:FREQ=DAILY"
TIMEZONE = "Europe/Stockholm"
SCHEDULE = {  # between 06:00 and 22:00: no DST gaps or repeats
    "daglig-svep": "0630",
    "motesforberedelse": "0640",
    "inriktningsbeslut": "0650",
    "rapporter": "0700",
}


def deployments() -> list[Any]:
    from prefect.events import DeploymentEventTrigger
    from prefect.schedules import RRule

    from samverkan.flows.cycle_flows import (
        direction_decision_flow,
        prepare_meetings_flow,
        reports_flow,
        step_completed_flow,
        sweep_flow,
    )

    def daily(name: str) -> RRule:
        return RRule(DAILY.format(hhmm=SCHEDULE[name]), timezone=TIMEZONE)

    return [
        sweep_flow.to_deployment(name="daglig-svep", schedule=daily("daglig-svep")),
        prepare_meetings_flow.to_deployment(name="motesforberedelse", schedule=daily("motesforberedelse")),
        direction_decision_flow.to_deployment(name="inriktningsbeslut", schedule=daily("inriktningsbeslut")),
        reports_flow.to_deployment(name="rapporter", schedule=daily("rapporter")),
        step_completed_flow.to_deployment(
            name="steg-klart",
            triggers=[
                DeploymentEventTrigger(
                    expect={"samverkan.steg.klart"},
                    match={"prefect.resource.id": "samverkan.organisation.*"},
                    parameters={"organisation": "{{ event.resource['prefect.resource.name'] }}"},
                )
            ],
        ),
    ]

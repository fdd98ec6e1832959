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
EVERY_FIVE_MINUTES = "DTSTART:20260101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=5"


def deployments() -> list[Any]:
    from prefect.events import DeploymentEventTrigger
    from prefect.schedules import RRule, Schedule

    from samverkan.flows.cycle_flows import (
        delivery_flow,
        direction_decision_flow,
        prepare_meetings_flow,
        reports_flow,
        step_completed_flow,
        sweep_flow,
    )

    def daily(name: str) -> Schedule:
        return RRule(DAILY.format(hhmm=SCHEDULE[name]), timezone=TIMEZONE)

    return [
        sweep_flow.to_deployment(name="daglig-svep", schedule=daily("daglig-svep")),
        prepare_meetings_flow.to_deployment(name="motesforberedelse", schedule=daily("motesforberedelse")),
        direction_decision_flow.to_deployment(name="inriktningsbeslut", schedule=daily("inriktningsbeslut")),
        reports_flow.to_deployment(name="rapporter", schedule=daily("rapporter")),
        delivery_flow.to_deployment(name="leverans", schedule=RRule(EVERY_FIVE_MINUTES, timezone=TIMEZONE)),
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


def deploy_to_work_pool(work_pool: str) -> list[str]:
    """Production: register the deployments with a Prefect server and a work pool; workers import the flows
    from this folder (no pickling, so engines and templates are created inside the worker)."""
    from pathlib import Path

    from prefect import Flow

    names = []
    for deployment in deployments():
        entrypoint = f"cycle_flows.py:{_function_name(deployment.flow_name)}"
        remote = Flow.from_source(source=str(Path(__file__).parent), entrypoint=entrypoint)
        assert isinstance(remote, Flow)  # Prefect's async_dispatch gives a coroutine only to async callers
        schedules = [s.schedule for s in deployment.schedules] if deployment.schedules else None
        remote.deploy(
            name=deployment.name,
            work_pool_name=work_pool,
            schedules=schedules,
            triggers=deployment.triggers or None,
            build=False,
            push=False,
            print_next_steps=False,
        )
        names.append(f"{deployment.flow_name}/{deployment.name}")
    return names


def _function_name(flow_name: str) -> str:
    return {
        "samverkan-svep": "sweep_flow",
        "samverkan-motesforberedelse": "prepare_meetings_flow",
        "samverkan-inriktningsbeslut": "direction_decision_flow",
        "samverkan-rapporter": "reports_flow",
        "samverkan-steg-klart": "step_completed_flow",
        "samverkan-leverans": "delivery_flow",
    }[flow_name]

"""Deployments with their schedules (Europe/Stockholm wall clock; DTSTART and timezone= both given,
see the Prefect notes), for serving them on the embedded default and registering them with a work pool.

One daily deployment (`daglig-svep`, 06:30) sweeps every trigger kind in one run: one process start and one load
of the organisations a day. The per-kind deployments (mötesförberedelse, inriktningsbeslut, rapporter) have no
schedule; an operator runs them when only that group should be done now. Every sweep deployment has a
concurrency limit of 1: a second run waits for the first instead of colliding on the sweep's unique keys.

The delivery deployment starts one run an hour (concurrency limit 1), which watches the outbox until just before the
next (notifications.delivery.deliver_until): a process start an hour, not every five minutes. `samverkan serve` adds
a one-off run at the next minute, so that the demo watches the outbox from the start; after `samverkan deploy` the
first run is at the next whole hour (`prefect deployment run samverkan-leverans/leverans` starts one at once).

Registered deployments name the flows by the installed package's module path
(`samverkan.flows.cycle_flows.sweep_flow`) with no pull steps, so a worker runs them from any folder.

There is no event-triggered deployment: completing a step writes the next owners' notifications in the same
transaction (services/cycle.py), and the daily sweep catches what anything else missed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

DAILY = "DTSTART:20260101T{hhmm}00\nRRULE:FREQ=DAILY"
TIMEZONE = "Europe/Stockholm"
SCHEDULE = {"daglig-svep": "0630"}  # between 06:00 and 22:00: no DST gaps or repeats
ON_DEMAND = ("motesforberedelse", "inriktningsbeslut", "rapporter")  # per-kind sweeps an operator starts
HOURLY = "DTSTART:20260101T000000\nRRULE:FREQ=HOURLY"
ONCE = "DTSTART:{start}\nRRULE:FREQ=MINUTELY;COUNT=1"
FLOW_NAMES = (
    "samverkan-svep",
    "samverkan-motesforberedelse",
    "samverkan-inriktningsbeslut",
    "samverkan-rapporter",
    "samverkan-leverans",
)


ZOMBIE_AUTOMATION = "samverkan-zombiekorningar"
ZOMBIE_AFTER = timedelta(seconds=540)  # three missed heartbeats (PREFECT_FLOWS_HEARTBEAT_FREQUENCY, 180 s)
FINAL_EVENTS = ("Completed", "Failed", "Cancelled", "Crashed")


class DeployError(Exception):
    """Registering the deployments failed; the message is one Swedish line for the operator."""


def deployments(module_path: bool = False) -> list[Any]:
    """The deployments. `module_path`: entry points by module (workers), not by file (serve)."""
    from prefect.schedules import RRule
    from prefect.types.entrypoint import EntrypointType

    from samverkan.flows.cycle_flows import (
        delivery_flow,
        direction_decision_flow,
        prepare_meetings_flow,
        reports_flow,
        sweep_flow,
    )

    kind = EntrypointType.MODULE_PATH if module_path else EntrypointType.FILE_PATH

    def sweep(flow: Any, name: str) -> Any:
        # no schedule is an empty list, so that registering again removes an earlier version's daily schedule
        schedules = [RRule(DAILY.format(hhmm=SCHEDULE[name]), timezone=TIMEZONE)] if name in SCHEDULE else []
        return flow.to_deployment(name=name, schedules=schedules, concurrency_limit=1, entrypoint_type=kind)

    return [
        sweep(sweep_flow, "daglig-svep"),
        sweep(prepare_meetings_flow, "motesforberedelse"),
        sweep(direction_decision_flow, "inriktningsbeslut"),
        sweep(reports_flow, "rapporter"),
        delivery_flow.to_deployment(
            name="leverans",
            schedules=delivery_schedules(once=not module_path),
            concurrency_limit=1,
            entrypoint_type=kind,
        ),
    ]


def delivery_schedules(once: bool = False) -> list[Any]:
    """Every whole hour; `once`: also at the next minute, so that the outbox is watched from the start rather than
    from the next whole hour (`samverkan serve` makes its deployments anew at every start)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from prefect.schedules import RRule

    schedules = [RRule(HOURLY, timezone=TIMEZONE)]
    if once:
        start = (datetime.now(ZoneInfo(TIMEZONE)) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        schedules.append(RRule(ONCE.format(start=start.strftime("%Y%m%dT%H%M%S")), timezone=TIMEZONE))
    return schedules


def deploy_to_work_pool(work_pool: str) -> list[str]:
    """Production: register the deployments with the Prefect server (PREFECT_API_URL) and a work pool.
    Workers import the flows from the installed package (no pickling, no folder of the deploying machine)."""
    from prefect.exceptions import ObjectNotFound

    try:
        _read_work_pool(work_pool)
    except ObjectNotFound:
        raise DeployError(
            f"arbetspoolen '{work_pool}' finns inte; skapa den med: prefect work-pool create {work_pool} --type process"
        ) from None
    except Exception as exc:
        raise DeployError(f"Prefect-servern svarar inte ({_first_line(exc)})") from None
    names = []
    for deployment in deployments(module_path=True):
        try:
            deployment.apply(work_pool_name=work_pool)
        except Exception as exc:
            name = f"{deployment.flow_name}/{deployment.name}"
            raise DeployError(f"{name} kunde inte registreras: {_first_line(exc)}") from None
        names.append(f"{deployment.flow_name}/{deployment.name}")
    try:
        register_zombie_detection()
    except Exception as exc:
        raise DeployError(f"automationen {ZOMBIE_AUTOMATION} kunde inte registreras: {_first_line(exc)}") from None
    return names


def register_zombie_detection() -> None:
    """A flow run whose heartbeats stop before it ends (its worker and its process died) is marked Crashed,
    instead of staying Running for ever (Prefect's documented proactive-trigger recipe). Replaces an earlier one."""
    from prefect import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    automation = AutomationCore(
        name=ZOMBIE_AUTOMATION,
        description="Samverkan: en körning utan livstecken på nio minuter markeras som kraschad.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{state}" for state in FINAL_EVENTS)},
            match={"prefect.resource.id": ["prefect.flow-run.*"]},
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=ZOMBIE_AFTER,
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message="Inga livstecken på nio minuter: arbetaren och flödesprocessen har dött.",
            )
        ],
    )
    with get_client(sync_client=True) as client:
        for earlier in client.read_automations_by_name(ZOMBIE_AUTOMATION):
            client.delete_automation(earlier.id)
        client.create_automation(automation)


def registered_with_work_pool() -> list[str]:
    """Our deployments on the server at PREFECT_API_URL that `samverkan deploy` registered (they have a work
    pool; served ones do not). `serve` must never touch these."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        found = client.read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=list(FLOW_NAMES))))
        flows = {
            f.id: f.name for f in client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(any_=list(FLOW_NAMES))))
        }
    return sorted(f"{flows.get(d.flow_id, '?')}/{d.name}" for d in found if d.work_pool_name)


def _read_work_pool(name: str) -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        client.read_work_pool(name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]

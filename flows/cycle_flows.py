"""The Prefect flows. Each is a thin wrapper: one run handles all due work of its kinds for every
organisation, in one transaction, and is safe to run twice or late (the sweep is exactly-once).

Production runs `sweep_flow` once a day for every kind (one process start, the organisations loaded once); the
per-kind flows sweep one group of kinds, for an operator who wants only that done now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger

from samverkan.flows.runtime import run_sweep
from samverkan.services.catchup import KIND_GROUPS

DEADLINES = list(KIND_GROUPS["svep"])
MEETINGS = list(KIND_GROUPS["mötesförberedelse"])
DIRECTION = list(KIND_GROUPS["inriktningsbeslut"])
REPORTS = list(KIND_GROUPS["rapporter"])


def _log(name: str, result: dict[str, Any]) -> dict[str, Any]:
    logger = get_run_logger()
    logger.info(
        "%s: %s utlösare, %s meddelanden i utkorgen, %s dokument, %s redan gjorda",
        name,
        sum(result["triggers"].values()),
        result["notifications_total"],
        len(result["packets"]),
        result["already_done"],
    )
    for warning in result.get("warnings", []):  # a gap the sweep caught up, or days too old to catch up
        logger.warning(warning)
    for error in result["errors"]:
        logger.warning(error)
    return result


@flow(name="samverkan-svep", retries=2, retry_delay_seconds=60)
def sweep_flow(
    org_keys: list[str] | None = None, now: str | None = None, kinds: list[str] | None = None
) -> dict[str, Any]:
    """The production day: everything due of every kind (or of `kinds`) — reminders and escalations of
    deadlines, new phases, calls and packets before meetings, direction decisions, reports."""
    return _log("svep", run_sweep(kinds, org_keys, now))


@flow(name="samverkan-motesforberedelse", retries=2, retry_delay_seconds=60)
def prepare_meetings_flow(org_keys: list[str] | None = None, now: str | None = None) -> dict[str, Any]:
    """Calls (also to the county network), reminders to report observations, packets before meetings and the
    joint lägesbild after EST."""
    return _log("mötesförberedelse", run_sweep(MEETINGS, org_keys, now))


@flow(name="samverkan-inriktningsbeslut", retries=2, retry_delay_seconds=60)
def direction_decision_flow(org_keys: list[str] | None = None, now: str | None = None) -> dict[str, Any]:
    """The decision packet before each quarterly direction decision."""
    return _log("inriktningsbeslut", run_sweep(DIRECTION, org_keys, now))


@flow(name="samverkan-rapporter", retries=2, retry_delay_seconds=60)
def reports_flow(org_keys: list[str] | None = None, now: str | None = None) -> dict[str, Any]:
    """Monthly EST reports to the länsstyrelse and lokala BRÅ, the yearly review, the länsstyrelse's monthly
    analysis and its yearly report to Brå."""
    return _log("rapporter", run_sweep(REPORTS, org_keys, now))


@flow(name="samverkan-leverans", retries=1, retry_delay_seconds=30)
def delivery_flow(now: str | None = None, until: str | None = None) -> dict[str, Any]:
    """Send what is due in the outbox as it fills: the deployment starts one run an hour (at most one at a time),
    which watches the outbox until just before the next one (or `until`, ISO 8601) and stops cleanly when
    cancelled. `now`: one pass as at that moment instead (ISO 8601), for tests and operators."""
    from samverkan.core.timeutil import utcnow
    from samverkan.flows.runtime import engine
    from samverkan.notifications.delivery import deliver_pending, deliver_until, loop_end

    if now:
        report = deliver_pending(engine(), now=datetime.fromisoformat(now))
        _log_delivery(report)
        return report.to_dict()
    end = datetime.fromisoformat(until) if until else loop_end(utcnow())
    return deliver_until(engine(), end, on_pass=_log_delivery).to_dict()


def _log_delivery(report: Any) -> None:
    get_run_logger().info(
        "leverans: %(sent)s skickade, %(retrying)s försöker igen, %(failed)s misslyckade, "
        "%(cancelled)s stoppade, %(postponed)s väntar till arbetsdag",
        report.to_dict(),
    )

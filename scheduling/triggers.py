"""What each trigger makes happen, and when: pure rules from occurrences and deadlines to planned actions.

A planned action is due on a day; its identity (organisation, trigger, occurrence, action) is what makes it
happen once. Offsets are in working days, so a call never goes out on a Sunday or midsommarafton.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from samverkan.core.labels import MONTHS_SV, WEEKDAYS_SV
from samverkan.scheduling.cadence import Occurrence
from samverkan.scheduling.workdays import WorkCalendar


@dataclass(frozen=True)
class ActionRule:
    action: str
    working_days_before: int  # 0 = on the day, negative = after
    subject: str  # Swedish subject; {title} and {when} are filled in
    attachment: str | None = None  # "packet" or "report"


TRIGGER_ACTIONS: dict[str, tuple[ActionRule, ...]] = {
    "est_meeting": (
        ActionRule("kallelse", 5, "Kallelse: {title} {when}"),
        ActionRule("rapportera-observationer", 2, "Påminnelse: rapportera observationer före {title} {when}"),
        ActionRule("gemensam-lagesbild", 0, "Gemensam lägesbild efter {title} {when}", "report"),
    ),
    "body_meeting": (ActionRule("kallelse", 5, "Kallelse och handlingar: {title} {when}", "packet"),),
    "direction_decision": (ActionRule("beslutsunderlag", 5, "Beslutsunderlag: {title} {when}", "packet"),),
    "est_report": (ActionRule("manadsrapport", 0, "{title} – {month}", "report"),),
    "yearly_review": (ActionRule("arsrapport", 5, "Årlig uppföljning: {title} {when}", "packet"),),
    "survey": (ActionRule("paminnelse", 0, "Dags för {title}"),),
    "report": (ActionRule("rapport", 0, "{title} – {month}", "report"),),
}

DEFAULT_REMINDERS: dict[str, object] = {"before_days": [7, 1], "on_the_day": True, "escalate_after_days": 3}


@dataclass(frozen=True)
class PlannedAction:
    trigger_key: str  # cadence key, or item:<id> / measure:<id>
    occurrence_key: str  # occurrence or deadline key and the action
    kind: str  # trigger kind, for summaries
    action: str
    due: date
    subject: str
    attachment: str | None = None
    occurrence: Occurrence | None = None


def when_text(occurrence: Occurrence) -> str:
    start = occurrence.start
    return f"{WEEKDAYS_SV[start.weekday()]} {start.day} {MONTHS_SV[start.month - 1]} kl. {start:%H:%M}"


def occurrence_actions(
    cadence_key: str, kind: str, title: str, occurrence: Occurrence, calendar: WorkCalendar, packet_days: int = 5
) -> list[PlannedAction]:
    """The actions of one occurrence. Actions that carry a decision packet go out `packet_days` working days
    before (the organisation's `packets.working_days_before`); the others keep their own offsets."""
    actions = []
    for rule in TRIGGER_ACTIONS.get(kind, ()):
        days = packet_days if rule.attachment == "packet" else rule.working_days_before
        due = calendar.working_days_before(occurrence.day, days) if days > 0 else occurrence.day
        subject = rule.subject.format(
            title=title,
            when=when_text(occurrence),
            month=f"{MONTHS_SV[occurrence.day.month - 1]} {occurrence.day.year}",
        )
        actions.append(
            PlannedAction(
                cadence_key,
                f"{occurrence.key}:{rule.action}",
                kind,
                rule.action,
                due,
                subject,
                rule.attachment,
                occurrence,
            )
        )
    return actions


def deadline_actions(
    trigger_key: str, kind: str, title: str, due_on: date, policy: dict[str, object] | None = None
) -> list[PlannedAction]:
    """Reminders before a deadline and an escalation after it, keyed by the deadline (a new deadline restarts).
    `policy` is the organisation's `reminders` (days before, on the day, escalation after N days)."""
    policy = {**DEFAULT_REMINDERS, **(policy or {})}
    offsets = [(days, f"paminnelse-{days}") for days in policy["before_days"]]  # type: ignore[attr-defined]
    if policy["on_the_day"]:
        offsets.append((0, "forfaller-idag"))
    actions = [
        PlannedAction(
            trigger_key,
            f"{due_on.isoformat()}:{action}",
            kind,
            action,
            due_on - timedelta(days=days),
            f"Påminnelse: '{title}' ska vara klar {due_on}" if days else f"I dag: '{title}' ska vara klar",
        )
        for days, action in offsets
    ]
    after = int(policy["escalate_after_days"])  # type: ignore[call-overload]
    actions.append(
        PlannedAction(
            trigger_key,
            f"{due_on.isoformat()}:eskalering",
            kind,
            "eskalering",
            due_on + timedelta(days=after),
            f"Försenat: '{title}' skulle ha varit klar {due_on}",
        )
    )
    return actions

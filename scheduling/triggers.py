"""What each trigger makes happen, and when: pure rules from occurrences and deadlines to planned actions.

A planned action is due on a day; its identity (organisation, trigger, occurrence, action) is what makes it
happen once. Offsets are in working days (weekends and public holidays are closed; a break is not, it only
places the occurrences of the cadences that observe it), so a call never goes out on a Sunday or
midsommarafton, never earlier than its lead time plus the days the calendar is closed, never after its event,
and never on the same day as the previous occurrence's call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from samverkan.core.labels import MONTHS_SV, WEEKDAYS_SV
from samverkan.scheduling.actions import Action
from samverkan.scheduling.cadence import Occurrence
from samverkan.scheduling.periods import period_label, rhythm_noun
from samverkan.scheduling.workdays import WorkCalendar


@dataclass(frozen=True)
class ActionRule:
    action: Action
    working_days_before: int  # 0 = on the day, negative = after
    subject: str  # Swedish subject; {title}, {when} and {period} are filled in
    attachment: str | None = None  # "packet" or "report"; None: what the action itself carries
    addressee: str | None = None  # a function (samordnare) this action goes to instead of the cadence's targets


TRIGGER_ACTIONS: dict[str, tuple[ActionRule, ...]] = {
    "est_meeting": (
        ActionRule(Action.KALLELSE, 5, "Kallelse: {title} {when}"),
        ActionRule(Action.RAPPORTERA_OBSERVATIONER, 2, "Påminnelse: rapportera observationer före {title} {when}"),
        ActionRule(Action.GEMENSAM_LAGESBILD, 0, "Gemensam lägesbild efter {title} {when}"),
    ),
    "body_meeting": (ActionRule(Action.KALLELSE, 5, "Kallelse och handlingar: {title} {when}", "packet"),),
    "direction_decision": (ActionRule(Action.BESLUTSUNDERLAG, 5, "Beslutsunderlag: {title} {when}"),),
    "est_report": (ActionRule(Action.MANADSRAPPORT, 0, "{title} – {period}"),),
    "yearly_review": (ActionRule(Action.ARSRAPPORT, 5, "Årlig uppföljning: {title} {when}"),),
    "survey": (ActionRule(Action.PAMINNELSE, 0, "Dags för {title}"),),
    "report": (ActionRule(Action.RAPPORT, 0, "{title} – {period}"),),
    "weekly_situation": (
        ActionRule(Action.RAPPORTERA_LAGESBILD, 1, "Påminnelse: lämna bidrag till {title} senast {when}"),
        ActionRule(Action.SAMMANSTALL_LAGESBILD, 0, "Dags att sammanställa {title}", addressee="samordnare"),
    ),
    "network_meeting": (ActionRule(Action.KALLELSE, 10, "Kallelse: {title} {when}"),),
    "county_analysis": (ActionRule(Action.LANSANALYS, 0, "{title} – {period}"),),
    "county_report": (ActionRule(Action.ARSRAPPORT_BRA, 0, "{title} – {period}"),),
    "joint_priorities": (
        ActionRule(Action.GEMENSAMMA_PRIORITERINGAR, 10, "Förbered {title} {when}: länets gemensamma prioriteringar"),
    ),
}

LAGESBILD_DAYS = timedelta(days=14)  # what a meeting's joint lägesbild looks back on
DEFAULT_REMINDERS: dict[str, object] = {"before_days": [7, 1], "on_the_day": True, "escalate_after_days": 3}


@dataclass(frozen=True)
class PlannedAction:
    trigger_key: str  # cadence key, or item:<id> / measure:<id>
    occurrence_key: str  # occurrence or deadline key and the action code
    kind: str  # trigger kind, for summaries
    action: Action
    due: date
    subject: str
    attachment: str | None = None
    occurrence: Occurrence | None = None
    about: date | None = None  # the day of the event or deadline the message is about
    rhythm: str = "period"  # what one step of the cadence is called ('kvartal', 'år' ...), for packet wording
    addressee: str | None = None  # a function the action goes to instead of its cadence's targets

    @property
    def code(self) -> str:
        """The stored action code (`paminnelse-7` for a reminder seven days ahead)."""
        return self.occurrence_key.rpartition(":")[2]

    @property
    def period(self) -> tuple[date, date] | None:
        """The period a report covers: its cadence's, or for a meeting's lägesbild the fortnight up to it."""
        if self.occurrence is None:
            return None
        if self.action.is_report:
            return self.occurrence.period
        if self.action.document == "report":
            return self.occurrence.day - LAGESBILD_DAYS, self.occurrence.day
        return None


def when_text(occurrence: Occurrence) -> str:
    start = occurrence.start
    return f"{WEEKDAYS_SV[start.weekday()]} {start.day} {MONTHS_SV[start.month - 1]} kl. {start:%H:%M}"


def _attachment(rule: ActionRule, packet: bool | None) -> str | None:
    """What the action carries; a cadence's `packet` switches the decision packet off, or onto its call."""
    attachment = rule.attachment or rule.action.document
    if attachment == "packet" and packet is False:
        return None
    if attachment is None and packet is True and rule.action is Action.KALLELSE:
        return "packet"
    return attachment


def _due(rule: ActionRule, occurrence: Occurrence, calendar: WorkCalendar, packet_days: int, packet: bool) -> date:
    """Lead times count the days the calendar is really closed (weekends, holidays), not a break: a break
    places occurrences (skip, move, keep) but never sends a call for the first meeting after it weeks early."""
    days = packet_days if packet else rule.working_days_before
    if days > 0:
        return calendar.working_days_before(occurrence.day, days, observe_breaks=False)
    if rule.action.after_event or rule.action.is_report or calendar.is_working_day(occurrence.day, False):
        return occurrence.day
    return calendar.working_days_before(occurrence.day, 1, observe_breaks=False)  # kept on a closed day


def occurrence_actions(
    cadence_key: str,
    kind: str,
    title: str,
    occurrence: Occurrence,
    calendar: WorkCalendar,
    packet_days: int = 5,
    packet: bool | None = None,
    rhythm: str = "period",
) -> list[PlannedAction]:
    """The actions of one occurrence. `calendar` is the cadence's own (see cadence.cadence_calendar).
    Actions that carry a decision packet go out `packet_days` working days before (the organisation's
    `packets.working_days_before`); the others keep their own offsets. `packet: false` sends no packet."""
    actions = []
    for rule in TRIGGER_ACTIONS.get(kind, ()):
        attachment = _attachment(rule, packet)
        due = _due(rule, occurrence, calendar, packet_days, attachment == "packet")
        actions.append(_planned(cadence_key, kind, title, occurrence, rule, attachment, due, rhythm))
    return actions


def _planned(
    cadence_key: str,
    kind: str,
    title: str,
    occurrence: Occurrence,
    rule: ActionRule,
    attachment: str | None,
    due: date,
    rhythm: str,
) -> PlannedAction:
    """One action of an occurrence, due on `due`, with its Swedish subject."""
    period = occurrence.period if rule.action.is_report else None
    subject = rule.subject.format(
        title=title,
        when=when_text(occurrence),
        period=period_label(*period) if period else f"{MONTHS_SV[occurrence.day.month - 1]} {occurrence.day.year}",
    )
    if attachment is None and rule.attachment == "packet":
        subject = subject.replace("Kallelse och handlingar:", "Kallelse:")
    return PlannedAction(
        cadence_key,
        f"{occurrence.key}:{rule.action.value}",
        kind,
        rule.action,
        due,
        subject,
        attachment,
        occurrence,
        occurrence.day,
        rhythm,
        rule.addressee,
    )


def cadence_actions(
    cadence_key: str,
    kind: str,
    title: str,
    rule: Mapping[str, Any],
    occurrences: Iterable[Occurrence],
    calendar: WorkCalendar,
    packet_days: int = 5,
    due_in: tuple[date, date] | None = None,
) -> list[PlannedAction]:
    """The actions of a cadence's occurrences, in order. A call that would land on (or before) the day of the
    previous occurrence's same call goes out on the next working day after it, and never after its event:
    several occurrences' calls are never stacked on one day. With `due_in` (first, last), only the actions due
    then are built (the others are still placed: they push later calls)."""
    rhythm = rhythm_noun(str(rule.get("frequency")), rule.get("times_per_year"))
    packet = rule.get("packet")
    last_due: dict[Action, date] = {}
    result = []
    for occurrence in occurrences:
        for action_rule in TRIGGER_ACTIONS.get(kind, ()):
            attachment = _attachment(action_rule, packet)
            due = _due(action_rule, occurrence, calendar, packet_days, attachment == "packet")
            previous = last_due.get(action_rule.action)
            if previous is not None and due <= previous < occurrence.day:
                later = calendar.next_working_day(previous + timedelta(days=1), observe_breaks=False)
                due = min(later, occurrence.day)
            last_due[action_rule.action] = due
            if due_in is None or due_in[0] <= due <= due_in[1]:
                result.append(_planned(cadence_key, kind, title, occurrence, action_rule, attachment, due, rhythm))
    return result


def _before(due_on: date, days: int, calendar: WorkCalendar | None) -> date:
    """`days` before the deadline; on a weekend or holiday, the last working day before that."""
    day = due_on - timedelta(days=days)
    if calendar is None or calendar.is_working_day(day, observe_breaks=False):
        return day
    return calendar.next_working_day(day, observe_breaks=False, step=-1)


_REMINDING = (Action.PAMINNELSE_FORE, Action.FORFALLER_IDAG)


def _nearness(action: PlannedAction) -> tuple[date, int]:
    """A reminder's place before its deadline: later day first, then fewer days before (a reminder moved onto
    the same working day as an earlier one, by a weekend or a holiday, is the nearer of the two)."""
    code = action.code
    days = int(code[len(Action.PAMINNELSE_FORE.value) :]) if action.action is Action.PAMINNELSE_FORE else 0
    return action.due, -days


def owed_reminders(due: Sequence[PlannedAction]) -> list[PlannedAction]:
    """Of one deadline's actions due in a sweep, those owed: of its reminders (days before, on the day) only the
    nearest to the deadline; earlier ones due at the same time (a deadline set or found late, a sweep that did
    not run for some days, two reminders moved onto one working day) would tell the same person the same thing
    twice. An escalation is always owed."""
    reminders = [a for a in due if a.action in _REMINDING]
    if len(reminders) < 2:
        return list(due)
    nearest = max(reminders, key=_nearness)
    return [a for a in due if a is nearest or a.action not in _REMINDING]


def deadline_actions(
    trigger_key: str,
    kind: str,
    title: str,
    due_on: date,
    policy: Mapping[str, object] | None = None,
    calendar: WorkCalendar | None = None,
) -> list[PlannedAction]:
    """Reminders before a deadline and an escalation after it, keyed by the deadline (a new deadline restarts).
    `policy` is the organisation's `reminders` (days before, on the day, escalation after N days). With the
    organisation's `calendar`, a reminder that would fall on a weekend or holiday goes out the working day
    before."""
    policy = {**DEFAULT_REMINDERS, **(policy or {})}
    offsets = [(days, Action.reminder_code(days)) for days in policy["before_days"]]  # type: ignore[attr-defined]
    if policy["on_the_day"]:
        offsets.append((0, Action.FORFALLER_IDAG.value))
    actions = [
        PlannedAction(
            trigger_key,
            f"{due_on.isoformat()}:{code}",
            kind,
            Action.PAMINNELSE_FORE if days else Action.FORFALLER_IDAG,
            _before(due_on, days, calendar) if days else due_on,
            f"Påminnelse: '{title}' ska vara klar {due_on}" if days else f"I dag: '{title}' ska vara klar",
            about=due_on,
        )
        for days, code in offsets
    ]
    after = int(policy["escalate_after_days"])  # type: ignore[call-overload]
    actions.append(
        PlannedAction(
            trigger_key,
            f"{due_on.isoformat()}:{Action.ESKALERING.value}",
            kind,
            Action.ESKALERING,
            due_on + timedelta(days=after),
            f"Försenat: '{title}' skulle ha varit klar {due_on}",
            about=due_on,
        )
    )
    return actions

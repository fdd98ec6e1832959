"""A meeting whose call has gone out and that then changes: the invitation is updated or withdrawn.

When the organisation file changes after a call was sent (another time or day, a new break, another room or
Teams link, the cadence removed), the sweep compares each still-coming meeting with what its invitation said
(kept in the call's occurrence record) and sends everyone who was called the same UID again: METHOD:REQUEST
with the next SEQUENCE for a moved or changed meeting, METHOD:CANCEL for one that no longer takes place.
The record is updated in the same transaction as the outbox rows, so each change is announced once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.timeutil import STOCKHOLM
from samverkan.models import Notification, Person, TriggerOccurrence
from samverkan.models.enums import Related
from samverkan.roles.address import greeting
from samverkan.scheduling import ics
from samverkan.scheduling.actions import Action
from samverkan.scheduling.arshjul import expand_organisation
from samverkan.scheduling.cadence import Occurrence
from samverkan.scheduling.calendar import CalendarEvent, event_uid
from samverkan.scheduling.triggers import when_text
from samverkan.services.invitations import changed, invitation, meeting_event, party, snapshot, write_invitation
from samverkan.templates.rendering import render

LOOK_BACK = timedelta(days=120)  # calls go out at most this long before their meeting
AROUND = timedelta(days=45)  # how far an occurrence can have moved from its nominal date


def update_invitations(
    session: Session, contexts: Sequence[Any], now: datetime, documents_dir: Path | None, base_url: str
) -> int:
    """Send updates or cancellations for every coming meeting that differs from its invitation; how many."""
    if documents_dir is None or not contexts:
        return 0
    by_id = {context.org_id: context for context in contexts}
    records = session.exec(
        select(TriggerOccurrence).where(
            col(TriggerOccurrence.organisation_id).in_(list(by_id)),
            col(TriggerOccurrence.occurrence_key).like(f"%:{Action.KALLELSE.value}"),
            col(TriggerOccurrence.scheduled_for) >= now - LOOK_BACK,
        )
    ).all()
    sent = 0
    for record in records:
        said = record.result.get("invitation")
        if not isinstance(said, dict) or datetime.fromisoformat(said["start"]) <= now:
            continue  # no invitation went out, or the meeting is over
        context = by_id[record.organisation_id]
        if said.get("config") == context.org.config_hash:
            continue  # the organisation file is as it was when the invitation went out
        nominal = record.occurrence_key.rpartition(":")[0]
        event = current_event(context, record.trigger_key, nominal)
        if not changed(said, event):
            record.result = {**record.result, "invitation": {**said, "config": context.org.config_hash}}
            session.add(record)  # checked against this version of the file: not again
            continue
        sent += _announce(session, context, record, said, event, now, documents_dir, base_url)
    return sent


def current_event(context: Any, cadence_key: str, nominal: str) -> CalendarEvent | None:
    """The occurrence as the organisation file has it now; None if it no longer takes place."""
    cadence = next((c for c in context.cadences if c.key == cadence_key), None)
    if cadence is None:
        return None  # the cadence was removed
    day = date.fromisoformat(nominal)
    rules = {c.key: c.rule for c in context.cadences}
    titles = {c.key: c.title for c in context.cadences}
    expansion = expand_organisation(rules, context.calendar, day - AROUND, day + AROUND, titles)[cadence_key]
    occurrence = next((o for o in expansion.occurrences if o.key == nominal), None)
    if occurrence is None:
        return None  # skipped (a new break) or merged into another occurrence
    body = next((b for b in context.bodies.values() if b.id == cadence.body_id), None)
    return meeting_event(context.org.key, cadence, body, occurrence)


def _announce(
    session: Session,
    context: Any,
    record: TriggerOccurrence,
    said: dict[str, Any],
    event: CalendarEvent | None,
    now: datetime,
    documents_dir: Path,
    base_url: str,
) -> int:
    """Write the update (or cancellation), its outbox rows to everyone called, and the new record."""
    sequence = int(said["sequence"]) + 1
    organizer = ics.Party(*said["organizer"])
    persons = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_([i for i, _ in said["invited"]])))}
    called = [(persons[i], key) for i, key in said["invited"] if i in persons]
    before = Occurrence(said["start"][:10], date.fromisoformat(said["start"][:10]), *_times(said))
    shown = event or _as_event(context.org.key, record, said, before)
    method = "CANCEL" if event is None else "REQUEST"
    text = invitation(shown, organizer, [party(p) for p, _ in called], now, method, sequence)
    path = write_invitation(documents_dir, text, shown, sequence)
    subject, message = _message(context, shown, before, event, path.name, base_url)
    for person, role_key in called:
        role = context.roles.get(role_key)
        opening = greeting(session, role, context.org.name) if role is not None else f"Till {person.name}"
        session.add(
            Notification(
                idempotency_key=f"{context.org.key}:{record.trigger_key}:{record.occurrence_key}:{sequence}:{person.id}",
                organisation_id=context.org_id,
                kind=Action.KALLELSE.value,
                person_id=person.id,
                role_key=role_key,
                subject=subject,
                body_text=f"{opening},\n\n{message}",
                attachments=[str(path)],
                related_type=Related.CADENCE,
                due_on=(event or shown).start.astimezone(STOCKHOLM).date(),
                not_before=now,
                created_at=now,
            )
        )
    new = snapshot(shown, organizer, [(saved_id(p), key) for p, key in called], context.org.config_hash, sequence)
    record.result = {**record.result, "invitation": {**new, "cancelled": event is None}}
    session.add(record)
    return len(called)


def _times(said: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(said["start"]), datetime.fromisoformat(said["end"])


def _as_event(org_key: str, record: TriggerOccurrence, said: dict[str, Any], before: Occurrence) -> CalendarEvent:
    """The cancelled meeting as its invitation announced it (its cadence may be gone)."""
    nominal = record.occurrence_key.rpartition(":")[0]
    return CalendarEvent(
        uid=event_uid(org_key, record.trigger_key, nominal),
        organisation=org_key,
        cadence=record.trigger_key,
        occurrence=nominal,
        kind=str(record.result.get("kind", "body_meeting")),
        title=str(said.get("title") or record.trigger_key),
        body=None,
        body_name=None,
        start=before.start,
        end=before.end,
        notify=(),
        roles=(),
        moved_from=None,
        moved_because=None,
        location=said.get("location"),
        online_url=said.get("online_url"),
    )


def _message(
    context: Any, shown: CalendarEvent, before: Occurrence, event: CalendarEvent | None, file: str, base_url: str
) -> tuple[str, str]:
    """The subject and text of an update ("Ändrad kallelse: ...") or a cancellation ("Inställt: ...")."""
    was = when_text(before)
    when = when_text(Occurrence(event.occurrence, event.start.date(), event.start, event.end)) if event else was
    subject = f"Ändrad kallelse: {shown.title} {when}" if event else f"Inställt: {shown.title} {was}"
    values = {"event": event, "title": shown.title, "was": was, "when": when, "file": file, "base_url": base_url}
    return subject, render("messages/invitation_update.txt.j2", org=context.org, **values)

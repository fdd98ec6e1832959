"""Decision packets on demand, for the decision points that are not on a cadence (signing the agreement,
adopting åtgärdsplaner and medborgarlöften) as well as the cadence ones."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, select

from samverkan.core.timeutil import STOCKHOLM, today_local
from samverkan.models import Body, Cadence, Organisation
from samverkan.scheduling.actions import Action
from samverkan.scheduling.cadence import Occurrence
from samverkan.scheduling.periods import rhythm_noun
from samverkan.scheduling.triggers import PlannedAction, when_text
from samverkan.services.deciding import check_deciding_body
from samverkan.services.documents import render_document
from samverkan.services.errors import NotFoundError
from samverkan.services.overview import find_organisation

PACKET_KINDS = {  # command-line name → (packet kind, title)
    "inriktningsbeslut": ("direction_decision", "Inriktningsbeslut"),
    "overenskommelse": ("agreement", "Underteckna samverkansöverenskommelsen"),
    "atgardsplaner": ("action_plans", "Anta åtgärdsplaner och medborgarlöften"),
    "arsuppfoljning": ("yearly_review", "Årlig uppföljning"),
}


def packet_action(
    session: Session, org_key: str, name: str, meeting_on: date, body_key: str, at: time = time(13, 0)
) -> tuple[Organisation, Body, PlannedAction]:
    """The organisation, the body and the planned action of a beslutsunderlag of kind `name` for a meeting."""
    organisation = find_organisation(session, org_key)
    if name not in PACKET_KINDS:
        raise NotFoundError(f"okänd typ av beslutsunderlag '{name}' (finns: {', '.join(PACKET_KINDS)})")
    body = session.exec(select(Body).where(Body.organisation_id == organisation.id, Body.key == body_key)).first()
    if body is None:
        raise NotFoundError(f"organet '{body_key}' finns inte i {organisation.name}")
    kind, title = PACKET_KINDS[name]
    check_deciding_body(body, "inriktningsbeslut" if name == "inriktningsbeslut" else f"beslutet '{title}'")
    start = datetime.combine(meeting_on, at, tzinfo=STOCKHOLM)
    occurrence = Occurrence(meeting_on.isoformat(), meeting_on, start, start + timedelta(hours=2))
    action = PlannedAction(
        name,
        f"{meeting_on.isoformat()}:{Action.BESLUTSUNDERLAG.value}",
        kind,
        Action.BESLUTSUNDERLAG,
        meeting_on,
        f"Beslutsunderlag: {title} {when_text(occurrence)}",
        "packet",
        occurrence,
        meeting_on,
        _rhythm(session, organisation.id, kind),
    )
    return organisation, body, action


def render_packet(
    session: Session,
    org_key: str,
    name: str,
    meeting_on: date,
    body_key: str,
    folder: Path,
    at: time = time(13, 0),
    pdf: bool = True,
    written_on: date | None = None,
) -> Path:
    """The beslutsunderlag of kind `name` for a meeting of `body_key`; its datum is `written_on` (default today).
    Its PDF is rendered only if this content was not rendered before (the sweep's, or an earlier request's)."""
    organisation, body, action = packet_action(session, org_key, name, meeting_on, body_key, at)
    return render_document(
        session, organisation, action, folder, pdf=pdf, body=body, written_on=written_on or today_local()
    )


def _rhythm(session: Session, organisation_id: int | None, kind: str) -> str:
    """What one step of the organisation's cadence of this kind is called ('kvartal', 'år'); 'period' if none."""
    cadence = session.exec(
        select(Cadence).where(Cadence.organisation_id == organisation_id, Cadence.trigger == kind).order_by(Cadence.key)
    ).first()
    if cadence is None:
        return "period"
    times = cadence.rule.get("times_per_year")
    return rhythm_noun(str(cadence.rule.get("frequency")), int(times) if isinstance(times, int) else None)

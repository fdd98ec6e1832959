"""The Swedish pages. Each handler: who is it, may they see this organisation, call the service layer in one
transaction, then show the result or the refusal. The service layer decides what a role may do."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from samverkan.core.labels import MONTHS_SV, label
from samverkan.core.timeutil import local
from samverkan.models import (
    Body,
    Cause,
    CitizenPromise,
    Cycle,
    Decision,
    DeliveryAttempt,
    Measure,
    Notification,
    Organisation,
    Person,
    PersonToken,
    Phase,
    TokenKind,
    Upload,
)
from samverkan.models.enums import BodyKind, CycleStatus, EvidenceKind, MeasureStatus
from samverkan.services import accounts, agreements, cycle, est, handover, substance, upgrade
from samverkan.services.calendar_feed import organisation_calendar
from samverkan.services.cycle import EvidenceInput
from samverkan.services.documents import lagesbild_summary
from samverkan.services.errors import NotFoundError, NotPermittedError, RefusedError, ServiceError
from samverkan.services.my_work import my_work
from samverkan.services.overview import find_organisation, organisation_overview
from samverkan.services.packets import PACKET_KINDS, render_packet
from samverkan.web.security import (
    Viewer,
    csrf_protected,
    current_viewer,
    require_viewer,
    set_session_cookie,
    state,
)
from samverkan.web.views import Id, membership, page, redirect, status_of

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])  # every form is checked
Logged = Annotated[Viewer, Depends(require_viewer)]
MAX_UPLOAD = 20 * 1024 * 1024
UPLOAD_TYPES = {
    ".pdf", ".docx", ".doc", ".odt", ".xlsx", ".xls", ".ods", ".pptx", ".txt", ".csv", ".png", ".jpg", ".jpeg",
}  # fmt: skip
SAFE_NAME = re.compile(r"[^A-Za-z0-9ÅÄÖåäöÉé._ -]")


def client_of(request: Request) -> str:
    return request.client.host if request.client else "okänd"


# -- logging in -------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return RedirectResponse("/mitt-arbete" if current_viewer(request) else "/logga-in", status_code=303)


@router.get("/logga-in", response_class=HTMLResponse)
def login_form(request: Request, nasta: str = "/mitt-arbete") -> Response:
    return page(request, "login.html.j2", next=_local_path(nasta), email="", error=None)


def _local_path(target: str) -> str:
    """Only paths on this site (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/mitt-arbete"


@router.post("/logga-in", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    nasta: Annotated[str, Form(max_length=500)] = "/mitt-arbete",
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            secret, _token, person = accounts.login(session, email, password, client_of(request))
    except accounts.RateLimitedError as exc:
        return page(request, "login.html.j2", 429, next=_local_path(nasta), email=email, error=str(exc))
    except accounts.LoginFailedError as exc:
        with web.write() as session:  # the failed attempt counts, though the login's transaction rolled back
            session.add(accounts.LoginAttempt(email=email.strip().lower()[:254], client=client_of(request), ok=False))
        return page(request, "login.html.j2", 401, next=_local_path(nasta), email=email, error=str(exc))
    response = redirect(_local_path(nasta), f"Välkommen, {person.name}!")
    set_session_cookie(response, web, secret)
    return response


@router.post("/logga-ut")
def logout(request: Request, viewer: Logged) -> Response:
    with state(request).write() as session:
        token = session.get(PersonToken, viewer.token.id)
        if token is not None:
            accounts.logout(session, token)
    response = redirect("/logga-in", "Du är utloggad.")
    set_session_cookie(response, state(request), None)
    return response


@router.get("/inbjudan/{secret}", response_class=HTMLResponse)
def invitation_form(request: Request, secret: str) -> Response:
    with state(request).read() as session:
        token = accounts.valid_token(session, secret, TokenKind.INVITATION)
        person = session.get(Person, token.person_id) if token else None
    if person is None:
        return page(request, "invitation.html.j2", 404, person=None, error="Inbjudningslänken gäller inte längre.")
    return page(request, "invitation.html.j2", person=person, error=None)


@router.post("/inbjudan/{secret}", response_class=HTMLResponse)
def accept_invitation(
    request: Request,
    secret: str,
    password: Annotated[str, Form(max_length=1000)] = "",
    password2: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    web = state(request)
    with web.read() as session:
        token = accounts.valid_token(session, secret, TokenKind.INVITATION)
        person = session.get(Person, token.person_id) if token else None
    if person is None:
        return page(request, "invitation.html.j2", 404, person=None, error="Inbjudningslänken gäller inte längre.")
    if password != password2:
        return page(request, "invitation.html.j2", 422, person=person, error="Lösenorden är inte lika.")
    try:
        with web.write() as session:
            accounts.accept_invitation(session, secret, password)
    except ServiceError as exc:
        return page(request, "invitation.html.j2", status_of(exc), person=person, error=str(exc))
    return redirect("/logga-in", "Ditt lösenord är sparat. Logga in med din e-postadress.")


# -- my work and my account -----------------------------------------------------------------------


@router.get("/mitt-arbete", response_class=HTMLResponse)
def my_work_page(request: Request, viewer: Logged) -> Response:
    web = state(request)
    with web.read() as session:
        work = my_work(session, viewer.person, web.today())
    return page(request, "my_work.html.j2", work=work)


@router.get("/konto", response_class=HTMLResponse)
def account_page(request: Request, viewer: Logged) -> Response:
    return _account_page(request, viewer)


def _account_page(
    request: Request, viewer: Logged, new_link: str | None = None, new_key: str | None = None
) -> Response:
    with state(request).read() as session:
        tokens = session.exec(
            select(PersonToken)
            .where(PersonToken.person_id == viewer.person.id, col(PersonToken.revoked_at).is_(None))
            .where(col(PersonToken.kind).in_([TokenKind.CALENDAR, TokenKind.API]))
            .order_by(PersonToken.id)
        ).all()
    return page(request, "account.html.j2", tokens=tokens, new_link=new_link, new_key=new_key)


@router.post("/konto/kalender", response_class=HTMLResponse)
def new_calendar_link(request: Request, viewer: Logged) -> Response:
    """A new personal calendar link; the previous one stops working. Shown once: only its hash is kept."""
    web = state(request)
    with web.write() as session:
        person = session.get(Person, viewer.person.id)
        accounts.revoke_tokens(session, person, TokenKind.CALENDAR)  # type: ignore[arg-type]
        secret, _ = accounts.issue_token(session, person, TokenKind.CALENDAR, label="årshjul")  # type: ignore[arg-type]
    link = f"{web.settings.base_url.rstrip('/')}/kalender/{secret}.ics"
    return _account_page(request, viewer, new_link=link)


@router.post("/konto/kalender/aterkalla")
def revoke_calendar_link(request: Request, viewer: Logged) -> Response:
    with state(request).write() as session:
        count = accounts.revoke_tokens(session, session.get(Person, viewer.person.id), TokenKind.CALENDAR)  # type: ignore[arg-type]
    return redirect("/konto", "Kalenderlänken är återkallad." if count else "Du hade ingen kalenderlänk.")


@router.post("/konto/api-nyckel", response_class=HTMLResponse)
def new_api_key(request: Request, viewer: Logged, label_text: Annotated[str, Form()] = "") -> Response:
    with state(request).write() as session:
        secret, _ = accounts.issue_token(
            session,
            session.get(Person, viewer.person.id),  # type: ignore[arg-type]
            TokenKind.API,
            timedelta(days=365),
            label=label_text.strip()[:200] or "API-nyckel",
        )
    return _account_page(request, viewer, new_key=secret)


@router.post("/konto/nyckel/{token_id}/aterkalla")
def revoke_key(request: Request, viewer: Logged, token_id: Id) -> Response:
    with state(request).write() as session:
        token = session.get(PersonToken, token_id)
        if token is None or token.person_id != viewer.person.id:
            return redirect("/konto", "Ingen sådan nyckel.")
        accounts.logout(session, token)
    return redirect("/konto", "Nyckeln är återkallad.")


@router.get("/kalender/{secret}.ics")
def calendar_feed(request: Request, secret: str) -> Response:
    """The personal årshjul for calendar programs: no login, the secret in the link is the key."""
    web = state(request)
    with web.read() as session:
        token = accounts.valid_token(session, secret, TokenKind.CALENDAR)
        person = session.get(Person, token.person_id) if token else None
        if person is None:
            return Response("Kalenderlänken gäller inte (återkallad eller okänd).\n", 404, media_type="text/plain")
        from samverkan.scheduling.calendar import as_ics
        from samverkan.services.my_work import held_roles

        today = web.today()
        events = []
        for org_id in held_roles(session, person, today):
            org = session.get(Organisation, org_id)
            if org is not None and org.config_hash is not None:
                events += organisation_calendar(
                    session, org.key, today - timedelta(days=31), today + timedelta(days=366), person
                )
    events.sort(key=lambda e: e.start)
    return Response(as_ics(events, f"Samverkan – {person.name}"), media_type="text/calendar; charset=utf-8")


# -- one organisation ------------------------------------------------------------------------------


def _refused(request: Request, error: ServiceError) -> Response:
    return page(request, "error.html.j2", status_of(error), error=str(error))


@router.get("/org/{key}", response_class=HTMLResponse)
def organisation_page(request: Request, viewer: Logged, key: str) -> Response:
    return _organisation_page(request, viewer, key)


def _organisation_page(
    request: Request, viewer: Logged, key: str, error: str | None = None, status: int = 200
) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            overview = organisation_overview(session, key, web.today())
    except ServiceError as exc:
        return _refused(request, exc)
    return page(request, "organisation.html.j2", status, org=overview, member=member, error=error)


@router.post("/org/{key}/overlamning", response_class=HTMLResponse)
def handover_role(
    request: Request,
    viewer: Logged,
    key: str,
    role_key: Annotated[str, Form(max_length=64)] = "",
    to_email: Annotated[str, Form(max_length=254)] = "",
    to_name: Annotated[str, Form(max_length=200)] = "",
    starts_on: Annotated[date | None, Form()] = None,
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            assignment = handover.handover(
                session,
                key,
                viewer.person.email,
                web.today(),
                role_key=role_key,
                to_email=to_email,
                to_name=to_name or None,
                starts_on=starts_on,
            )
            when = assignment.starts_on
    except ServiceError as exc:
        return _organisation_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}", f"Rollen lämnas över till {to_email} från {when}.")


@router.post("/org/{key}/bjud-in", response_class=HTMLResponse)
def invite_person(
    request: Request,
    viewer: Logged,
    key: str,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            invitation = accounts.invite(session, key, viewer.person.email, email, web.today())
            name, notification_id = invitation.person.name, invitation.notification_id
    except ServiceError as exc:
        return _organisation_page(request, viewer, key, error=str(exc), status=status_of(exc))
    request.app.state.deliver_soon(notification_id)
    return redirect(f"/org/{key}", f"Inbjudan till {name} ligger i utkorgen och skickas nu.")


# -- the cycle -------------------------------------------------------------------------------------


@router.get("/org/{key}/cykel", response_class=HTMLResponse)
def cycle_page(request: Request, viewer: Logged, key: str) -> Response:
    return _cycle_page(request, viewer, key)


def _cycle_page(request: Request, viewer: Logged, key: str, error: str | None = None, status: int = 200) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            try:
                view = cycle.cycle_status(session, key, web.today())
            except NotFoundError:
                view = None
    except ServiceError as exc:
        return _refused(request, exc)
    return page(request, "cycle.html.j2", status, view=view, member=member, error=error)


@router.post("/org/{key}/cykel/starta", response_class=HTMLResponse)
def start_cycle(request: Request, viewer: Logged, key: str) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            started = cycle.start_cycle(session, key, viewer.person.email, web.today())
            number = started.number
    except ServiceError as exc:
        return _cycle_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/cykel", f"Cykel {number} har startat.")


@router.post("/org/{key}/cykel/omtag", response_class=HTMLResponse)
def reopen(
    request: Request,
    viewer: Logged,
    key: str,
    phase_key: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            moved = cycle.reopen_phase(session, key, viewer.person.email, web.today(), phase_key, reason)
    except ServiceError as exc:
        return _cycle_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/cykel", " ".join(moved.describe()) or "Omtaget är gjort.")


@router.post("/org/{key}/cykel/uppgradera", response_class=HTMLResponse)
def upgrade_definition(request: Request, viewer: Logged, key: str) -> Response:
    """A coordinator moves the running cycle onto the process definition file as it is now."""
    web = state(request)
    try:
        with web.write() as session:
            result = upgrade.upgrade_definition(session, key, viewer.person.email, web.today())
    except ServiceError as exc:
        return _cycle_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/cykel", result.describe()[0])


def _item_context(session: Any, key: str, item_id: int, on: date) -> dict[str, Any]:
    """One item with what its page shows; reads only that item (not the whole cycle)."""
    from samverkan.models import ChecklistItem
    from samverkan.services.cycle import EVIDENCE_SV, owner_text

    organisation = find_organisation(session, key)
    item = session.get(ChecklistItem, item_id)
    phase = session.get(Phase, item.phase_id) if item else None
    cyc = session.get(Cycle, phase.cycle_id) if phase else None
    if item is None or cyc is None or cyc.organisation_id != organisation.id:
        raise NotFoundError(f"punkt nr {item_id} finns inte i {organisation.name}")
    decisions = (
        session.exec(
            select(Decision)
            .where(Decision.organisation_id == organisation.id)
            .order_by(col(Decision.id).desc())
            .limit(50)
        ).all()
        if item.evidence_kind == EvidenceKind.DECISION
        else []
    )
    done_by = session.get(Person, item.completed_by_person_id) if item.completed_by_person_id else None
    item_view = {
        "owners": owner_text(session, organisation, item.owner_role_key, on),
        "evidence_kind": EVIDENCE_SV[EvidenceKind(item.evidence_kind)],
        "completed_by": done_by.name if done_by else None,
    }
    return {"item": item, "phase": phase, "decisions": decisions, "item_view": item_view, "org": organisation}


@router.get("/org/{key}/punkt/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, viewer: Logged, key: str, item_id: Id) -> Response:
    return _item_page(request, viewer, key, item_id)


def _item_page(
    request: Request, viewer: Logged, key: str, item_id: Id, error: str | None = None, status: int = 200
) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            context = _item_context(session, key, item_id, web.today())
    except ServiceError as exc:
        return _refused(request, exc)
    return page(request, "item.html.j2", status, member=member, error=error, **context)


def _store_upload(request: Request, viewer: Viewer, organisation: Organisation, upload: UploadFile) -> Upload:
    name = Path(upload.filename or "fil").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise RefusedError(f"filtypen {suffix or '(ingen)'} tas inte emot; tillåtna: {', '.join(sorted(UPLOAD_TYPES))}")
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise RefusedError(f"filen är större än {MAX_UPLOAD // (1024 * 1024)} MB")
    if not data:
        raise RefusedError("filen är tom")
    digest = hashlib.sha256(data).hexdigest()
    folder = state(request).uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        partial = target.with_suffix(".tmp")
        partial.write_bytes(data)
        partial.replace(target)  # whole or not at all
    return Upload(
        organisation_id=organisation.id,  # type: ignore[arg-type]
        sha256=digest,
        filename=SAFE_NAME.sub("_", name)[:255],
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=len(data),
        uploaded_by_person_id=viewer.person.id,  # type: ignore[arg-type]
    )


@router.post("/org/{key}/punkt/{item_id}", response_class=HTMLResponse)
def complete_item(
    request: Request,
    viewer: Logged,
    key: str,
    item_id: Id,
    title: Annotated[str, Form(max_length=300)] = "",
    uri: Annotated[str, Form(max_length=2000)] = "",
    decision_id: Annotated[int | None, Form()] = None,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            organisation = find_organisation(session, key)
            membership(session, request, viewer, key)
            from samverkan.models import ChecklistItem

            target = session.get(ChecklistItem, item_id)
            if target is None:
                raise NotFoundError(f"punkt nr {item_id} finns inte")
            kind = EvidenceKind(target.evidence_kind)
            link = uri.strip() or None
            if file is not None and file.filename:
                upload = _store_upload(request, viewer, organisation, file)
                session.add(upload)
                session.flush()
                link = f"/org/{key}/filer/{upload.id}"
                title = title.strip() or upload.filename
            evidence = EvidenceInput(kind, title, link, decision_id if kind == EvidenceKind.DECISION else None)
            moved = cycle.complete_item(session, key, viewer.person.email, web.today(), str(item_id), evidence)
            done = target.title
    except ServiceError as exc:
        return _item_page(request, viewer, key, item_id, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/cykel", " ".join([f"'{done}' är klar.", *moved.describe()]))


@router.get("/org/{key}/filer/{upload_id}")
def download_upload(request: Request, viewer: Logged, key: str, upload_id: Id) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            upload = session.get(Upload, upload_id)
            if upload is None or upload.organisation_id != member.organisation.id:
                raise NotFoundError(f"filen nr {upload_id} finns inte i {member.organisation.name}")
    except ServiceError as exc:
        return _refused(request, exc)
    return FileResponse(web.uploads_dir / upload.sha256, media_type=upload.content_type, filename=upload.filename)


# -- decisions and signatures ------------------------------------------------------------------------


def _decisions_context(session: Any, organisation: Organisation) -> dict[str, Any]:
    agreement = agreements.latest_agreement(session, organisation)
    subjects = []
    if agreement is not None:
        promises = agreements.latest_promises(session, agreement)
        for ref, subject in [("agreement", agreement), *[("promise", p) for p in promises]]:
            facts = agreements.signing_facts(session, organisation, subject)
            kommun = (
                session.get(Organisation, subject.municipality_id).key if isinstance(subject, CitizenPromise) else ""
            )  # type: ignore[union-attr]
            parties = agreements.signers(session, organisation, subject)
            subjects.append(
                {
                    "ref": ref,
                    "kommun": kommun,
                    "title": subject.title,
                    "status": subject.status,
                    "missing": facts.missing_parties,
                    "signed": [s.party.name for s in parties if s.party.name not in facts.missing_parties],
                    "version": subject.version,
                }
            )
    decisions = [
        agreements.decision_view(session, organisation.key, d.id)
        for d in session.exec(
            select(Decision)
            .where(Decision.organisation_id == organisation.id)
            .order_by(col(Decision.id).desc())
            .limit(30)
        ).all()
    ]
    bodies = session.exec(
        select(Body).where(Body.organisation_id == organisation.id, col(Body.archived_at).is_(None)).order_by(Body.name)
    ).all()
    return {"subjects": subjects, "decisions": decisions, "bodies": bodies}


@router.get("/org/{key}/beslut", response_class=HTMLResponse)
def decisions_page(request: Request, viewer: Logged, key: str) -> Response:
    return _decisions_page(request, viewer, key)


def _decisions_page(
    request: Request, viewer: Logged, key: str, error: str | None = None, status: int = 200
) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            context = _decisions_context(session, member.organisation)
    except ServiceError as exc:
        return _refused(request, exc)
    return page(request, "decisions.html.j2", status, member=member, error=error, today=web.today(), **context)


@router.post("/org/{key}/beslut", response_class=HTMLResponse)
def record_decision(
    request: Request,
    viewer: Logged,
    key: str,
    body_key: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[str, Form(max_length=64)] = "beslut",
    title: Annotated[str, Form(max_length=300)] = "",
    text: Annotated[str, Form(max_length=20000)] = "",
    decided_on: Annotated[date | None, Form()] = None,
    diarienummer: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            membership(session, request, viewer, key)
            decision = agreements.record_decision(
                session,
                key,
                viewer.person.email,
                web.today(),
                body_key=body_key,
                kind=kind.strip() or "beslut",
                title=title,
                text=text,
                decided_on=decided_on,
                diarienummer=diarienummer.strip() or None,
            )
            number = decision.id
    except ServiceError as exc:
        return _decisions_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/beslut", f"Beslut nr {number} är protokollfört.")


@router.post("/org/{key}/beslut/{decision_id}/justera", response_class=HTMLResponse)
def justify(request: Request, viewer: Logged, key: str, decision_id: Id) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            membership(session, request, viewer, key)
            agreements.sign_decision(session, key, viewer.person.email, web.today(), decision_id)
    except ServiceError as exc:
        return _decisions_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/beslut", f"Beslut nr {decision_id} är justerat.")


@router.post("/org/{key}/underskrift", response_class=HTMLResponse)
def sign(
    request: Request,
    viewer: Logged,
    key: str,
    what: Annotated[str, Form(pattern="^(agreement|promise)$")] = "agreement",
    kommun: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            membership(session, request, viewer, key)
            result = agreements.sign(session, key, viewer.person.email, web.today(), what, kommun or None)
    except ServiceError as exc:
        return _decisions_page(request, viewer, key, error=str(exc), status=status_of(exc))
    if result.missing:
        notice = f"Du har skrivit under {result.title}. Den väntar på underskrift från: {', '.join(result.missing)}."
    else:
        notice = f"{result.title} är nu undertecknad av alla parter."
    return redirect(f"/org/{key}/beslut", notice)


# -- åtgärder --------------------------------------------------------------------------------------


@router.get("/org/{key}/atgarder", response_class=HTMLResponse)
def measures_page(request: Request, viewer: Logged, key: str) -> Response:
    return _measures_page(request, viewer, key)


def _measures_page(request: Request, viewer: Logged, key: str, error: str | None = None, status: int = 200) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            active = session.exec(
                select(Cycle).where(Cycle.organisation_id == member.organisation.id, Cycle.status == CycleStatus.ACTIVE)
            ).first()
            rows = (
                session.exec(
                    select(Measure, Cause)
                    .join(Cause, col(Cause.id) == Measure.cause_id)
                    .where(Measure.cycle_id == active.id)
                    .order_by(Measure.due_on)
                ).all()
                if active
                else []
            )
    except ServiceError as exc:
        return _refused(request, exc)
    measures = [{"m": m, "cause": c.description, "mine": m.owner_role_key in member.functions} for m, c in rows]
    return page(
        request, "measures.html.j2", status, member=member, measures=measures, today=web.today(), error=error,
        statuses=list(MeasureStatus),
    )  # fmt: skip


@router.post("/org/{key}/atgarder/{measure_id}", response_class=HTMLResponse)
def update_measure(
    request: Request,
    viewer: Logged,
    key: str,
    measure_id: Id,
    status_value: Annotated[MeasureStatus | None, Form(alias="status")] = None,
    progress_pct: Annotated[int | None, Form()] = None,
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            membership(session, request, viewer, key)
            measure = substance.update_measure(
                session, key, viewer.person.email, web.today(), measure_id=measure_id, status=status_value,
                progress_pct=progress_pct,
            )  # fmt: skip
            title = measure.title
    except ServiceError as exc:
        return _measures_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/atgarder", f"'{title}' är uppdaterad.")


# -- EST -------------------------------------------------------------------------------------------


def _est_bodies(session: Any, organisation: Organisation) -> list[Body]:
    return list(
        session.exec(
            select(Body).where(
                Body.organisation_id == organisation.id, Body.kind == BodyKind.EST, col(Body.archived_at).is_(None)
            )
        ).all()
    )


@router.get("/org/{key}/est", response_class=HTMLResponse)
def est_page(request: Request, viewer: Logged, key: str) -> Response:
    return _est_page(request, viewer, key)


def _est_page(
    request: Request,
    viewer: Logged,
    key: str,
    error: str | None = None,
    status: int = 200,
    form: dict[str, Any] | None = None,
) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            bodies = _est_bodies(session, member.organisation)
            picture = lagesbild_summary(session, member.organisation, web.today(), days=90)
    except ServiceError as exc:
        return _refused(request, exc)
    return page(
        request, "est.html.j2", status, member=member, bodies=bodies, picture=picture, today=web.today(),
        error=error, form=form or {}, time_bands=est.TIME_BANDS,
    )  # fmt: skip


@router.post("/org/{key}/est", response_class=HTMLResponse)
def report_observation(
    request: Request,
    viewer: Logged,
    key: str,
    body_key: Annotated[str, Form(max_length=64)] = "",
    observed_on: Annotated[date | None, Form()] = None,
    category: Annotated[str, Form(max_length=64)] = "",
    area: Annotated[str, Form(max_length=120)] = "",
    source_function: Annotated[str, Form(max_length=120)] = "",
    time_band: Annotated[str, Form(max_length=32)] = "",
    count: Annotated[int | None, Form(ge=0, le=100000)] = None,
    severity: Annotated[int | None, Form()] = None,
    text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    web = state(request)
    form = {"body_key": body_key, "category": category, "area": area, "source_function": source_function,
            "time_band": time_band, "count": count, "severity": severity, "text": text}  # fmt: skip
    try:
        with web.write() as session:
            if not body_key:  # one EST group: the form does not ask
                groups = _est_bodies(session, find_organisation(session, key))
                body_key = groups[0].key if len(groups) == 1 else ""
            est.report_observation(
                session, key, viewer.person.email, web.today(), body_key=body_key,
                observed_on=observed_on or web.today(), category=category, area=area,
                source_function=source_function, time_band=time_band or None, count=count, severity=severity,
                text=text or None,
            )  # fmt: skip
    except ServiceError as exc:
        return _est_page(request, viewer, key, error=str(exc), status=status_of(exc), form=form)
    return redirect(f"/org/{key}/est", "Tack! Observationen är sparad.")


# -- documents, årshjul, delivery log ---------------------------------------------------------------


def _documents(request: Request, organisation: Organisation) -> list[dict[str, Any]]:
    folder = state(request).settings.documents_dir / organisation.key
    files = sorted(folder.glob("*.*"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
    by_stem: dict[str, dict[str, Any]] = defaultdict(dict)
    for path in files:
        if path.suffix in (".pdf", ".html"):
            entry = by_stem[path.stem]
            entry.setdefault("name", path.stem)
            entry.setdefault("when", local(_mtime(path)).strftime("%Y-%m-%d %H:%M"))
            entry["kind"] = "Beslutsunderlag" if path.stem.startswith("beslutsunderlag") else "Rapport"
            entry[path.suffix[1:]] = path.name
    return list(by_stem.values())


def _mtime(path: Path) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


@router.get("/org/{key}/handlingar", response_class=HTMLResponse)
def documents_page(request: Request, viewer: Logged, key: str) -> Response:
    return _documents_page(request, viewer, key)


def _documents_page(
    request: Request, viewer: Logged, key: str, error: str | None = None, status: int = 200
) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            bodies = session.exec(
                select(Body).where(Body.organisation_id == member.organisation.id, col(Body.archived_at).is_(None))
            ).all()
    except ServiceError as exc:
        return _refused(request, exc)
    return page(
        request, "documents.html.j2", status, member=member, documents=_documents(request, member.organisation),
        kinds=PACKET_KINDS, bodies=bodies, today=web.today(), error=error,
    )  # fmt: skip


@router.post("/org/{key}/handlingar", response_class=HTMLResponse)
def make_packet(
    request: Request,
    viewer: Logged,
    key: str,
    kind: Annotated[str, Form(max_length=64)] = "",
    body_key: Annotated[str, Form(max_length=64)] = "",
    meeting_on: Annotated[date | None, Form()] = None,
) -> Response:
    web = state(request)
    try:
        with web.write() as session:
            member = membership(session, request, viewer, key)
            if not member.coordinating:
                raise NotPermittedError("Bara samordnaren och kommunpolisen tar fram beslutsunderlag på begäran.")
            path = render_packet(session, key, kind, meeting_on or web.today(), body_key, web.settings.documents_dir)
    except ServiceError as exc:
        return _documents_page(request, viewer, key, error=str(exc), status=status_of(exc))
    return redirect(f"/org/{key}/handlingar", f"Beslutsunderlaget {path.name} är klart.")


@router.get("/org/{key}/handlingar/{name}")
def download_document(request: Request, viewer: Logged, key: str, name: str) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
    except ServiceError as exc:
        return _refused(request, exc)
    listed = {f for d in _documents(request, member.organisation) for f in (d.get("pdf"), d.get("html")) if f}
    if name not in listed:  # only files the folder lists: no paths from outside
        return _refused(request, NotFoundError(f"handlingen {name} finns inte"))
    path = web.settings.documents_dir / member.organisation.key / name
    media = "application/pdf" if name.endswith(".pdf") else "text/html; charset=utf-8"
    return FileResponse(path, media_type=media, filename=name if name.endswith(".pdf") else None)


@router.get("/org/{key}/arshjul", response_class=HTMLResponse)
def year_wheel(request: Request, viewer: Logged, key: str, alla: bool = False) -> Response:
    web = state(request)
    today = web.today()
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            events = organisation_calendar(
                session, key, today, today + timedelta(days=365), None if alla else viewer.person
            )
    except ServiceError as exc:
        return _refused(request, exc)
    months: dict[str, list[Any]] = defaultdict(list)
    for event in events:
        start = local(event.start)
        months[f"{MONTHS_SV[start.month - 1]} {start.year}"].append((start, event))
    return page(request, "year_wheel.html.j2", member=member, months=months, all_events=alla, label=label)


@router.get("/org/{key}/leveranser", response_class=HTMLResponse)
def delivery_log(request: Request, viewer: Logged, key: str) -> Response:
    web = state(request)
    try:
        with web.read() as session:
            member = membership(session, request, viewer, key)
            if not member.coordinating:
                raise NotPermittedError(
                    f"Leveransloggen för {member.organisation.name} är för samordnaren och kommunpolisen "
                    f"(du har: {member.role_names})."
                )
            rows = session.exec(
                select(Notification, Person)
                .join(Person, col(Person.id) == Notification.person_id, isouter=True)
                .where(Notification.organisation_id == member.organisation.id)
                .order_by(col(Notification.id).desc())
                .limit(200)
            ).all()
            ids = [n.id for n, _ in rows]
            attempts: dict[int, int] = defaultdict(int)
            for attempt_id in session.exec(
                select(DeliveryAttempt.notification_id).where(col(DeliveryAttempt.notification_id).in_(ids))
            ).all():
                attempts[attempt_id] += 1
    except ServiceError as exc:
        return _refused(request, exc)
    counts: dict[str, int] = defaultdict(int)
    for n, _ in rows:
        counts[n.status] += 1
    return page(request, "deliveries.html.j2", member=member, rows=rows, attempts=attempts, counts=counts, label=label)

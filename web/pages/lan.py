"""The regional level in the web (issue 17): a kommun's weekly lägesbild (contributions from a phone, compiling,
the compiled weeks), and for a länsstyrelse's people the county page, the monthly analysis and the yearly report
to Brå. Who sees what is membership (a role in the organisation); the county pages show aggregates only."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from samverkan.models import WeeklyLagesbild
from samverkan.models.enums import Trend
from samverkan.services.county_analysis import monthly_analysis, recent_months, shift_month
from samverkan.services.county_documents import weekly_html, yearly_html
from samverkan.services.county_scope import county_of_board
from samverkan.services.county_status import county_status, network_meetings
from samverkan.services.errors import NotFoundError
from samverkan.services.inputs import TIME_BANDS, CompileWeek, WeeklyContribution
from samverkan.services.membership import Membership
from samverkan.services.pdfa import write_pdf
from samverkan.services.weekly_lagesbild import (
    compile_week,
    compiled_weeks,
    report_contribution,
    sees_free_text,
    week_of,
    week_view,
)
from samverkan.web.forms import Logged, Page, Visit, page_router
from samverkan.web.security import state
from samverkan.web.views import Id, answer_member

router = page_router()


def _week(visit: Visit) -> Mapping[str, object]:
    org = visit.member.organisation
    return {
        "week": week_view(visit.session, org, week_of(visit.today), visit.member.roles),
        "compiled": compiled_weeks(visit.session, org),
        "time_bands": TIME_BANDS,
        "trends": list(Trend),
    }


week_page = Page(router, "/org/{key}/veckolagesbild", "weekly_lagesbild.html.j2", _week)
week_page.action(
    "/org/{key}/veckolagesbild",
    WeeklyContribution,
    report_contribution,
    "Tack! Ditt bidrag till veckans lägesbild är sparat.",
)
week_page.action(
    "/org/{key}/veckolagesbild/sammanstall",
    CompileWeek,
    compile_week,
    lambda result, given: f"Veckolägesbilden är sammanställd av {result.contributions} bidrag.",
)


def _compiled(session: Session, member: Membership, lagesbild_id: int) -> WeeklyLagesbild:
    compiled = session.get(WeeklyLagesbild, lagesbild_id)
    if compiled is None or compiled.organisation_id != member.organisation.id:
        raise NotFoundError(f"veckolägesbild {lagesbild_id} finns inte i {member.organisation.name}")
    return compiled


@router.get("/org/{key}/veckolagesbild/{lagesbild_id}", response_class=HTMLResponse)
def compiled_week(request: Request, viewer: Logged, key: str, lagesbild_id: Id) -> Response:
    """The compiled weekly lägesbild as its document (the kommun's own people only)."""

    def answer(session: Session, member: Membership) -> Response:
        compiled = _compiled(session, member, lagesbild_id)
        summary = sees_free_text(session, member.roles)
        return HTMLResponse(weekly_html(session, member.organisation, compiled, compiled.compiled_at.date(), summary))

    return answer_member(request, viewer, key, answer)


def _county(visit: Visit) -> Mapping[str, object]:
    county = county_of_board(visit.session, visit.member.organisation)
    today = visit.today
    return {
        "county": county,
        "statuses": county_status(visit.session, county, today),
        "analysis": monthly_analysis(visit.session, county, today.year, today.month, today),
        "months": recent_months(today, 12),
        "meetings": network_meetings(visit.session, county, today - timedelta(days=90), today + timedelta(days=365)),
        "years": [today.year, today.year - 1],
    }


Page(router, "/org/{key}/lan", "county.html.j2", _county)


def _analysis(visit: Visit) -> Mapping[str, object]:
    year, month = visit.numbers["year"], visit.numbers["month"]
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise NotFoundError(f"{year}-{month} är ingen månad")
    county = county_of_board(visit.session, visit.member.organisation)
    first = date(year, month, 1)
    return {
        "county": county,
        "analysis": monthly_analysis(visit.session, county, year, month, visit.today),
        "previous": shift_month(first, -1),
        "following": shift_month(first, 1),
    }


Page(router, "/org/{key}/lan/analys/{year}/{month}", "county_analysis.html.j2", _analysis)


@router.get("/org/{key}/lan/arsrapport/{year}", response_class=HTMLResponse)
def yearly(request: Request, viewer: Logged, key: str, year: Id, pdf: bool = False) -> Response:
    """The yearly report to Brå as of today: HTML, or with ?pdf=1 the PDF/A to send."""

    def answer(session: Session, member: Membership) -> Response:
        county_of_board(session, member.organisation)
        html = yearly_html(session, member.organisation, year, state(request).today())
        if not pdf:
            return HTMLResponse(html)
        with tempfile.TemporaryDirectory(prefix="samverkan-lan-") as folder:
            target = write_pdf(html, Path(folder) / f"arsrapport-bra-{year}.pdf")
            content = target.read_bytes()
        disposition = f'inline; filename="arsrapport-bra-{member.organisation.key}-{year}.pdf"'
        return Response(content, media_type="application/pdf", headers={"Content-Disposition": disposition})

    return answer_member(request, viewer, key, answer)

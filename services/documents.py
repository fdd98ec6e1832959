"""Documents a trigger sends: the decision packet (beslutsunderlag) and the EST report, rendered from the
database with Jinja2 into files that notifications attach."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from samverkan.core.privacy import shown_count
from samverkan.models import (
    Body,
    Cadence,
    Cause,
    CauseAnalysis,
    ChecklistItem,
    Cycle,
    Decision,
    EstObservation,
    Indicator,
    Measure,
    Measurement,
    Organisation,
    Phase,
    Problem,
)
from samverkan.models.enums import CycleStatus, ItemStatus, MeasureStatus, PhaseStatus
from samverkan.orgconfig.places import place_of
from samverkan.scheduling.periods import period_label
from samverkan.scheduling.triggers import PlannedAction, when_text
from samverkan.services.agreements import latest_agreement, latest_promises, signing_facts
from samverkan.templates.rendering import render

ATTACHMENTS = {
    "direction_decision": ["Gemensam lägesbild för perioden (EST-rapporter)", "Åtgärdernas status"],
    "agreement": ["Förslag till samverkansöverenskommelse", "Gemensam lägesbild", "Orsaksanalyser"],
    "action_plans": ["Åtgärdsplaner", "Förslag till medborgarlöften", "Kommunikationsplan", "Uppföljningsplan"],
    "yearly_review": ["Uppföljningsrapport (process och resultat)", "Verksamhetsberättelse"],
    "body_meeting": ["Gemensam lägesbild"],
}
PROPOSALS = {
    "direction_decision": [
        "att fastställa inriktningen för nästa {rhythm} utifrån de gemensamma lägesbilderna",
        "att uppdra åt samordnaren och kommunpolisen att följa upp åtgärder med status röd till nästa möte",
    ],
    "yearly_review": [
        "att godkänna årets uppföljning och lägga den till grund för nästa lägesbild",
        "att ta ställning till om överenskommelsen och medborgarlöftet ska förnyas eller revideras",
    ],
    "body_meeting": ["att lägga informationen till handlingarna"],
    "agreement": [
        "att godkänna samverkansöverenskommelsen för perioden {period}",
        "att uppdra åt kommunstyrelsens ordförande och lokalpolisområdeschefen att underteckna den",
    ],
    "action_plans": [
        "att anta åtgärdsplanerna enligt bilaga",
        "att anta medborgarlöftena och uppdra åt samordnaren och kommunpolisen att kommunicera dem",
    ],
}
AGENDA = {
    "direction_decision": [
        "Mötets öppnande",
        "Gemensam lägesbild sedan förra mötet",
        "Åtgärdernas status",
        "Inriktningsbeslut för nästa {rhythm}",
        "Övriga frågor",
    ],
    "yearly_review": [
        "Mötets öppnande",
        "Processuppföljning: genomfört mot planerat",
        "Resultat: indikatorer",
        "Parternas åtaganden",
        "Beslut om fortsättning",
        "Övriga frågor",
    ],
    "body_meeting": ["Mötets öppnande", "Lägesbild", "Cykelns läge och åtgärder", "Övriga frågor"],
    "agreement": [
        "Mötets öppnande",
        "Prioriterade problem och deras orsaker",
        "Mål, dokumentation och uppföljning",
        "Beslut om samverkansöverenskommelsen",
        "Övriga frågor",
    ],
    "action_plans": [
        "Mötets öppnande",
        "Åtgärdsplaner: orsak, åtgärd, mål, tid, ansvar",
        "Medborgarlöften",
        "Beslut om att anta planerna och löftena",
        "Övriga frågor",
    ],
}


@dataclass
class MeasureRow:
    title: str
    owner: str
    due_on: date
    status: str
    progress_pct: int
    overdue: bool


def _cadence_body(session: Session, org: Organisation, cadence_key: str) -> Body | None:
    cadence = session.exec(select(Cadence).where(Cadence.organisation_id == org.id, Cadence.key == cadence_key)).first()
    return session.get(Body, cadence.body_id) if cadence and cadence.body_id else None


def _meeting_place(session: Session, org: Organisation, cadence_key: str) -> str | None:
    """Where the meeting is held, in one line: the room, and the link for those who join from a distance."""
    cadence = session.exec(select(Cadence).where(Cadence.organisation_id == org.id, Cadence.key == cadence_key)).first()
    location, online_url = place_of(cadence.rule) if cadence else (None, None)
    return " – ".join(p for p in (location, f"på distans: {online_url}" if online_url else None) if p) or None


def packet_context(
    session: Session, org: Organisation, action: PlannedAction, body: Body | None = None
) -> dict[str, Any]:
    assert action.occurrence is not None
    day = action.occurrence.day
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == org.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    phase, overdue_items, measures = _cycle_state(session, cycle, day) if cycle else (None, [], [])
    indicators = _latest_measurements(session, org)
    decisions = session.exec(
        select(Decision).where(Decision.organisation_id == org.id).order_by(col(Decision.decided_on).desc()).limit(5)
    ).all()
    substance = _substance(session, org, cycle)
    return {
        "org": org,
        "action": action,
        "body": body or _cadence_body(session, org, action.trigger_key),
        "when": when_text(action.occurrence),
        "place": _meeting_place(session, org, action.trigger_key),
        "cycle": cycle,
        "phase": phase,
        "overdue_items": overdue_items or [],
        "measures": measures,
        "indicators": indicators,
        "decisions": decisions,
        "agenda": [text.format(rhythm=action.rhythm) for text in AGENDA.get(action.kind, AGENDA["body_meeting"])],
        "proposals": [
            text.format(
                period=f"{substance['agreement'].period_start}–{substance['agreement'].period_end}"
                if substance["agreement"]
                else "",
                rhythm=action.rhythm,
            )
            for text in PROPOSALS.get(action.kind, PROPOSALS["body_meeting"])
        ],
        "red": sum(m.status == MeasureStatus.RED for m in measures),
        "lagesbild": lagesbild_summary(session, org, day),
        "attachments": ATTACHMENTS.get(action.kind, ATTACHMENTS["body_meeting"]),
        **substance,
    }


def _cycle_state(session: Session, cycle: Cycle, day: date) -> tuple[Phase | None, list[Any], list[MeasureRow]]:
    """The current phase, the items overdue on `day` (with their phase's name) and every åtgärd."""
    phase = session.exec(select(Phase).where(Phase.cycle_id == cycle.id, Phase.status == PhaseStatus.ACTIVE)).first()
    overdue_items = session.exec(
        select(ChecklistItem, Phase.name)
        .join(Phase, col(Phase.id) == ChecklistItem.phase_id)
        .where(Phase.cycle_id == cycle.id, ChecklistItem.status == ItemStatus.OPEN, col(ChecklistItem.due_on) < day)
        .order_by(col(ChecklistItem.due_on))
    ).all()
    measures = [
        MeasureRow(
            m.title,
            m.owner_role_key,
            m.due_on,
            m.status,
            m.progress_pct,
            not m.is_implemented() and m.due_on < day,
        )
        for m in session.exec(select(Measure).where(Measure.cycle_id == cycle.id).order_by(col(Measure.due_on))).all()
    ]
    return phase, list(overdue_items), measures


def _latest_measurements(session: Session, org: Organisation) -> list[dict[str, Any]]:
    indicators = []
    for indicator in session.exec(
        select(Indicator)
        .where(Indicator.organisation_id == org.id, col(Indicator.archived_at).is_(None))
        .order_by(col(Indicator.key))
    ):
        latest = session.exec(
            select(Measurement).where(Measurement.indicator_id == indicator.id).order_by(col(Measurement.period).desc())
        ).first()
        indicators.append({"indicator": indicator, "latest": latest})
    return indicators


def lagesbild_summary(session: Session, org: Organisation, until: date, days: int = 90) -> list[tuple[str, str]]:
    """The EST picture before a meeting: observations of the last `days` by category, small counts suppressed."""
    tally: Counter[str] = Counter()
    for obs in session.exec(
        select(EstObservation).where(
            EstObservation.organisation_id == org.id,
            EstObservation.observed_on > until - timedelta(days=days),
            EstObservation.observed_on <= until,
        )
    ):
        tally[obs.category] += obs.count or 1
    return [(category, shown_count(count)) for category, count in tally.most_common()]


def _substance(session: Session, org: Organisation, cycle: Cycle | None) -> dict[str, Any]:
    """What the agreement, action-plan and follow-up packets show beyond the common sections."""

    problems = []
    plan_rows = []
    if cycle is not None:
        for problem in session.exec(
            select(Problem)
            .where(Problem.cycle_id == cycle.id, Problem.prioritised)
            .order_by(col(Problem.rank), col(Problem.id))
        ).all():
            analysis = session.exec(select(CauseAnalysis).where(CauseAnalysis.problem_id == problem.id)).first()
            causes = (
                session.exec(select(Cause).where(Cause.analysis_id == analysis.id).order_by(col(Cause.number))).all()
                if analysis
                else []
            )
            problems.append({"problem": problem, "causes": causes})
            for cause in causes:
                for measure in session.exec(select(Measure).where(Measure.cause_id == cause.id)).all():
                    plan_rows.append({"problem": problem.title, "cause": cause, "measure": measure})
    agreement = latest_agreement(session, org)
    promises = []
    if agreement is not None:
        for promise in latest_promises(session, agreement):
            kommun = session.get(Organisation, promise.municipality_id)
            promises.append(
                {
                    "promise": promise,
                    "kommun": kommun.name if kommun else "",
                    "missing": signing_facts(session, org, promise).missing_parties,
                }
            )
    measures = session.exec(select(Measure).where(Measure.cycle_id == cycle.id)).all() if cycle else []
    done = [m for m in measures if m.is_implemented()]
    return {
        "problems": problems,
        "plan_rows": plan_rows,
        "agreement": agreement,
        "agreement_missing": signing_facts(session, org, agreement).missing_parties if agreement else (),
        "promises": promises,
        "process": {
            "planned": len(measures),
            "done": len(done),
            "hours": sum(m.hours_spent or 0 for m in measures),
            "cost": sum(m.cost_sek or 0 for m in measures),
        },
    }


def _period(action: PlannedAction) -> tuple[date, date]:
    assert action.occurrence is not None
    if action.period is not None:  # a report: its cadence's period; a lägesbild: the fortnight before
        return action.period
    return action.occurrence.day - timedelta(days=14), action.occurrence.day


def report_context(session: Session, org: Organisation, action: PlannedAction) -> dict[str, Any]:
    first, last = _period(action)
    length = (last - first).days + 1
    previous_first, previous_last = first - timedelta(days=length), first - timedelta(days=1)

    def counts(start: date, end: date) -> Counter[tuple[str, str]]:
        tally: Counter[tuple[str, str]] = Counter()
        for obs in session.exec(
            select(EstObservation).where(
                EstObservation.organisation_id == org.id,
                EstObservation.observed_on >= start,
                EstObservation.observed_on <= end,
            )
        ):
            tally[(obs.area, obs.category)] += obs.count or 1
        return tally

    current, previous = counts(first, last), counts(previous_first, previous_last)
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (area, category), count in sorted(current.items()):
        before = previous.get((area, category), 0)
        by_area[area].append(
            {
                "category": category,
                "count": shown_count(count),
                "trend": "ökar" if count > before else "minskar" if count < before else "oförändrat",
                "persistent": before > 0 and count >= before,
            }
        )
    return {
        "org": org,
        "action": action,
        "first": first,
        "last": last,
        "period": period_label(first, last),
        "by_area": dict(by_area),
        "total": shown_count(sum(current.values())),
        "previous_total": shown_count(sum(previous.values())),
        "body": _cadence_body(session, org, action.trigger_key),
    }


def render_document(
    session: Session,
    org: Organisation,
    action: PlannedAction,
    folder: Path,
    pdf: bool = True,
    body: Body | None = None,
) -> Path:
    """Write the packet or report for `action` as HTML and, with `pdf`, as PDF; return the file to attach
    (the PDF when there is one: that is what members print). File names are stable: re-runs overwrite."""
    folder = folder / org.key
    folder.mkdir(parents=True, exist_ok=True)
    occurrence = action.occurrence_key.replace(":", "-")
    if action.attachment == "packet":
        path = folder / f"beslutsunderlag-{action.trigger_key}-{occurrence}.html"
        html = render("documents/packet.html.j2", **packet_context(session, org, action, body))
    else:
        path = folder / f"rapport-{action.trigger_key}-{occurrence}.html"
        html = render("documents/report.html.j2", **report_context(session, org, action))
    path.write_text(html, encoding="utf-8")
    if not pdf:
        return path
    return write_pdf(html, path.with_suffix(".pdf"))


def write_pdf(html: str, target: Path) -> Path:
    """HTML to PDF with WeasyPrint (imported here: it is heavy, and only document runs need it)."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(target.parent)).write_pdf(target)
    return target

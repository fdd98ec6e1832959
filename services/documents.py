"""Documents a trigger sends: the decision packet (beslutsunderlag) and the EST report, rendered from the
database with Jinja2 into files that notifications attach."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from samverkan.core.privacy import shown_count
from samverkan.models import (
    Agreement,
    Body,
    Cadence,
    Cause,
    CauseAnalysis,
    ChecklistItem,
    Cycle,
    Decision,
    EstObservation,
    Measure,
    Organisation,
    Phase,
    Problem,
    Role,
)
from samverkan.models.enums import AgreementStatus, CycleStatus, ItemStatus, MeasureStatus, PhaseStatus
from samverkan.orgconfig.categories import category_key
from samverkan.orgconfig.places import place_of
from samverkan.scheduling.periods import period_label
from samverkan.scheduling.triggers import PlannedAction, when_text
from samverkan.services.agreement_packet import packet_agreement
from samverkan.services.agreements import latest_agreement, latest_promises, signers, signing_facts
from samverkan.services.chain import Chain, cycle_chain, measures_by_status
from samverkan.services.county_documents import COUNTY_DOCUMENTS, county_document_path, prepare_county_document
from samverkan.services.est_charts import est_by_month
from samverkan.services.indicators import indicator_views
from samverkan.services.letterhead import in_sentence, letterhead, meeting_text, role_names
from samverkan.services.pdfa import EmbeddedFile, PdfJob, write_atomically, write_pdfs
from samverkan.services.pdfa import write_pdf as write_pdf  # also cli/commands/county.py's
from samverkan.templates.rendering import render

# Each bilaga: its title and where it is: "est" (the EST reports in the folder, embedded in the PDF), the name of
# the packet's own section that holds it, or None (the handläggare attaches it separately).
ATTACHMENTS: dict[str, list[tuple[str, str | None]]] = {
    "direction_decision": [
        ("Gemensam lägesbild för perioden (EST-rapporter)", "est"),
        ("Åtgärdernas status", "Åtgärder"),
    ],
    "agreement": [
        ("Förslag till samverkansöverenskommelse", None),
        ("Gemensam lägesbild (EST-rapporter)", "est"),
        ("Orsaksanalyser", "Prioriterade problem och deras troliga orsaker"),
    ],
    "action_plans": [
        ("Åtgärdsplaner", "Åtgärdsplaner"),
        ("Förslag till medborgarlöften", "Medborgarlöften"),
        ("Kommunikationsplan", None),
        ("Uppföljningsplan", None),
    ],
    "yearly_review": [
        ("Uppföljningsrapport (process och resultat)", "Processuppföljning"),
        ("Verksamhetsberättelse", None),
    ],
    "body_meeting": [("Gemensam lägesbild (EST-rapporter)", "est")],
}
EST_REPORTS_EMBEDDED = 3  # the newest EST reports go inside the packet
REPORT_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SUMMARIES = {
    "direction_decision": "föreslås fastställa inriktningen för det brottsförebyggande arbetet nästa {rhythm}",
    "agreement": "föreslås ta ställning till samverkansöverenskommelsen mellan kommunen och polisen",
    "action_plans": "föreslås anta åtgärdsplanerna och medborgarlöftena",
    "yearly_review": "föreslås godkänna årets uppföljning av det brottsförebyggande arbetet",
    "body_meeting": "får information om lägesbilden och cykelns läge",
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
    session: Session,
    org: Organisation,
    action: PlannedAction,
    body: Body | None = None,
    written_on: date | None = None,
    folder: Path | None = None,
    pending: frozenset[Path] = frozenset(),
) -> dict[str, Any]:
    """Everything a beslutsunderlag shows, in the order of a tjänsteskrivelse."""
    assert action.occurrence is not None
    day = action.occurrence.day
    cycle = session.exec(
        select(Cycle).where(Cycle.organisation_id == org.id, Cycle.status == CycleStatus.ACTIVE)
    ).first()
    phase, overdue_items, measures = _cycle_state(session, cycle, day) if cycle else (None, [], [])
    decisions = session.exec(
        select(Decision).where(Decision.organisation_id == org.id).order_by(col(Decision.decided_on).desc()).limit(5)
    ).all()
    substance = _substance(session, org, cycle)
    chain = cycle_chain(session, cycle, day) if cycle else Chain(None)
    body = body or _cadence_body(session, org, action.trigger_key)
    facts = {
        "org": org,
        "action": action,
        "body": body,
        "when": when_text(action.occurrence),
        "meeting": meeting_text(action.occurrence),
        "place": _meeting_place(session, org, action.trigger_key),
        "cycle": cycle,
        "phase": phase,
        "overdue_items": overdue_items or [],
        "measures": measures,
        "red": sum(m.status == MeasureStatus.RED for m in measures),
        "chain": chain,
        "status_chart": measures_by_status(chain),
        **substance,
    }
    return {
        **facts,
        "head": letterhead(session, org, written_on or action.due),
        "roles": role_names(session, org),
        "title": _case_title(action, substance["agreement"]),
        "indicators": indicator_views(session, org, day),
        "decisions": decisions,
        "agenda": [text.format(rhythm=action.rhythm) for text in AGENDA.get(action.kind, AGENDA["body_meeting"])],
        "proposals": _proposals(action, substance),
        "summary": packet_summary(facts),
        "assessment": packet_assessment(facts),
        "recipients": _recipients(session, org),
        "lagesbild": lagesbild_summary(session, org, day),
        "est_chart": est_by_month(session, org, day),
        "attachments": _attachments(action.kind, folder, pending, action.due),
        "avtal": packet_agreement(session, org, action.kind, day),  # documents/agreement_content.html.j2
    }


def _case_title(action: PlannedAction, agreement: Agreement | None) -> str:
    """The ärendemening: the subject without 'Beslutsunderlag:' and without the meeting time (shown apart)."""
    title = action.subject.split(": ", 1)[1] if ": " in action.subject else action.subject
    title = title.replace(when_text(action.occurrence), "").strip() if action.occurrence else title
    if action.kind == "agreement" and agreement is not None and agreement.status == AgreementStatus.SIGNED:
        return f"Samverkansöverenskommelsen {agreement.period_start}–{agreement.period_end}: undertecknad"
    return title


def _proposals(action: PlannedAction, substance: dict[str, Any]) -> list[str]:
    """The att-satser. The agreement packet proposes signing only what is not yet signed, and by whom."""
    agreement: Agreement | None = substance["agreement"]
    if action.kind == "agreement":
        if agreement is None:
            return [
                "att uppdra åt samordnaren och kommunpolisen att ta fram ett förslag till samverkansöverenskommelse"
            ]
        period = f"{agreement.period_start}–{agreement.period_end}"
        if agreement.status == AgreementStatus.SIGNED:
            return [
                f"att notera att samverkansöverenskommelsen för perioden {period} är undertecknad av alla parter",
                "att uppdra åt samordnaren och kommunpolisen att ta fram åtgärdsplaner utifrån överenskommelsen",
            ]
        signers = " och ".join(in_sentence(name) for name in substance["agreement_signers_missing"])
        return [
            f"att godkänna samverkansöverenskommelsen för perioden {period}",
            f"att uppdra åt {signers or 'parternas firmatecknare'} att underteckna den",
        ]
    period = f"{agreement.period_start}–{agreement.period_end}" if agreement else ""
    kind = action.kind if action.kind in PROPOSALS else "body_meeting"
    return [text.format(period=period, rhythm=action.rhythm) for text in PROPOSALS[kind]]


def packet_summary(facts: dict[str, Any]) -> str:
    """The sammanfattning: what is to be decided, where and when, in two sentences."""
    action: PlannedAction = facts["action"]
    organ = facts["body"].name if facts["body"] else facts["org"].name
    what = SUMMARIES.get(action.kind, SUMMARIES["body_meeting"]).format(rhythm=action.rhythm)
    measures, overdue = len(facts["measures"]), len(facts["overdue_items"])
    counts = (
        f"{_count(measures, 'åtgärd är registrerad', 'åtgärder är registrerade')}, varav {facts['red']} med status röd"
    )
    late = _count(overdue, "punkt i processen är försenad", "punkter i processen är försenade")
    return f"{organ} {what} vid mötet {facts['meeting']}. {counts}; {late}."


def _count(number: int, one: str, many: str) -> str:
    """'1 åtgärd är registrerad', '3 åtgärder är registrerade'."""
    return f"{number} {one if number == 1 else many}"


def packet_assessment(facts: dict[str, Any]) -> list[str]:
    """The bedömning, from the facts: red åtgärder, delays, the agreement's signatures."""
    points = []
    red, overdue = facts["red"], len(facts["overdue_items"])
    points.append(
        f"{_count(red, 'åtgärd har', 'åtgärder har')} status röd och behöver beslut om fortsättning eller ändring."
        if red
        else "Ingen åtgärd har status röd."
    )
    points.append(
        f"{_count(overdue, 'punkt', 'punkter')} i processen är försenade; se Försenade punkter."
        if overdue
        else "Processen följer tidplanen."
    )
    gaps = len(facts["chain"].gaps)
    if facts["chain"].cycle is not None:
        points.append(
            f"Verkningskedjan har {_count(gaps, 'lucka', 'luckor')}; se Luckor i verkningskedjan."
            if gaps
            else "Verkningskedjan är hel: problem, orsaker, åtgärder och indikatorer hänger ihop."
        )
    agreement = facts["agreement"]
    if agreement is not None and facts["agreement_missing"]:
        points.append(f"Samverkansöverenskommelsen saknar underskrift från {', '.join(facts['agreement_missing'])}.")
    elif agreement is not None and agreement.status == AgreementStatus.SIGNED:
        points.append("Samverkansöverenskommelsen är undertecknad av alla parter.")
    if facts["action"].kind == "yearly_review":
        process = facts["process"]
        points.append(f"{process['done']} av {process['planned']} planerade åtgärder är genomförda.")
    return points


def _recipients(session: Session, org: Organisation) -> list[str]:
    """Beslutet skickas till: the roles that sign for the parties, then the coordinating roles, by name."""
    roles = session.exec(
        select(Role).where(Role.organisation_id == org.id, col(Role.archived_at).is_(None)).order_by(col(Role.key))
    ).all()
    signing = [r.name for r in roles if r.signatory]
    coordinating = [r.name for r in roles if r.function in ("samordnare", "kommunpolis") and not r.signatory]
    return list(dict.fromkeys(signing + coordinating))


def _attachments(
    kind: str, folder: Path | None, pending: frozenset[Path] = frozenset(), until: date | None = None
) -> list[dict[str, Any]]:
    """The bilagor: the newest EST reports dated on or before `until` (the packet's day) from the documents folder,
    those of the same sweep too (their PDFs `pending`), embedded in the PDF; sections of the packet itself; and
    what the handläggare attaches separately. By the date in their names, not by when their files were written:
    a sweep that catches up on a month gives each packet the reports of its own time."""
    found = set(folder.glob("rapport-*.pdf")) if folder else set()
    found |= {p for p in pending if folder and p.parent == folder and p.name.startswith("rapport-")}
    dated = [(day, path) for path in found if (day := _report_day(path)) and (until is None or day <= until)]
    reports = [path for _, path in sorted(dated, reverse=True)[:EST_REPORTS_EMBEDDED]]
    listed = []
    for title, where in ATTACHMENTS.get(kind, ATTACHMENTS["body_meeting"]):
        if where == "est":
            listed.append({"title": title, "where": "est", "files": [p.name for p in reports], "section": None})
        else:
            listed.append({"title": title, "where": "section" if where else "separate", "files": [], "section": where})
    return listed


def _report_day(path: Path) -> date | None:
    """The day of a report's occurrence, from its name (rapport-<trigger>-<YYYY-MM-DD>-<action>.pdf)."""
    days = REPORT_DAY.findall(path.stem)
    try:
        return date.fromisoformat(days[-1]) if days else None
    except ValueError:
        return None


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
            not m.is_implemented() and not m.is_cancelled() and m.due_on < day,
        )
        for m in session.exec(select(Measure).where(Measure.cycle_id == cycle.id).order_by(col(Measure.due_on))).all()
    ]
    return phase, list(overdue_items), measures


def lagesbild_summary(session: Session, org: Organisation, until: date, days: int = 90) -> list[tuple[str, str]]:
    """The EST picture before a meeting: observations of the last `days` by category, small counts suppressed."""
    tally: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for obs in session.exec(
        select(EstObservation).where(
            EstObservation.organisation_id == org.id,
            EstObservation.observed_on > until - timedelta(days=days),
            EstObservation.observed_on <= until,
        )
    ):
        key = category_key(obs.category)  # one category whatever its case or spacing
        tally[key] += obs.events
        spellings.setdefault(key, Counter())[obs.category.strip()] += obs.events
    return [(spellings[key].most_common(1)[0][0], shown_count(count)) for key, count in tally.most_common()]


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
        "agreement_signers_missing": _missing_signers(session, org, agreement) if agreement else [],
        "promises": promises,
        "process": {
            "planned": len(measures),
            "done": len(done),
            "hours": sum(m.hours_spent or 0 for m in measures),
            "cost": sum(m.cost_sek or 0 for m in measures),
        },
    }


def _missing_signers(session: Session, org: Organisation, agreement: Agreement) -> list[str]:
    """The roles (by name; the party's name where no role signs for it) whose signature the agreement lacks."""
    missing = set(signing_facts(session, org, agreement).missing_parties)
    return [
        s.role.name if s.role else s.party.name for s in signers(session, org, agreement) if s.party.name in missing
    ]


def _period(action: PlannedAction) -> tuple[date, date]:
    assert action.occurrence is not None
    if action.period is not None:  # a report: its cadence's period; a lägesbild: the fortnight before
        return action.period
    return action.occurrence.day - timedelta(days=14), action.occurrence.day


def report_context(
    session: Session, org: Organisation, action: PlannedAction, written_on: date | None = None
) -> dict[str, Any]:
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
            tally[(obs.area, obs.category)] += obs.events
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
        "head": letterhead(session, org, written_on or action.due),
    }


def document_path(org: Organisation, action: PlannedAction, folder: Path) -> Path:
    """Where the HTML of `action`'s document goes (its PDF beside it): stable names, so a re-run replaces it."""
    if action.attachment in COUNTY_DOCUMENTS:
        return county_document_path(org, action, folder)
    occurrence = action.occurrence_key.replace(":", "-")
    prefix = "beslutsunderlag" if action.attachment == "packet" else "rapport"
    return folder / org.key / f"{prefix}-{action.trigger_key}-{occurrence}.html"


def prepare_document(
    session: Session,
    org: Organisation,
    action: PlannedAction,
    folder: Path,
    body: Body | None = None,
    written_on: date | None = None,
    pending: frozenset[Path] = frozenset(),
) -> tuple[Path, PdfJob]:
    """Write the packet or report for `action` as HTML (for the web app) and return it with its PDF job (the
    printed HTML, bilagor embedded). Unchanged content leaves the file alone. `pending` are PDFs of the same run
    not yet rendered, listed among the bilagor all the same."""
    if action.attachment in COUNTY_DOCUMENTS:  # the länsstyrelse's analysis and report to Brå (issue 17)
        return prepare_county_document(session, org, action, folder)
    path = document_path(org, action, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    embedded: list[EmbeddedFile] = []
    if action.attachment == "packet":
        context = packet_context(session, org, action, body, written_on, path.parent, pending)
        html = render("documents/packet.html.j2", **context, in_pdf=False)
        printed = render("documents/packet.html.j2", **context, in_pdf=True)  # bilagor embedded, not linked
        embedded = [
            EmbeddedFile(path.parent / name, f"Bilaga: {a['title']}")
            for a in context["attachments"]
            for name in a["files"]
        ]
    else:
        html = printed = render("documents/report.html.j2", **report_context(session, org, action, written_on))
    write_atomically(path, html.encode("utf-8"))
    return path, PdfJob(printed, path.with_suffix(".pdf"), tuple(embedded))


def render_document(
    session: Session,
    org: Organisation,
    action: PlannedAction,
    folder: Path,
    pdf: bool = True,
    body: Body | None = None,
    written_on: date | None = None,
) -> Path:
    """Write the packet or report for `action` as HTML (for the web app) and, with `pdf`, as a tagged PDF/A;
    return the file to attach (the PDF when there is one: that is what members print and the registrator files).
    The PDF is rendered only if its content was not rendered before. `written_on` is the tjänsteskrivelse's datum
    (default: when due)."""
    path, job = prepare_document(session, org, action, folder, body, written_on)
    if not pdf:
        return path
    return write_pdf(job.html, job.target, job.embedded)


@dataclass(frozen=True)
class DocumentFailure:
    """A document of a sweep that could not be made: where, which, why, the file its messages named, and the file
    they carry instead (the HTML version, when only the PDF failed; None: they go without)."""

    organisation: str
    document: str
    reason: str
    failed: Path
    instead: Path | None = None

    @property
    def message(self) -> str:
        """The error in Swedish, as the sweep reports it (log, CLI)."""
        sent = f"meddelandena bifogar {self.instead.name} i stället" if self.instead else "meddelandena går utan bilaga"
        return f"{self.organisation}: {self.document} kunde inte skapas ({self.reason}); {sent}"


@dataclass
class DocumentBatch:
    """The documents of one sweep: each added when its action is written, the PDFs rendered together at the end
    (`finish`), in a process pool when many are due, instead of one after another. Packets are made last, so that
    they list (and embed) the reports of the same sweep whatever the order of the work. A document that fails is
    reported, never the end of the sweep: its messages go out all the same."""

    workers: int | None = None
    packets: list[tuple[Session, Organisation, PlannedAction, Path, Path]] = field(default_factory=list)
    jobs: list[tuple[str, PdfJob]] = field(default_factory=list)  # organisation's name, PDF job
    failures: list[DocumentFailure] = field(default_factory=list)

    def add(self, session: Session, org: Organisation, action: PlannedAction, folder: Path, pdf: bool = True) -> Path:
        """The file to attach for `action` (with `pdf` its PDF), written by `finish`, which says if it failed."""
        path = document_path(org, action, folder)
        attached = path.with_suffix(".pdf") if pdf else path
        if action.attachment == "packet":
            self.packets.append((session, org, action, folder, attached))
        else:
            self._prepare(session, org, action, folder, attached)
        return attached

    def _prepare(
        self, session: Session, org: Organisation, action: PlannedAction, folder: Path, attached: Path
    ) -> None:
        pending = frozenset(job.target for _, job in self.jobs)
        try:
            _, job = prepare_document(session, org, action, folder, pending=pending)  # the database: reads only
        except (SQLAlchemyError, MemoryError):
            raise  # the database or the process is in trouble: the sweep must not go on as if nothing happened
        except Exception as exc:  # a template or data error of one document is that document's alone
            reason = f"{type(exc).__name__}: {exc}"
            self.failures.append(DocumentFailure(org.name, _document_name(action), reason, attached))
            return
        if attached == job.target:
            self.jobs.append((org.name, job))

    def finish(self) -> list[DocumentFailure]:
        """Make the packets, then render the PDFs added since the last call; every document that failed, in
        Swedish with its place."""
        packets, self.packets = self.packets, []
        for packet in packets:
            self._prepare(*packet)
        jobs, self.jobs = self.jobs, []
        for (organisation, job), written in zip(jobs, write_pdfs([job for _, job in jobs], self.workers), strict=True):
            if written.error is not None:
                html = job.target.with_suffix(".html")
                failure = DocumentFailure(organisation, f"PDF-filen {job.target.name}", written.error, job.target, html)
                self.failures.append(failure)
        failures, self.failures = self.failures, []
        return failures


DOCUMENT_NAMES = {"packet": "beslutsunderlaget", "county_analysis": "månadsanalysen", "county_report": "årsrapporten"}


def _document_name(action: PlannedAction) -> str:
    """The document in a sentence: "beslutsunderlaget 'Beslutsunderlag: …' (2027-03-04)"."""
    return f"{DOCUMENT_NAMES.get(action.attachment or '', 'rapporten')} '{action.subject}' ({action.due})"

"""What each action takes: one pydantic model per action, shared by the API (request bodies), the web forms and
the CLI. Field constraints live here; each field's Swedish `title` names it in errors and forms. The rules that
need the database (is the role there, is the phase active …) stay in the service functions."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from samverkan.core.fields import text_problem
from samverkan.core.pydantic_messages import pydantic_message
from samverkan.models.enums import (
    ActivityStatus,
    CausePerspective,
    EvidenceKind,
    MeasureStatus,
    ProblemSourceKind,
    Trend,
)

Number = Annotated[int, Field(ge=1, le=2**31 - 1)]  # fits every database's integer
Key = Annotated[str, Field(max_length=64)]
ContentHash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def problems(model: type[BaseModel], error: ValidationError) -> list[str]:
    """What is wrong with an input, in Swedish, each problem named by its field's title."""
    return [f"{_title(model, e['loc'])}: {pydantic_message(e)}" for e in error.errors()]


def _title(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    field = model.model_fields.get(str(loc[0])) if loc else None
    return (field.title if field and field.title else None) or ".".join(str(p) for p in loc) or "uppgifterna"


class Input(BaseModel):
    """An action's input: unknown fields are refused, so a misspelt field is an error, not silently ignored.
    Every text (also in lists) passes the personal-data guard: no personnummer or samordningsnummer in any of
    the ways one can be written, and no NUL or control character (no database stores one in a text column).
    A field listed in `checked_by_the_action` is checked, located, by the action itself (a CSV file's cells)."""

    # hide_input_in_errors: a refused personnummer never reaches a log through the error's text
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
    checked_by_the_action: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _guarded(cls, value: object, info: ValidationInfo) -> object:
        if info.field_name not in cls.checked_by_the_action:
            for text in _texts(value):
                problem = text_problem(text, multiline=True)
                if problem:
                    raise ValueError(problem)
        return value


def _texts(value: object) -> list[str]:
    """The texts in a field's value: the value itself, or the items of a list or mapping (keys too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for pair in value.items() for item in pair for text in _texts(item)]
    return []


# -- the cycle ---------------------------------------------------------------------------------------


class StartCycle(Input):
    definition_key: Key = Field("samverkan", title="Processdefinition")


# Schemes a browser acts on without "//" (runs, opens, downloads or dials): a place written with one is an address
# and is refused like any address that is not http(s). Other "word:text" places are a diarienummer or a path.
ACTING_SCHEMES = frozenset({"javascript", "vbscript", "data", "blob", "file", "about", "mailto", "tel", "sms"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//)?")
_INVISIBLE = re.compile(r"^[\x00-\x20]+|[\t\n\r]")  # what a browser drops from an address before its scheme


def address_scheme(place: str) -> str | None:
    """The scheme a browser would read from `place` if it is written as an address ("scheme://…" or an acting
    scheme such as javascript:), lower case; None for a diarienummer, a path or a drive letter ("K:\\plan")."""
    found = _SCHEME.match(_INVISIBLE.sub("", place))
    if found is None or len(found.group(1)) < 2:
        return None
    scheme = found.group(1).lower()
    return scheme if found.group(2) or scheme in ACTING_SCHEMES else None


class EvidenceInput(Input):
    """What shows an item is done. A decision is referred to by its number; a place written as an address must
    be a web address (http or https: no javascript:, data:, file:, mailto: …). Without `kind`, the evidence is of
    the kind the item asks for."""

    title: str = Field(min_length=1, max_length=300, title="Rubrik", description="Vad beviset är")
    uri: str | None = Field(None, max_length=2000, title="Plats", description="Länk, sökväg eller diarienummer")
    decision_id: Number | None = Field(None, title="Beslut", description="Beslutets nummer (Beslut nr N)")
    kind: EvidenceKind | None = Field(None, title="Typ av bevis", description="Standard: den typ punkten kräver")
    dated_on: date | None = Field(
        None, title="Daterat", description="Dokumentets eller anteckningens datum; inte före cykeln, inte framtid"
    )

    @field_validator("uri", mode="after")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        scheme = address_scheme(value) if value else None
        if scheme is not None and scheme not in ("http", "https"):
            raise ValueError(
                f"en adress av typen {scheme}: tas inte emot som bevis; ange en webbadress som börjar med "
                "https:// (eller http://), en sökväg eller ett diarienummer"
            )
        return value


class CompleteItem(Input):
    item: str = Field(min_length=1, max_length=200, title="Punkt", description="Nummer, nyckel eller fas/nyckel")
    evidence: EvidenceInput = Field(title="Bevis")


class ReopenPhase(Input):
    phase_key: Key = Field(title="Fas")
    reason: str = Field(max_length=2000, title="Skäl")


class SetDeadline(Input):
    item: str = Field(min_length=1, max_length=200, title="Punkt")
    due_on: date = Field(title="Klart senast")


# -- problems, causes and åtgärder ---------------------------------------------------------------------


class AddProblem(Input):
    title: str = Field(max_length=300, title="Rubrik")
    description: str | None = Field(None, max_length=5000, title="Beskrivning")
    area: str | None = Field(None, max_length=200, title="Område", description="Geografi: kommundel, plats")
    category: str | None = Field(None, max_length=120, title="Kategori", description="T.ex. skadegörelse")
    period_from: date | None = Field(None, title="Period från")
    period_to: date | None = Field(None, title="Period till")


class Prioritise(Input):
    problem_id: Number = Field(title="Problem")
    rank: int | None = Field(None, ge=1, le=1000, title="Prioritetsordning")
    rationale: str | None = Field(None, max_length=5000, title="Motivering")
    prioritised: bool = Field(True, title="Prioriterat")


# -- the joint lägesbild ------------------------------------------------------------------------------

Score = Annotated[int, Field(ge=1, le=5)]


class AddProblemSource(Input):
    """A source that supports a problem; the reference its kind needs: an EST category (and area), an indicator's
    number, an uploaded file's number or a party's lägesbild's number."""

    problem_id: Number = Field(title="Problem")
    kind: ProblemSourceKind = Field(title="Typ av källa")
    est_category: str | None = Field(None, max_length=64, title="EST-kategori")
    est_area: str | None = Field(None, max_length=120, title="EST-område")
    indicator_id: Number | None = Field(None, title="Indikator")
    upload_id: Number | None = Field(None, title="Dokument")
    party_lagesbild_id: Number | None = Field(None, title="Partens lägesbild")
    note: str | None = Field(None, max_length=2000, title="Vad källan visar")


class AssessProblem(Input):
    """The criteria matrix for one problem: 1 (lite) – 5 (mycket) on each of Brå's criteria."""

    problem_id: Number = Field(title="Problem")
    extent: Score = Field(title="Omfattning")
    severity: Score = Field(title="Allvar")
    trend: Score = Field(title="Utveckling")
    insecurity: Score = Field(title="Otrygghet")
    cost: Score = Field(title="Kostnad")


class AddPartyLagesbild(Input):
    """A party's own lägesbild: the document (its name and content, base64) and a short summary."""

    checked_by_the_action = frozenset({"content_base64"})  # the file's bytes, checked as an upload

    party: Key = Field(min_length=1, title="Part", description="Partens nyckel, t.ex. fagersta-kommun")
    title: str = Field(min_length=1, max_length=300, title="Rubrik")
    summary: str = Field(min_length=1, max_length=2000, title="Sammanfattning")
    filename: str = Field(min_length=1, max_length=255, title="Filnamn")
    content_base64: str = Field(min_length=1, max_length=28_000_000, title="Filens innehåll (base64)")


class RankEntry(Input):
    """One problem's place in the prioritisation: a rank, or none and the reason it is deprioritised."""

    problem_id: Number = Field(title="Problem")
    rank: int | None = Field(None, ge=1, le=1000, title="Prioritet")
    reason: str | None = Field(None, max_length=2000, title="Motivering")


class RecordPrioritisation(Input):
    """The deciding body's prioritisation of every problem of the lägesbild, recorded as one decision."""

    ranking: list[RankEntry] = Field(min_length=1, max_length=500, title="Rangordning")
    decided_on: date | None = Field(None, title="Beslutsdatum")
    diarienummer: str | None = Field(None, max_length=64, title="Diarienummer")
    body_key: Key | None = Field(None, title="Organ", description="Bara om organisationen har flera sådana organ")


class AddCause(Input):
    problem_id: Number = Field(title="Problem")
    perspective: CausePerspective = Field(title="Perspektiv")
    direct: bool = Field(True, title="Direkt orsak")
    description: str = Field(max_length=5000, title="Orsak")
    parent: Number | None = Field(None, title="Bakomliggande orsak")
    sources: str | None = Field(None, max_length=5000, title="Källor", description="Vad orsaken bygger på")


class NotRelevant(Input):
    """A perspective of the problem triangle judged not relevant for the problem: 'inte relevant, eftersom …'."""

    problem_id: Number = Field(title="Problem")
    perspective: CausePerspective = Field(title="Perspektiv")
    reason: str = Field(max_length=2000, title="Inte relevant, eftersom")


class RecordDialogue(Input):
    """A medborgardialog as a record: aggregates only (how many took part, never who)."""

    problem_id: Number = Field(title="Problem")
    held_on: date = Field(title="Datum")
    form: str = Field(min_length=1, max_length=200, title="Form", description="T.ex. trygghetsvandring, enkät")
    participants: int = Field(ge=0, le=1_000_000, title="Antal deltagare")
    outcome: str = Field(min_length=1, max_length=5000, title="Vad som kom fram")


class CompleteAnalysis(Input):
    problem_id: Number = Field(title="Problem")
    summary: str | None = Field(None, max_length=5000, title="Sammanfattning")
    sources_used: str | None = Field(None, max_length=5000, title="Använda källor")
    sources_excluded: str | None = Field(None, max_length=5000, title="Bortvalda källor")


class AddMeasure(Input):
    cause_id: Number | None = Field(None, title="Orsak")
    title: str = Field(max_length=300, title="Åtgärd")
    owner: Key = Field(title="Ansvarig roll")
    due_on: date | None = Field(None, title="Slutdatum")
    follow_up: str = Field("", max_length=2000, title="Uppföljning")
    operational_goal: str | None = Field(None, max_length=2000, title="Mål (SMART)")
    short_term: bool = Field(True, title="Kortsiktig")
    indicator_ids: list[Number] = Field(default_factory=list, max_length=50, title="Indikatorer")
    arbetsgrupp: str | None = Field(None, max_length=200, title="Arbetsgrupp")
    planned_hours: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False, title="Planerade timmar")
    planned_cost_sek: float | None = Field(
        None, ge=0, le=1_000_000_000, allow_inf_nan=False, title="Planerad kostnad (kr)"
    )


class MeasureDecision(Input):
    """The decision of the deciding body behind a change to an åtgärd (recorded with the change)."""

    measure_id: Number = Field(title="Åtgärd")
    decision_text: str = Field(min_length=1, max_length=5000, title="Beslutet och skälen")
    decided_on: date | None = Field(None, title="Beslutsdatum")
    diarienummer: str | None = Field(None, max_length=64, title="Diarienummer")


class ChangeMeasure(MeasureDecision):
    """A changed scope, decided by the deciding body: only the fields given change."""

    title: str | None = Field(None, max_length=300, title="Åtgärd (ny rubrik)")
    operational_goal: str | None = Field(None, max_length=2000, title="Mål (SMART)")
    owner: Key | None = Field(None, title="Ansvarig roll")
    arbetsgrupp: str | None = Field(None, max_length=200, title="Arbetsgrupp")
    due_on: date | None = Field(None, title="Slutdatum")
    follow_up: str | None = Field(None, max_length=2000, title="Uppföljning")
    planned_hours: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False, title="Planerade timmar")
    planned_cost_sek: float | None = Field(
        None, ge=0, le=1_000_000_000, allow_inf_nan=False, title="Planerad kostnad (kr)"
    )
    indicator_ids: list[Number] | None = Field(None, max_length=50, title="Indikatorer")


class CancelMeasure(MeasureDecision):
    """Cancelling an åtgärd, decided by the deciding body; the åtgärd stays, shown as cancelled."""


class MeasureReport(Input):
    """A report on an åtgärd (the API's request body; the åtgärd is named by the path)."""

    status: MeasureStatus | None = Field(None, title="Status")
    progress_pct: int | None = Field(None, ge=0, le=100, title="Genomfört (%)")
    hours_spent: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False, title="Nedlagda timmar")
    cost_sek: float | None = Field(None, ge=0, le=1_000_000_000, allow_inf_nan=False, title="Kostnad (kr)")


class UpdateMeasure(MeasureReport):
    measure_id: Number = Field(title="Åtgärd")


# -- decisions and signatures --------------------------------------------------------------------------


class RecordDecision(Input):
    body_key: Key = Field(min_length=1, title="Organ")
    kind: str = Field("beslut", min_length=1, max_length=64, title="Typ av beslut")
    title: str = Field(min_length=1, max_length=300, title="Rubrik")
    text: str = Field(min_length=1, max_length=20000, title="Beslutstext")
    decided_on: date | None = Field(None, title="Beslutsdatum")
    diarienummer: str | None = Field(None, max_length=64, title="Diarienummer")


class SignDecision(Input):
    decision_id: Number = Field(title="Beslut")


class Signing(Input):
    what: Literal["agreement", "promise"] = Field("agreement", title="Vad som skrivs under")
    kommun: Key | None = Field(None, title="Kommun", description="Vilken kommuns medborgarlöfte")
    content_hash: ContentHash | None = Field(
        None, title="Textens kontrollsumma", description="SHA-256 av texten som lästes; en annan text vägras"
    )


class ConfirmedSigning(Signing):
    """Signing from a page or the HTTP API: the signer names the text they read (its hash) and confirms it."""

    content_hash: ContentHash = Field(
        title="Textens kontrollsumma", description="SHA-256 av texten som lästes; en annan text vägras"
    )
    confirmed: bool = Field(
        False, validate_default=True, title="Jag har läst texten och skriver under den för min part"
    )

    @field_validator("confirmed")
    @classmethod
    def _must_confirm(cls, value: bool) -> bool:
        if not value:
            raise ValueError("bekräfta att du har läst texten och skriver under den")
        return value


# -- the agreement's and the medborgarlöftenas content --------------------------------------------------

Figure = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1990, le=2100)]


class AgreementTerms(Input):
    period_start: date = Field(title="Från")
    period_end: date = Field(title="Till")
    review_on: date | None = Field(None, title="Revideras senast")
    documentation: str | None = Field(None, max_length=5000, title="Så dokumenteras arbetet")
    follow_up: str | None = Field(None, max_length=5000, title="Så följs arbetet upp")


class CoverProblem(Input):
    problem_id: Number = Field(title="Problem")
    covered: bool = Field(True, title="Ingår i överenskommelsen")


class AddGoal(Input):
    """Without baseline or target, the indicator's own are used."""

    indicator_id: Number = Field(title="Indikator")
    problem_id: Number | None = Field(None, title="Problem")
    description: str = Field(min_length=1, max_length=2000, title="Mål")
    baseline_value: Figure | None = Field(None, title="Utgångsvärde")
    baseline_year: Year | None = Field(None, title="Utgångsår")
    target_value: Figure | None = Field(None, title="Målvärde")
    target_year: Year | None = Field(None, title="Målår")


class RemoveGoal(Input):
    goal_number: Number = Field(title="Mål")


class PromiseText(Input):
    kommun: Key | None = Field(None, title="Kommun")
    text: str = Field(min_length=1, max_length=10000, title="Löftet")


class AddActivity(Input):
    kommun: Key | None = Field(None, title="Kommun")
    title: str = Field(min_length=1, max_length=300, title="Aktivitet")
    owner_party: Key | None = Field(None, title="Ansvarig part")
    due_on: date | None = Field(None, title="Klart senast")


class FollowUpActivity(Input):
    kommun: Key | None = Field(None, title="Kommun")
    activity_number: Number = Field(title="Aktivitet")
    status: ActivityStatus = Field(title="Status")
    follow_up: str | None = Field(None, max_length=2000, title="Uppföljning")


class CommunicatePromise(Input):
    kommun: Key | None = Field(None, title="Kommun")
    communicated_on: date = Field(title="Kommunicerat den")
    communicated_how: str = Field(min_length=1, max_length=2000, title="Hur löftet kommunicerades")


class RenewAgreement(Input):
    starts_on: date = Field(title="Från")
    ends_on: date = Field(title="Till")


class RenewPromise(Input):
    kommun: Key | None = Field(None, title="Kommun")
    starts_on: date = Field(title="Från")


# -- people and roles ----------------------------------------------------------------------------------


class Handover(Input):
    role_key: Key = Field(title="Roll")
    to_email: str = Field(max_length=254, title="Till (e-post)")
    to_name: str | None = Field(None, max_length=200, title="Namn")
    starts_on: date | None = Field(None, title="Från")
    confirm_outside: bool = Field(False, title="Jag bekräftar en adress utanför organisationens e-postdomäner")


class Invite(Input):
    email: str = Field(max_length=254, title="E-postadress")


# -- EST and measurements ------------------------------------------------------------------------------


TIME_BANDS = ("morgon", "dag", "kväll", "natt")
TimeBand = Annotated[str, Field(max_length=32, json_schema_extra={"enum": list(TIME_BANDS)})]
Severity = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 3})]


class Observation(Input):
    """Without `body_key`, the organisation's only EST group; without `observed_on`, the day of the act.
    The time band and the severity are checked by the service together with the day, so that one refusal lists
    every problem; their schema states the allowed values."""

    body_key: Key | None = Field(None, title="EST-grupp")
    observed_on: date | None = Field(None, title="Datum")
    category: str = Field(max_length=64, title="Kategori")
    other: str | None = Field(None, max_length=64, title="Annan kategori")  # when the category is "annat"
    area: str = Field(max_length=120, title="Område")
    source_function: str = Field(max_length=120, title="Rapporterande funktion")
    time_band: TimeBand | None = Field(None, title="Tid på dygnet")
    count: int | None = Field(None, ge=1, le=100000, title="Antal")  # the events seen; none seen is no report
    severity: Severity | None = Field(None, title="Allvarlighetsgrad")
    text: str | None = Field(None, max_length=2000, title="Fritext")


class RequestPacket(Input):
    kind: Key = Field(title="Typ av beslutsunderlag")
    body_key: Key = Field(title="Organ")
    meeting_on: date | None = Field(None, title="Mötesdag")


class ImportMeasurements(Input):
    checked_by_the_action = frozenset({"text"})  # every cell that is stored is checked, with its line

    text: str = Field(title="Innehåll")
    file: str = Field(max_length=1000, title="Fil")


class MeasurementInput(Input):
    """A measurement (the API's request body; the indicator is named by the path). A value may be written with
    a decimal comma ("18,1")."""

    period: str = Field(min_length=4, max_length=200, title="Period", description="ÅÅÅÅ, ÅÅÅÅ-Q1 eller ÅÅÅÅ-MM")
    value: float = Field(ge=-1e12, le=1e12, allow_inf_nan=False, title="Värde")
    preliminary: bool = Field(False, title="Preliminärt")
    source: str | None = Field(None, max_length=200, title="Källa")

    @field_validator("value", mode="before")
    @classmethod
    def _decimal_comma(cls, value: object) -> object:
        if isinstance(value, str):
            return value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        return value

    @field_validator("period", mode="after")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip().replace("-q", "-Q")


class AddMeasurement(MeasurementInput):
    """A measurement entered by hand for one indicator."""

    indicator_id: Number = Field(title="Indikator")


# -- the yearly follow-up ------------------------------------------------------------------------------


class ExplainIndicator(Input):
    """Why an indicator the cycle's åtgärder rely on has no value this cycle (aggregate words only)."""

    indicator: Key = Field(min_length=1, title="Indikator", description="Indikatorns nyckel")
    reason: str = Field(min_length=1, max_length=2000, title="Skäl", description="Varför värdet saknas")


# -- the regional level (issue 17): the weekly lägesbild that flows upward ---------------------------------------


class WeeklyContribution(Input):
    """One förvaltning's contribution to the week's lägesbild. Without `week`, the week of the day of the act
    (any day of the week names it). The category comes from the shared vocabulary (case does not count)."""

    week: date | None = Field(None, title="Vecka (en dag i veckan)")
    category: str = Field(min_length=1, max_length=100, title="Kategori")
    area: str = Field(min_length=1, max_length=120, title="Område")
    time_band: TimeBand | None = Field(None, title="Tid på dygnet")
    count: int = Field(ge=0, le=100000, title="Antal händelser")
    severity: Severity | None = Field(None, title="Allvarlighetsgrad")
    trend: Trend | None = Field(None, title="Utveckling")
    text: str | None = Field(None, max_length=2000, title="Kort beskrivning")


class CompileWeek(Input):
    """Compile the week's contributions into the kommun's weekly lägesbild (again, if it was compiled before)."""

    week: date | None = Field(None, title="Vecka (en dag i veckan)")
    summary: str | None = Field(None, max_length=4000, title="Sammanfattning")

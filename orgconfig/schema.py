"""The organisation file's schema. Strict: unknown keys, wrong types and impossible values are errors.

Messages raised here are Swedish, because coordinators read them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from samverkan.core.fields import (
    GUARDED_LINE,
    Count,
    DbDate,
    FiniteFloat,
    Key,
    Line50,
    Line100,
    Line200,
    Line300,
    LongText,
    PositiveInt,
)
from samverkan.core.kinds import BodyKind, Frequency, HolidayPolicy, IndicatorDirection, TriggerKind
from samverkan.core.labels import WEEKDAYS_SV

Text = Line200  # names and titles: the database's name columns hold 200 characters
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Where a body or a cadence meets: a room as written, and a Teams (or other) meeting link.
Place = Line300
OnlineUrl = Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=2000), GUARDED_LINE]
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Statistics(Strict):
    reported_crimes_per_100k: Count | None = None
    reported_crimes_year: int | None = Field(default=None, ge=1990, le=2100)
    reported_crimes_preliminary: bool = False
    ntu_exposure_pct: FiniteFloat | None = Field(default=None, ge=0, le=100)
    ntu_year: int | None = Field(default=None, ge=2006, le=2100)
    ntu_area: Line200 | None = None
    source: Line200 | None = None


class Party(Strict):
    key: Key
    name: Text
    kommunkod: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = None
    population: PositiveInt | None = None
    assumed: bool = False
    statistics: Statistics | None = None
    notes: LongText | None = None


class OrganisationSpec(Party):
    kind: Literal["kommun", "stadsdel", "samverkansomrade", "lansstyrelse"]
    county: Line100
    parent: Text | None = None


class RoleSpec(Strict):
    """A function in the organisation. `function` is what process definitions call it (defaults to key):
    six kommuners' samordnare are six roles with the one function `samordnare`."""

    key: Key
    name: Text
    party: Key
    function: Key | None = None
    signatory: bool = False


class ContactSpec(Strict):
    """A contact route; in the file either a bare URL or {url: ..., tags: [...]}."""

    url: Annotated[str, StringConstraints(min_length=3, max_length=2000), GUARDED_LINE]
    tags: list[Key] = []

    @model_validator(mode="before")
    @classmethod
    def _bare_url(cls, value: object) -> object:
        return {"url": value} if isinstance(value, str) else value


Contact = ContactSpec


class PersonSpec(Strict):
    key: Key
    name: Text
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254), GUARDED_LINE]
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")] | None = None
    contacts: list[Contact] = []


class AssignmentSpec(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    role: Key
    person: Key
    starts_on: DbDate = Field(alias="from")
    ends_on: DbDate | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError(f"slutdatum {self.ends_on} ligger före startdatum {self.starts_on}")
        return self


class BodySpec(Strict):
    key: Key
    name: Text
    kind: BodyKind
    chair: Key | None = None
    convener: Key | None = None
    members: list[Key] = []
    contacts: list[Contact] = []
    description: LongText | None = None
    location: Place | None = None
    online_url: OnlineUrl | None = None
    member_functions: list[Key] = Field(
        default=[], description="a county network: the roles with these functions in every kommun of the county"
    )


BreakPolicy = Literal["skip", "move", "keep"]


class Schedule(Strict):
    """When a cadence fires. Each frequency takes only the fields that make sense for it; every frequency
    can be limited to some `months` (weekly, biweekly, monthly) or a season (`from`–`until`), can say which
    breaks it observes (true, false, a list of break names, or break name → skip / move / keep), and a
    report can come `after` another cadence's occurrence."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    frequency: Frequency
    start: DbDate | None = None
    valid_from: DbDate | None = Field(default=None, alias="from")
    until: DbDate | None = None
    after: Key | None = None
    weekday: Weekday | None = None
    week: Literal[1, 2, 3, 4, -1] | None = None
    day: int | None = Field(default=None, ge=1, le=31)
    month: int | None = Field(default=None, ge=1, le=12)
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = None
    times_per_year: int | None = Field(default=None, ge=1, le=24)
    interval_years: int = Field(default=1, ge=1, le=10)
    time: str = "09:00"
    duration_minutes: int = Field(default=120, ge=5, le=24 * 60)
    holidays: HolidayPolicy = HolidayPolicy.MOVE_NEXT_WORKING_DAY
    observe_breaks: bool | list[Text] | dict[Text, BreakPolicy] = True
    covers: Literal["current"] | None = Field(
        default=None, description="a report made at the end of its month, quarter or year covers that period"
    )

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"'{value}' är ingen klockslag (TT:MM)")
        if int(match[1]) == 2:
            raise ValueError(
                f"{value} finns inte eller inträffar två gånger när sommartid börjar eller slutar; välj en annan tid"
            )
        return f"{int(match[1]):02d}:{match[2]}"

    @property
    def at(self) -> dt.time:
        hour, minute = self.time.split(":")
        return dt.time(int(hour), int(minute))

    def _forbid(self, *names: str) -> None:
        present = [name for name in names if getattr(self, name) not in (None, [])]
        if present:
            shown = ", ".join("from" if name == "valid_from" else name for name in present)
            raise ValueError(f"frekvensen '{self.frequency}' tar inte fälten: {shown}")

    def _day_or_nth_weekday(self) -> None:
        if self.day is not None and (self.weekday or self.week):
            raise ValueError("ange antingen 'day' eller 'weekday' med 'week', inte båda")
        if self.day is None and not (self.weekday and self.week):
            raise ValueError("ange 'day' (1–28) eller 'weekday' med 'week' (1–4, -1 för sista)")
        if self.day is not None and self.day > 28:
            raise ValueError(f"dag {self.day} finns inte i alla månader; använd 1–28 eller 'weekday' med 'week: -1'")

    def _months_in_order(self) -> None:
        if self.months is not None and len(set(self.months)) != len(self.months):
            raise ValueError("'months' anger samma månad två gånger")

    def _season(self) -> None:
        if self.valid_from and self.until and self.until < self.valid_from:
            raise ValueError(f"'until' ({self.until}) ligger före 'from' ({self.valid_from})")

    def _weekly(self) -> None:
        f = self.frequency
        self._forbid("day", "month", "week", "times_per_year")
        if f is Frequency.WEEKLY:
            self._forbid("start")
        if self.weekday is None:
            raise ValueError(f"frekvensen '{f}' behöver 'weekday'")
        if f is Frequency.BIWEEKLY:
            if self.start is None:
                raise ValueError("varannan vecka behöver 'start' (ett datum som avgör vilka veckor)")
            if WEEKDAYS[self.start.weekday()] != self.weekday:
                actual = WEEKDAYS_SV[self.start.weekday()]
                wanted = WEEKDAYS_SV[WEEKDAYS.index(self.weekday)]
                raise ValueError(f"startdatum {self.start} är en {actual}, inte en {wanted} ({self.weekday})")

    def _quarterly(self) -> None:
        self._forbid("start", "month", "times_per_year")
        self._day_or_nth_weekday()
        if self.months is not None:
            ordered = sorted(self.months)
            if len(ordered) != 4 or any(b - a != 3 for a, b in itertools.pairwise(ordered)):
                raise ValueError("kvartal: 'months' ska vara fyra månader med tre månaders mellanrum")

    def _yearly(self) -> None:
        self._forbid("months", "times_per_year")
        if self.month is None:
            raise ValueError("frekvensen 'yearly' behöver 'month'")
        if self.interval_years > 1 and self.start is None:
            raise ValueError(f"vart {self.interval_years}:e år behöver 'start' (vilket år serien börjar)")
        if self.interval_years == 1:
            self._forbid("start")
        self._day_or_nth_weekday()

    def _times_per_year(self) -> None:
        self._forbid("start", "month")
        if self.times_per_year is None:
            raise ValueError("frekvensen 'times_per_year' behöver 'times_per_year'")
        if self.months is not None and (
            len(self.months) != self.times_per_year or len(set(self.months)) != len(self.months)
        ):
            raise ValueError(f"'months' ska ange {self.times_per_year} olika månader, inte {len(self.months)}")
        if self.months is None and 12 % self.times_per_year and self.times_per_year <= 12:
            raise ValueError(f"{self.times_per_year} gånger per år går inte att sprida jämnt; ange 'months'")
        if self.times_per_year > 12:
            raise ValueError("mer än 12 gånger per år: använd 'weekly', 'biweekly' eller 'monthly'")
        self._day_or_nth_weekday()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        f = self.frequency
        if f is not Frequency.YEARLY and self.interval_years != 1:
            raise ValueError("'interval_years' gäller bara frekvensen 'yearly'")
        if self.covers is not None and f not in (Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY):
            raise ValueError("'covers: current' gäller bara frekvenserna monthly, quarterly och yearly")
        self._months_in_order()
        self._season()
        if f in (Frequency.WEEKLY, Frequency.BIWEEKLY):
            self._weekly()
        elif f is Frequency.MONTHLY:
            self._forbid("start", "month", "times_per_year")
            self._day_or_nth_weekday()
        elif f is Frequency.QUARTERLY:
            self._quarterly()
        elif f is Frequency.YEARLY:
            self._yearly()
        elif f is Frequency.TIMES_PER_YEAR:
            self._times_per_year()
        elif f is Frequency.AD_HOC:
            self._forbid(
                "start", "weekday", "week", "day", "month", "months", "times_per_year", "valid_from", "until", "after"
            )
        return self


class CadenceSpec(Strict):
    key: Key
    trigger: TriggerKind
    title: Text
    body: Key | None = None
    schedule: Schedule
    notify: list[Key] = []
    packet: bool | None = Field(
        default=None, description="send a decision packet with the call (default: as the trigger does)"
    )
    location: Place | None = None
    online_url: OnlineUrl | None = None

    def rule(self) -> dict[str, object]:
        """The rule the database stores and the årshjul expands: the schedule and the packet setting."""
        rule: dict[str, object] = self.schedule.model_dump(mode="json")
        if self.packet is not None:
            rule["packet"] = self.packet
        return rule


class Figure(Strict):
    value: FiniteFloat
    year: int = Field(ge=1990, le=2100)


class IndicatorSpec(Strict):
    key: Key
    name: Text
    unit: Line50
    source: Text
    area: Line200 | None = None
    direction: IndicatorDirection
    interval_years: int = Field(default=1, ge=1, le=5)
    baseline: Figure | None = None
    target: Figure | None = None
    national: Figure | None = None

    @model_validator(mode="after")
    def _target_after_baseline(self) -> Self:
        if self.baseline and self.target and self.target.year < self.baseline.year:
            raise ValueError(f"målåret {self.target.year} ligger före basåret {self.baseline.year}")
        return self


class BreakSpec(Strict):
    """A recurring break (sommaruppehåll), from MM-DD to MM-DD inclusive."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: Text
    starts: str = Field(alias="from")
    ends: str = Field(alias="to")
    policy: BreakPolicy | None = Field(
        default=None, description="occurrences inside the break: skip, move (after it) or keep; default: the cadence's"
    )

    @field_validator("starts", "ends")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = MONTH_DAY.match(value)
        if not match:
            raise ValueError(f"'{value}' ska skrivas MM-DD, till exempel 06-22")
        try:
            date(2024, int(match[1]), int(match[2]))  # 2024 is a leap year: 02-29 is allowed
        except ValueError:
            raise ValueError(f"'{value}' är inget datum") from None
        return value


class AgreementSpec(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    title: Line300
    starts_on: DbDate = Field(alias="from")
    ends_on: DbDate = Field(alias="to")
    citizen_promise_years: Literal[1, 2] = 1

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.ends_on <= self.starts_on:
            raise ValueError(f"överenskommelsen slutar ({self.ends_on}) innan den börjar ({self.starts_on})")
        if (self.ends_on - self.starts_on).days > 366 * 8:
            raise ValueError("en samverkansöverenskommelse längre än åtta år är inte rimlig")
        return self


class ReminderPolicy(Strict):
    """When people are reminded of deadlines, and how: defaults follow the common practice (7 and 1 days)."""

    before_days: list[Annotated[int, Field(ge=1, le=60)]] = [7, 1]
    on_the_day: bool = True
    escalate_after_days: int = Field(default=3, ge=1, le=60)
    digest: bool = Field(default=False, description="one message a day per person instead of one per reminder")

    @field_validator("before_days")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("samma antal dagar står två gånger")
        return sorted(value, reverse=True)


class PacketPolicy(Strict):
    """How early decision packets go out: a number of working days before the meeting (default 5)."""

    working_days_before: int = Field(default=5, ge=1, le=20)


# -- documents: the letterhead of decision packets and reports -----------------------------------------


class LetterheadSpec(Strict):
    """What a tjänsteskrivelse carries at its head. Everything is optional: without it the organisation's name
    is the letterhead and the handläggare is the coordinating role."""

    name: Text | None = Field(default=None, description="the name in the letterhead (default: the organisation)")
    unit: Text | None = Field(default=None, description="förvaltning or enhet under the name")
    logo: Line300 | None = Field(default=None, description="PNG/SVG/JPEG file, relative to the organisation file")
    address: list[Text] = []
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")] | None = None
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254), GUARDED_LINE] | None
    ) = None
    website: Line300 | None = None
    diarienummer_prefix: Annotated[str, StringConstraints(pattern=r"^[A-ZÅÄÖa-zåäö0-9 .-]{1,20}$")] | None = None
    handlaggare: Text | None = Field(
        default=None, description="a role key (shown by its name) or a name as written; default: the samordnare"
    )


class CountySpec(Strict):
    """A länsstyrelse's county: its kommuner by their organisation keys (each described by its own file) and the
    role that coordinates crime prevention in the county."""

    kommuner: list[Key] = Field(min_length=1)
    coordinator: Key


class OrgConfig(Strict):
    schema_version: Literal[1]
    organisation: OrganisationSpec
    municipalities: list[Party] = []
    police_area: Party | None = None
    county: CountySpec | None = None
    categories: list[Line100] = Field(default=[], description="the lägesbild categories (default: the common list)")
    county_board: Party | None = None
    roles: list[RoleSpec]
    people: list[PersonSpec] = []
    assignments: list[AssignmentSpec] = []
    bodies: list[BodySpec] = []
    cadences: list[CadenceSpec] = []
    indicators: list[IndicatorSpec] = []
    breaks: list[BreakSpec] = []
    reminders: ReminderPolicy = ReminderPolicy()
    packets: PacketPolicy = PacketPolicy()
    letterhead: LetterheadSpec = LetterheadSpec()
    agreement: AgreementSpec | None = None

    @property
    def police(self) -> Party:
        """The police area (every file but a länsstyrelse's has one: the validation says so)."""
        if self.police_area is None:
            raise ValueError("organisationen har ingen 'police_area'")
        return self.police_area

    def kommun_parties(self) -> list[Party]:
        """The municipal parties: the member kommuner of a joint area, otherwise the organisation."""
        return list(self.municipalities) if self.municipalities else [self.organisation]

"""The årshjul drawn as a wheel: the geometry of a server-rendered SVG (no script). Twelve months clockwise from
the current month at the top; rings for meetings, reports and decisions with a dot per occurrence; breaks as
arcs and holidays as marks on the band inside the months; a line for today. The template
(templates/web/year_wheel.html.j2) only writes out what this computes; the text view on the same page lists the same."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from samverkan.core.labels import MONTHS_SHORT_SV, day_text
from samverkan.core.timeutil import local
from samverkan.scheduling.calendar import CalendarEvent
from samverkan.scheduling.closures import Closure

SIZE = 640
CENTRE = SIZE / 2
MONTH_OUTER, MONTH_INNER = 306.0, 262.0
CLOSED_RADIUS = 250.0
RINGS = {"mote": 218.0, "rapport": 180.0, "beslut": 142.0}
RING_NAMES = {"mote": "möten", "rapport": "rapporter", "beslut": "beslut"}
DECISION_KINDS = ("direction_decision", "yearly_review")
REPORT_KINDS = ("est_report", "report", "survey")


@dataclass(frozen=True)
class Sector:
    path: str
    label: str
    label_x: float
    label_y: float
    shaded: bool


@dataclass(frozen=True)
class Dot:
    ring: str
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Arc:
    path: str
    title: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    title: str


@dataclass
class Wheel:
    first: date
    last: date
    sectors: list[Sector] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    breaks: list[Arc] = field(default_factory=list)
    holidays: list[Mark] = field(default_factory=list)
    today: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    counts: dict[str, int] = field(default_factory=dict)

    size: int = SIZE
    centre: float = CENTRE
    rings: dict[str, float] = field(default_factory=lambda: dict(RINGS))
    ring_names: dict[str, str] = field(default_factory=lambda: dict(RING_NAMES))

    @property
    def summary(self) -> str:
        """The wheel in one sentence, for its text alternative."""
        parts = [f"{self.counts.get(k, 0)} {name}" for k, name in RING_NAMES.items()]
        closed = [f"{a.title}" for a in self.breaks]
        text = f"Årshjulet {day_text(self.first)} – {day_text(self.last)}: {', '.join(parts)}"
        text += f", {len(self.holidays)} helgdagar på vardagar"
        if closed:
            text += "; uppehåll: " + "; ".join(closed)
        return text + ". Samma händelser finns som lista i textvyn nedan."


def ring_of(event: CalendarEvent) -> str:
    if event.kind in DECISION_KINDS:
        return "beslut"
    if event.kind in REPORT_KINDS or not event.is_meeting:
        return "rapport"
    return "mote"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class _Angles:
    """Angle (degrees, 0 at the top, clockwise) of a day within the wheel's twelve months."""

    def __init__(self, first: date) -> None:
        self.first = first
        self.days = (_add_months(first, 12) - first).days

    def of(self, day: date, fraction_of_day: float = 0.5) -> float:
        return ((day - self.first).days + fraction_of_day) / self.days * 360.0


def _point(angle: float, radius: float) -> tuple[float, float]:
    rad = math.radians(angle - 90)
    return round(CENTRE + radius * math.cos(rad), 1), round(CENTRE + radius * math.sin(rad), 1)


def _ring_path(a0: float, a1: float, outer: float, inner: float) -> str:
    large = 1 if a1 - a0 > 180 else 0
    (x0, y0), (x1, y1) = _point(a0, outer), _point(a1, outer)
    (x2, y2), (x3, y3) = _point(a1, inner), _point(a0, inner)
    return f"M{x0} {y0} A{outer} {outer} 0 {large} 1 {x1} {y1} L{x2} {y2} A{inner} {inner} 0 {large} 0 {x3} {y3} Z"


def _arc_path(a0: float, a1: float, radius: float) -> str:
    large = 1 if a1 - a0 > 180 else 0
    (x0, y0), (x1, y1) = _point(a0, radius), _point(a1, radius)
    return f"M{x0} {y0} A{radius} {radius} 0 {large} 1 {x1} {y1}"


def build_wheel(
    today: date, events: Iterable[CalendarEvent], holidays: Iterable[Closure], breaks: Iterable[Closure]
) -> Wheel:
    first = today.replace(day=1)
    angles = _Angles(first)
    wheel = Wheel(first, _add_months(first, 12) - timedelta(days=1))
    for month in range(12):
        begins = _add_months(first, month)
        a0, a1 = angles.of(begins, 0), angles.of(_add_months(begins, 1), 0)
        x, y = _point((a0 + a1) / 2, (MONTH_OUTER + MONTH_INNER) / 2)
        label = MONTHS_SHORT_SV[begins.month - 1] + (f" {begins.year}" if begins.month == 1 or month == 0 else "")
        wheel.sectors.append(Sector(_ring_path(a0, a1, MONTH_OUTER, MONTH_INNER), label, x, y, month % 2 == 1))
    for event in events:
        start: datetime = local(event.start)
        if not first <= start.date() <= wheel.last:
            continue
        ring = ring_of(event)
        x, y = _point(angles.of(start.date()), RINGS[ring])
        where = f" · {event.body_name}" if event.body_name else ""
        wheel.dots.append(Dot(ring, x, y, f"{day_text(start)} kl. {start:%H:%M}: {event.title}{where}"))
        wheel.counts[ring] = wheel.counts.get(ring, 0) + 1
    for pause in breaks:
        if pause.first > wheel.last or pause.last < first:
            continue
        a0, a1 = angles.of(max(pause.first, first), 0), angles.of(min(pause.last, wheel.last), 1)
        title = f"{pause.name} {day_text(pause.first, year=False)} – {day_text(pause.last, year=False)}"
        wheel.breaks.append(Arc(_arc_path(a0, a1, CLOSED_RADIUS), title))
    for holiday in holidays:
        if not first <= holiday.first <= wheel.last:
            continue
        x, y = _point(angles.of(holiday.first), CLOSED_RADIUS)
        wheel.holidays.append(Mark(x, y, f"{day_text(holiday.first)}: {holiday.name}"))
    now = angles.of(today)
    wheel.today = (*_point(now, 60.0), *_point(now, MONTH_OUTER))
    return wheel

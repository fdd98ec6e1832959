"""Charts as plain geometry for the one SVG component (templates/documents/charts.html.j2) that both the web
pages and the PDFs draw: an indicator over time, and bar charts (åtgärder by status, EST categories by month).
Everything is computed here from plain values, so a test checks the points without a browser; the macros only
draw. No scripts, no external files: the same SVG is inline in a page and printed as vectors in a PDF."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from samverkan.core.privacy import shown_count
from samverkan.templates.rendering import thousands

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 40  # plot margins: y labels left, year labels below
PERIOD = re.compile(r"(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?", re.ASCII)
COLOURS = ("#1f5fa8", "#2e7d32", "#b3261e", "#7a4f00", "#6a1b9a", "#00695c", "#5d4037", "#37474f")
LEGEND_ROW = 22
SMALL = 3  # counts below this are not drawn (core/privacy.py shows them as "<3")


def number(value: float) -> str:
    """A value as Swedish text: digit groups with a space, decimal comma, at most two decimals."""
    return thousands(round(value, 2))


def period_position(period: str) -> float | None:
    """Where a period lies on a time axis in years: 2027 → 2027.5, 2027-Q1 → 2027.125, 2027-03 → 2027.208."""
    match = PERIOD.fullmatch(period)
    if match is None:
        return None
    year, quarter, month = int(match[1]), match[2], match[3]
    if quarter:
        return year + (int(quarter) - 0.5) / 4
    if month:
        return year + (int(month) - 0.5) / 12
    return year + 0.5


def nice_top(value: float, counts: bool = False) -> tuple[float, float]:
    """A round top for a y axis that starts at 0, and its tick step: 11 777 → (15 000, 5 000). For `counts`
    the step is a whole number (no tick at 2,5 observations)."""
    if value <= 0:
        return (1.0, 1.0) if counts else (1.0, 0.25)
    rough = value / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    factors = (1, 2, 5, 10) if counts else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in factors if m * magnitude >= rough)
    step = max(step, 1) if counts else step
    return round(step * math.ceil(value / step - 1e-9), 10), round(step, 10)


@dataclass(frozen=True)
class Tick:
    text: str
    pos: float


@dataclass(frozen=True)
class Point:
    period: str
    value: float
    preliminary: bool
    x: float
    y: float

    @property
    def text(self) -> str:
        return number(self.value)


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float
    preliminary: bool


@dataclass(frozen=True)
class Reference:
    """A horizontal reference line (baseline, target, national figure), with its point in time when known."""

    kind: str  # "utgangsvarde", "mal", "riket": the CSS class and the legend's entry
    label: str
    value: float
    year: int | None
    y: float
    x: float | None
    colour: str

    @property
    def text(self) -> str:
        return number(self.value)


@dataclass(frozen=True)
class IndicatorChart:
    ident: str
    title: str
    unit: str
    desc: str
    points: list[Point]
    segments: list[Segment]
    references: list[Reference]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    x_bounds: list[float] = field(default_factory=list)  # where each year starts on the x axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not self.points and not self.references

    @property
    def legend(self) -> list[LegendEntry]:
        """The legend under the plot, two entries a row: what the line, hollow points and dashed lines are."""
        entries = [("Mätvärde", "#1f5fa8", "line")]
        if any(p.preliminary for p in self.points):
            entries.append(("Preliminärt värde", "#1f5fa8", "hollow"))
        for r in self.references:
            style = "dashed" if r.kind == "mal" else "dotted"  # as the line itself is drawn
            entries.append((f"{r.label} {r.text}" + (f" ({r.year})" if r.year else ""), r.colour, style))
        return [
            LegendEntry(text, colour, style, 8 + (i % 2) * (self.width // 2), self.height + 10 + (i // 2) * LEGEND_ROW)
            for i, (text, colour, style) in enumerate(entries)
        ]

    @property
    def full_height(self) -> int:
        return self.height + 8 + LEGEND_ROW * ((len(self.legend) + 1) // 2)


@dataclass(frozen=True)
class LegendEntry:
    text: str
    colour: str
    style: str  # "line", "hollow" (a preliminary point), "dashed" (the target) or "dotted" (other references)
    x: int
    y: int


@dataclass(frozen=True)
class Figure:
    """A reference figure of an indicator: value and the year it is for."""

    value: float | None
    year: int | None


def indicator_chart(
    ident: str,
    title: str,
    unit: str,
    measurements: Sequence[tuple[str, float, bool]],
    baseline: Figure,
    target: Figure,
    national: Figure,
) -> IndicatorChart:
    """The indicator over time: measurements (period, value, preliminary) as a line, preliminary ones hollow and
    reached by a dashed segment; baseline, target and national figure as labelled horizontal lines."""
    placed = sorted(
        ((pos, period, value, prel) for period, value, prel in measurements if (pos := period_position(period))),
        key=lambda row: row[0],
    )
    named = [
        ("utgangsvarde", "Utgångsvärde", baseline, "#4a5f7a"),
        ("mal", "Mål", target, "#2e7d32"),
        ("riket", "Riket", national, "#5f5f5f"),
    ]
    refs = [(kind, label, fig, colour) for kind, label, fig, colour in named if fig.value is not None]
    years = [int(pos) for pos, *_ in placed] + [f.year for _, _, f, _ in refs if f.year is not None]
    first, last = (min(years), max(years)) if years else (0, 0)
    values = [v for _, _, v, _ in placed] + [f.value for _, _, f, _ in refs if f.value is not None]
    top_value, step = nice_top(max(values, default=0))

    def x(pos: float) -> float:
        return round(LEFT + (pos - first) / (last + 1 - first) * (WIDTH - RIGHT - LEFT), 1)

    def y(value: float) -> float:
        return round(HEIGHT - BOTTOM - max(value, 0) / top_value * (HEIGHT - BOTTOM - TOP), 1)

    points = [Point(period, value, prel, x(pos), y(value)) for pos, period, value, prel in placed]
    segments = [Segment(a.x, a.y, b.x, b.y, a.preliminary or b.preliminary) for a, b in itertools.pairwise(points)]
    references = [
        Reference(kind, label, f.value, f.year, y(f.value), x(f.year + 0.5) if f.year else None, colour)
        for kind, label, f, colour in refs
        if f.value is not None
    ]
    spacing = max(1, (last - first + 1) // 10)  # at most about ten year labels
    x_ticks = [Tick(str(year), x(year + 0.5)) for year in range(first, last + 1, spacing)] if years else []
    y_ticks = [Tick(number(step * i), y(step * i)) for i in range(round(top_value / step) + 1)]
    bounds = [x(year) for year in range(first, last + 2)] if years else []
    desc = _indicator_desc(points, references, unit)
    return IndicatorChart(ident, title, unit, desc, points, segments, references, x_ticks, y_ticks, bounds)


def _indicator_desc(points: list[Point], references: list[Reference], unit: str) -> str:
    """The chart in one or two sentences (the svg's desc; the table below it has every value)."""
    parts = []
    if points:
        latest = points[-1]
        prel = ", preliminärt" if latest.preliminary else ""
        parts.append(
            f"{len(points)} mätvärden {points[0].period}–{latest.period}; senast {latest.text} {unit} "
            f"({latest.period}{prel})."
        )
    else:
        parts.append("Inga mätvärden ännu.")
    for ref in references:
        parts.append(f"{ref.label} {ref.text}{f' ({ref.year})' if ref.year else ''}.")
    return " ".join(parts)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str
    colour: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per category (åtgärder by status)."""

    ident: str
    title: str
    desc: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = 150


def bar_chart(ident: str, title: str, counts: Sequence[tuple[str, int, str]], width: int = 480) -> BarChart:
    """Bars for (label, count, colour); the longest bar fills the width left after the labels."""
    label_width, row = 150, 26
    room = width - label_width - 48
    most = max((count for _, count, _ in counts), default=0)
    bars = [
        Bar(
            label, count, str(count), colour, label_width, 8 + i * row, round(room * count / most, 1) if most else 0, 18
        )
        for i, (label, count, colour) in enumerate(counts)
    ]
    desc = "; ".join(f"{label}: {count}" for label, count, _ in counts) + "." if counts else "Inget att visa."
    return BarChart(ident, title, desc, bars, width, 16 + row * len(counts), label_width)


@dataclass(frozen=True)
class Stack:
    """One column of a stacked chart (a month): its segments (drawn counts) and every category's shown count."""

    label: str
    x: float
    segments: list[Bar]
    shown: list[str]


@dataclass(frozen=True)
class StackedChart:
    ident: str
    title: str
    desc: str
    categories: list[tuple[str, str]]  # (name, colour) in legend order
    stacks: list[Stack]
    y_ticks: list[Tick]
    column_width: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    note: str = f"Antal under {SMALL} visas inte i diagrammet och som <{SMALL} i tabellen."

    @property
    def empty(self) -> bool:
        return not self.categories


def stacked_chart(ident: str, title: str, columns: Sequence[tuple[str, dict[str, int]]]) -> StackedChart:
    """Columns (a month's label, counts by category) as stacked bars. A count below 3 is not drawn (it would
    show a small number); the table says "<3"."""
    names = sorted(
        {name for _, counts in columns for name in counts}, key=lambda n: (-sum(c.get(n, 0) for _, c in columns), n)
    )
    colours = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(names)}
    drawn = [sum(v for v in counts.values() if v >= SMALL) for _, counts in columns]
    top_value, step = nice_top(max(drawn, default=0), counts=True)
    plot_h, plot_w = HEIGHT - BOTTOM - TOP, WIDTH - RIGHT - LEFT
    slot = plot_w / max(len(columns), 1)
    stacks = []
    for i, (label, counts) in enumerate(columns):
        base, segments = float(HEIGHT - BOTTOM), []
        for name in names:
            count = counts.get(name, 0)
            if count >= SMALL:
                height = round(count / top_value * plot_h, 1)
                base = round(base - height, 1)
                segments.append(
                    Bar(name, count, str(count), colours[name], LEFT + i * slot + slot * 0.2, base, slot * 0.6, height)
                )
        shown = [shown_count(counts[n]) if counts.get(n) else "0" for n in names]
        stacks.append(Stack(label, round(LEFT + i * slot + slot / 2, 1), segments, shown))
    ticks = [
        Tick(number(step * k), round(HEIGHT - BOTTOM - step * k / top_value * plot_h, 1))
        for k in range(round(top_value / step) + 1)
    ]
    totals = [f"{label}: {total}" for (label, _), total in zip(columns, drawn, strict=True)]
    desc = (
        ("Antal per månad (kategorier med minst 3): " + "; ".join(totals) + ".") if columns else "Inga observationer."
    )
    return StackedChart(ident, title, desc, [(n, colours[n]) for n in names], stacks, ticks, round(slot * 0.6, 1))

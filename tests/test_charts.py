"""The one chart component: the geometry (points where the values say, preliminary values marked, reference
lines at their values) and the SVG each macro draws from it (well-formed XML, titled, described, with the values
as a table), for an indicator over time, åtgärder by status and EST categories by month."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from samverkan.database import session_scope
from samverkan.models import Body, EstObservation, Organisation
from samverkan.models.enums import BodyKind
from samverkan.services.est_charts import est_by_month
from samverkan.templates.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    Figure,
    IndicatorChart,
    bar_chart,
    indicator_chart,
    nice_top,
    period_position,
    stacked_chart,
)
from samverkan.templates.rendering import environment
from tests.conftest import EXAMPLES
from tests.drive import Driver

SVG = "{http://www.w3.org/2000/svg}"


def drawn(macro: str, chart: object) -> tuple[ET.Element, str]:
    """The macro's output: its <svg> parsed as XML (fails if not well-formed), and the whole HTML."""
    html = environment().from_string(f'{{% from "documents/charts.html.j2" import {macro} %}}{{{{ {macro}(c) }}}}')
    out = html.render(c=chart)
    svg = re.search(r"<svg.*</svg>", out, re.S)
    assert svg is not None
    return ET.fromstring(svg.group(0)), out


def anmalda() -> IndicatorChart:
    return indicator_chart(
        "anmalda",
        "Anmälda brott per 100 000 invånare",
        "per 100 000 inv.",
        [("2024", 11200.0, False), ("2022", 12000.0, False), ("2025", 10500.5, True)],
        Figure(11777, 2020),
        Figure(9000, 2030),
        Figure(15079, 2020),
    )


def test_periods_lie_on_a_time_axis_and_the_y_axis_ends_on_a_round_value() -> None:
    assert period_position("2027") == 2027.5
    assert period_position("2027-Q1") == 2027.125
    assert period_position("2027-12") == 2027 + 11.5 / 12
    assert period_position("2027-13") is None and period_position("ett år") is None
    assert nice_top(15079) == (20000, 5000)
    assert nice_top(22.6) == (30, 10)
    assert nice_top(0.3) == (0.3, 0.1)
    assert nice_top(0) == (1.0, 0.25)
    assert nice_top(10, counts=True) == (10, 5) and nice_top(3, counts=True) == (3, 1)


def test_an_indicator_chart_puts_each_value_where_it_belongs() -> None:
    chart = anmalda()
    assert [p.period for p in chart.points] == ["2022", "2024", "2025"]  # in time order, not as given
    x_of = {t.text: t.pos for t in chart.x_ticks}
    assert list(x_of) == [str(year) for year in range(2020, 2031)]  # baseline year to target year
    year_width = (WIDTH - RIGHT - LEFT) / 11
    for point in chart.points:
        assert point.x == round(LEFT + (int(point.period) - 2020 + 0.5) * year_width, 1) == x_of[point.period]
        assert point.y == round(HEIGHT - BOTTOM - point.value / 20000 * (HEIGHT - BOTTOM - TOP), 1)
    assert [p.preliminary for p in chart.points] == [False, False, True]
    assert [s.preliminary for s in chart.segments] == [False, True]  # the line into a preliminary value is dashed
    references = {r.kind: r for r in chart.references}
    assert references["mal"].y == round(HEIGHT - BOTTOM - 9000 / 20000 * (HEIGHT - BOTTOM - TOP), 1)
    assert references["utgangsvarde"].x == x_of["2020"]
    assert references["mal"].x == x_of["2030"]
    assert [t.text for t in chart.y_ticks] == ["0", "5\u00a0000", "10\u00a0000", "15\u00a0000", "20\u00a0000"]
    assert chart.desc == (
        "3 mätvärden 2022–2025; senast 10\u00a0500,5 per 100 000 inv. (2025, preliminärt). "
        "Utgångsvärde 11\u00a0777 (2020). Mål 9\u00a0000 (2030). Riket 15\u00a0079 (2020)."
    )


def test_the_indicator_svg_is_well_formed_titled_and_has_its_values_as_a_table() -> None:
    svg, html = drawn("indicator_chart", anmalda())
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "titel-anmalda beskrivning-anmalda"
    assert svg.findtext(f"{SVG}title") == "Anmälda brott per 100 000 invånare"
    assert "preliminärt" in (svg.findtext(f"{SVG}desc") or "")
    circles = svg.iter(f"{SVG}circle")
    points = [(c.get("class"), float(c.get("cx") or 0), c.get("fill")) for c in circles if c.get("class")]
    assert points == [(("preliminar" if p.preliminary else "slutlig"), p.x, "#ffffff" if p.preliminary else "#1f5fa8")
                      for p in anmalda().points]  # fmt: skip
    dashed = [line for line in svg.iter(f"{SVG}line") if line.get("stroke-dasharray") == "5 4"]
    assert len(dashed) == 1
    assert "<caption>Anmälda brott per 100 000 invånare (per 100 000 inv.): värdena i diagrammet</caption>" in html
    assert "<tr><td>2025</td><td>10\u00a0500,5</td><td>preliminärt</td></tr>" in html
    assert "<tr><td>2030</td><td>9\u00a0000</td><td>Mål</td></tr>" in html
    assert "script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_an_indicator_without_values_is_still_drawn_with_what_it_has() -> None:
    chart = indicator_chart("tom", "Trygghetsindex", "index", [], Figure(None, None), Figure(None, None),
                            Figure(None, None))  # fmt: skip
    assert chart.empty and chart.desc == "Inga mätvärden ännu."
    svg, _ = drawn("indicator_chart", chart)
    assert svg.findtext(f"{SVG}title") == "Trygghetsindex"


def test_measures_by_status_bars_are_as_long_as_their_counts() -> None:
    chart = bar_chart(
        "status", "Åtgärder per status", [("grön", 4, "#2e7d32"), ("gul", 2, "#7a4f00"), ("röd", 0, "#b3261e")]
    )
    assert [b.width for b in chart.bars] == [282.0, 141.0, 0]
    svg, html = drawn("bar_chart", chart)
    assert [r.get("width") for r in svg.iter(f"{SVG}rect") if r.get("class") == "stapel"] == ["282.0", "141.0", "0.0"]
    assert chart.desc == "grön: 4; gul: 2; röd: 0."
    assert '<tr><th scope="row">gul</th><td>2</td></tr>' in html


def test_est_categories_by_month_never_draw_a_small_count() -> None:
    chart = stacked_chart(
        "est",
        "EST-observationer per månad",
        [("jan", {"skadegörelse": 12, "klotter": 2}), ("feb", {"skadegörelse": 5, "klotter": 4})],
    )
    assert chart.categories[0][0] == "skadegörelse"  # the biggest category first
    january, february = chart.stacks
    assert [(b.label, b.value) for b in january.segments] == [("skadegörelse", 12)]  # 2 is not drawn
    assert january.shown == ["12", "<3"]
    assert [(b.label, b.value) for b in february.segments] == [("skadegörelse", 5), ("klotter", 4)]
    assert february.segments[1].y + february.segments[1].height == february.segments[0].y  # stacked
    svg, html = drawn("stacked_chart", chart)
    assert len([r for r in svg.iter(f"{SVG}rect") if r.get("class") == "stapel"]) == 3
    assert "<td>&lt;3</td>" in html
    assert ">2<" not in html


def test_est_by_month_counts_categories_without_regard_to_case(engine: Engine) -> None:
    d = Driver(engine, "fagersta", date(2027, 3, 15))
    d.load(EXAMPLES / "fagersta.yaml")
    with session_scope(engine) as session:
        organisation = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        body = session.exec(select(Body).where(Body.kind == BodyKind.EST)).first()
        assert body is not None and body.id is not None and organisation.id is not None
        for day, category, count in [
            (date(2027, 1, 10), "Skadegörelse", 4),
            (date(2027, 1, 20), " skadegörelse ", None),  # one observation without a count
            (date(2027, 3, 2), "klotter", 2),
            (date(2027, 3, 3), "Klotter", 3),
            (date(2026, 9, 30), "klotter", 9),  # before the six months
            (date(2027, 3, 16), "klotter", 9),  # after the day
        ]:
            observation = EstObservation(organisation_id=organisation.id, body_id=body.id, observed_on=day,
                                         category=category, area="Centrum", source_function="skola")  # fmt: skip
            observation.count = count
            session.add(observation)
    with Session(engine) as session:
        organisation = session.exec(select(Organisation).where(Organisation.key == "fagersta")).one()
        chart = est_by_month(session, organisation, d.on)
    assert [s.label for s in chart.stacks] == ["okt 2026", "nov 2026", "dec 2026", "jan 2027", "feb 2027", "mar 2027"]
    assert sorted(name for name, _ in chart.categories) == ["Klotter", "Skadegörelse"]  # the vocabulary's spelling
    january, march = chart.stacks[3], chart.stacks[5]
    assert [(b.label, b.value) for b in january.segments] == [("Skadegörelse", 5)]
    assert [(b.label, b.value) for b in march.segments] == [("Klotter", 5)]

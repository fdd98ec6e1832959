"""Indicator measurements imported from CSV: every bad row located (FILE:LINE), nothing imported unless all is well.

Columns (header row, ';' or ','): indikator;period;värde[;preliminär][;källa]. A period is a year (2027), a
quarter (2027-Q1) or a month (2027-03). Decimal comma or point. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from samverkan.core.fields import text_problem
from samverkan.core.ids import saved_id
from samverkan.models import Indicator, Measurement
from samverkan.services.access import COORDINATING, Acting, require_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import RefusedError
from samverkan.services.inputs import ImportMeasurements
from samverkan.services.overview import find_organisation

PERIOD = re.compile(r"(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?", re.ASCII)
SOURCE_MAX = 200  # measurement.source
REQUIRED = ("indikator", "period", "värde")
TRUE = {"ja", "j", "true", "1", "x", "prel", "preliminär"}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","  # Swedish Excel writes ';'
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]


@dataclass(frozen=True)
class MeasuredValue:
    indicator: Indicator
    period: str
    value: float
    preliminary: bool
    source: str | None


def import_measurements(session: Session, actor: Actor, given: ImportMeasurements) -> ImportReport:
    org_key, text, file = actor.org_key, given.text, given.file
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor, COORDINATING, "importera mätvärden")
    indicators = {i.key: i for i in session.exec(select(Indicator).where(Indicator.organisation_id == organisation.id))}
    try:
        header, rows = _rows(text.lstrip("\ufeff"))
    except csv.Error as exc:
        raise RefusedError(f"{file}: filen kan inte läsas som CSV ({exc})") from None
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise RefusedError(f"{file}:1: kolumner saknas: {', '.join(missing)} (behövs: {';'.join(REQUIRED)})")
    report = ImportReport()
    values = _parse(rows, indicators, file, report.errors)
    if report.errors:
        raise RefusedError(f"{file} importerades inte. Rätta raderna:", report.errors)
    for value in values:
        store_measurement(session, acting, saved_id(organisation), value, report)
    return report


def _parse(
    rows: list[tuple[int, dict[str, str]]], indicators: dict[str, Indicator], file: str, errors: list[str]
) -> list[MeasuredValue]:
    """Every row that is well-formed; each bad row adds a located error instead."""
    values: list[MeasuredValue] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        where = f"{file}:{line}"
        indicator = indicators.get(row.get("indikator", ""))
        if indicator is None:
            known = ", ".join(sorted(indicators))
            errors.append(f"{where}: okänd indikator '{_shown(row.get('indikator', ''))}' (kända: {known})")
            continue
        period = row.get("period", "")
        if not PERIOD.fullmatch(period):
            errors.append(f"{where}: '{_shown(period)}' är ingen period (ÅÅÅÅ, ÅÅÅÅ-Q1 eller ÅÅÅÅ-MM)")
            continue
        value = _number(row.get("värde", ""))
        if value is None:
            errors.append(f"{where}: '{_shown(row.get('värde', ''))}' är inget tal")
            continue
        source = row.get("källa") or None
        problem = _source_problem(source)
        if problem:
            errors.append(f"{where}: källan {problem}")
            continue
        if (indicator.key, period) in seen:
            errors.append(f"{where}: {indicator.key} {period} finns redan på rad {seen[(indicator.key, period)]}")
            continue
        seen[(indicator.key, period)] = line
        preliminary = row.get("preliminär", "").lower() in TRUE
        values.append(MeasuredValue(indicator, period, value, preliminary, source))
    return values


def _number(text: str) -> float | None:
    """A finite number written with a decimal comma or point (spaces as thousands separators); else None."""
    try:
        value = float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _source_problem(source: str | None) -> str | None:
    """Why the källa column cannot be stored (None when it can): length, NUL, control characters, personnummer."""
    if source is None:
        return None
    if len(source) > SOURCE_MAX:
        return f"är för lång ({len(source)} tecken, högst {SOURCE_MAX})"
    return text_problem(source, multiline=False)


def _shown(text: str) -> str:
    """An input value fit for an error message: printable and short."""
    printable = "".join(char if char.isprintable() else "�" for char in text)
    return printable if len(printable) <= 40 else printable[:40] + "…"


def store_measurement(
    session: Session,
    actor: Acting,
    organisation_id: int,
    new: MeasuredValue,
    report: ImportReport,
    action: str = "measurement.import",
) -> None:
    """Create or update one measurement, audited; an identical one is left alone."""
    indicator, period = new.indicator, new.period
    row = session.exec(
        select(Measurement).where(Measurement.indicator_id == indicator.id, Measurement.period == period)
    ).first()
    before = None
    if row is None:
        row = Measurement(indicator_id=saved_id(indicator), period=period, value=new.value)
        report.created += 1
    elif (row.value, row.preliminary, row.source) != (new.value, new.preliminary, new.source):
        before = {"value": row.value, "preliminary": row.preliminary}
        report.updated += 1
    else:
        report.unchanged += 1
        return
    row.value, row.preliminary, row.source = new.value, new.preliminary, new.source
    session.add(row)
    after = {"value": new.value, "preliminary": new.preliminary}
    key = f"{indicator.key}/{period}"
    audit(session, actor, organisation_id, action, row, key=key, before=before, after=after)

"""Indicator measurements imported from CSV: every bad row located (FILE:LINE), nothing imported unless all is well.

Columns (header row, ';' or ','): indikator;period;värde[;preliminär][;källa]. A period is a year (2027), a
quarter (2027-Q1) or a month (2027-03). Decimal comma or point. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from samverkan.models import Indicator, Measurement
from samverkan.services.access import COORDINATING, require_function
from samverkan.services.actor import Actor
from samverkan.services.audit import audit
from samverkan.services.errors import RefusedError
from samverkan.services.inputs import ImportMeasurements
from samverkan.services.overview import find_organisation

PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
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


def import_measurements(session: Session, actor: Actor, given: ImportMeasurements) -> ImportReport:
    org_key, actor_email, on, text, file = actor.org_key, actor.email, actor.on, given.text, given.file
    organisation = find_organisation(session, org_key)
    acting = require_function(session, organisation, actor_email, COORDINATING, on, "importera mätvärden")
    indicators = {i.key: i for i in session.exec(select(Indicator).where(Indicator.organisation_id == organisation.id))}
    report = ImportReport()
    header, rows = _rows(text.lstrip("\ufeff"))
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise RefusedError(f"{file}:1: kolumner saknas: {', '.join(missing)} (behövs: {';'.join(REQUIRED)})")
    parsed: list[tuple[Indicator, str, float, bool, str | None]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        where = f"{file}:{line}"
        indicator = indicators.get(row.get("indikator", ""))
        if indicator is None:
            report.errors.append(
                f"{where}: okänd indikator '{row.get('indikator', '')}' (kända: {', '.join(sorted(indicators))})"
            )
            continue
        period = row.get("period", "")
        if not PERIOD.match(period):
            report.errors.append(f"{where}: '{period}' är ingen period (ÅÅÅÅ, ÅÅÅÅ-Q1 eller ÅÅÅÅ-MM)")
            continue
        try:
            value = float(row.get("värde", "").replace("\u00a0", "").replace(" ", "").replace(",", "."))
        except ValueError:
            report.errors.append(f"{where}: '{row.get('värde', '')}' är inget tal")
            continue
        if (indicator.key, period) in seen:
            report.errors.append(
                f"{where}: {indicator.key} {period} finns redan på rad {seen[(indicator.key, period)]}"
            )
            continue
        seen[(indicator.key, period)] = line
        parsed.append((indicator, period, value, row.get("preliminär", "").lower() in TRUE, row.get("källa") or None))
    if report.errors:
        raise RefusedError(f"{file} importerades inte. Rätta raderna:", report.errors)
    for indicator, period, value, preliminary, source in parsed:
        existing = session.exec(
            select(Measurement).where(Measurement.indicator_id == indicator.id, Measurement.period == period)
        ).first()
        if existing is None:
            measurement = Measurement(
                indicator_id=indicator.id,
                period=period,
                value=value,  # type: ignore[arg-type]
                preliminary=preliminary,
                source=source,
            )
            session.add(measurement)
            audit(
                session,
                acting.label,
                organisation.id,
                "measurement.import",
                measurement,
                key=f"{indicator.key}/{period}",
                after={"value": value, "preliminary": preliminary},
            )
            report.created += 1
        elif (existing.value, existing.preliminary, existing.source) != (value, preliminary, source):
            before = {"value": existing.value, "preliminary": existing.preliminary}
            existing.value, existing.preliminary, existing.source = value, preliminary, source
            session.add(existing)
            audit(
                session,
                acting.label,
                organisation.id,
                "measurement.import",
                existing,
                key=f"{indicator.key}/{period}",
                before=before,
                after={"value": value, "preliminary": preliminary},
            )
            report.updated += 1
        else:
            report.unchanged += 1
    return report

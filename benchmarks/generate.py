"""Generate organisation files for N kommuner with realistic bodies and cadences (for benchmarks)."""

from __future__ import annotations

from datetime import date, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


def first_weekday(year: int, weekday: int) -> date:
    day = date(year, 1, 4)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def kommun_yaml(n: int, year: int = 2027) -> str:
    """Kommun `n`'s file. Its cadences differ from every other kommun's (the EST meeting's title names it), as
    real files do: a sweep computes each organisation's plan, and identical files would share one."""
    weekday = n % 5
    est_start = first_weekday(year, weekday)
    meetings = 4 + n % 3  # lokala BRÅ 4–6 times a year
    months = {4: "[2, 5, 9, 11]", 5: "[2, 4, 6, 10, 12]", 6: "[2, 3, 5, 9, 10, 12]"}[meetings]
    people = [
        ("samordnare", "Samordnare"),
        ("kommunpolis", "Kommunpolis"),
        ("kso", "KSO"),
        ("lpo-chef", "LPO-chef"),
        ("kommundirektor", "Kommundirektör"),
        ("socialchef", "Socialchef"),
        ("skolchef", "Skolchef"),
        ("fritidschef", "Fritidschef"),
        ("est-social", "EST socialtjänst"),
        ("est-skola", "EST skola"),
        ("est-fritid", "EST fritid"),
        ("est-bostad", "EST bostadsbolag"),
        ("lst", "Länsstyrelsen"),
    ]

    def party(key: str) -> str:
        if key in ("kommunpolis", "lpo-chef"):
            return f"lpo-{n}"
        return f"lst-{n % 21}" if key == "lst" else f"k{n}"

    def signs(key: str) -> str:
        return ", signatory: true" if key in ("kso", "lpo-chef") else ""

    roles = "\n".join(f"  - {{key: {key}, name: {name}, party: {party(key)}{signs(key)}}}" for key, name in people)
    persons = "\n".join(f"  - {{key: {key}, name: {name} {n}, email: {key}@k{n}.example}}" for key, name in people)
    assignments = "\n".join(f"  - {{role: {key}, person: {key}, from: 2024-01-01}}" for key, _ in people)
    return f"""schema_version: 1
organisation: {{key: k{n}, name: Kommun {n}, kind: kommun, county: Län {n % 21}, population: {3000 + n * 997 % 200000}}}
police_area: {{key: lpo-{n}, name: Lokalpolisområde {n}}}
county_board: {{key: lst-{n % 21}, name: Länsstyrelsen {n % 21}}}
roles:
{roles}
people:
{persons}
assignments:
{assignments}
bodies:
  - {{key: styrgrupp, name: Styrgrupp, kind: styrgrupp, chair: kso, members: [kso, lpo-chef, kommundirektor]}}
  - {{key: lokala-bra, name: Lokala BRÅ, kind: lokala_bra, chair: kommundirektor,
     members: [kommundirektor, socialchef, skolchef, fritidschef, samordnare, kommunpolis]}}
  - {{key: est, name: EST-gruppen, kind: est, chair: samordnare,
     members: [samordnare, kommunpolis, est-social, est-skola, est-fritid, est-bostad]}}
cadences:
  - {{key: est-mote, trigger: est_meeting, title: EST-möte i Kommun {n}, body: est, notify: [est],
     schedule: {{frequency: biweekly, weekday: {WEEKDAYS[weekday]}, start: {est_start}, time: "09:00",
                observe_breaks: false}}}}
  - {{key: est-rapport, trigger: est_report, title: EST-rapport, body: est, notify: [samordnare, lst, lokala-bra],
     schedule: {{frequency: monthly, day: {1 + n % 20}, time: "10:00", observe_breaks: false}}}}
  - {{key: bra-mote, trigger: body_meeting, title: Lokala BRÅ, body: lokala-bra, notify: [lokala-bra],
     schedule: {{frequency: times_per_year, times_per_year: {meetings}, months: {months}, weekday: thursday,
                week: 2, time: "13:00"}}}}
  - {{key: inriktning, trigger: direction_decision, title: Inriktningsbeslut, body: lokala-bra,
     notify: [lokala-bra, kso], schedule: {{frequency: quarterly, weekday: thursday, week: 2, time: "13:00"}}}}
  - {{key: arsuppfoljning, trigger: yearly_review, title: Årlig uppföljning, body: styrgrupp,
     notify: [styrgrupp, samordnare], schedule: {{frequency: yearly, month: 11, weekday: wednesday, week: 3}}}}
breaks:
  - {{name: Sommaruppehåll, from: "06-22", to: "08-09"}}
indicators:
  - {{key: anmalda-brott, name: Anmälda brott per 100 000 inv., unit: per 100 000, source: Brå,
     direction: lower_is_better, baseline: {{value: {6000 + n * 37 % 9000}, year: 2020}},
     national: {{value: 15079, year: 2020}}}}
agreement: {{title: Samverkansöverenskommelse Kommun {n}, from: 2027-01-01, to: 2030-12-31}}
"""

"""Substance requirements: what must be true, beyond a tick, before an item counts as done.

Pure functions over a snapshot of the cycle (CycleFacts, built by services/exit_facts.py); each returns what is
missing, in Swedish, or an empty list. Definitions refer to them by name. Each requirement also names the facts
it reads (READS), so going back to a phase reopens exactly the later items whose facts may change there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class DecisionFacts:
    """A recorded decision as a fact: its number, the body that took it and when."""

    number: int | None
    body: str
    body_kind: str | None
    decided_on: date
    recorded_at: datetime


@dataclass(frozen=True)
class ProblemFacts:
    title: str
    prioritised: bool
    causes: int
    analysis_completed: bool
    measures: int
    measures_with_indicator: int = 0
    analysis_missing: tuple[str, ...] = ()  # what the analysis still lacks (e.g. a perspective without a cause)


@dataclass(frozen=True)
class MeasureFacts:
    title: str
    progress_pct: int
    cancelled: bool = False


@dataclass(frozen=True)
class SigningFacts:
    title: str
    status: str
    missing_parties: tuple[str, ...]
    content_missing: tuple[str, ...] = ()  # parts of the content that are empty
    text_changed: bool = False  # every party signed, but a text the content no longer is
    communicated: bool = True  # medborgarlöften: when and how it was told to the citizens is recorded
    cycle_mismatch: str | None = None  # why it does not count for this cycle, if it does not
    not_covered: tuple[str, ...] = ()  # the cycle's prioritised problems its content does not cover


@dataclass(frozen=True)
class IndicatorFacts:
    """An indicator the cycle's åtgärder rely on, at the yearly follow-up: a value this cycle, or why none."""

    name: str
    has_value: bool
    reason: str | None = None


@dataclass(frozen=True)
class CycleFacts:
    number: int = 1
    problems: list[ProblemFacts] = field(default_factory=list)
    measures: list[MeasureFacts] = field(default_factory=list)
    agreement: SigningFacts | None = None
    promises: list[SigningFacts] = field(default_factory=list)
    prioritisation: DecisionFacts | None = None
    prioritising_body_kind: str | None = None  # the body the process names for the prioritisation
    prioritising_body: str | None = None  # its name(s) in this organisation, for messages
    not_in_prioritisation: tuple[str, ...] = ()  # problems added or changed after the prioritisation decision
    indicators: list[IndicatorFacts] = field(default_factory=list)

    @property
    def prioritised(self) -> list[ProblemFacts]:
        return [p for p in self.problems if p.prioritised]


def problems_prioritised(facts: CycleFacts) -> list[str]:
    if not facts.prioritised:
        return ["inget problem är prioriterat i den gemensamma lägesbilden"]
    body = facts.prioritising_body or "det beslutande organet"
    decision = facts.prioritisation
    if decision is None:
        return [f"prioriteringen är inte beslutad: ett beslut av {body} om prioritering av problemen saknas"]
    if facts.prioritising_body_kind and decision.body_kind != facts.prioritising_body_kind:
        return [f"prioriteringen (beslut nr {decision.number}) är fattad av {decision.body}, inte av {body}"]
    return [
        f"'{title}' har kommit till eller ändrats efter prioriteringen (beslut nr {decision.number}); "
        f"{body} behöver prioritera om"
        for title in facts.not_in_prioritisation
    ]


def analysis_per_problem(facts: CycleFacts) -> list[str]:
    missing = [] if facts.prioritised else problems_prioritised(facts)
    for problem in facts.prioritised:
        if problem.causes == 0:
            missing.append(f"orsaksanalys saknas för '{problem.title}' (inga orsaker angivna)")
        elif problem.analysis_missing:
            missing.append(f"orsaksanalysen för '{problem.title}' saknar {', '.join(problem.analysis_missing)}")
        elif not problem.analysis_completed:
            missing.append(f"orsaksanalysen för '{problem.title}' är inte markerad som klar")
    return missing


def _signed(what: SigningFacts | None, name: str) -> list[str]:
    if what is None:
        return [f"ingen {name} finns registrerad"]
    missing = [f"{what.title}: {what.cycle_mismatch}"] if what.cycle_mismatch else []
    if what.content_missing:
        missing.append(f"{what.title} saknar innehåll: {', '.join(what.content_missing)}")
    missing += [f"{what.title} omfattar inte det prioriterade problemet '{title}'" for title in what.not_covered]
    if what.missing_parties:
        missing.append(f"{what.title}: underskrift saknas från {', '.join(what.missing_parties)}")
    elif what.text_changed:
        missing.append(
            f"{what.title}: innehållet har ändrats sedan det skrevs under; alla parter skriver under på nytt"
        )
    return missing


def agreement_signed(facts: CycleFacts) -> list[str]:
    return _signed(facts.agreement, "samverkansöverenskommelse")


def promises_signed(facts: CycleFacts) -> list[str]:
    if not facts.promises:
        return ["inget medborgarlöfte finns registrerat"]
    missing = []
    for promise in facts.promises:
        missing += _signed(promise, "medborgarlöfte")
        if not promise.communicated:
            missing.append(f"{promise.title} är inte kommunicerat till medborgarna (ange när och hur)")
    return missing


def measures_cover_problems(facts: CycleFacts) -> list[str]:
    missing = [] if facts.prioritised else problems_prioritised(facts)
    for problem in facts.prioritised:
        if problem.measures == 0:
            missing.append(f"ingen åtgärd verkar på orsakerna till '{problem.title}'")
        elif problem.measures_with_indicator == 0:
            missing.append(f"ingen av åtgärderna för '{problem.title}' har en indikator som ska visa effekten")
    return missing


def measures_done(facts: CycleFacts) -> list[str]:
    carried_out = [m for m in facts.measures if not m.cancelled]
    if not carried_out:
        return ["inga åtgärder finns i åtgärdsplanen"]
    return [f"åtgärden '{m.title}' är genomförd till {m.progress_pct} %" for m in carried_out if m.progress_pct < 100]


def indicators_followed_up(facts: CycleFacts) -> list[str]:
    if not facts.indicators:
        return ["ingen indikator är kopplad till cykelns åtgärder, så effekten kan inte följas upp"]
    return [
        f"indikatorn '{i.name}' har inget värde för cykel {facts.number} och inget skäl till varför"
        for i in facts.indicators
        if not i.has_value and not (i.reason or "").strip()
    ]


REQUIREMENTS: dict[str, Callable[[CycleFacts], list[str]]] = {
    "problems_prioritised": problems_prioritised,
    "analysis_per_problem": analysis_per_problem,
    "agreement_signed": agreement_signed,
    "promises_signed": promises_signed,
    "measures_cover_problems": measures_cover_problems,
    "measures_done": measures_done,
    "indicators_followed_up": indicators_followed_up,
}

FACTS_SV = {
    "problems": "problemen i lägesbilden",
    "prioritisation": "prioriteringen",
    "analyses": "orsaksanalyserna",
    "agreement": "samverkansöverenskommelsen",
    "promises": "medborgarlöftena",
    "measures": "åtgärderna",
    "measurements": "indikatorernas värden",
}

# The facts each requirement reads. A requirement's own fact is among them, so reopening an item puts its fact
# back in play and the items that build on it follow (services/omtag.py).
READS: dict[str, frozenset[str]] = {
    "problems_prioritised": frozenset({"problems", "prioritisation"}),
    "analysis_per_problem": frozenset({"prioritisation", "analyses"}),
    "agreement_signed": frozenset({"prioritisation", "analyses", "agreement"}),
    "promises_signed": frozenset({"prioritisation", "promises"}),
    "measures_cover_problems": frozenset({"prioritisation", "analyses", "measures"}),
    "measures_done": frozenset({"measures"}),
    "indicators_followed_up": frozenset({"measures", "measurements"}),
}

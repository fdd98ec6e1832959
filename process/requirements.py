"""Substance requirements: what must be true, beyond a tick, before an item counts as done.

Pure functions over a snapshot of the cycle (CycleFacts); each returns what is missing, in Swedish,
or an empty list. Definitions refer to them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProblemFacts:
    title: str
    prioritised: bool
    causes: int
    analysis_completed: bool
    measures: int


@dataclass(frozen=True)
class MeasureFacts:
    title: str
    progress_pct: int


@dataclass(frozen=True)
class SigningFacts:
    title: str
    status: str
    missing_parties: tuple[str, ...]


@dataclass(frozen=True)
class CycleFacts:
    problems: list[ProblemFacts] = field(default_factory=list)
    measures: list[MeasureFacts] = field(default_factory=list)
    agreement: SigningFacts | None = None
    promises: list[SigningFacts] = field(default_factory=list)

    @property
    def prioritised(self) -> list[ProblemFacts]:
        return [p for p in self.problems if p.prioritised]


def problems_prioritised(facts: CycleFacts) -> list[str]:
    return [] if facts.prioritised else ["inget problem är prioriterat i den gemensamma lägesbilden"]


def analysis_per_problem(facts: CycleFacts) -> list[str]:
    missing = problems_prioritised(facts)
    for problem in facts.prioritised:
        if problem.causes == 0:
            missing.append(f"orsaksanalys saknas för '{problem.title}' (inga orsaker angivna)")
        elif not problem.analysis_completed:
            missing.append(f"orsaksanalysen för '{problem.title}' är inte markerad som klar")
    return missing


def _signed(what: SigningFacts | None, name: str) -> list[str]:
    if what is None:
        return [f"ingen {name} finns registrerad"]
    if what.missing_parties:
        return [f"{what.title}: underskrift saknas från {', '.join(what.missing_parties)}"]
    return []


def agreement_signed(facts: CycleFacts) -> list[str]:
    return _signed(facts.agreement, "samverkansöverenskommelse")


def promises_signed(facts: CycleFacts) -> list[str]:
    if not facts.promises:
        return ["inget medborgarlöfte finns registrerat"]
    return [line for promise in facts.promises for line in _signed(promise, "medborgarlöfte")]


def measures_cover_problems(facts: CycleFacts) -> list[str]:
    missing = problems_prioritised(facts)
    missing += [f"ingen åtgärd verkar på orsakerna till '{p.title}'" for p in facts.prioritised if p.measures == 0]
    return missing


def measures_done(facts: CycleFacts) -> list[str]:
    if not facts.measures:
        return ["inga åtgärder finns i åtgärdsplanen"]
    return [
        f"åtgärden '{m.title}' är genomförd till {m.progress_pct} %" for m in facts.measures if m.progress_pct < 100
    ]


REQUIREMENTS: dict[str, Callable[[CycleFacts], list[str]]] = {
    "problems_prioritised": problems_prioritised,
    "analysis_per_problem": analysis_per_problem,
    "agreement_signed": agreement_signed,
    "promises_signed": promises_signed,
    "measures_cover_problems": measures_cover_problems,
    "measures_done": measures_done,
}

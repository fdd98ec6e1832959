"""The årshjul of one organisation: every cadence expanded, and reports declared `after: <cadence>` placed
after the occurrence of that cadence they compile (never before it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from samverkan.scheduling.cadence import Expansion, Occurrence, expand_cadence
from samverkan.scheduling.workdays import WorkCalendar

AFTER_MARGIN = timedelta(days=62)  # the other cadence is expanded this much around the window
MOVE_MARGIN = timedelta(days=62)  # how far an occurrence can be moved into or out of a window


def _preceding(occurrence: Occurrence, others: list[Occurrence]) -> Occurrence | None:
    """The other cadence's occurrence this one follows: the latest whose nominal date is not later than this
    one's, and within this one's period (or the week before it)."""
    nominal = date.fromisoformat(occurrence.key)
    earliest = occurrence.period[0] if occurrence.period else nominal - timedelta(days=7)
    candidates = [o for o in others if earliest.isoformat() <= o.key <= occurrence.key]
    return max(candidates, key=lambda o: o.key) if candidates else None


def place_after(expansion: Expansion, others: list[Occurrence], other_title: str) -> Expansion:
    """Move each occurrence that would start before the end of the occurrence it follows to that end."""
    placed = []
    for occurrence in expansion.occurrences:
        before = _preceding(occurrence, others)
        if before is not None and occurrence.start < before.end:
            start = before.end
            placed.append(
                replace(
                    occurrence,
                    day=start.date(),
                    start=start,
                    end=start + (occurrence.end - occurrence.start),
                    moved_from=occurrence.moved_from or date.fromisoformat(occurrence.key),
                    moved_because=f"efter {other_title}",
                )
            )
        else:
            placed.append(occurrence)
    return Expansion(placed, expansion.dropped)


def expand_organisation(
    rules: Mapping[str, Mapping[str, Any]],
    calendar: WorkCalendar,
    first: date,
    last: date,
    titles: Mapping[str, str] | None = None,
) -> dict[str, Expansion]:
    """Every cadence of an organisation (key → rule) over [first, last], `after:` applied. The schema refuses
    an `after:` naming an unknown cadence or making a loop."""
    done: dict[str, Expansion] = {}

    def one(key: str, start: date, end: date, depth: int = 0) -> Expansion:
        rule = rules[key]
        expansion = expand_cadence(rule, calendar, start, end)
        other = rule.get("after")
        if other and other in rules and depth < len(rules):
            around = one(str(other), start - AFTER_MARGIN, end + AFTER_MARGIN, depth + 1)
            expansion = place_after(expansion, around.occurrences, (titles or {}).get(str(other), str(other)))
        return expansion

    for key in rules:
        done[key] = one(key, first, last)
    return done


def starting_in(
    rules: Mapping[str, Mapping[str, Any]],
    calendar: WorkCalendar,
    first: date,
    last: date,
    titles: Mapping[str, str] | None = None,
) -> dict[str, list[Occurrence]]:
    """Each cadence's occurrences whose actual start lies in [first, last]: one moved into the window is in
    it, one moved out of it is not (what a calendar shows)."""
    expansions = expand_organisation(rules, calendar, first - MOVE_MARGIN, last + MOVE_MARGIN, titles)
    return {key: [o for o in expansion.occurrences if first <= o.day <= last] for key, expansion in expansions.items()}

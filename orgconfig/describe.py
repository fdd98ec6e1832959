"""Swedish descriptions of schedules, for people reading an overview ("varannan tisdag kl. 09:00")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samverkan.core.labels import MONTHS_SHORT_SV, MONTHS_SV, WEEKDAYS_SV
from samverkan.orgconfig.schema import WEEKDAYS

ORDINALS_SV = {1: "första", 2: "andra", 3: "tredje", 4: "fjärde", -1: "sista"}


def _weekday(rule: Mapping[str, Any]) -> str:
    return WEEKDAYS_SV[WEEKDAYS.index(rule["weekday"])]


def _when_in_month(rule: Mapping[str, Any]) -> str:
    if rule.get("day") is not None:
        return f"den {rule['day']}:e"
    return f"{ORDINALS_SV[rule['week']]} {_weekday(rule)}en"


def _limits(rule: Mapping[str, Any]) -> str:
    """The season, the months and `after:` of a rule, as a suffix ("; i jun, jul, aug; efter est-mote")."""
    parts = []
    if rule.get("months") and rule["frequency"] in ("weekly", "biweekly", "monthly"):
        parts.append("i " + ", ".join(MONTHS_SHORT_SV[m - 1] for m in rule["months"]))
    if rule.get("valid_from") or rule.get("until"):
        parts.append(
            " ".join(
                filter(
                    None,
                    [
                        rule.get("valid_from") and f"från {rule['valid_from']}",
                        rule.get("until") and f"till {rule['until']}",
                    ],
                )
            )
        )
    if rule.get("after"):
        parts.append(f"efter {rule['after']}")
    return "".join(f"; {part}" for part in parts)


def describe_schedule(rule: Mapping[str, Any]) -> str:
    base = _describe(rule)
    return base + _limits(rule) if rule["frequency"] != "ad_hoc" else base


def _describe(rule: Mapping[str, Any]) -> str:
    frequency = rule["frequency"]
    at = f" kl. {rule['time']}"
    if frequency == "weekly":
        return f"varje {_weekday(rule)}{at}"
    if frequency == "biweekly":
        return f"varannan {_weekday(rule)}{at} (från {rule['start']})"
    if frequency == "monthly":
        return f"varje månad, {_when_in_month(rule)}{at}"
    if frequency == "quarterly":
        months = rule.get("months") or [3, 6, 9, 12]
        names = ", ".join(MONTHS_SHORT_SV[m - 1] for m in months)
        return f"varje kvartal ({names}), {_when_in_month(rule)}{at}"
    if frequency == "yearly":
        every = "varje år" if rule.get("interval_years", 1) == 1 else f"vart {rule['interval_years']}:e år"
        return f"{every} i {MONTHS_SV[rule['month'] - 1]}, {_when_in_month(rule)}{at}"
    if frequency == "times_per_year":
        months = rule.get("months")
        spread = f" ({', '.join(MONTHS_SHORT_SV[m - 1] for m in months)})" if months else ""
        return f"{rule['times_per_year']} gånger per år{spread}, {_when_in_month(rule)}{at}"
    return "vid behov (extrainsatt)"

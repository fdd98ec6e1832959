"""The period a report covers, and how the årshjul names periods in Swedish (titles, subjects, documents)."""

from __future__ import annotations

from datetime import date, timedelta

from samverkan.core.labels import MONTHS_SV


def base_period(
    frequency: str, nominal: date, previous: date | None, interval_years: int = 1, covers: str | None = None
) -> tuple[date, date]:
    """The period a report on `nominal` covers by its cadence: the week (or two) before it, the last whole
    month, quarter or year, or otherwise the time since the previous occurrence. With `covers: current` a
    monthly, quarterly or yearly report made near the end of its month, quarter or year covers that one: the days
    since the previous report (or since the period began) up to the day before it."""
    if covers == "current" and frequency in ("monthly", "quarterly", "yearly"):
        start = previous if previous is not None else current_period(frequency, nominal)[0]
        return start, max(start, nominal - timedelta(days=1))
    if frequency == "weekly":
        return nominal - timedelta(days=7), nominal - timedelta(days=1)
    if frequency == "biweekly":
        return nominal - timedelta(days=14), nominal - timedelta(days=1)
    if frequency == "monthly":
        last = nominal.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if frequency == "quarterly":
        quarter_start = date(nominal.year, 3 * ((nominal.month - 1) // 3) + 1, 1)
        last = quarter_start - timedelta(days=1)
        return date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), last
    if frequency == "yearly":
        return date(nominal.year - interval_years, 1, 1), date(nominal.year - 1, 12, 31)
    start = previous if previous is not None else nominal.replace(year=nominal.year - 1, day=1)
    return start, nominal - timedelta(days=1)


def current_period(frequency: str, day: date) -> tuple[date, date]:
    """The month, quarter or year that `day` lies in."""
    if frequency == "yearly":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    months = 3 if frequency == "quarterly" else 1
    first = date(day.year, months * ((day.month - 1) // months) + 1, 1)
    following = date(first.year + (first.month + months - 1) // 12, (first.month + months - 1) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def period_label(first: date, last: date) -> str:
    """'maj 2027', 'kvartal 1 2027', '2026', 'vecka 10 2027' or '5 mars–11 mars 2027'."""
    if first.day == 1 and (last + timedelta(days=1)).day == 1:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        if months == 1:
            return f"{MONTHS_SV[first.month - 1]} {first.year}"
        if months == 3 and first.month % 3 == 1:
            return f"kvartal {(first.month - 1) // 3 + 1} {first.year}"
        if months == 12 and first.month == 1:
            return str(first.year)
        if first.month == 1 and last.month == 12:
            return f"{first.year}–{last.year}"
    if first.weekday() == 0 and (last - first).days == 6:
        return f"vecka {first.isocalendar()[1]} {first.isocalendar()[0]}"
    left = f"{first.day} {MONTHS_SV[first.month - 1]}" + (f" {first.year}" if first.year != last.year else "")
    return f"{left}–{last.day} {MONTHS_SV[last.month - 1]} {last.year}"


RHYTHM_NOUNS = {
    "weekly": "vecka",
    "biweekly": "tvåveckorsperiod",
    "monthly": "månad",
    "quarterly": "kvartal",
    "yearly": "år",
}


def rhythm_noun(frequency: str, times_per_year: int | None = None) -> str:
    """What one step of the cadence is called: 'nästa kvartal', 'nästa år', 'nästa tertial' ..."""
    if frequency == "times_per_year":
        return {1: "år", 2: "halvår", 3: "tertial", 4: "kvartal", 6: "period", 12: "månad"}.get(
            times_per_year or 0, "period"
        )
    return RHYTHM_NOUNS.get(frequency, "period")

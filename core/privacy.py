"""Aggregates only: the one rule for small counts in anything that leaves the group that made it."""

from __future__ import annotations

import re

SUPPRESSION_THRESHOLD = 3


def shown_count(count: int, threshold: int = SUPPRESSION_THRESHOLD) -> str:
    """A count fit for a shared report: counts from 1 to threshold-1 are shown as '<threshold'."""
    if 0 < count < threshold:
        return f"<{threshold}"
    return str(count)


# YYMMDD or YYYYMMDD, an optional separator (- or +, or a space), four digits; not inside a longer number.
_CANDIDATE = re.compile(r"(?<!\d)(?:(19|20)?(\d{2})(\d{2})(\d{2}))\s?([-+]?)\s?(\d{4})(?!\d)")


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for index, char in enumerate(ten_digits):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of what looks like a personnummer or samordningsnummer (day + 60) in `text`.

    Written with a separator, a plausible date is enough (a typo is still personal data); written as bare
    digits it must also pass the Luhn check, so that long counts and phone numbers are not refused."""
    spans = []
    for match in _CANDIDATE.finditer(text):
        _century, year, month, day, separator, tail = match.groups()
        month_ok = 1 <= int(month) <= 12
        day_ok = 1 <= int(day) <= 31 or 61 <= int(day) <= 91
        if not (month_ok and day_ok):
            continue
        if separator or _luhn_ok(f"{year}{month}{day}{tail}"):
            spans.append(match.span())
    return spans


class PersonalDataError(ValueError):
    """Input that looks like it identifies a person; Samverkan keeps aggregates only."""


def refuse_personal_data(**fields: str | None) -> None:
    """The one check for free text anywhere in Samverkan: refuses personnummer and samordningsnummer.

    The message names the field and the position, never the number itself (it must not reach a log)."""
    for name, value in fields.items():
        if not value:
            continue
        spans = identity_numbers(value)
        if spans:
            start = spans[0][0] + 1
            raise PersonalDataError(
                f"fältet '{name}' innehåller något som ser ut som ett personnummer eller samordningsnummer "
                f"(tecken {start}). Samverkan lagrar bara uppgifter på gruppnivå – platser, kategorier, antal – "
                "aldrig uppgifter om enskilda personer. Ta bort numret och försök igen."
            )

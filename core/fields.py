"""Field types for everything read from outside (files, CSV, forms, API): values exactly as the database stores them.

A value these types accept can be written to SQLite and PostgreSQL alike: text within the column's length,
without NUL, control characters or lone surrogates, and never with a personnummer (the personal-data guard);
integers within a 32-bit INTEGER column; finite floats; dates within the years the planning can reach.
Schemas (organisation files, process definitions, input models) use these instead of bare str/int/float/date.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from samverkan.core.privacy import personal_data_problem

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1  # PostgreSQL INTEGER; SQLite stores more, but both must accept what validation accepts
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2199, 12, 31)  # far beyond any plan, and date arithmetic (+ years of cycles) cannot overflow
_LINE_BREAKS = frozenset("\n\r\t")


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why `value` cannot be stored as free text (None when it can): NUL, control characters, lone surrogates
    (no database column takes them) or a personnummer (Samverkan keeps aggregates only)."""
    # A printable text has no control character (Cc) and no surrogate (Cs): only other text is read per character.
    for position, char in enumerate("" if value.isprintable() else value, start=1):
        if char == "\x00":
            return f"får inte innehålla tecknet NUL (tecken {position})"
        category = unicodedata.category(char)
        if category == "Cs":
            return f"innehåller ett ogiltigt tecken (tecken {position})"
        if category == "Cc" and not (multiline and char in _LINE_BREAKS):
            return f"får inte innehålla styrtecken (tecken {position})"
    return personal_data_problem(value)


def check_text(value: str) -> str:
    """Validator for multi-line free text (descriptions, notes)."""
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValueError(problem)
    return value


def check_line(value: str) -> str:
    """Validator for one-line text (names, titles, labels, file names, addresses)."""
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    return value


def check_date(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"datumet {value.isoformat()} ligger utanför {FIRST_DATE.year}–{LAST_DATE.year}")
    return value


GUARDED_TEXT = AfterValidator(check_text)
GUARDED_LINE = AfterValidator(check_line)

# An identifier (keys of roles, bodies, phases ...): the pattern keeps it short and plain; the guard keeps
# a personnummer out of it (811218-9876 has the form of a key).
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"), GUARDED_LINE]
# One-line text for VARCHAR(n) columns, stripped like the loader stores it.
Line50 = Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True), GUARDED_LINE]
Line64 = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True), GUARDED_LINE]
Line100 = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True), GUARDED_LINE]
Line200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True), GUARDED_LINE]
Line300 = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True), GUARDED_LINE]
# Free text for TEXT and JSON columns: no database limit, but a sane one (a page of text).
LongText = Annotated[str, StringConstraints(max_length=10_000), GUARDED_TEXT]

DbInt = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
PositiveInt = Annotated[int, Field(gt=0, le=INT_MAX)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
DbDate = Annotated[date, AfterValidator(check_date)]

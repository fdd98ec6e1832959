"""Aggregates only: the one rule for small counts, and the one guard against personnummer in free text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SUPPRESSION_THRESHOLD = 3


def shown_count(count: int, threshold: int = SUPPRESSION_THRESHOLD) -> str:
    """A count fit for a shared report: counts from 1 to threshold-1 are shown as '<threshold'."""
    if 0 < count < threshold:
        return f"<{threshold}"
    return str(count)


# Characters that are not there for a reader: zero-width spaces and joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")
# Dashes that NFKC leaves alone (en/em/figure dash, hyphen, minus, ...): every one is written '-'.
_EXTRA_DASHES = frozenset("\u2212\u02d7\u2796\u2043\u2e3a\u2e3b\u30fc\ufe58")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# ASCII is its own NFKC form and has no invisible character and no dash but '-': of what _one_char does, only
# "whitespace becomes a space" applies to it, so runs of ASCII are folded at once (tests/test_privacy.py checks
# the equality for every ASCII character); the other characters one at a time.
_ASCII_SPACES = {code: " " for code in range(128) if chr(code).isspace()}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=4096)
def _one_char(char: str) -> str:
    if char in _INVISIBLE or unicodedata.category(char) == "Cf":
        return ""
    folded = unicodedata.normalize("NFKC", char)
    out = []
    for c in folded:
        if c in _EXTRA_DASHES or unicodedata.category(c) == "Pd":
            out.append("-")
        elif c.isspace():
            out.append(" ")
        elif c in _INVISIBLE or unicodedata.category(c) == "Cf":
            continue
        else:
            out.append(c)
    return "".join(out)


def _normalise_once(text: str) -> tuple[str, list[int]]:
    """`text` with URL-encoding decoded, NFKC, dashes and spaces unified, invisible characters dropped;
    beside it the position in `text` that each output character came from."""
    out: list[str] = []
    origin: list[int] = []
    position = 0
    for match in _PERCENT.finditer(text):
        _fold(text[position : match.start()], position, out, origin)
        decoded = bytes.fromhex(match[0].replace("%", "")).decode("utf-8", errors="replace")
        for char in decoded:
            folded = _one_char(char)
            out.append(folded)
            origin.extend([match.start()] * len(folded))
        position = match.end()
    _fold(text[position:], position, out, origin)
    return "".join(out), origin


def _fold(part: str, start: int, out: list[str], origin: list[int]) -> None:
    position = 0
    for match in _NON_ASCII.finditer(part):
        _fold_ascii(part[position : match.start()], start + position, out, origin)
        for offset, char in enumerate(match[0], start=start + match.start()):
            folded = _one_char(char)
            out.append(folded)
            origin.extend([offset] * len(folded))
        position = match.end()
    _fold_ascii(part[position:], start + position, out, origin)


def _fold_ascii(part: str, start: int, out: list[str], origin: list[int]) -> None:
    out.append(part.translate(_ASCII_SPACES))
    origin.extend(range(start, start + len(part)))


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as the guard reads it (twice, so that double URL-encoding is undone too), with positions."""
    first, first_origin = _normalise_once(text)
    second, second_origin = _normalise_once(first)
    return second, [first_origin[i] for i in second_origin]


# YYMMDD or YYYYMMDD (a space allowed between year, month and day), an optional separator (a dash, +, '.',
# '/', '_', with spaces around), four digits (a space allowed between them); not inside a longer number.
_CANDIDATE = re.compile(
    r"(?<!\d)(?:(19|20)?(\d{2}) ?(\d{2}) ?(\d{2})) *([-+./_\\]?) *(\d ?\d ?\d ?\d)(?!\d)",
)


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for index, char in enumerate(ten_digits):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _candidates(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _CANDIDATE.finditer(text):
        _century, year, month, day, separator, tail = match.groups()
        month_ok = 1 <= int(month) <= 12
        day_ok = 1 <= int(day) <= 31 or 61 <= int(day) <= 91
        if not (month_ok and day_ok):
            continue
        if separator or _luhn_ok(f"{year}{month}{day}{tail.replace(' ', '')}"):
            spans.append(match.span())
    return spans


_DIGITS_REMOVED = str.maketrans("", "", "0123456789")


def _too_few_digits(text: str) -> bool:
    """Whether `text` cannot hold a number, known without normalising it: ASCII without URL-encoding normalises to
    itself (but for spaces), and every candidate has ten digits."""
    return text.isascii() and "%" not in text and len(text) - len(text.translate(_DIGITS_REMOVED)) < 10


def identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans (in `text`) of what looks like a personnummer or samordningsnummer (day + 60).

    The text is normalised first (Unicode NFKC, every dash, invisible characters, URL-encoding), so that
    the ways a person can write one are all found. Written with a separator, a plausible date is enough
    (a typo is still personal data); written as bare digits it must also pass the Luhn check, so that long
    counts and phone numbers are not refused."""
    if not text or _too_few_digits(text):
        return []
    plain, origin = normalise(text)
    spans = []
    for start, end in _candidates(plain):
        spans.append((origin[start], origin[end - 1] + 1))
    return spans


class PersonalDataError(ValueError):
    """Input that looks like it identifies a person; Samverkan keeps aggregates only."""


def personal_data_problem(value: str) -> str | None:
    """The guard's finding for one value, without the field name (None when the value is fine).

    The message gives the position, never the number itself (it must not reach a log)."""
    spans = identity_numbers(value)
    if not spans:
        return None
    return (
        f"innehåller något som ser ut som ett personnummer eller samordningsnummer (tecken {spans[0][0] + 1}). "
        "Samverkan lagrar bara uppgifter på gruppnivå – platser, kategorier, antal – aldrig uppgifter om "
        "enskilda personer. Ta bort numret och försök igen."
    )


def refuse_personal_data(**fields: str | None) -> None:
    """The one check for free text anywhere in Samverkan: refuses personnummer and samordningsnummer."""
    for name, value in fields.items():
        if not value:
            continue
        problem = personal_data_problem(value)
        if problem:
            raise PersonalDataError(f"fältet '{name}' {problem}")

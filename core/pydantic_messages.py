"""Swedish messages for pydantic's validation errors, and error locations without pydantic's union branches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic_core import ErrorDetails

from samverkan.core.issues import Path

_MESSAGES = {
    "missing": "obligatoriskt fält saknas",
    "string_type": "ska vara text",
    "int_type": "ska vara ett heltal",
    "int_parsing": "ska vara ett heltal",
    "int_from_float": "ska vara ett heltal",
    "float_type": "ska vara ett tal",
    "float_parsing": "ska vara ett tal",
    "bool_type": "ska vara true eller false",
    "bool_parsing": "ska vara true eller false",
    "list_type": "ska vara en lista",
    "model_type": "ska vara en tabell med nycklar",
    "model_attributes_type": "ska vara en tabell med nycklar",
    "dict_type": "ska vara en tabell med nycklar",
    "date_type": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_parsing": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_from_datetime_parsing": "ska vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_from_datetime_inexact": "ska vara ett datum utan klockslag",
    "finite_number": "ska vara ett ändligt tal (inte NaN eller oändligt)",
    "int_parsing_size": "talet är för stort",
    "date_past": "ska vara ett datum som har varit",
    "date_future": "ska vara ett datum som kommer",
    "bytes_type": "ska vara text",
    "set_type": "ska vara en lista",
    "tuple_type": "ska vara en lista",
    "none_required": "ska vara tomt",
    "is_instance_of": "har fel typ",
}


_PATTERN_MESSAGES = {
    r"^[a-z0-9][a-z0-9_-]{0,63}$": "'{given}' duger inte som nyckel: använd a–z, 0–9, - och _ (högst 64 tecken)",
    r"^\d{4}$": "'{given}' är ingen kommunkod (fyra siffror, t.ex. \"1982\")",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "'{given}' är ingen e-postadress",
    r"^\+?[0-9 ()-]{6,20}$": "'{given}' är inget telefonnummer",
}


def pydantic_message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    given = error.get("input")
    if kind == "extra_forbidden":
        return "okänd nyckel"
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        return f"'{given}' är inte tillåtet; tillåtna värden: {expected}".replace(" or ", ", ")
    if kind == "string_pattern_mismatch":
        return _PATTERN_MESSAGES.get(str(ctx.get("pattern")), "'{given}' har fel form").format(given=given)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": "minst", "greater_than": "större än", "less_than_equal": "högst",
                 "less_than": "mindre än"}[kind]  # fmt: skip
        limit = next(iter(ctx.values()), "")
        return f"ska vara {words} {limit} (fick {given})"
    if kind in ("string_too_short", "too_short"):
        return _too_short(kind, ctx, given)
    if kind in ("string_too_long", "too_long"):
        return _too_long(kind, ctx, given)
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _MESSAGES:
        shown = f" (fick {given!r})" if kind != "missing" and not isinstance(given, dict | list) else ""
        return _MESSAGES[kind] + shown
    return error["msg"]


def _too_long(kind: str, ctx: dict[str, Any], given: object) -> str:
    """'är för långt (högst 200 tecken, du skrev 245)': the limit and what was given, so it can be shortened."""
    limit = ctx.get("max_length")
    if kind == "string_too_long":
        typed = f", du skrev {len(given)}" if isinstance(given, str) else ""
        return f"är för långt (högst {limit} tecken{typed})" if limit is not None else "är för långt"
    actual = ctx.get("actual_length")
    counted = f", fick {actual}" if actual is not None else ""
    return f"har för många värden (högst {limit}{counted})" if limit is not None else "har för många värden"


def _too_short(kind: str, ctx: dict[str, Any], given: object) -> str:
    """Empty is 'får inte vara tomt'; a longer minimum names it: 'är för kort (minst 8 tecken, du skrev 5)'."""
    limit = ctx.get("min_length")
    if not given or limit in (None, 1):
        return "får inte vara tomt"
    if kind == "string_too_short":
        typed = f", du skrev {len(given)}" if isinstance(given, str) else ""
        return f"är för kort (minst {limit} tecken{typed})"
    actual = ctx.get("actual_length")
    return f"har för få värden (minst {limit}{f', fick {actual}' if actual is not None else ''})"


def clean_loc(loc: Iterable[int | str]) -> Path:
    """Drop pydantic's union branch names (e.g. 'str', 'ContactSpec') from a location."""
    out: list[int | str] = []
    for part in loc:
        if isinstance(part, str) and part.startswith(("constrained-str", "function-")):
            continue
        out.append(part)
    return tuple(out)

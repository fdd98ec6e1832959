"""The personal-data guard as the service layer applies it to every free-text input."""

from __future__ import annotations

from samverkan.core.fields import text_problem
from samverkan.services.errors import RefusedError

# The fields' names as a reader knows them (keyword arguments cannot be written with å, ä, ö).
FIELD_NAMES = {
    "skal": "skäl",
    "omrade": "område",
    "kallor": "källor",
    "bortvalda_kallor": "bortvalda källor",
    "uppfoljning": "uppföljning",
    "operativt_mal": "operativt mål",
}


def no_personal_data(**fields: str | None) -> None:
    """Refuse (RefusedError) any field that holds a personnummer or samordningsnummer, in any of the ways one
    can be written, or a character no database stores (NUL, control characters). Line breaks are allowed."""
    for name, value in fields.items():
        problem = text_problem(value, multiline=True) if value else None
        if problem:
            raise RefusedError(f"fältet '{FIELD_NAMES.get(name, name.replace('_', ' '))}' {problem}")

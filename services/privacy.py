"""The personal-data rule as the service layer applies it to every free-text input."""

from __future__ import annotations

from samverkan.core.privacy import PersonalDataError, refuse_personal_data
from samverkan.services.errors import RefusedError


def no_personal_data(**fields: str | None) -> None:
    """Refuse (RefusedError) any field that looks like it holds a personnummer or samordningsnummer."""
    try:
        refuse_personal_data(**fields)
    except PersonalDataError as exc:
        raise RefusedError(str(exc)) from None

"""The declared state machines (samverkan.models.lifecycle) as the service layer applies them: an illegal
status change is refused with a RefusedError whose Swedish message says what may follow."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from samverkan.models import lifecycle
from samverkan.models.lifecycle import HasStatus, IllegalTransition
from samverkan.services.errors import RefusedError

S = TypeVar("S", bound=StrEnum)


def move(entity: HasStatus[S], after: S, what: str | None = None) -> S:
    """Change the entity's status if its state machine allows it (RefusedError if not); returns the old one."""
    try:
        return lifecycle.move(entity, after, what)
    except IllegalTransition as exc:
        raise RefusedError(str(exc)) from None


def check(before: S, after: S, what: str | None = None) -> None:
    """Refuse (RefusedError) a change the state machine does not allow, before a guarded SQL update makes it."""
    try:
        lifecycle.check(before, after, what)
    except IllegalTransition as exc:
        raise RefusedError(str(exc)) from None

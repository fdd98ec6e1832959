"""Who acts, where and when: the one argument every acting service function takes after the session.

An actor carries no permissions; what the person may do is decided by services/access.py from the roles
they hold on `on`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from samverkan.core.timeutil import utcnow


@dataclass(frozen=True)
class Actor:
    """A person (by e-mail) acting in an organisation, on an effective day; `now` is when the act happened."""

    org_key: str
    email: str
    on: date
    now: datetime = field(default_factory=utcnow)

"""Who acts, where and when: the one argument every acting service function takes after the session.

An actor carries no permissions; what the person may do is decided by services/access.py from the roles
they hold on `on` (the day the act is effective for) and on the day of `now` (when the act really happens);
services/effective_dates.py bounds `on`. `proof` says how the person was identified."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING

from samverkan.core.timeutil import STOCKHOLM, to_utc, utcnow

if TYPE_CHECKING:  # the CLI's options build an Actor without the database's models (`validate` stays light)
    from samverkan.models import Person


class Proof(StrEnum):
    """How the acting person was identified."""

    OWN = "egen inloggning"  # their web session, their personal API key (HTTP or CLI), or a test calling services
    DEMO = "--as i en demo- eller testdatabas"
    OPERATOR = "lokal administratör"  # an OS user configured as operator, acting --as someone: never a signature


@dataclass(frozen=True)
class Actor:
    """A person (by e-mail) acting in an organisation, on an effective day; `now` is when the act happened."""

    org_key: str
    email: str
    on: date
    now: datetime = field(default_factory=utcnow)
    proof: Proof = Proof.OWN
    # the person's row when the caller has already read it for this e-mail (the web's session lookup): identity,
    # not permission, and not read again (services/access.py::acting_person)
    person: Person | None = field(default=None, compare=False, repr=False)

    @classmethod
    def simulated(cls, org_key: str, email: str, on: date, proof: Proof = Proof.OWN) -> Actor:
        """An act that happens on its effective day (at noon, Stockholm): tests, demos and simulations."""
        return cls(org_key, email, on, to_utc(datetime.combine(on, time(12), tzinfo=STOCKHOLM)), proof)

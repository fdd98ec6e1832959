"""Who may see an organisation's pages: a person who holds a role in it on the day."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from samverkan.models import Organisation, Person, Role
from samverkan.services.access import COORDINATING
from samverkan.services.errors import NotFoundError, NotPermittedError
from samverkan.services.my_work import held_roles
from samverkan.services.overview import find_organisation, remember_organisation


class Membership:
    """A person in one organisation on a day: their roles and what that lets them see."""

    def __init__(self, organisation: Organisation, roles: list[Role]) -> None:
        self.organisation = organisation
        self.roles = roles
        self.functions = {r.function or r.key for r in roles} | {r.key for r in roles}

    @property
    def coordinating(self) -> bool:
        return bool(self.functions & set(COORDINATING))

    @property
    def role_names(self) -> str:
        return ", ".join(r.name for r in self.roles)


def member_of(session: Session, person: Person, org_key: str, on: date) -> Membership:
    """The person's roles in the organisation, or NotPermitted: only those with a role see its pages. The
    person's roles come with their organisations (held_roles, asked by the menu too), so an organisation where
    they hold a role costs no statement of its own; find_organisation then finds it without one as well."""
    by_org = held_roles(session, person, on)
    theirs = (session.get(Organisation, org_id) for org_id in by_org)  # loaded with the roles: no statement
    organisation = next((o for o in theirs if o is not None and o.key == org_key), None)
    if organisation is None:  # not theirs: unknown (NotFound) or someone else's (NotPermitted below)
        try:
            organisation = find_organisation(session, org_key)
        except NotFoundError:  # without find_organisation's list of every loaded organisation (the CLI's help)
            raise NotFoundError(f"organisationen '{org_key}' finns inte") from None
    else:
        remember_organisation(session, organisation)
    roles = by_org.get(organisation.id, [])  # type: ignore[arg-type]
    if not roles:
        raise NotPermittedError(f"Du har ingen roll i {organisation.name} i dag och kan därför inte se dess sidor.")
    return Membership(organisation, roles)


def member_organisations(session: Session, person: Person, on: date) -> list[Organisation]:
    """The organisations (with a loaded configuration) where the person holds a role on the day."""
    found = [session.get(Organisation, org_id) for org_id in held_roles(session, person, on)]
    return [o for o in found if o is not None and o.config_hash is not None]

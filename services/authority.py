"""Who may hand over which role: a party hands over only its own roles, and only inside the organisation.

The one rule, called by the web page, the API and the CLI alike (they all go through services/handover.py):
- an ordinary role is handed over by a role of the same party that coordinates (samordnare, kommunpolis),
  signs for the party, or sits in one of the organisation's steering bodies;
- a signatory role only by the same party's leadership: its signatory or its coordinating function (the
  organisation file has no administrator role);
- the successor's address must be in one of the organisation's e-mail domains (the domains of the people
  who hold its roles) unless the input explicitly confirms an outside address (`confirm_outside`).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from samverkan.models import Organisation, Person, Role, RoleAssignment
from samverkan.services.access import COORDINATING, Acting, require_role, steering_roles
from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError

WHAT = "lämna över roller"


def _party(role: Role, organisation: Organisation) -> int | None:
    return role.party_id if role.party_id is not None else organisation.id


def may_hand_over(session: Session, organisation: Organisation, role: Role) -> list[Role]:
    """The roles whose holders may hand over `role`."""
    party = _party(role, organisation)
    own = [
        r
        for r in session.exec(select(Role).where(Role.organisation_id == organisation.id)).all()
        if _party(r, organisation) == party and r.archived_at is None
    ]
    leadership = [r for r in own if r.signatory or r.function in COORDINATING or r.key in COORDINATING]
    if role.signatory:
        return leadership
    steering = {r.id for r in steering_roles(session, organisation)}
    return [*leadership, *(r for r in own if r.id in steering and r not in leadership)]


def require_handover_authority(session: Session, organisation: Organisation, actor: Actor, role: Role) -> Acting:
    """The acting person, if they may hand over `role` on the actor's effective day (see the module's rule)."""
    who = "dess firmatecknare eller samordnare" if role.signatory else "dess samordnare, firmatecknare eller ledning"
    what = f"{WHAT} ({role.name} lämnas bara över av den egna parten: {who})"
    return require_role(session, organisation, actor, may_hand_over(session, organisation, role), what)


def organisation_domains(session: Session, organisation: Organisation) -> set[str]:
    """The e-mail domains of the people who hold (or held) the organisation's roles."""
    emails = session.exec(
        select(Person.email)
        .join(RoleAssignment, col(RoleAssignment.person_id) == Person.id)
        .join(Role, col(Role.id) == RoleAssignment.role_id)
        .where(Role.organisation_id == organisation.id)
    ).all()
    return {e.rsplit("@", 1)[-1].lower() for e in emails if "@" in e}


def require_inside_domains(session: Session, organisation: Organisation, email: str, confirmed: bool) -> None:
    """Refuse a successor outside the organisation's e-mail domains unless the handover confirms it."""
    domain = email.rsplit("@", 1)[-1].lower()
    domains = organisation_domains(session, organisation)
    if domain in domains or confirmed:
        return
    raise RefusedError(
        f"{email} ligger utanför {organisation.name}s e-postdomäner ({', '.join(sorted(domains))}): "
        "bekräfta uttryckligen en adress utanför organisationen (kryssrutan i formuläret, --utanfor på kommandoraden)"
    )

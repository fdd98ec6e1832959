"""How a message addresses the holder of a role: "Till kommunpolis i Fagersta kommun,".

Names are kept as written. Only the first word of a role's name is lower-cased, and only when it is an
ordinary capitalised word ("Kommunstyrelsens ordförande" → "kommunstyrelsens ordförande"); an abbreviation
("EST-representant") and every later word ("Norra Västmanlands kommunalteknikförbund") stay as they are.
A role held for another party than a kommun is addressed at that party ("vid Länsstyrelsen Västmanland"),
not at the organisation the message comes from.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from samverkan.models import Organisation
from samverkan.models.enums import OrgKind

MUNICIPAL = (OrgKind.KOMMUN, OrgKind.STADSDEL, OrgKind.SAMVERKANSOMRADE)


def role_title(name: str) -> str:
    """The role's name as it reads after "Till": the first word lower-cased only if it is plainly capitalised."""
    first, space, rest = name.partition(" ")
    if len(first) > 1 and first[0].isupper() and first[1:] == first[1:].lower():
        first = first[0].lower() + first[1:]
    return f"{first}{space}{rest}"


def salutation(role_name: str, organisation: str, party_name: str | None = None, party_kind: str | None = None) -> str:
    """The opening line (without its comma): at the role's party when that is not a kommun (the police, the
    länsstyrelse), else at the organisation the message comes from."""
    if party_name and party_kind and party_kind not in MUNICIPAL:
        return f"Till {role_title(role_name)} vid {party_name}"
    return f"Till {role_title(role_name)} i {organisation}"


def greeting(session: Session, role: Any, organisation: str) -> str:
    """The opening line for the holder of `role` (a Role or a plain row) in a message from `organisation`."""
    party = session.get(Organisation, role.party_id) if role.party_id else None
    return salutation(role.name, organisation, party.name if party else None, party.kind if party else None)

"""Who is acting at the command line. In a production database a person proves who they are with their
personal API key (the same keys the web's account page makes); a local administrator (an OS user named in
SAMVERKAN_OPERATORS) may act `--as` a person, but never sign for them; `--as` alone is accepted only in a
demo or test database (services/installation.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session

from samverkan.models import Person, PersonToken, TokenKind
from samverkan.services.access import find_person
from samverkan.services.actor import Proof
from samverkan.services.audit import audit
from samverkan.services.errors import NotPermittedError
from samverkan.services.installation import purpose_of
from samverkan.services.personal_keys import token_holder

NEEDS_KEY = (
    "kommandoraden kräver inloggning i en driftdatabas: ange din personliga API-nyckel med --nyckel eller "
    "miljövariabeln SAMVERKAN_API_KEY (skapas på sidan Mitt konto i webben). --as godtas utan nyckel bara i en "
    "demo- eller testdatabas, eller av en lokal administratör (SAMVERKAN_OPERATORS)"
)


@dataclass(frozen=True)
class Identified:
    email: str
    proof: Proof


def identify(
    session: Session, as_email: str | None, api_key: str | None, os_user: str, operators: Collection[str]
) -> Identified:
    """The person acting at the command line, and how that is known; a Swedish refusal otherwise."""
    if api_key:
        person = key_owner(session, api_key)
        if as_email and as_email.strip().lower() != person.email:
            raise NotPermittedError(
                f"API-nyckeln tillhör {person.email}, inte {as_email.strip()}: med en nyckel handlar du som dig själv"
            )
        return Identified(person.email, Proof.OWN)
    if not as_email:
        raise NotPermittedError("ange vem som gör det: din API-nyckel (--nyckel), eller --as i en demo/testdatabas")
    if purpose_of(session) is not None:
        return Identified(as_email, Proof.DEMO)
    if os_user in operators:
        return Identified(as_email, Proof.OPERATOR)
    raise NotPermittedError(NEEDS_KEY)


def record_operator(session: Session, os_user: str, email: str, what: str) -> None:
    """A local administrator acted as a person: the audit log says so beside the act itself (same transaction)."""
    person = find_person(session, email)
    audit(session, f"drift:{os_user}", None, "cli.as", person, key=person.email, after={"kommando": what[:200]})


def key_owner(session: Session, api_key: str) -> Person:
    held: tuple[PersonToken, Person] | None = token_holder(session, api_key.strip(), TokenKind.API)
    if held is None:
        raise NotPermittedError(
            "API-nyckeln gäller inte (okänd, återkallad eller för gammal); skapa en ny på sidan Mitt konto"
        )
    return held[1]


def operator_names(setting: str) -> set[str]:
    """SAMVERKAN_OPERATORS: OS user names, separated by commas or spaces."""
    return {name for name in setting.replace(",", " ").split() if name}

"""`samverkan user add/invite`: the first coordinator's login from the command line; after that, coordinators
invite the others in the web app."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

import click

from samverkan.cli.database import open_database
from samverkan.cli.options import CONTEXT, Failure, Group, db_option, db_url_or_default, json_option, print_json
from samverkan.core.timeutil import STOCKHOLM
from samverkan.services.errors import ServiceError


def _operator() -> str:
    return os.environ.get("SUDO_USER") or getpass.getuser()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = click.prompt("Lösenord", hide_input=True)
    if click.prompt("Samma lösenord igen", hide_input=True) != first:
        raise Failure("lösenorden är inte lika")
    return str(first)


@click.group("user", cls=Group, context_settings=CONTEXT)
def user() -> None:
    """Inloggningar från kommandoraden: den första samordnaren (sedan bjuder samordnare in i webben)."""


@user.command("add")
@click.argument("email", metavar="E-POST")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in (för skript).")
@db_option
def user_add(email: str, password_stdin: bool, db_url: str | None) -> None:
    """Ge en person ur organisationsfilen ett lösenord (minst 12 tecken)."""
    from samverkan.database import session_scope
    from samverkan.services.operator import add_user

    password = _password(password_stdin)
    try:
        with session_scope(open_database(db_url_or_default(db_url))) as session:
            person = add_user(session, email, password, _operator())
    except ServiceError as exc:
        raise Failure(str(exc)) from None
    click.echo(f"{person.name} ({person.email}) kan nu logga in.")


@user.command("invite")
@click.argument("email", metavar="E-POST")
@db_option
@json_option
def user_invite(email: str, db_url: str | None, as_json: bool) -> None:
    """Skapa en inbjudningslänk (gäller en gång, i 7 dagar) som personen väljer sitt lösenord med.

    Länken skrivs ut, inte skickad: lämna den till personen. Adressen kommer från SAMVERKAN_BASE_URL."""
    from samverkan.database import session_scope
    from samverkan.services.operator import invite_user

    try:
        with session_scope(open_database(db_url_or_default(db_url))) as session:
            invitation = invite_user(session, email, _operator())
    except ServiceError as exc:
        raise Failure(str(exc)) from None
    data: dict[str, Any] = {
        "person": invitation.person.email,
        "link": invitation.link,
        "expires_at": invitation.expires_at.astimezone(STOCKHOLM).isoformat(),
    }
    if as_json:
        print_json(data)
    else:
        click.echo(f"Inbjudan till {invitation.person.name}, gäller till {data['expires_at'][:10]}:")
        click.echo(invitation.link)


COMMANDS = (user,)

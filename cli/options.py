"""What every command shares: the Swedish command classes, the expected failure, the common options
(--db, --json, --as, --nyckel, --date), date parsing, and `run`, the one transaction wrapper around a service
call, with `act` for the commands that act as a person in an organisation (who that is: services/identity.py)."""

from __future__ import annotations

import functools
import json
import os
import pwd
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Concatenate, TypeVar

import click
from pydantic import BaseModel, ValidationError

from samverkan.cli.classes import CONTEXT as CONTEXT
from samverkan.cli.classes import Command as Command
from samverkan.cli.classes import Failure as Failure
from samverkan.cli.classes import Group as Group
from samverkan.core.timeutil import today_local
from samverkan.services.actor import Actor, Proof
from samverkan.services.errors import ServiceError

if TYPE_CHECKING:  # the database, SQLAlchemy and the input models are imported when a command uses them
    from sqlalchemy.engine import Engine

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

DATE_METAVAR = "ÅÅÅÅ-MM-DD"


def db_url_or_default(url: str | None) -> str:
    from samverkan.core.settings import get_settings  # pydantic-settings: only when no --db was given

    return url or get_settings().database_url


@contextmanager
def refusal_as_failure() -> Iterator[None]:
    """A refusal from the service layer becomes 'fel: …' with exit code 1, never a traceback."""
    try:
        yield
    except ServiceError as exc:
        raise Failure(str(exc)) from None


def open_engine(db_url: str | None) -> Engine:
    """The database for a command; a refusal (e.g. an old schema) becomes 'fel: …'."""
    from samverkan.cli.database import open_database

    with refusal_as_failure():
        return open_database(db_url_or_default(db_url))


def run(db_url: str | None, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service function in one transaction; refusals become 'fel: …' with exit code 1."""
    from samverkan.database import session_scope

    engine = open_engine(db_url)
    with refusal_as_failure(), session_scope(engine) as session:
        return function(session, *args, **kwargs)


def as_input(model: type[M], **fields: Any) -> M:
    """An action's input model (services/inputs.py) from a command's options; invalid values become 'fel: …'
    naming each field in Swedish. Options not given are left to the model's defaults."""
    try:
        return model.model_validate({name: value for name, value in fields.items() if value is not None})
    except ValidationError as exc:
        from samverkan.services.inputs import problems

        raise Failure("ogiltiga uppgifter:\n" + "\n".join(f"  - {p}" for p in problems(model, exc))) from None


def os_user() -> str:
    """The OS user running the command, from the process's own uid (not $USER or $SUDO_USER, which anyone sets)."""
    return pwd.getpwuid(os.geteuid()).pw_name


def act(
    db_url: str | None,
    function: Callable[..., T],
    organisation: str,
    email: str | None,
    on: date | None,
    model: type[BaseModel] | None = None,
    api_key: str | None = None,
    **fields: Any,
) -> T:
    """An action in ORGANISATION on the day `on` (standard: today) by the person the API key belongs to, or
    `email` (--as) where that is allowed (services/identity.py), its options as the input model, in one
    transaction. In a demo or test database --date also sets the clock: the act happens on that day."""
    from samverkan.core.settings import get_settings
    from samverkan.database import session_scope
    from samverkan.services.identity import identify, operator_names, record_operator

    given = as_input(model, **fields) if model is not None else None
    engine = open_engine(db_url)
    with refusal_as_failure(), session_scope(engine) as session:
        who = identify(session, email, api_key, os_user(), operator_names(get_settings().operators))
        if who.proof is Proof.DEMO and on is not None:
            actor = Actor.simulated(organisation, who.email, on, who.proof)
        else:
            actor = Actor(organisation, who.email, on_or_today(on), proof=who.proof)
        result = function(session, actor) if given is None else function(session, actor, given)
        if who.proof is Proof.OPERATOR:
            record_operator(session, os_user(), who.email, click.get_current_context().command_path)
        return result


def negated(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    """For a flag that says no (--deprioritise): the input field it sets is its opposite."""
    return not value


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_transition(transition: Any) -> None:
    for line in transition.describe():
        click.echo(line)


def to_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' är inget datum (ÅÅÅÅ-MM-DD)") from None


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    return None if value is None else to_date(value)


def on_or_today(on: date | None) -> date:
    return on or today_local()


# The options many commands share: their declarations and attributes, one entry each.
OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "db": (
        ("--db", "db_url"),
        {
            "envvar": "SAMVERKAN_DATABASE_URL",
            "metavar": "URL",
            "help": "Databasens adress (SQLAlchemy-URL); standard: SQLite-filen var/samverkan.db.",
        },
    ),
    "json": (("--json", "as_json"), {"is_flag": True, "help": "Skriv ut JSON för skript."}),
    "as": (
        ("--as", "actor"),
        {
            "envvar": "SAMVERKAN_USER",
            "metavar": "E-POST",
            "help": "Vem som gör det (e-postadress; miljövariabel SAMVERKAN_USER). Utan --nyckel bara i en demo- "
            "eller testdatabas, eller för en lokal administratör (SAMVERKAN_OPERATORS).",
        },
    ),
    "key": (
        ("--nyckel", "api_key"),
        {
            "envvar": "SAMVERKAN_API_KEY",
            "metavar": "NYCKEL",
            "help": "Din personliga API-nyckel (skapas på Mitt konto; miljövariabel SAMVERKAN_API_KEY): krävs i drift.",
        },
    ),
    "date": (
        ("--date", "on"),
        {
            "callback": parse_date,
            "metavar": DATE_METAVAR,
            "help": "Dagen handlingen gäller från (standard: i dag; aldrig en kommande dag). I en demo- eller "
            "testdatabas också dagen den görs.",
        },
    ),
}
COMMON = ("db", "as", "key", "date")  # in the order --help shows them


def shared_option(name: str) -> Callable[[F], F]:
    declarations, attributes = OPTIONS[name]
    return click.option(*declarations, **attributes)


db_option, json_option, actor_option, date_option = (shared_option(name) for name in ("db", "json", "as", "date"))


def common(function: F) -> F:
    """--date, --as, --nyckel and --db: what every command that changes the cycle takes."""
    for name in reversed(COMMON):
        function = shared_option(name)(function)
    return function


def action(
    group: click.Group | None,
    name: str,
    service: Callable[..., T],
    model: type[BaseModel] | None = None,
    with_json: bool = False,
) -> Callable[[Callable[Concatenate[T, ...], None]], click.Command]:
    """A command (in `group`, or on its own) that acts as --nyckel's owner or --as in ORGANISATION on --date
    (`act`), declared in one line above its own arguments and options. ORGANISATION comes first, then those, then
    --db, --as, --nyckel, --date (and --json, `with_json`). The options named after the input model's fields make
    the input; the decorated function prints what `service` returned, given the command's other options by name."""
    names = model.model_fields if model is not None else {}

    def decorate(report: Callable[Concatenate[T, ...], None]) -> click.Command:
        @functools.wraps(report)  # its docstring is the help, its own options come along
        def body(
            organisation: str,
            actor: str | None,
            api_key: str | None,
            on: date | None,
            db_url: str | None,
            **options: Any,
        ) -> None:
            fields = {key: value for key, value in options.items() if key in names}
            rest = {key: value for key, value in options.items() if key not in names}
            report(act(db_url, service, organisation, actor, on, model, api_key, **fields), **rest)

        command = group.command(name)(body) if group is not None else click.command(name, cls=Command)(body)
        shared = (*COMMON, "json") if with_json else COMMON
        command.params = [
            click.Argument(["organisation"]),
            *command.params,
            *(click.Option(list(OPTIONS[key][0]), **OPTIONS[key][1]) for key in shared),
        ]
        return command

    return decorate


def period_options(function: F) -> F:
    """--from and --to, both required: the period a calendar or a simulation covers."""
    function = click.option(
        "--to", "last", required=True, callback=parse_date, metavar=DATE_METAVAR, help="Sista dag."
    )(function)
    return click.option(
        "--from", "first", required=True, callback=parse_date, metavar=DATE_METAVAR, help="Första dag."
    )(function)

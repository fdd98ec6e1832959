"""The command line answers at once: `samverkan --help` imports no heavy library, and the root help's command
table (cli/main.py COMMANDS) says exactly what the commands themselves say."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import samverkan.cli.commands as package
from samverkan.cli.main import COMMANDS, app

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "prefect", "weasyprint", "apprise", "fastapi")

PROBE = """
import sys
from samverkan.cli.main import app
try:
    app(["--help"])
except SystemExit:
    pass
print("tunga:", " ".join(sorted(name for name in sys.modules if name.split(".")[0] in {heavy!r})))
"""


def test_help_imports_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY))], capture_output=True, text=True, check=True
    )
    assert "Kommandon:" in result.stdout
    assert result.stdout.splitlines()[-1] == "tunga: "


# What `validate` and `calendar` must not import: the database (SQLAlchemy, SQLModel, Alembic and so every table),
# the web app, the flows, the PDF renderer, the template engine and the password hasher (issue 19: ≤ 0.4 s).
# Apprise is imported only to check a file's contact routes (Fagersta has some), and then only the plugin modules
# of the schemes the file uses (see test_validate_loads_only_the_plugins_of_its_routes).
NOT_FOR_FILES = (
    *(name for name in HEAVY if name != "apprise"),
    "sqlmodel",
    "alembic",
    "jinja2",
    "argon2",
    "uvicorn",
    "starlette",
)

COMMAND_PROBE = """
import sys
from samverkan.cli.main import app
try:
    app({argv!r})
except SystemExit as exit:
    print("kod:", exit.code)
print("tunga:", " ".join(sorted({{name.split(".")[0] for name in sys.modules}} & {heavy!r})))
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "examples/fagersta.yaml"],
        ["validate", "--json", "examples/fagersta.yaml"],
        ["calendar", "examples/fagersta.yaml", "--from", "2026-01-01", "--to", "2026-03-31"],
    ],
)
def test_file_commands_import_no_database_web_or_renderer(argv: list[str]) -> None:
    probe = COMMAND_PROBE.format(argv=argv, heavy=set(NOT_FOR_FILES))
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    lines = result.stdout.splitlines()
    assert "kod: 0" in lines or "kod: None" in lines, result.stdout + result.stderr
    assert len(lines) > 2  # the command wrote its answer (validity, or the calendar's events)
    assert lines[-1] == "tunga: ", lines[-1]


PLUGIN_PROBE = """
import sys
from samverkan.cli.main import app
try:
    app(["validate", {path!r}])
except SystemExit as exit:
    print("kod:", exit.code)
print("moduler:", " ".join(sorted(name for name in sys.modules if name.startswith("apprise.plugins."))))
"""


def test_validate_loads_only_the_plugins_of_its_routes(tmp_path: Path) -> None:
    """Loading every Apprise plugin costs ~0.3 s; validation asks only the plugins that own the file's schemes.
    A file whose only route is e-mail loads the e-mail plugin and none of the others."""
    from samverkan.orgconfig.apprise_schemes import SCHEMES

    fagersta = (ROOT / "examples" / "fagersta.yaml").read_text(encoding="utf-8")
    schemes = {line.split('"')[1].split("://")[0] for line in fagersta.splitlines() if "url:" in line}
    assert schemes == {"46elks", "workflows"}  # the example's routes, as this test expects them
    mail_only = tmp_path / "epost.yaml"
    mail_only.write_text(
        fagersta.replace('url: "46elks://', 'url: "mailto://').replace('url: "workflows://', 'url: "mailtos://'),
        encoding="utf-8",
    )
    for path, used in (("examples/fagersta.yaml", schemes), (str(mail_only), {"mailto", "mailtos"})):
        result = subprocess.run(
            [sys.executable, "-c", PLUGIN_PROBE.format(path=path)], capture_output=True, text=True, cwd=ROOT
        )
        loaded = set(result.stdout.splitlines()[-1].split()[1:])
        owners = {SCHEMES[scheme][0] for scheme in used}
        assert owners <= loaded, result.stdout + result.stderr
        unused = {module for scheme, (module, _) in SCHEMES.items() if module not in owners}
        assert not loaded & unused, loaded & unused


def test_table_names_every_command_with_its_own_help_line() -> None:
    actual: dict[str, tuple[str, click.Command]] = {}
    for module_name in sorted({module for module, _ in COMMANDS.values()}):
        module = importlib.import_module(f"samverkan.cli.commands.{module_name}")
        for command in module.COMMANDS:
            assert command.name is not None
            actual[command.name] = (module_name, command)
    assert set(actual) == set(COMMANDS)
    for name, (module_name, command) in actual.items():
        assert COMMANDS[name][0] == module_name
        assert not command.hidden and not command.deprecated and command.short_help is None
        listed = click.Command(name, help=COMMANDS[name][1])
        for limit in range(20, 120):
            assert listed.get_short_help_str(limit) == command.get_short_help_str(limit), name


def test_every_command_module_is_in_the_table() -> None:
    modules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert modules == {module for module, _ in COMMANDS.values()}


def test_a_command_is_found_by_name() -> None:
    context = click.Context(app)
    for name in COMMANDS:
        command = app.get_command(context, name)
        assert command is not None and command.name == name
    assert app.get_command(context, "finns-inte") is None


def test_validate_of_web_addresses_loads_only_their_plugins(tmp_path: Path) -> None:
    """A route written as the service's own https:// address (a Slack or Teams webhook) is no Apprise scheme:
    validation asks the plugin its host suggests, not all of Apprise (which took ~0.3 s)."""
    from samverkan.orgconfig.apprise_schemes import NATIVE

    fagersta = (ROOT / "examples" / "fagersta.yaml").read_text(encoding="utf-8")
    slack = "https://hooks.slack.com/services/${SLACK_A}/${SLACK_B}/${SLACK_C}"
    teams = (
        "https://prod-00.swedencentral.logic.azure.com:443/workflows/${W}/triggers/manual/paths/invoke"
        "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${TEAMS_SIG}"
    )
    web = tmp_path / "webbadresser.yaml"
    lines = []
    for line in fagersta.splitlines():
        if 'url: "46elks://' in line:
            line = line.split('url: "')[0] + f'url: "{slack}"'
        elif 'url: "workflows://' in line:
            line = line.split('url: "')[0] + f'url: "{teams}"'
        lines.append(line)
    web.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", PLUGIN_PROBE.format(path=str(web))], capture_output=True, text=True, cwd=ROOT
    )
    assert "kod: 0" in result.stdout or "kod: None" in result.stdout, result.stdout + result.stderr
    loaded = set(result.stdout.splitlines()[-1].split()[1:])
    assert {"apprise.plugins.slack", "apprise.plugins.workflows"} <= loaded, loaded
    others = {module for module, _ in NATIVE} - {"apprise.plugins.slack", "apprise.plugins.workflows"}
    assert not loaded & others and len(loaded) < 10, loaded

"""`samverkan`: the command line for coordinators and for the IT department that runs the service.

The root group only; the commands live one module per domain in `samverkan.cli.commands`."""

from __future__ import annotations

# Command modules are imported by name when their command runs (lazy, for speed: `samverkan --help` imports
# no SQLAlchemy, Prefect or Apprise); the root help lists the commands from COMMANDS without importing them.
import importlib

import click
from click.formatting import HelpFormatter

import samverkan.cli.commands  # noqa: F401  (makes Click's own words Swedish)
from samverkan.cli.classes import CONTEXT, Group

# Each command: the module in samverkan.cli.commands that has it in its COMMANDS, and the first paragraph of its
# help (the line the root help shows). tests/test_cli_lazy.py keeps this equal to the commands themselves.
COMMANDS: dict[str, tuple[str, str]] = {
    "agreement": ("decisions", "Samverkansöverenskommelsen."),
    "analysis": ("substance", "Orsaksanalysen som helhet."),
    "backup": ("backup", "Säkerhetskopiera databasen medan tjänsten kör."),
    "calendar": ("calendar", "Årshjulet för organisationen i FIL: alla möten, rapporter och beslut i perioden."),
    "cause": ("substance", "Orsaksanalys: troliga orsaker till ett prioriterat problem."),
    "county-report": (
        "county",
        "Länsrapporten: kommunernas EST-rapportering, gemensamma problem och vem som ligger efter.",
    ),
    "cycle": ("cycle", "Cykeln: starta, se läget, markera punkter klara, gå vidare eller tillbaka."),
    "db": ("db", "Databasen: skapa och uppgradera schemat."),
    "decision": ("decisions", "Beslut i styrgrupp, lokala BRÅ och andra organ."),
    "deliver": (
        "notifications",
        "Skicka det som står på tur i utkorgen nu (samma som leveransflödet gör var femte minut).",
    ),
    "demo": (
        "organisation",
        "Huvudjobbet på den inbyggda standarden (SQLite): skapa databasen, läs in FIL och visa organisationen.",
    ),
    "deploy": (
        "service",
        "Produktion: registrera flödena med scheman hos Prefect-servern (PREFECT_API_URL) och en arbetspool, "
        "och automationen som markerar döda körningar som kraschade. Arbetarna kör flödena från det "
        "installerade paketet.",
    ),
    "est": ("est", "EST: observationer mellan mötena (platser, kategorier, antal – aldrig enskilda personer)."),
    "handover": (
        "organisation",
        "Överlämning av ROLL: utan --to skrivs överlämningspaketet ut; med --to lämnas rollen över.",
    ),
    "load": ("organisation", "Läs in en eller flera organisationsfiler i databasen (alla eller ingen)."),
    "measure": ("substance", "Åtgärder: alltid kopplade till en orsak, med ansvarig, slutdatum och uppföljning."),
    "measurements": ("measurements", "Mätvärden för indikatorerna."),
    "notify": ("notifications", "Meddelanden."),
    "outbox": (
        "notifications",
        "Utkorgen: lista meddelanden (outbox [ORG]) eller skicka misslyckade igen (outbox retry).",
    ),
    "packet": ("packets", "Ta fram ett beslutsunderlag (HTML och PDF) ur databasen."),
    "problem": ("substance", "Problem i den gemensamma lägesbilden och deras prioritering."),
    "process": (
        "process",
        "Processdefinitioner: faserna och deras klart-när-kriterier (egna i SAMVERKAN_PROCESS_DIR).",
    ),
    "promise": ("decisions", "Medborgarlöften."),
    "run": (
        "service",
        "Demo: databas, exemplet i FIL, demoinloggning, webben och schemana. Avsluta med Ctrl-C eller SIGTERM.",
    ),
    "serve": (
        "service",
        "Kör schemana: dagligt svep, mötesförberedelser, inriktningsbeslut och rapporter. Avsluta med Ctrl-C.",
    ),
    "show": (
        "organisation",
        "Visa en organisation: parter, organ, rollinnehavare, rytmer, indikatorer och var cykeln står.",
    ),
    "sign": ("decisions", "Skriv under överenskommelsen (agreement) eller ett medborgarlöfte (promise) för din part."),
    "simulate": ("simulate", "Förhandsvisa perioden: alla utlösare i ordning på en simulerad klocka. Inget skickas."),
    "sweep": (
        "sweep",
        "Lägg allt som förfallit i utkorgen, från dagen efter det senaste fullbordade svepet (eller --from).",
    ),
    "user": ("users", "Inloggningar från kommandoraden: den första samordnaren (sedan bjuder samordnare in i webben)."),
    "validate": (
        "organisation",
        "Kontrollera organisationsfiler. Varje problem skrivs som FIL:RAD: vad som är fel; tillfällen som "
        "ställs in eller slås ihop i årshjulet (ett år framåt, eller --from/--to) som varningar.",
    ),
    "web": ("web", "Webben i drift: inga demokonton, schemat måste vara aktuellt (samverkan db upgrade)."),
}


class LazyGroup(Group):
    """The root group: its commands by name from COMMANDS, a command's module imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"samverkan.cli.commands.{COMMANDS[cmd_name][0]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """The command list as Click writes it, from the help lines in COMMANDS."""
        listing = click.Group(commands=[click.Command(name, help=text) for name, (_, text) in COMMANDS.items()])
        listing.format_commands(ctx, formatter)


@click.group(name="samverkan", cls=LazyGroup, context_settings=CONTEXT)
def app() -> None:
    """Samverkan – kommunens och polisens lokala brottsförebyggande arbete,
    från lägesbild och orsaksanalys till överenskommelse, genomförande och uppföljning."""

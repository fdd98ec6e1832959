"""`samverkan web`: the production web server (uvicorn with workers behind a reverse proxy; no demo accounts).
Imports inside the command are there for speed only: `samverkan --help` should not load uvicorn."""

from __future__ import annotations

import os

import click

from samverkan.cli.logs import uvicorn_log_config
from samverkan.cli.options import Command, Failure, db_option, db_url_or_default
from samverkan.core.settings import get_settings
from samverkan.web.proxies import uvicorn_proxy_options


@click.command("web", cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True, help="Adress som webben lyssnar på.")
@click.option("--port", default=8000, show_default=True, help="Port.")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Antal processer (en per kärna)."
)
@click.option(
    "--threads",
    envvar="SAMVERKAN_WEB_THREADS",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Trådar per process för sidor och API; lika många databasanslutningar och fyra till hålls öppna per process.",
)
@click.option(
    "--forwarded-allow-ips",
    envvar="SAMVERKAN_TRUSTED_PROXIES",
    default="",
    metavar="IP,...",
    help="Omvända proxyer vars X-Forwarded-For/-Proto litas på (standard: ingen; '*' = alla).",
)
@click.option("--root-path", default="", metavar="SÖKVÄG", help="Om proxyn publicerar webben under en sökväg.")
@click.option(
    "--log-format",
    envvar="SAMVERKAN_LOG_FORMAT",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Loggar som text eller som en JSON-rad per händelse.",
)
@db_option
def web_command(
    host: str,
    port: int,
    workers: int,
    threads: int,
    forwarded_allow_ips: str,
    root_path: str,
    log_format: str,
    db_url: str | None,
) -> None:
    """Webben i drift: inga demokonton, schemat måste vara aktuellt (samverkan db upgrade).

    Stoppas med SIGTERM eller Ctrl-C. Den första samordnarens inloggning: samverkan user add/invite."""
    import uvicorn

    os.environ["SAMVERKAN_DATABASE_URL"] = _ready_for_production(db_url_or_default(db_url))
    os.environ["SAMVERKAN_WEB_THREADS"] = str(threads)  # read by each worker's app (core/settings.py)
    get_settings.cache_clear()  # one worker runs in this process: its app reads the settings as set here
    uvicorn.run(  # the workers' processes build their app from the environment
        "samverkan.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **uvicorn_proxy_options(forwarded_allow_ips),
        root_path=root_path,
        log_config=uvicorn_log_config(log_format == "json"),
        server_header=False,
    )


def _ready_for_production(url: str) -> str:
    """The database answers with the program's schema and the data folder is absolute; else a Failure."""
    from samverkan.database import current_revision, head_revision, make_engine

    settings = get_settings()
    try:
        settings.production_data_dir(url)
        current = current_revision(make_engine(url))
    except ValueError as exc:
        raise Failure(str(exc)) from None
    except Exception as exc:
        raise Failure(f"databasen svarar inte: {str(exc).splitlines()[0][:200]}") from None
    if current != head_revision():
        raise Failure(
            f"databasens schema är {current or 'tomt'}, programmet kräver {head_revision()}; kör 'samverkan db upgrade'"
        )
    if "SAMVERKAN_BASE_URL" not in os.environ:
        click.echo(f"varning: SAMVERKAN_BASE_URL saknas; länkar i meddelanden pekar på {settings.base_url}", err=True)
    return url


COMMANDS = (web_command,)

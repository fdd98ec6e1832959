"""Process-wide settings, read from SAMVERKAN_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/samverkan.db"


class Settings(BaseSettings):
    """Settings of one Samverkan process. Secrets never live here: contact routes refer to env vars."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    base_url: str = "http://127.0.0.1:8000"
    # Documents (decision packets, reports), uploads and the local Prefect home live here.
    data_dir: str = "var"
    # The e-mail route, an Apprise mailto:// URL with secrets as ${ENV} references, e.g.
    # mailto://${SMTP_USER}:${SMTP_PASSWORD}@smtp.kommun.se?from=samverkan@kommun.se ; each person's address is added.
    smtp_url: str | None = None
    # The domain of the Message-ID derived from each message's idempotency key (copies of one message share it,
    # so mail servers and receivers can drop them). Default: the domain of the SMTP route's from= address.
    mail_domain: str | None = None
    # Waits between delivery attempts (s, m, h, d); when the schedule has run out the message is `misslyckad`
    # until `samverkan outbox retry`. The default (nine attempts over 27 hours) outlasts a day-long outage.
    retry_schedule: str = "1m,5m,15m,1h,2h,4h,8h,12h"
    # Local administrators: OS user names (comma- or space-separated) who may act at the command line `--as` a
    # person in a production database (audited as that person; never a signature). Others use their API key.
    operators: str = ""
    # The web app's threads per worker process for pages and the API (each holds at most one database connection
    # at a time; the pool holds as many, so no request waits for or opens a connection under load). More threads
    # than a few per core only lengthen every request: Python runs one thread at a time.
    web_threads: int = Field(8, ge=1, le=64)

    @property
    def documents_dir(self) -> Path:
        return Path(self.data_dir) / "handlingar"

    def production_data_dir(self, database_url: str | None = None) -> Path:
        """The data folder, which must be absolute on PostgreSQL (production): the web app and every worker
        read and write the same documents there, whatever folder each was started from. SQLite (the embedded
        default and the demo) may use a relative one. `database_url`: the database actually used (--db)."""
        path = Path(self.data_dir)
        if not path.is_absolute() and not (database_url or self.database_url).startswith("sqlite"):
            raise ValueError(
                f"SAMVERKAN_DATA_DIR måste vara en absolut sökväg i drift (nu: '{self.data_dir}'), samma mapp för "
                "webben och alla arbetare, t.ex. /var/lib/samverkan"
            )
        return path


@lru_cache
def get_settings() -> Settings:
    return Settings()

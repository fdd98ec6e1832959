"""Opening the database from the CLI: a new database is initialised, an old schema is reported."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from samverkan.database import current_revision, head_revision, make_engine, upgrade
from samverkan.services.errors import ServiceError


def open_database(url: str) -> Engine:
    """An engine on a database whose schema is current. An empty database gets the schema created;
    an older schema is left alone with a message, since upgrading production is the operator's call."""
    engine = make_engine(url)
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        upgrade(engine)
    elif current != head:
        raise ServiceError(
            f"databasens schema är version {current} men programmet kräver {head}; kör 'samverkan db upgrade'"
        )
    return engine

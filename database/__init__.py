"""Engine, sessions and schema migrations (Alembic) for SQLite and PostgreSQL."""

from samverkan.database.engine import make_engine, once_per_transaction, pooled_engine, session_scope
from samverkan.database.migrate import current_revision, head_revision, upgrade

__all__ = [
    "current_revision",
    "head_revision",
    "make_engine",
    "once_per_transaction",
    "pooled_engine",
    "session_scope",
    "upgrade",
]

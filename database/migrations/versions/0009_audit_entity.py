"""The audit log looked up by the row an act was on: every act asks for the last effective day on its rows, and
the log only grows, so without this index each act read the whole log.

Revision ID: 0009_audit_entity
Revises: 0008_lan
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_audit_entity"
down_revision: str | None = "0008_lan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_entity", table_name="audit_log")

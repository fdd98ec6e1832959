"""The due date of a reminder as a column, each cycle's own process definition, and the indexes the sweep and the
reminder stops need as history grows.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    op.create_index("ix_notification_related", "notification", ["related_type", "related_id"])
    with op.batch_alter_table("cycle") as batch:
        batch.add_column(sa.Column("definition_snapshot", sa.JSON(), nullable=False, server_default="{}"))
    op.create_index("ix_trigger_occurrence_org_scheduled", "trigger_occurrence", ["organisation_id", "scheduled_for"])


def downgrade() -> None:
    op.drop_index("ix_trigger_occurrence_org_scheduled", table_name="trigger_occurrence")
    with op.batch_alter_table("cycle") as batch:
        batch.drop_column("definition_snapshot")
    op.drop_index("ix_notification_related", table_name="notification")
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("due_on")

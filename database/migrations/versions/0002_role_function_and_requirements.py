"""Role functions (what process definitions call a role) and substance requirements on checklist items.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("role") as batch_op:
        batch_op.add_column(sa.Column("function", sa.String(length=64), nullable=False, server_default=""))
    op.execute("UPDATE role SET function = key WHERE function = ''")
    with op.batch_alter_table("role") as batch_op:
        batch_op.alter_column("function", server_default=None)
    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.add_column(sa.Column("requirement", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.drop_column("requirement")
    with op.batch_alter_table("role") as batch_op:
        batch_op.drop_column("function")

"""The last day each sweep scope completed, so a sweep after a gap catches up from there.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sweep_record",
        sa.Column("scope", sa.String(length=200), primary_key=True),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("notifications", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sweep_record")

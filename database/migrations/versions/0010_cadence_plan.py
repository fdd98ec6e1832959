"""The production sweep's stored cadence plan: each organisation's actions for the coming weeks, planned once
and read by the daily sweeps (services/stored_plan.py).

Revision ID: 0010_cadence_plan
Revises: 0009_audit_entity
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_cadence_plan"
down_revision: str | None = "0009_audit_entity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cadence_plan",
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("plan_key", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cadence_plan")

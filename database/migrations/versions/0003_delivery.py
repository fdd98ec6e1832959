"""Delivery: urgency, backoff, claims, per-route progress on notifications; the route on each attempt.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch_op:
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivered_routes", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("notification") as batch_op:
        batch_op.alter_column("urgent", server_default=None)
        batch_op.alter_column("delivered_routes", server_default=None)
    with op.batch_alter_table("delivery_attempt") as batch_op:
        batch_op.add_column(sa.Column("route", sa.String(length=300), nullable=False, server_default=""))
    with op.batch_alter_table("delivery_attempt") as batch_op:
        batch_op.alter_column("route", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempt") as batch_op:
        batch_op.drop_column("route")
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_column("delivered_routes")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("urgent")

"""The regional level: a county network's member functions, weekly lägesbild contributions and compiled weeks.

Revision ID: 0008_lan
Revises: 0008_trust
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_lan"
down_revision: str | None = "0008_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE (no batch copy of the table: other tables' foreign keys point at it)
    op.add_column("body", sa.Column("member_functions", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "weekly_lagesbild",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("contributions", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("compiled_by", sa.String(254), nullable=False),
        sa.Column("compiled_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation_id", "week_start"),
    )
    op.create_index("ix_weekly_lagesbild_organisation_id", "weekly_lagesbild", ["organisation_id"])
    op.create_index("ix_weekly_lagesbild_week_start", "weekly_lagesbild", ["week_start"])
    op.create_table(
        "lagesbild_contribution",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("role_id", sa.Integer(), sa.ForeignKey("role.id"), nullable=True),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("area", sa.String(120), nullable=False),
        sa.Column("time_band", sa.String(32), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=True),
        sa.Column("trend", sa.String(32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("compiled_in_id", sa.Integer(), sa.ForeignKey("weekly_lagesbild.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("organisation_id", "week_start", "compiled_in_id"):
        op.create_index(f"ix_lagesbild_contribution_{column}", "lagesbild_contribution", [column])


def downgrade() -> None:
    for column in ("organisation_id", "week_start", "compiled_in_id"):
        op.drop_index(f"ix_lagesbild_contribution_{column}", table_name="lagesbild_contribution")
    op.drop_table("lagesbild_contribution")
    op.drop_index("ix_weekly_lagesbild_week_start", table_name="weekly_lagesbild")
    op.drop_index("ix_weekly_lagesbild_organisation_id", table_name="weekly_lagesbild")
    op.drop_table("weekly_lagesbild")
    op.drop_column("body", "member_functions")

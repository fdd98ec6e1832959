"""Orsaksanalys and åtgärdsplan in the browser: the sources behind a cause, perspectives judged not relevant,
medborgardialoger as records, an åtgärd's arbetsgrupp, plan and lifecycle, and the decisions that changed it.

Revision ID: 0008_orsak
Revises: 0008_lagesbild
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_orsak"
down_revision: str | None = "0008_lagesbild"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cause", sa.Column("sources", sa.Text(), nullable=True))
    with op.batch_alter_table("measure") as batch:
        batch.add_column(sa.Column("arbetsgrupp", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("planned_hours", sa.Float(), nullable=True))
        batch.add_column(sa.Column("planned_cost_sek", sa.Float(), nullable=True))
        batch.add_column(sa.Column("state", sa.String(length=32), nullable=False, server_default="aktiv"))
    op.create_table(
        "perspective_not_relevant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("analysis_id", sa.Integer(), sa.ForeignKey("cause_analysis.id"), nullable=False),
        sa.Column("perspective", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("analysis_id", "perspective"),
    )
    op.create_index("ix_perspective_not_relevant_analysis_id", "perspective_not_relevant", ["analysis_id"])
    op.create_table(
        "citizen_dialogue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("analysis_id", sa.Integer(), sa.ForeignKey("cause_analysis.id"), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("form", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_citizen_dialogue_analysis_id", "citizen_dialogue", ["analysis_id"])
    op.create_table(
        "measure_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("measure_id", sa.Integer(), sa.ForeignKey("measure.id"), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decision.id"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_measure_change_measure_id", "measure_change", ["measure_id"])


def downgrade() -> None:
    op.drop_index("ix_measure_change_measure_id", table_name="measure_change")
    op.drop_table("measure_change")
    op.drop_index("ix_citizen_dialogue_analysis_id", table_name="citizen_dialogue")
    op.drop_table("citizen_dialogue")
    op.drop_index("ix_perspective_not_relevant_analysis_id", table_name="perspective_not_relevant")
    op.drop_table("perspective_not_relevant")
    with op.batch_alter_table("measure") as batch:
        for column in ("state", "planned_cost_sek", "planned_hours", "arbetsgrupp"):
            batch.drop_column(column)
    op.drop_column("cause", "sources")

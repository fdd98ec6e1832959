"""Exit criteria as facts: decisions numbered per organisation, a cycle's effective start day, the date of a
piece of evidence, and the yearly follow-up's reason for an indicator without a value.

Revision ID: 0008_utgang
Revises: 0008_avtal
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_utgang"
down_revision: str | None = "0008_avtal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decision") as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    # existing decisions are numbered per organisation in the order they were recorded
    op.execute(
        "UPDATE decision SET number = (SELECT COUNT(*) FROM decision AS earlier "
        "WHERE earlier.organisation_id = decision.organisation_id AND earlier.id <= decision.id)"
    )
    with op.batch_alter_table("decision") as batch_op:
        batch_op.create_unique_constraint("uq_decision_organisation_id_number", ["organisation_id", "number"])
    with op.batch_alter_table("cycle") as batch_op:
        batch_op.add_column(sa.Column("started_on", sa.Date(), nullable=True))
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.add_column(sa.Column("dated_on", sa.Date(), nullable=True))
    op.create_table(
        "indicator_follow_up",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("cycle.id"), nullable=False),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("indicator.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("cycle_id", "indicator_id"),
    )
    op.create_index("ix_indicator_follow_up_cycle_id", "indicator_follow_up", ["cycle_id"])


def downgrade() -> None:
    op.drop_index("ix_indicator_follow_up_cycle_id", table_name="indicator_follow_up")
    op.drop_table("indicator_follow_up")
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.drop_column("dated_on")
    with op.batch_alter_table("cycle") as batch_op:
        batch_op.drop_column("started_on")
    with op.batch_alter_table("decision") as batch_op:
        batch_op.drop_constraint("uq_decision_organisation_id_number", type_="unique")
        batch_op.drop_column("number")

"""The agreement's and the medborgarlöften's content: covered problems, goals on indicators, promise activities,
the signed text and each signature's content hash.

Revision ID: 0008_avtal
Revises: 0008_orsak
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_avtal"
down_revision: str | None = "0008_orsak"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agreement") as batch_op:
        batch_op.add_column(sa.Column("cycle_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("content_text", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_agreement_cycle_id"), ["cycle_id"], unique=False)
    with op.batch_alter_table("citizen_promise") as batch_op:
        batch_op.add_column(sa.Column("communicated_how", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("content_text", sa.Text(), nullable=True))
    with op.batch_alter_table("signature") as batch_op:
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "agreement_problem",
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreement.id"), primary_key=True),
        sa.Column("problem_id", sa.Integer(), sa.ForeignKey("problem.id"), primary_key=True),
    )
    op.create_index("ix_agreement_problem_problem_id", "agreement_problem", ["problem_id"])
    op.create_table(
        "agreement_goal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreement.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), sa.ForeignKey("problem.id"), nullable=True),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("indicator.id"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.UniqueConstraint("agreement_id", "number"),
    )
    op.create_index("ix_agreement_goal_agreement_id", "agreement_goal", ["agreement_id"])
    op.create_table(
        "promise_activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("promise_id", sa.Integer(), sa.ForeignKey("citizen_promise.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_party_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False, server_default="planerad"),
        sa.Column("follow_up", sa.String(), nullable=True),
        sa.Column("followed_up_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("promise_id", "number"),
    )
    op.create_index("ix_promise_activity_promise_id", "promise_activity", ["promise_id"])


def downgrade() -> None:
    op.drop_index("ix_promise_activity_promise_id", table_name="promise_activity")
    op.drop_table("promise_activity")
    op.drop_index("ix_agreement_goal_agreement_id", table_name="agreement_goal")
    op.drop_table("agreement_goal")
    op.drop_index("ix_agreement_problem_problem_id", table_name="agreement_problem")
    op.drop_table("agreement_problem")
    with op.batch_alter_table("signature") as batch_op:
        batch_op.drop_column("content_hash")
    with op.batch_alter_table("citizen_promise") as batch_op:
        batch_op.drop_column("content_text")
        batch_op.drop_column("communicated_how")
    with op.batch_alter_table("agreement") as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_cycle_id"))
        batch_op.drop_column("content_text")
        batch_op.drop_column("review_on")
        batch_op.drop_column("cycle_id")

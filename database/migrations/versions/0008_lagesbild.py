"""The joint lägesbild: problems' area, category, period, criteria matrix and prioritisation decision; the
parties' own lägesbilder; the sources that support each problem.

Revision ID: 0008_lagesbild
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_lagesbild"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORES = ("score_extent", "score_severity", "score_trend", "score_insecurity", "score_cost")


def upgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("category", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("period_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_to", sa.Date(), nullable=True))
        for name in SCORES:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_problem_decision_id", "decision", ["decision_id"], ["id"])
    op.create_table(
        "party_lagesbild",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("cycle.id"), nullable=False),
        sa.Column("party_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("upload.id"), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by_person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_party_lagesbild_cycle_id", "party_lagesbild", ["cycle_id"])
    op.create_table(
        "problem_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), sa.ForeignKey("problem.id"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("est_category", sa.String(length=64), nullable=True),
        sa.Column("est_area", sa.String(length=120), nullable=True),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("indicator.id"), nullable=True),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("upload.id"), nullable=True),
        sa.Column("party_lagesbild_id", sa.Integer(), sa.ForeignKey("party_lagesbild.id"), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_problem_source_problem_id", "problem_source", ["problem_id"])


def downgrade() -> None:
    op.drop_index("ix_problem_source_problem_id", table_name="problem_source")
    op.drop_table("problem_source")
    op.drop_index("ix_party_lagesbild_cycle_id", table_name="party_lagesbild")
    op.drop_table("party_lagesbild")
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.drop_constraint("fk_problem_decision_id", type_="foreignkey")
        batch_op.drop_column("decision_id")
        for name in reversed(SCORES):
            batch_op.drop_column(name)
        for name in ("period_to", "period_from", "category", "area"):
            batch_op.drop_column(name)

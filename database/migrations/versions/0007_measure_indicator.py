"""Which indicators will show an åtgärd's effect.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measure_indicator",
        sa.Column("measure_id", sa.Integer(), sa.ForeignKey("measure.id"), primary_key=True),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("indicator.id"), primary_key=True),
    )
    op.create_index("ix_measure_indicator_indicator_id", "measure_indicator", ["indicator_id"])


def downgrade() -> None:
    op.drop_index("ix_measure_indicator_indicator_id", table_name="measure_indicator")
    op.drop_table("measure_indicator")

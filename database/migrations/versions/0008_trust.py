"""Trust: which database is a demo or test database (the CLI's --as is accepted only there), when a locked
account was last unlocked by its owner's e-mailed link, and the date each audited act is effective for.

Revision ID: 0008_trust
Revises: 0008_utgang
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_trust"
down_revision: str | None = "0008_utgang"  # re-chained after merging main (was 0007)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(length=254), nullable=False),
    )
    # plain ADD COLUMN (no batch copy): audit_log's append-only triggers stay in place on SQLite
    op.add_column("audit_log", sa.Column("effective_on", sa.Date(), nullable=True))
    op.add_column("account", sa.Column("unlocked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("account", "unlocked_at")
    op.drop_column("audit_log", "effective_on")
    op.drop_table("installation")

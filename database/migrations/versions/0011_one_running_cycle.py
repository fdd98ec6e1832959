"""One running cycle per organisation, in the database: a unique index over the organisation's cycles whose status
is 'pagaende' (models/cycle.py). Two concurrent starts that both read "none is running" can no longer both insert;
services/cycle.py::start_cycle turns the collision into its refusal.

A database that already has two running cycles for an organisation is refused, naming them, before anything is
changed: which one continues is the organisation's decision, not the migration's.

Revision ID: 0011_one_running_cycle
Revises: 0010_cadence_plan
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from samverkan.database.migrate import MigrationRefused

revision: str = "0011_one_running_cycle"
down_revision: str | None = "0010_cadence_plan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = "pagaende"  # CycleStatus.ACTIVE as stored; a migration keeps the value it was written with


def _refuse_several_running() -> None:
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT organisation.name, organisation.key, cycle.number, cycle.started_on FROM cycle "
                "JOIN organisation ON organisation.id = cycle.organisation_id "
                "WHERE cycle.status = :running AND cycle.organisation_id IN ("
                "  SELECT organisation_id FROM cycle WHERE status = :running "
                "  GROUP BY organisation_id HAVING count(*) > 1) "
                "ORDER BY organisation.key, cycle.number"
            ),
            {"running": RUNNING},
        )
        .all()
    )
    if not rows:
        return
    found: dict[tuple[str, str], list[str]] = {}
    for name, key, number, started_on in rows:
        found.setdefault((name, key), []).append(f"nr {number}" + (f" (startad {started_on})" if started_on else ""))
    lines = "\n".join(f"  - {name} ({key}): cykel {', '.join(cycles)}" for (name, key), cycles in found.items())
    raise MigrationRefused(
        "databasen kan inte uppgraderas till 0011_one_running_cycle: en organisation kan bara ha en pågående cykel, "
        f"men här har {'en organisation' if len(found) == 1 else 'flera organisationer'} flera:\n{lines}\n"
        "Bestäm vilken cykel som fortsätter, avsluta de andra (status 'avslutad' i tabellen cycle) och kör "
        "'samverkan db upgrade' igen. Migreringen 0011 har inte gjorts."
    )


def upgrade() -> None:
    _refuse_several_running()
    with op.batch_alter_table("cycle") as batch:
        batch.create_index(
            "uq_cycle_one_running",
            ["organisation_id"],
            unique=True,
            sqlite_where=sa.text(f"status = '{RUNNING}'"),
            postgresql_where=sa.text(f"status = '{RUNNING}'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("cycle") as batch:
        batch.drop_index("uq_cycle_one_running")

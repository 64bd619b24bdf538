"""PostgreSQL extended statistics on who-reads-whose-records (accessor, outcome, owner).

These columns are strongly correlated (a department reads certain committees' records).
Without multivariate statistics the planner assumes independence, expects matches that
never come, and scans the primary key backwards through the whole log: 388 ms at a
million rows in the benchmark, against 0.05 ms through the index once it knows.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS st_access_log_orgs (dependencies, mcv) "
            "ON accessor_org, outcome, owner_org FROM access_log"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_access_log_orgs")

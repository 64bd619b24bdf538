"""Index for audit queries by accessor organisation and outcome (flat at a million rows).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_access_log_accessor_outcome", "access_log", ["accessor_org", "outcome", "owner_org", "idx"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_access_log_accessor_outcome", table_name="access_log")

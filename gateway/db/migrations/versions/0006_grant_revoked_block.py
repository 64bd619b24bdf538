"""``grants.revoked_at`` held a block number, not a time: name it ``revoked_block``.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.alter_column("revoked_at", new_column_name="revoked_block")


def downgrade() -> None:
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.alter_column("revoked_block", new_column_name="revoked_at")

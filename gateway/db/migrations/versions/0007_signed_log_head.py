"""Trust nothing mutable: a signed access-log head, and no field names in clear.

- ``log_state`` keeps the log's right edge (``peaks``), its current root and the
  operator's signature over (log id, size, root), updated with every append, so that a
  rewritten or truncated tail is caught even before the next head is anchored.
- ``records.field_names`` told, in clear, which optional (possibly sensitive) fields a
  record holds; field names are read from the sealed payload instead.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("peaks", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("head_root", sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column("head_signature", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("field_names")


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("field_names", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("log_state", schema=None) as batch_op:
        batch_op.drop_column("head_signature")
        batch_op.drop_column("head_root")
        batch_op.drop_column("peaks")

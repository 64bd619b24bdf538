"""A grant's purpose: a code and a salted hash on-chain, the free text here (erasable).

``grants.purpose`` (the text, copied from the chain) becomes ``purpose_code`` and
``purpose_hash``; ``grant_purposes`` keeps the text and its salt by hash, written when the
gateway relays the grant, and deletable without touching the chain. Grants indexed before
this revision are rebuilt by the indexer from the chain.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM grants")
    op.execute("DELETE FROM indexer_state WHERE name = 'grants'")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_column("purpose")
        batch_op.add_column(sa.Column("purpose_code", sa.String(length=32), nullable=False))
        batch_op.add_column(sa.Column("purpose_hash", sa.LargeBinary(length=32), nullable=False))
    op.create_table(
        "grant_purposes",
        sa.Column("purpose_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("purpose_hash"),
    )


def downgrade() -> None:
    op.drop_table("grant_purposes")
    op.execute("DELETE FROM grants")
    op.execute("DELETE FROM indexer_state WHERE name = 'grants'")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_column("purpose_hash")
        batch_op.drop_column("purpose_code")
        batch_op.add_column(sa.Column("purpose", sa.String(length=500), nullable=False))

"""Sealed reads: an access-log row may be a read logged under seal, or an extension of one.

The columns hold what the stub leaf hides (ledger/seals.py): the date the seal opens, the
legal basis cited and the nonce; ``seal_of`` names the sealed entry an ``extend`` entry
postpones. Every existing row is an ordinary entry, so all four start empty.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_log") as table:
        table.add_column(sa.Column("sealed_until", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("legal_basis", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("seal_nonce", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("seal_of", sa.BigInteger(), nullable=True))
        table.create_index("ix_access_log_seal_of", ["seal_of"])


def downgrade() -> None:
    with op.batch_alter_table("access_log") as table:
        table.drop_index("ix_access_log_seal_of")
        for column in ("seal_of", "seal_nonce", "legal_basis", "sealed_until"):
            table.drop_column(column)

"""Record-type versions by hash, and the two-person review of grants of sensitive fields.

- ``type_versions`` replaces ``record_types``: a version is its labelled JSON Schema, named
  by ``SHA-256(JCS(schema))`` and registered on-chain in ``RecordTypes``; this table keeps
  the documents so that commits can be validated against the version they name. The
  built-in versions (``ledger/record_types``) are stored here.
- ``grants`` gains the review state the indexer copies from ``AccessGrants``.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BIG = sa.BigInteger()


def _builtin() -> list[tuple[str, dict[str, object]]]:
    """The built-in versions as this revision ships them (read here, not through live code)."""
    import ledger

    folder = Path(ledger.__file__).resolve().parent / "record_types"
    return [(p.stem, json.loads(p.read_text())) for p in sorted(folder.glob("*.json"))]


def upgrade() -> None:
    from ledger.type_versions import version_hash

    table = op.create_table(
        "type_versions",
        sa.Column("version_hash", sa.String(length=66), primary_key=True),
        sa.Column("name", sa.String(length=32), nullable=False, index=True),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [
        {"version_hash": "0x" + version_hash(schema).hex(), "name": name, "schema": schema, "stored_at": now}
        for name, schema in _builtin()
    ])  # fmt: skip
    op.drop_table("record_types")
    with op.batch_alter_table("grants") as grants:
        grants.add_column(sa.Column("review", sa.String(length=8), nullable=False, server_default="none"))
        grants.add_column(sa.Column("review_deadline", BIG, nullable=True))
        grants.add_column(sa.Column("reviewer", sa.String(length=42), nullable=True))
        grants.add_column(sa.Column("reviewed_block", BIG, nullable=True))
        grants.add_column(sa.Column("review_reason_hash", sa.LargeBinary(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grants") as grants:
        for column in ("review_reason_hash", "reviewed_block", "reviewer", "review_deadline", "review"):
            grants.drop_column(column)
    table = op.create_table(
        "record_types",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [{"name": name, "schema": schema, "created_at": now} for name, schema in _builtin()])
    op.drop_table("type_versions")

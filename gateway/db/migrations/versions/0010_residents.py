"""Residents: enrolled keys, their requests, and each subject's chain of access-log entries.

- ``resident_keys``: a resident's address bound to a subject key by a committee member's
  signed enrolment (sealed); ``resident_requests``: corrections and erasures asked for.
- ``subject_log``: one row per (subject key, access-log entry), chained; back-filled here
  from the log as it stands, so the subject map covers entries from before this revision.
- The built-in record types mark the fields that identify a data subject
  (``x-gridledger-subject``); the subject index of records committed before is rebuilt
  from their payloads by ``gridledger subjects reindex`` (it needs the vault's keys).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "resident_keys",
        sa.Column("address", sa.String(length=42), primary_key=True),
        sa.Column("enrolment_id", sa.String(length=36), nullable=False, unique=True),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("org", sa.String(length=32), nullable=False),
        sa.Column("enrolled_by", sa.String(length=42), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=42), nullable=True),
    )
    op.create_index("ix_resident_keys_subject_key", "resident_keys", ["subject_key"])
    op.create_table(
        "subject_log",
        sa.Column("subject_key", sa.String(length=64), primary_key=True),
        sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("acc", sa.LargeBinary(length=32), nullable=False),
    )
    op.create_table(
        "resident_requests",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("owner_org", sa.String(length=32), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("filed_by", sa.String(length=42), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.LargeBinary(), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=42), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("result_record_id", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_resident_requests_record_id", "resident_requests", ["record_id"])
    op.create_index("ix_resident_requests_owner_org", "resident_requests", ["owner_org"])
    op.create_index("ix_resident_requests_subject_key", "resident_requests", ["subject_key"])
    backfill_chains()
    mark_builtin_subjects()


def backfill_chains() -> None:
    """Chain the subjects of the entries already logged, in log order (a page of rows at a time)."""
    from ledger import merkle, subject_map

    bind = op.get_bind()
    log = sa.table("access_log", sa.column("idx", BIG), sa.column("subject_keys", sa.JSON), sa.column("leaf"))
    chains = sa.table("subject_log", sa.column("subject_key"), sa.column("idx"), sa.column("n"), sa.column("acc"))
    heads: dict[str, tuple[int, bytes]] = {}
    after = -1
    while True:
        page = sa.select(log.c.idx, log.c.subject_keys, log.c.leaf).where(log.c.idx > after)
        rows = bind.execute(page.order_by(log.c.idx).limit(5000)).all()
        if not rows:
            return
        links = []
        for idx, keys, leaf in rows:
            keys = json.loads(keys) if isinstance(keys, str) else keys
            for key in sorted(set(keys or [])):
                n, acc = heads.get(key, (0, subject_map.ZERO_ACC))
                heads[key] = (n + 1, subject_map.chain_step(acc, idx, merkle.leaf_hash(bytes(leaf))))
                links.append({"subject_key": key, "idx": idx, "n": n + 1, "acc": heads[key][1]})
        if links:
            bind.execute(sa.insert(chains), links)
        after = rows[-1][0]


def mark_builtin_subjects() -> None:
    """The built-in types' schemas as shipped now: their id-number fields identify data subjects."""
    from gateway.services.record_types import builtin_types

    types = sa.table("record_types", sa.column("name"), sa.column("schema", sa.JSON))
    for name, schema in builtin_types().items():
        op.execute(types.update().where(types.c.name == name).values(schema=schema))


def downgrade() -> None:
    op.drop_table("resident_requests")
    op.drop_table("subject_log")
    op.drop_table("resident_keys")

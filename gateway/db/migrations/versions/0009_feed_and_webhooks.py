"""The change feed and webhooks: ``feed_events``, ``subscriptions``, ``deliveries``.

Records committed before this revision have no events; ``backfill`` below gives each
existing record its committed (or versioned), anchored and erased events in record order,
unsequenced, so the first sequencer run places them before anything new.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feed_events",
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_org", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("record_type", sa.String(length=32), nullable=True),
        sa.Column("grantee_org", sa.String(length=32), nullable=True),
        sa.Column("grant_id", sa.BigInteger(), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("seq"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_feed_events_owner_org", "feed_events", ["owner_org"])
    op.create_index("ix_feed_events_record_id", "feed_events", ["record_id"])
    op.create_index("ix_feed_events_grantee_org", "feed_events", ["grantee_org"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("org", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("created_by", sa.String(length=42), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.BigInteger(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_subscriptions_org", "subscriptions", ["org"])
    op.create_table(
        "deliveries",
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(length=36), sa.ForeignKey("subscriptions.id"), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=120), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ux_deliveries_subscription_event", "deliveries", ["subscription_id", "event_seq"], unique=True)
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_deliveries_subscription_state", "deliveries", ["subscription_id", "state", "id"])
    backfill()


def backfill() -> None:
    """Events for the records already stored, in record order (grants are re-read from the chain)."""
    op.execute(
        "INSERT INTO feed_events (key, kind, at, owner_org, record_id, record_type) "
        "SELECT CASE WHEN supersedes IS NULL THEN 'record.committed:' ELSE 'record.versioned:' END || id, "
        "CASE WHEN supersedes IS NULL THEN 'record.committed' ELSE 'record.versioned' END, "
        "created_at, owner_org, id, record_type FROM records ORDER BY created_at, id"
    )
    op.execute(
        "INSERT INTO feed_events (key, kind, at, owner_org, record_id, record_type, block) "
        "SELECT 'record.anchored:' || r.id || ':' || b.block_number, 'record.anchored', r.created_at, r.owner_org, "
        "r.id, r.record_type, b.block_number FROM records r JOIN batches b ON r.batch_id = b.id "
        "WHERE r.status = 'anchored' AND b.status = 'anchored' ORDER BY b.block_number, r.id"
    )
    op.execute(
        "INSERT INTO feed_events (key, kind, at, owner_org, record_id, record_type) "
        "SELECT 'record.erased:' || id, 'record.erased', erased_at, owner_org, id, record_type FROM records "
        "WHERE erased_at IS NOT NULL ORDER BY erased_at, id"
    )
    # the grant indexer starts over, and tells the feed of every grant as it re-reads them
    op.execute("DELETE FROM indexer_state WHERE name = 'grants'")


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
    op.drop_table("feed_events")

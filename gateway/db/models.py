"""Storage shapes (SQLAlchemy 2). Personal data lives only in ``payloads.ciphertext``.

- ``records``: one row per record version: metadata, commitment, signed entry, status.
- ``payloads``: the encrypted payload and record secret, and the wrapped data key.
  Erasure deletes this row; the record row and its anchored entry stay.
- ``outbox``: entries acknowledged but not yet anchored (the durable queue).
- ``batches``: one row per anchoring transaction, written *before* it is sent, so a
  crash between sending and recording is recognised by the batch's root.
- ``request_nonces``: seen signed-request nonces (replay protection).
- ``type_versions``: each record-type version's labelled JSON Schema, by hash (registered on-chain).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Record(Base):
    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_org: Mapped[str] = mapped_column(String(32), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    supersedes: Mapped[str | None] = mapped_column(ForeignKey("records.id"), unique=True)
    committer: Mapped[str] = mapped_column(String(42))
    commitment: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    entry_leaf: Mapped[bytes] = mapped_column(LargeBinary(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[bytes | None] = mapped_column(ForeignKey("batches.id"), index=True)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_by: Mapped[str | None] = mapped_column(String(42))


class Payload(Base):
    __tablename__ = "payloads"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(16))


class OutboxItem(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), unique=True)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[bytes | None] = mapped_column(ForeignKey("batches.id"))

    __table_args__ = (Index("ix_outbox_unbatched", "batch_id", "id"),)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # sending | anchored
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_block: Mapped[int] = mapped_column(BigInteger)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tx_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    anchored_at: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_batches_status", "status"),)


class RequestNonce(Base):
    __tablename__ = "request_nonces"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TypeVersionDocument(Base):
    """A record-type version's labelled JSON Schema, by its hash (ledger/type_versions.py).

    Only a copy: a version is usable when ``RecordTypes`` on-chain registers this hash under
    this name, and the hash is recomputed from the schema before it is trusted.
    """

    __tablename__ = "type_versions"

    version_hash: Mapped[str] = mapped_column(String(66), primary_key=True)  # 0x + SHA-256(JCS(schema))
    name: Mapped[str] = mapped_column(String(32), index=True)
    schema: Mapped[dict[str, object]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Grant(Base):
    """SQL copy of ``AccessGrants`` (the indexer's): for listing. Decisions ask the chain."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    owner_org: Mapped[str] = mapped_column(String(32), index=True)
    grantee_org: Mapped[str] = mapped_column(String(32), index=True)
    scope_kind: Mapped[str] = mapped_column(String(8))  # record | type
    scope: Mapped[str] = mapped_column(String(36))
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose_code: Mapped[str] = mapped_column(String(32))
    purpose_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    expires_at: Mapped[int] = mapped_column(BigInteger)
    grantor: Mapped[str] = mapped_column(String(42))
    granted_block: Mapped[int] = mapped_column(BigInteger)
    revoked_block: Mapped[int | None] = mapped_column(BigInteger)
    revoked_by: Mapped[str | None] = mapped_column(String(42))
    # two-person review of sensitive fields (AccessGrants): none | proposed | approved | refused
    review: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    review_deadline: Mapped[int | None] = mapped_column(BigInteger)
    reviewer: Mapped[str | None] = mapped_column(String(42))
    reviewed_block: Mapped[int | None] = mapped_column(BigInteger)
    review_reason_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))


class GrantPurpose(Base):
    """A grant purpose's free text and salt, kept off-chain so that it can be erased.

    Keyed by the salted hash the grant carries on-chain: the text shown for a grant is the
    one whose hash the chain holds, whatever this table says (see :mod:`ledger.purposes`).
    """

    __tablename__ = "grant_purposes"

    purpose_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))


class IndexerState(Base):
    __tablename__ = "indexer_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    block: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AccessLogEntry(Base):
    """One read, refused read or erasure; leaf ``idx`` of the access log's RFC 6962 tree."""

    __tablename__ = "access_log"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    accessor: Mapped[str] = mapped_column(String(42))
    accessor_org: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(16))  # read | erase | enrol | unenrol | request | decide | extend
    outcome: Mapped[str] = mapped_column(String(8), index=True)  # allowed | refused
    reason: Mapped[str] = mapped_column(String(200))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    owner_org: Mapped[str | None] = mapped_column(String(32), index=True)
    subject_keys: Mapped[list[str]] = mapped_column(JSON)
    grant_id: Mapped[int | None] = mapped_column(BigInteger)
    purpose: Mapped[str | None] = mapped_column(String(500), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)  # the canonical bytes that were hashed
    # a sealed read (ledger/seals.py): its date, legal basis and nonce; the leaf is then its stub
    sealed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # also an extension's new date
    legal_basis: Mapped[str | None] = mapped_column(String(64))
    seal_nonce: Mapped[bytes | None] = mapped_column(LargeBinary)
    seal_of: Mapped[int | None] = mapped_column(BigInteger, index=True)  # an extension: the sealed entry's idx

    __table_args__ = (
        Index("ix_access_log_owner_at", "owner_org", "at"),
        Index("ix_access_log_accessor_outcome", "accessor_org", "outcome", "owner_org", "idx"),
    )


class SubjectIndex(Base):
    """Which records are about which data subject (keyed by an HMAC, never the raw id)."""

    __tablename__ = "subject_index"

    subject_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)


class LogState(Base):
    """The access log's identity, size and signed head; its row lock serialises appends across replicas.

    ``peaks`` is the tree's right edge (:class:`ledger.merkle.Frontier`), so each append
    updates the root in O(log n); ``head_signature`` is the operator key's signature over
    (log id, size, root) — a DBA who rewrites or truncates the tail cannot re-sign it.
    """

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_id: Mapped[bytes] = mapped_column(LargeBinary(32))
    size: Mapped[int] = mapped_column(BigInteger)
    anchored_size: Mapped[int] = mapped_column(BigInteger, default=0)
    peaks: Mapped[bytes | None] = mapped_column(LargeBinary)
    head_root: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    head_signature: Mapped[bytes | None] = mapped_column(LargeBinary)


class FeedEvent(Base):
    """One change a member may be told of (``GET /v1/feed``, webhooks); no payload, no personal data.

    ``id`` is the insertion order, which concurrent transactions may commit out of; ``seq`` is
    the feed position, given after commit by one sequencer at a time (see
    :mod:`gateway.services.feed`), so a reader who saw position n has seen every event before
    it. ``key`` names the fact (``record.anchored:<id>:<block>``) and makes its insertion
    idempotent: it is the event id receivers deduplicate on.
    """

    __tablename__ = "feed_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner_org: Mapped[str] = mapped_column(String(32), index=True)
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    record_type: Mapped[str | None] = mapped_column(String(32))
    grantee_org: Mapped[str | None] = mapped_column(String(32), index=True)
    grant_id: Mapped[int | None] = mapped_column(BigInteger)
    block: Mapped[int | None] = mapped_column(BigInteger)


class Subscription(Base):
    """A webhook endpoint an organisation's admin registered; events are filtered as that admin sees them.

    ``state``: ``active``; ``suspended`` while its creator is no longer an admin of ``org`` (nothing
    is queued or sent; it resumes if they are again); ``deleted``. ``origin`` is the feed position
    deliveries start after, ``cursor`` the last one queued (see :mod:`gateway.services.subscriptions`).
    """

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org: Mapped[str] = mapped_column(String(32), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    created_by: Mapped[str] = mapped_column(String(42))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(12), default="active")  # active | suspended | deleted
    origin: Mapped[int] = mapped_column(BigInteger, default=0)  # the feed position deliveries start after
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)  # the last feed position enqueued


class Delivery(Base):
    """One event owed to one subscription: the durable queue of webhook deliveries.

    ``body`` is the event's JSON as first queued, so every attempt (and a replay) sends the same
    bytes; ``event_id`` is its ``id``, the receiver's deduplication key. A worker owns a pending
    delivery while ``lease_until`` lies ahead.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id"))
    event_seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(120))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ux_deliveries_subscription_event", "subscription_id", "event_seq", unique=True),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_subscription_state", "subscription_id", "state", "id"),
    )


class ResidentKey(Base):
    """A resident's key, bound to the subject key they are a data subject under (docs/residents.md).

    ``statement`` is the enrolment the committee member signed (:mod:`ledger.enrolment`),
    sealed by the vault because it names the id number; the gateway acts for ``address``
    only while ``signature`` over it recovers to a recorder or admin of ``org`` on-chain.
    """

    __tablename__ = "resident_keys"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    enrolment_id: Mapped[str] = mapped_column(String(36), unique=True)
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    org: Mapped[str] = mapped_column(String(32))
    enrolled_by: Mapped[str] = mapped_column(String(42))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    statement: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(42))


class SubjectEntry(Base):
    """The access-log entries about one subject key, chained (docs/spec/subject-map.md §S-1).

    Row ``(key, idx)`` says entry ``idx`` is this subject's ``n``-th, and ``acc`` is the
    chain's value after it; written in the append's transaction, so the subject map anchored
    beside each log head is computed from it and a resident's list is read from it.
    """

    __tablename__ = "subject_log"

    subject_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)
    acc: Mapped[bytes] = mapped_column(LargeBinary(32))


class ResidentRequest(Base):
    """A resident's request to correct or erase a record about them (PIPL art. 46-47).

    ``text`` (what the resident says is wrong) is sealed by the vault like a payload.
    """

    __tablename__ = "resident_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # correction | erasure
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    owner_org: Mapped[str] = mapped_column(String(32), index=True)
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    filed_by: Mapped[str] = mapped_column(String(42))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[bytes | None] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | accepted | refused
    decided_by: Mapped[str | None] = mapped_column(String(42))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(500))
    result_record_id: Mapped[str | None] = mapped_column(String(36))

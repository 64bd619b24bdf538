"""``POST /v1/records:read``: many records in one request, for a mirror that takes a page at a time.

Each record is decided exactly as a single read (:func:`gateway.services.records.judge_read`):
owner and type from the signed entry, grants confirmed on-chain — once for the request
(:func:`gateway.services.facts.live_grants`), not once per record — and every attempt,
allowed or refused, is an access-log entry. What differs is cost: the rows and payloads
are loaded in two queries, the request's log entries are appended in one transaction under
one signed head (:meth:`AccessLog.append_many`), and each anchored record's receipt comes
with it, so a mirror needs no second request per record.

An answer names no other version (``versions`` is the single read's): a mirror follows
versions through the feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.container import Container
from gateway.db.models import Batch, Payload, Record, SubjectIndex
from gateway.errors import GatewayError, NotFound, ValidationFailed
from gateway.services.facts import LiveGrant, covering, live_grants, signed_entry
from gateway.services.members import Member
from gateway.services.records import (
    GRANTEE_ROLES,
    Sealed,
    build_receipt,
    can_read_whole,
    judge_read,
    reveal,
    unseal,
)

MAX_READ_MANY = 200


def read_records(container: Container, member: Member, record_ids: Sequence[str]) -> list[dict[str, Any]]:
    """One answer per id, in order: ``{"id", "record", "receipt"}`` (receipt ``null`` until anchored), or
    ``{"id", "problem"}`` with the problem a read of it alone would have answered (403, 404, 410)."""
    if not 1 <= len(record_ids) <= MAX_READ_MANY:
        raise ValidationFailed(f"ids: from 1 to {MAX_READ_MANY} record ids", path="ids")
    if len(set(record_ids)) != len(record_ids):
        raise ValidationFailed("ids: the same record id appears twice", path="ids")
    grants = live_grants(container, member) if member.has(GRANTEE_ROLES) else []
    answers: dict[str, dict[str, Any]] = {}
    logged: list[dict[str, Any]] = []
    with container.sessions() as session:
        records = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(list(record_ids))))}
        stored_rows = session.scalars(select(Payload).where(Payload.record_id.in_(list(records))))
        payloads = {p.record_id: p for p in stored_rows}
        batch_ids = sorted({bytes(r.batch_id) for r in records.values() if r.batch_id is not None})
        batches = {bytes(b.id): b for b in session.scalars(select(Batch).where(Batch.id.in_(batch_ids)))}
        erased = [rid for rid, r in records.items() if rid not in payloads]
        indexed: dict[str, list[str]] = {}
        for key, rid in session.execute(
            select(SubjectIndex.subject_key, SubjectIndex.record_id).where(SubjectIndex.record_id.in_(erased))
        ):
            indexed.setdefault(rid, []).append(key)
        for record_id in record_ids:
            record = records.get(record_id)
            if record is None:
                answers[record_id] = {"id": record_id, "problem": NotFound(f"no record {record_id}").problem()}
                continue
            try:
                answers[record_id] = _read_one(container, session, member, grants, record, payloads, batches,
                                               indexed, logged)  # fmt: skip
            except GatewayError as exc:  # a tampered row: this record's 500, as its single read would answer
                answers[record_id] = {"id": record_id, "problem": exc.problem(f"/v1/records/{record_id}")}
    container.access_log.record_many(logged)
    return [answers[record_id] for record_id in record_ids]


def _read_one(
    container: Container, session: Session, member: Member, grants: list[LiveGrant], record: Record,
    payloads: dict[str, Payload], batches: dict[bytes, Batch], indexed: dict[str, list[str]],
    logged: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """One record's answer; its access-log entry appended to ``logged`` (written with the others)."""
    record_id = record.id
    entry = signed_entry(container, record)
    stored = payloads.get(record_id) if record.erased_at is None else None
    sealed: Sealed | None = None if stored is None else unseal(container, record_id, stored)
    whole = can_read_whole(container, member, entry)
    grant = None if whole or not member.has(GRANTEE_ROLES) else covering(grants, entry)
    entry_fields, error, fields = judge_read(member, entry, record, sealed, whole, grant)
    if sealed is None:
        entry_fields["subject_keys"] = sorted(indexed.get(record_id, []))
    logged.append(entry_fields)
    if error is not None:
        return {"id": record_id, "problem": error.problem(f"/v1/records/{record_id}")}
    assert sealed is not None
    body = {"id": entry.record_id, "type": entry.record_type, "owner": entry.org, "version": entry.version,
            "supersedes": entry.supersedes, "status": record.status, "committer": entry.committer,
            "created_at": record.created_at.isoformat()}  # fmt: skip
    reveal(body, record, sealed, grant, fields)
    anchored = record.status == "anchored" and record.batch_id is not None
    receipt = build_receipt(container, session, record, entry, batches).to_json() if anchored else None
    return {"id": record_id, "record": body, "receipt": receipt}

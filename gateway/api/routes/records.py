"""Records: commit (one or many), read, receipt."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.api.schemas import Accepted, BatchAccepted, CommitBatch, CommitRecord
from gateway.services.records import commit_records, read_receipt, read_record

router = APIRouter(prefix="/v1", tags=["records"])


@router.post("/records", status_code=202, response_model=Accepted)
def commit_record(record: CommitRecord, member: CurrentMember, container: ContainerDep, response: Response) -> Accepted:
    """Commit one record version: stored encrypted, queued for anchoring, answered `pending`.

    Sending the same record again answers 200 with its current status (safe retries).
    """
    (done,) = commit_records(container, member, [record.to_domain()], batch=False)
    result = Accepted.of(done)
    response.headers["Location"] = f"/v1/records/{result.id}"
    if result.duplicate:
        response.status_code = 200
    return result


@router.post("/records:batch", status_code=202, response_model=BatchAccepted)
def commit_batch(batch: CommitBatch, member: CurrentMember, container: ContainerDep) -> BatchAccepted:
    """Commit many records in one request: all are accepted, or none (the error names which)."""
    results = [
        Accepted.of(r) for r in commit_records(container, member, [r.to_domain() for r in batch.records], batch=True)
    ]
    duplicates = sum(r.duplicate for r in results)
    return BatchAccepted(accepted=len(results) - duplicates, duplicates=duplicates, records=results)


@router.get("/records/{record_id}")
def get_record(record_id: UUID, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """The record with its versions, payload and a full disclosure (salts and proofs) for verification."""
    return read_record(container, member, str(record_id))


@router.get("/records/{record_id}/receipt")
def get_receipt(record_id: UUID, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Everything needed to verify this record version offline; 409 while it is still pending."""
    return read_receipt(container, member, str(record_id))

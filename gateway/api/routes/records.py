"""Records: commit (one or many), read, receipt."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from gateway.api.auth import by_session
from gateway.api.deps import ContainerDep, CurrentMember
from gateway.api.schemas import SLUG, Accepted, BatchAccepted, CommitBatch, CommitRecord, ReadMany, RecordList
from gateway.errors import Unauthenticated
from gateway.services import listing
from gateway.services.bulk_read import read_records
from gateway.services.records import commit_records, read_receipt, read_record
from gateway.services.sealed_reads import seal_request

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


@router.get("/records", response_model=RecordList)
def list_records(
    member: CurrentMember,
    container: ContainerDep,
    cursor: Annotated[
        str | None,
        Query(max_length=listing.MAX_CURSOR, pattern=r"^[A-Za-z0-9_-]+$", description="from the last page's `next`"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=listing.MAX_LIMIT, description="page size (default 100)")] = None,
    record_type: Annotated[str | None, Query(alias="type", pattern=SLUG, description="only this record type")] = None,
    owner: Annotated[str | None, Query(pattern=SLUG, description="only this owning organisation")] = None,
    status: Annotated[Literal["pending", "anchored", "erased"] | None, Query(description="only this status")] = None,
) -> RecordList:
    """The records you may read whole (your organisation's; a subdistrict's admins and auditors also its
    committees'), by record id, without payloads. Follow `next` (signed, as is) until it is null."""
    query = listing.resume(cursor, record_type, owner, status, limit)
    page = listing.list_records(container, member, query)
    return RecordList.of(page, f"/v1/records?cursor={listing.encode_cursor(page.next)}" if page.next else None)


@router.post("/records:read")
def read_many(request: ReadMany, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Read up to 200 records at once (a mirror's page): each answer is the record as
    `GET /v1/records/{id}` gives it, or that read's problem; every read is logged as one."""
    return {"items": read_records(container, member, [str(i) for i in request.ids])}


@router.get("/records/{record_id}")
def get_record(
    record_id: UUID,
    request: Request,
    member: CurrentMember,
    container: ContainerDep,
    sealed_until: Annotated[
        str | None, Query(max_length=40, description="read under seal until this date or time (sealed readers only)")
    ] = None,
    legal_basis: Annotated[str | None, Query(pattern=SLUG, description="the legal basis of a sealed read")] = None,
) -> dict[str, Any]:
    """The record with its versions, payload and a full disclosure (salts and proofs) for verification.

    With `sealed_until` and `legal_basis`, a department's sealed reader reads under seal: the
    read is logged and anchored at once, but its entry shows only as sealed until that date
    (docs/spec/access-log.md §L-5). A sealed read has legal weight: it must be signed by the
    reader's key, never carried by a portal session cookie."""
    if (sealed_until is not None or legal_basis is not None) and by_session(request):
        raise Unauthenticated("a sealed read must be signed by the reader's key: a session cookie cannot make one")
    seal = seal_request(container, sealed_until, legal_basis)
    return read_record(container, member, str(record_id), seal)


@router.get("/records/{record_id}/receipt")
def get_receipt(record_id: UUID, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Everything needed to verify this record version offline; 409 while it is still pending."""
    return read_receipt(container, member, str(record_id))

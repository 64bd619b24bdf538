"""Audit: who read what, the access log's proofs, and the integrity sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.api.schemas import MAX_INT63, ExtendSeal
from gateway.services.audit import integrity_page, log_head, log_proof, query_access, require_auditor
from gateway.services.sealed_reads import extend_seal

router = APIRouter(prefix="/v1/audit", tags=["audit"])
LogIndex = Annotated[int, Query(ge=0, le=MAX_INT63, description="a position or size in the access log")]
LogIndexPath = Annotated[int, Path(ge=0, le=MAX_INT63, description="a position in the access log")]


@router.get("/access")
def access(
    member: CurrentMember,
    container: ContainerDep,
    record: UUID | None = None,
    subject: Annotated[str | None, Query(max_length=64, description="data subject id (e.g. an ID number)")] = None,
    accessor_org: str | None = None,
    purpose: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sealed: Annotated[bool, Query(description="only sealed reads")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT63)] = 0,
) -> dict[str, Any]:
    """Reads, refused reads and erasures of the records this auditor oversees (newest first).

    A sealed read (§L-5) is its stub with `opens_at`; its content (`opened`) is shown to the
    organisation that read and the supervising office, and to everyone once it opens."""
    return query_access(
        container, member, record=str(record) if record else None, subject=subject, accessor_org=accessor_org,
        purpose=purpose, outcome=outcome, since=since, until=until, sealed=sealed, limit=limit, offset=offset,
    )  # fmt: skip


@router.post("/seals/{idx}:extend")
def extend(idx: LogIndexPath, body: ExtendSeal, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Postpone the opening of sealed entry `idx` (an admin or auditor of the supervising office);
    logged as an `extend` entry about the same data subjects, so they see that it was extended."""
    return extend_seal(container, member, idx, body.sealed_until)


@router.get("/log/head")
def head(member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """The access log's current size and root (anchored heads are on-chain)."""
    require_auditor(member)
    return log_head(container)


@router.get("/log/inclusion")
def inclusion(member: CurrentMember, container: ContainerDep, idx: LogIndex, size: LogIndex) -> dict[str, Any]:
    require_auditor(member)
    return {"idx": idx, "size": size, "proof": log_proof(container, "inclusion", idx, size)}


@router.get("/log/consistency")
def consistency(member: CurrentMember, container: ContainerDep, first: LogIndex, second: LogIndex) -> dict[str, Any]:
    require_auditor(member)
    return {"first": first, "second": second, "proof": log_proof(container, "consistency", first, second)}


@router.post("/log/anchor", status_code=202)
def anchor(member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Ask for the log's head to be anchored now."""
    require_auditor(member)
    container.request_log_anchor()
    return {"status": "requested", **log_head(container)}


@router.get("/integrity")
def integrity(
    member: CurrentMember,
    container: ContainerDep,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """One page of the integrity sweep; the first page (no ``after``) also sweeps batches, grants and the log."""
    return integrity_page(container, member, after, limit)

"""Grants (relayed on-chain with the granting admin's signature) and erasure."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.api.schemas import GrantCreate, GrantId, GrantReview, GrantRevoke
from gateway.services.grant_reviews import review_grant
from gateway.services.grants import create_grant, list_grants, revoke_grant
from gateway.services.records import erase_record

router = APIRouter(prefix="/v1", tags=["grants"])
GrantState = Literal["proposed", "proposal-expired", "refused", "active", "expired", "revoked"]


@router.post("/grants", status_code=201)
def post_grant(request: GrantCreate, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Grant another organisation some fields of one record or of a record type, for a purpose, until an expiry."""
    return create_grant(container, member, request.to_domain())


@router.delete("/grants/{grant_id}")
def delete_grant(
    grant_id: GrantId, request: GrantRevoke, member: CurrentMember, container: ContainerDep
) -> dict[str, Any]:
    """Revoke a grant: reads under it are refused from the next block on."""
    return revoke_grant(container, member, grant_id, request.to_domain())


@router.get("/grants")
def get_grants(
    member: CurrentMember,
    container: ContainerDep,
    state: Annotated[GrantState | None, Query(description="only grants in this state (proposed: to review)")] = None,
) -> list[dict[str, Any]]:
    """Grants given by the member's organisation (or its committees), and grants it received. A grant of
    sensitive fields is `proposed` until the supervising office's privacy reviewer approves it."""
    return list_grants(container, member, state)


@router.post("/grants/{grant_id}:approve")
def approve(grant_id: GrantId, request: GrantReview, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Approve a proposed grant (a privacy reviewer of the supervising office, not its grantor): it takes
    effect at once. Relayed with the reviewer's EIP-712 signature."""
    return review_grant(container, member, grant_id, approved=True, reason=request.reason, salt=request.salt(),
                        relayed=request.relay())  # fmt: skip


@router.post("/grants/{grant_id}:refuse")
def refuse(grant_id: GrantId, request: GrantReview, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Refuse a proposed grant, with a reason (kept off-chain, its salted hash on-chain): it never takes effect."""
    return review_grant(container, member, grant_id, approved=False, reason=request.reason, salt=request.salt(),
                        relayed=request.relay())  # fmt: skip


@router.post("/records/{record_id}/erase")
def erase(record_id: UUID, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Destroy the payload and record secret; the anchored entry stays and still verifies."""
    return erase_record(container, member, str(record_id))

"""Grants (relayed on-chain with the granting admin's signature) and erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.api.schemas import GrantCreate, GrantId, GrantRevoke
from gateway.services.grants import create_grant, list_grants, revoke_grant
from gateway.services.records import erase_record

router = APIRouter(prefix="/v1", tags=["grants"])


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
def get_grants(member: CurrentMember, container: ContainerDep) -> list[dict[str, Any]]:
    """Grants given by the member's organisation (or its committees), and grants it received."""
    return list_grants(container, member)


@router.post("/records/{record_id}/erase")
def erase(record_id: UUID, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Destroy the payload and record secret; the anchored entry stays and still verifies."""
    return erase_record(container, member, str(record_id))

"""Grants (relayed on-chain with the granting admin's signature) and erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from gateway.deps import CurrentMember, RuntimeDep
from gateway.schemas import GrantCreate, GrantId, GrantRevoke
from gateway.services.grants import create_grant, list_grants, revoke_grant
from gateway.services.records import erase_record

router = APIRouter(prefix="/v1", tags=["grants"])


@router.post("/grants", status_code=201)
def post_grant(request: GrantCreate, member: CurrentMember, runtime: RuntimeDep) -> dict[str, Any]:
    """Grant another organisation some fields of one record or of a record type, for a purpose, until an expiry."""
    return create_grant(runtime, member, request)


@router.delete("/grants/{grant_id}")
def delete_grant(grant_id: GrantId, request: GrantRevoke, member: CurrentMember, runtime: RuntimeDep) -> dict[str, Any]:
    """Revoke a grant: reads under it are refused from the next block on."""
    return revoke_grant(runtime, member, grant_id, request)


@router.get("/grants")
def get_grants(member: CurrentMember, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Grants given by the member's organisation (or its committees), and grants it received."""
    return list_grants(runtime, member)


@router.post("/records/{record_id}/erase")
def erase(record_id: UUID, member: CurrentMember, runtime: RuntimeDep) -> dict[str, Any]:
    """Destroy the payload and record secret; the anchored entry stays and still verifies."""
    return erase_record(runtime, member, str(record_id))

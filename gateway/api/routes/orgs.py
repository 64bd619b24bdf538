"""Organisations and the calling member, as the chain says."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.api.deps import ContainerDep, CurrentMember
from ledger.types import role_names

router = APIRouter(prefix="/v1", tags=["organisations"])


@router.get("/me")
def me(member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Who the signature belongs to: address, organisation, roles, and its next AccessGrants and
    RecordTypes nonces (for the calls it signs and the gateway relays)."""
    deployment = container.deployment()
    return {
        "grants_nonce": deployment.grants.nonce(member.address),
        "types_nonce": deployment.record_types.nonce(member.address),
        "address": member.address,
        "org": member.org,
        "kind": member.kind.name.lower(),
        "parent": member.parent,
        "roles": role_names(member.roles),
    }


@router.get("/orgs")
def list_orgs(member: CurrentMember, container: ContainerDep) -> list[dict[str, Any]]:
    """Every organisation of the consortium with its kind and supervising subdistrict."""
    directory = container.members
    out = []
    for org_id in directory.membership.org_ids():
        info = directory.org(org_id)
        if info is not None:
            out.append(
                {
                    "id": info.org_id,
                    "kind": info.kind.name.lower(),
                    "parent": info.parent,
                    "name": info.name,
                    "active": info.active,
                }
            )
    return out

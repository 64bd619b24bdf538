"""Record types, their versions and JSON Schemas (public), registering a version, and purpose codes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.api.schemas import HEX32, SLUG, PurposeRegistration, TypeRegistration
from gateway.services.purposes import list_purposes, register_purpose
from gateway.services.type_catalogue import list_types, register_type, type_schema

router = APIRouter(prefix="/v1", tags=["record types"])


@router.get("/record-types")
def record_types(container: ContainerDep) -> dict[str, Any]:
    """Every registered record type: its newest version (`latest`), its fields (name, JSON type, required,
    sensitivity: public, personal or sensitive) and its versions, with a link to the full schema."""
    return {"items": list_types(container)}


@router.get("/record-types/{name}", response_class=JSONResponse)
def record_type(
    name: Annotated[str, PathParam(pattern=SLUG)],
    container: ContainerDep,
    version: Annotated[str | None, Query(pattern=HEX32, description="a version; the newest by default")] = None,
) -> JSONResponse:
    """The labelled JSON Schema (draft 2020-12) of a version of this type, named by SHA-256 of its JCS."""
    return JSONResponse(type_schema(container, name, version), media_type="application/schema+json")


@router.post("/record-types", status_code=201)
def register(body: TypeRegistration, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Register a new version of a record type (the standards body; relayed with its EIP-712 signature):
    a new name starts a line, an existing name's version must supersede its newest version."""
    return register_type(container, member, body.name, body.schema_, body.supersedes, body.relay())


@router.get("/purposes")
def purposes(container: ContainerDep) -> dict[str, Any]:
    """The purpose codes the consortium registered on-chain, which grants and audits use."""
    return {"items": list_purposes(container)}


@router.post("/purposes", status_code=201)
def add_purpose(body: PurposeRegistration, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Register a purpose code (the standards body; relayed with its EIP-712 signature)."""
    return register_purpose(container, member, body.code, body.relay())

"""Record types and their JSON Schemas: public, so that a client can discover a type's fields."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from gateway.api.deps import ContainerDep
from gateway.api.schemas import SLUG
from gateway.services.type_catalogue import list_types, type_schema

router = APIRouter(prefix="/v1", tags=["record types"])


@router.get("/record-types")
def record_types(container: ContainerDep) -> dict[str, Any]:
    """Every record type with its fields (name, JSON type, required) and a link to its full schema."""
    return {"items": list_types(container)}


@router.get("/record-types/{name}", response_class=JSONResponse)
def record_type(name: Annotated[str, PathParam(pattern=SLUG)], container: ContainerDep) -> JSONResponse:
    """The JSON Schema (draft 2020-12) that commits of this type are validated against."""
    return JSONResponse(type_schema(container, name), media_type="application/schema+json")

"""The published JSON Schemas (docs/spec/): public, unsigned, the same files the base package ships."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.errors import NotFound
from ledger import schemas

router = APIRouter(prefix="/v1", tags=["spec"])


@router.get("/schemas")
def list_schemas() -> dict[str, Any]:
    """The names of the documents whose schemas are published (entry, receipt, disclosure, …)."""
    return {"schemas": [{"name": n, "href": f"/v1/schemas/{n}"} for n in schemas.names()]}


@router.get("/schemas/{name}", response_class=JSONResponse)
def get_schema(name: str) -> JSONResponse:
    """One JSON Schema (draft 2020-12), served as ``application/schema+json``."""
    try:
        return JSONResponse(schemas.load(name), media_type="application/schema+json")
    except KeyError:
        raise NotFound(f"no schema named {name[:40]!r}: see /v1/schemas") from None

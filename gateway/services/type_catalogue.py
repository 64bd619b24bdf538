"""What record types there are and what their fields look like: for clients to discover, not to decide.

A newcomer (a department's developer, the portal building a form) learns a type's fields
from its JSON Schema here instead of from the gateway's source. The schemas are the ones
commits are validated against (the ``record_types`` table); nothing here is personal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gateway.container import Container
from gateway.db.models import RecordType
from gateway.errors import NotFound


def _summary(row: RecordType) -> dict[str, Any]:
    schema: dict[str, Any] = row.schema if isinstance(row.schema, dict) else {}
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields = [
        {"name": name, "type": spec.get("type") if isinstance(spec, dict) else None, "required": name in required}
        for name, spec in sorted(properties.items())
    ]
    return {"name": row.name, "title": schema.get("title", row.name), "fields": fields,
            "href": f"/v1/record-types/{row.name}"}  # fmt: skip


def list_types(container: Container) -> list[dict[str, Any]]:
    """Every record type with its fields' names, JSON types and whether each is required."""
    with container.sessions() as session:
        return [_summary(row) for row in session.scalars(select(RecordType).order_by(RecordType.name))]


def type_schema(container: Container, name: str) -> dict[str, Any]:
    """The JSON Schema a commit of ``name`` is validated against; ``not-found`` for an unknown type."""
    with container.sessions() as session:
        row = session.get(RecordType, name)
        if row is None or not isinstance(row.schema, dict):
            raise NotFound(f"no record type {name[:40]!r}: see /v1/record-types")
        schema: dict[str, Any] = row.schema
        return schema

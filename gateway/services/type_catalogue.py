"""What record types there are, their versions and what their fields look like; and registering one.

A newcomer (a department's developer, the portal building a form) learns a type's fields
and each field's sensitivity from its JSON Schema here instead of from the gateway's source.
Every version listed is registered on-chain (``RecordTypes``) and held here; nothing here is
personal.

Registering (``POST /v1/record-types``) is the standards body's act: a member with the
on-chain standards role signs the registration (EIP-712, ``RegisterVersion``) and the gateway
relays it, after checking the document (a valid JSON Schema with every field labelled) and
the line (it supersedes the newest version, or starts a new name). The document is stored
first and removed again if the chain refuses, so nothing is half-written. Uploading a version
already registered (through another gateway) only stores its document here.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import delete

from gateway.container import Container
from gateway.db.models import TypeVersionDocument
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.services.members import Member
from gateway.services.record_types import Compiled, store_document
from gateway.services.relaying import relay, signer_of
from gateway.services.values import RelayedSignature
from ledger.eip712 import TYPES_DOMAIN, relay_typed_data
from ledger.type_versions import SENSITIVITY_KEY, TypeVersionError, type_version
from ledger.types import Role


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    return [
        {"name": name, "type": spec.get("type"), "required": name in required,
         "sensitivity": spec.get(SENSITIVITY_KEY)}
        for name, spec in sorted(properties.items())
    ]  # fmt: skip


def _version(c: Compiled) -> dict[str, Any]:
    return {
        "version": c.version.hex, "index": c.info.index, "registered_at": c.info.registered_at,
        "registrant": c.info.registrant, "sensitive_fields": list(c.info.sensitive_fields),
    }  # fmt: skip


def list_types(container: Container) -> list[dict[str, Any]]:
    """Every registered record type this gateway holds: ``latest``, the newest version it holds (what a commit
    names), with its fields and their sensitivity; ``newest``, the newest on-chain (what a new version
    supersedes; held here once its document is uploaded); and every held version, oldest first."""
    types = container.record_types
    items: list[dict[str, Any]] = []
    for name in types.names():
        held = types.held_versions(name)
        if not held:  # registered through another gateway, whose documents this one does not hold yet
            items.append({"name": name, "title": name, "latest": None, "newest": types.latest_hash(name),
                          "fields": [], "versions": [], "href": f"/v1/record-types/{name}"})  # fmt: skip
            continue
        latest, schema = held[-1], held[-1].version.schema
        items.append({
            "name": name, "title": schema.get("title", name), "latest": latest.version.hex,
            "newest": types.latest_hash(name), "fields": _fields(schema), "versions": [_version(c) for c in held],
            "href": f"/v1/record-types/{name}",
        })  # fmt: skip
    return items


def type_schema(container: Container, name: str, version: str | None = None) -> dict[str, Any]:
    """The JSON Schema of ``name``'s newest (or the named) version; ``not-found`` for an unknown one."""
    types = container.record_types
    found = types.latest(name) if version is None else types.version(name, version.lower())
    if found is None:
        what = f"record type {name[:40]!r}" if version is None else f"version {version[:18]}… of {name[:40]!r}"
        raise NotFound(f"no record type or version: no registered {what} held here, see /v1/record-types")
    return found.version.schema


def register_type(
    container: Container, member: Member, name: str, schema: Any, supersedes: str | None, relayed: RelayedSignature
) -> dict[str, Any]:
    """Register a new version of ``name`` as the standards body's ``member`` signed it; see the module docstring."""
    if not member.has(Role.STANDARDS):
        raise Forbidden(f"{member.address} does not hold the standards role: only the standards body registers types")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        detail = f"schema: not a valid JSON Schema at {where}: {exc.message[:200]}"
        raise ValidationFailed(detail, path="schema") from None
    try:
        version = type_version(name, schema)
    except TypeVersionError as exc:
        raise ValidationFailed(f"schema: {exc}", path="schema") from None
    types, deployment = container.record_types, container.deployment()
    chain = deployment.record_types
    if chain.is_registered(version.version_hash):
        info = chain.version_info(version.version_hash)
        if info is None or info.name != name or types.document(version.hex) is not None:
            raise Conflict(f"version {version.hex} is already registered", location=f"/v1/record-types/{name}")
        store_document(container.sessions, version)  # registered through another gateway: now held here too
        types.forget()
        stored = types.version(name, version.hex)
        assert stored is not None
        return {"name": name, **_version(stored), "fields": _fields(version.schema)}
    latest = types.latest_hash(name)
    wanted = None if supersedes is None else supersedes.lower()
    if latest is not None and wanted is None:
        raise Conflict(f"type name {name} is taken by another version line: supersede its newest version {latest}")
    if wanted != latest:
        raise Conflict(f"supersedes: the newest version of {name} is {latest}, not {wanted}")
    supersedes_raw = bytes.fromhex(wanted[2:]) if wanted else None
    message = chain.register_version_message(name, version.version_hash, supersedes_raw, version.sensitive_fields)
    document = relay_typed_data(
        "RegisterVersion", message, domain=TYPES_DOMAIN, chain_id=deployment.book.chain_id,
        contract=deployment.book.record_types, signer=member.address, nonce=relayed.nonce, deadline=relayed.deadline,
    )  # fmt: skip
    if signer_of(document, relayed.signature) != member.address:
        raise ValidationFailed("signature: not your EIP-712 signature over this registration", path="signature")
    call = chain.register_version_by_sig(name, version.version_hash, supersedes_raw, version.sensitive_fields,
                                         member.address, relayed)  # fmt: skip
    held_before = types.document(version.hex) is not None
    store_document(container.sessions, version)
    try:
        relay(container, call)
    except Exception:
        if not held_before:
            with container.sessions() as session:
                session.execute(delete(TypeVersionDocument).where(TypeVersionDocument.version_hash == version.hex))
                session.commit()
        raise
    types.forget()
    registered = types.version(name, version.hex)
    assert registered is not None
    return {"name": name, **_version(registered), "fields": _fields(version.schema)}

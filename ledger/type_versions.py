"""Record-type versions: a JSON Schema with every field labelled, named on-chain by its hash.

A record type (``household``) has a line of versions, each registered on-chain in
``RecordTypes`` by the consortium's standards body and never edited, only superseded. A
version *is* its document: a JSON Schema (draft 2020-12) whose every top-level property
carries ``"x-gridledger-sensitivity"`` — ``public``, ``personal`` or ``sensitive`` (sensitive
personal information in the sense of PIPL art. 28: health, identity numbers, finances,
whereabouts, minors' data …). Its id is ``SHA-256(JCS(schema))``, so the labels are part
of what is registered: relabelling a field is a new version.

Entries stamp the version their record was checked against (entry format 2,
docs/spec/primitives.md), and the chain holds, per version, which fields are sensitive:
``AccessGrants`` sends a grant naming any of them to the supervising office's privacy
reviewer before it takes effect.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ledger.commitments import canonical

SENSITIVITY_KEY = "x-gridledger-sensitivity"
LEVELS = ("public", "personal", "sensitive")
MAX_FIELDS = 64
MAX_SCHEMA_BYTES = 64 * 1024
BUILTIN_DIR = Path(__file__).resolve().parent / "record_types"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
_OPEN_KEYWORDS = ("patternProperties", "unevaluatedProperties", "propertyNames", "dependentSchemas", "allOf", "anyOf",
                  "oneOf", "if", "then", "else", "$ref", "$dynamicRef")  # fmt: skip
"""Top-level keywords through which a payload could carry a field no property names (and no label covers)."""
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class TypeVersionError(ValueError):
    """A type-version document that cannot be registered; the message says why, in words."""


@dataclass(frozen=True)
class TypeVersion:
    """One version of a record type: its name and its labelled JSON Schema."""

    name: str
    schema: dict[str, Any]

    @cached_property
    def version_hash(self) -> bytes:
        """``SHA-256(JCS(schema))``: the version's id on-chain and in entries."""
        return version_hash(self.schema)

    @property
    def hex(self) -> str:
        return "0x" + self.version_hash.hex()

    @cached_property
    def sensitivity(self) -> dict[str, str]:
        """Each field's label."""
        return {name: spec[SENSITIVITY_KEY] for name, spec in self.schema["properties"].items()}

    @property
    def sensitive_fields(self) -> list[str]:
        """The fields labelled ``sensitive``, sorted: what the chain holds for this version."""
        return sorted(name for name, level in self.sensitivity.items() if level == "sensitive")


def version_hash(schema: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(canonical(dict(schema))).digest()


def check_schema(schema: Any) -> dict[str, Any]:
    """``schema`` if it can be a type version; raise :class:`TypeVersionError` in words otherwise.

    It must be the draft 2020-12 JSON Schema of a closed object (``additionalProperties: false``,
    nothing else that admits a key) whose properties are plain field names (1 to 64 lower-case
    letters, digits, ``_``), at most 64 of them, each labelled; no other
    ``x-gridledger-sensitivity`` may appear. A field no label covers could otherwise be shared
    without review. That it is valid draft 2020-12 is the gateway's
    check (``jsonschema`` is a server dependency, not the verifier's).
    """
    if not isinstance(schema, dict):
        raise TypeVersionError("a type version is a JSON Schema: a JSON object")
    if len(canonical(schema)) > MAX_SCHEMA_BYTES:
        raise TypeVersionError(f"a type version's schema is at most {MAX_SCHEMA_BYTES // 1024} KiB")
    if schema.get("$schema", DRAFT) != DRAFT:
        raise TypeVersionError(f'a record type\'s schema is draft 2020-12: "$schema" is {DRAFT} or absent')
    if schema.get("additionalProperties") is not False or any(k in schema for k in _OPEN_KEYWORDS):
        raise TypeVersionError('a record type\'s schema closes its fields: "additionalProperties": false, and no '
                               + ", ".join(_OPEN_KEYWORDS) + " (every field is named and labelled)")
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise TypeVersionError('a record type\'s schema has "type": "object" and its fields under "properties"')
    properties: dict[str, Any] = schema["properties"]
    if not properties or len(properties) > MAX_FIELDS:
        raise TypeVersionError(f"a record type has 1 to {MAX_FIELDS} fields, not {len(properties)}")
    for name, spec in properties.items():
        if not _FIELD.match(name):
            raise TypeVersionError(f"field {name[:70]!r}: use 1-64 lower-case letters, digits or _, starting a-z")
        level = spec.get(SENSITIVITY_KEY) if isinstance(spec, dict) else None
        if level not in LEVELS:
            raise TypeVersionError(f"field {name}: label it {SENSITIVITY_KEY}: one of {', '.join(LEVELS)}")
    stray = _labels_outside_properties(schema)
    if stray:
        raise TypeVersionError(f"{SENSITIVITY_KEY} labels only top-level fields; found one at {stray}")
    return schema


def _labels_outside_properties(schema: dict[str, Any]) -> str | None:
    """Where a sensitivity label sits other than on a top-level property (a label that names no field)."""

    def walk(node: Any, path: str, top_property: bool) -> str | None:
        if isinstance(node, dict):
            if SENSITIVITY_KEY in node and not top_property:
                return path or "/"
            for key, value in node.items():
                found = walk(value, f"{path}/{key}", False)
                if found:
                    return found
        elif isinstance(node, list):
            for i, value in enumerate(node):
                found = walk(value, f"{path}/{i}", False)
                if found:
                    return found
        return None

    for key, value in schema.items():
        if key == "properties":
            for name, spec in value.items():
                if isinstance(spec, dict):
                    found = next(filter(None, (walk(v, f"/properties/{name}/{k}", False) for k, v in spec.items())),
                                 None)  # fmt: skip
                    if found:
                        return found
        else:
            found = walk(value, f"/{key}", False)
            if found:
                return found
    return None


def type_version(name: str, schema: Any) -> TypeVersion:
    """A checked type version; raise :class:`TypeVersionError` for a bad name or schema."""
    if not isinstance(name, str) or not _SLUG.match(name):
        raise TypeVersionError(f"type name {str(name)[:40]!r}: use 1-32 lower-case letters, digits, '.', '-' or '_'")
    return TypeVersion(name, check_schema(schema))


def builtin_versions() -> list[TypeVersion]:
    """The four built-in types' first versions (``ledger/record_types/*.json``), by name."""
    return [type_version(p.stem, json.loads(p.read_text())) for p in sorted(BUILTIN_DIR.glob("*.json"))]

"""Record types: versions registered on-chain, their labelled JSON Schemas held here by hash.

A record type has a line of versions (ledger/type_versions.py), each registered in
``RecordTypes`` on-chain by the standards body and named by ``SHA-256(JCS(schema))``. This
gateway keeps the documents (``type_versions``) and trusts one only when its schema hashes
to its name and the chain registers that hash under that type name: a DBA who edits a
schema row makes it unusable, not different. A commit names the version it was validated
against (the entry stamps it, entry format 2); the payload is validated against exactly
that schema.

Errors name the failing path and the schema rule, never the value: jsonschema's own
messages quote the instance (an ID number that fails its pattern, a phone number), and
they would reach the client and the logs. :func:`rule_message` rewords each error from
its keyword and the schema's value. Validation runs twice over only for bad payloads: a
compiled validator (``jsonschema_rs``, ~1 µs a payload against ~40 for ``jsonschema``)
answers "valid" on the commit path, and ``jsonschema`` decides and words the errors
whenever the compiled one finds any; tests/gateway/test_fast_paths.py checks that they
agree on every built-in type. Formats are annotations here, as ``jsonschema`` treats them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.db.models import TypeVersionDocument
from gateway.services.subjects import Path as SubjectPath
from gateway.services.subjects import subject_paths, subject_schemas
from ledger.chain.contracts import RecordTypesClient, TypeVersionInfo
from ledger.type_versions import BUILTIN_DIR, TypeVersion, TypeVersionError, builtin_versions, type_version

TTL = 5.0
"""How long the chain's list of names and latest versions is trusted (a registration is final)."""


def builtin_types() -> dict[str, dict[str, Any]]:
    """The built-in types' first schemas, by name (migration 0010 reads them)."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(BUILTIN_DIR.glob("*.json"))}


def store_builtin(sessions: sessionmaker[Session]) -> None:
    """Keep the built-in versions' documents (registered on-chain at deployment) if missing."""
    for version in builtin_versions():
        store_document(sessions, version)


def store_document(sessions: sessionmaker[Session], version: TypeVersion) -> None:
    """Keep ``version``'s document (idempotent; another process storing it at once is fine)."""
    with sessions() as session:
        if session.get(TypeVersionDocument, version.hex) is None:
            session.merge(TypeVersionDocument(version_hash=version.hex, name=version.name, schema=version.schema,
                                              stored_at=datetime.now(UTC)))  # fmt: skip
            session.commit()


@dataclass(frozen=True)
class Compiled:
    """One usable version: its document, its validators and where its payloads name their subjects."""

    version: TypeVersion
    info: TypeVersionInfo
    validator: Draft202012Validator
    compiled: Any  # a jsonschema_rs validator, or None
    subjects: list[SubjectPath]


class RecordTypes:
    """The record types this gateway can validate: registered on-chain, held here."""

    def __init__(self, sessions: sessionmaker[Session], chain: Callable[[], RecordTypesClient]) -> None:
        self._sessions = sessions
        self._chain = chain  # the deployment is connected on first use, not at start
        self._usable: dict[str, Compiled] = {}  # by 0x-hash: registered and held (final once true)
        self._names: tuple[float, list[str]] = (0.0, [])
        self._latest: dict[str, tuple[float, str | None]] = {}
        self._held: dict[str, tuple[float, list[Compiled]]] = {}  # by name: the versions held here, oldest first
        self._lock = threading.Lock()

    # -- what the chain says -------------------------------------------------------------------

    def names(self) -> list[str]:
        """The type names registered on-chain (cached for :data:`TTL`)."""
        with self._lock:
            at, names = self._names
            if time.monotonic() - at < TTL:
                return names
        names = sorted(self._chain().type_names())
        with self._lock:
            self._names = (time.monotonic(), names)
        return names

    def latest_hash(self, name: str) -> str | None:
        """The newest version of ``name`` on-chain (``0x``-hex), or ``None`` (cached for :data:`TTL`)."""
        with self._lock:
            cached = self._latest.get(name)
            if cached is not None and time.monotonic() - cached[0] < TTL:
                return cached[1]
        raw = self._chain().latest_version(name)
        found = None if raw is None else "0x" + bytes(raw).hex()
        with self._lock:
            self._latest[name] = (time.monotonic(), found)
        return found

    def forget(self) -> None:
        """Drop the cached names, latest and held versions (after a registration or upload through this gateway)."""
        with self._lock:
            self._names = (0.0, [])
            self._latest.clear()
            self._held.clear()

    # -- versions ------------------------------------------------------------------------------

    def document(self, version_hex: str) -> TypeVersion | None:
        """The held document named ``version_hex``, only if its schema hashes to that name."""
        with self._sessions() as session:
            row = session.get(TypeVersionDocument, version_hex)
            if row is None:
                return None
            name, schema = row.name, row.schema
        try:
            version = type_version(name, schema)
        except TypeVersionError:
            return None
        return version if version.hex == version_hex else None

    def version(self, name: str, version_hex: str) -> Compiled | None:
        """Version ``version_hex`` of ``name``, when the chain registers it under that name, with exactly the
        sensitive fields its document labels (the contract cannot check that), and it is held."""
        with self._lock:
            found = self._usable.get(version_hex)
        if found is not None:
            return found if found.version.name == name else None
        version = self.document(version_hex)
        if version is None or version.name != name:
            return None
        info = self._chain().version_info(version.version_hash)
        if info is None or info.name != name or sorted(info.sensitive_fields) != version.sensitive_fields:
            return None  # unregistered, another type's, or registered with other sensitive fields than it labels
        compiled = Compiled(version, info, Draft202012Validator(version.schema), compile_schema(version.schema),
                            subject_paths(version.schema))  # fmt: skip
        with self._lock:
            self._usable[version_hex] = compiled
        return compiled

    def latest(self, name: str) -> Compiled | None:
        """The newest registered version of ``name`` this gateway holds (``None`` when it holds none)."""
        held = self.held_versions(name)
        return held[-1] if held else None

    def held_versions(self, name: str, including: Compiled | None = None) -> list[Compiled]:
        """Every registered version of ``name`` this gateway holds, oldest first.

        Cached for :data:`TTL` (the commit path asks once per record: a query each time was most of
        a commit's CPU, docs/decisions/0014-speed.md); a list that lacks ``including`` (a version
        another gateway process has just stored) is read again at once."""
        with self._lock:
            cached = self._held.get(name)
        fresh = cached is not None and time.monotonic() - cached[0] < TTL
        if cached is not None and fresh and (including is None or including in cached[1]):
            return cached[1]
        held = self._read_held(name)
        with self._lock:
            self._held[name] = (time.monotonic(), held)
        return held

    def _read_held(self, name: str) -> list[Compiled]:
        with self._sessions() as session:
            hashes = list(session.scalars(select(TypeVersionDocument.version_hash)
                                          .where(TypeVersionDocument.name == name)))  # fmt: skip
        found = [c for c in (self.version(name, h) for h in hashes) if c is not None]
        return sorted(found, key=lambda c: c.info.index)

    # -- what a payload of a type holds ----------------------------------------------------------

    def fields(self, name: str) -> set[str] | None:
        """The fields any registered version of ``name`` has (``None`` for a type this gateway cannot use)."""
        versions = self.held_versions(name)
        if not versions:
            return None
        return {field for c in versions for field in c.version.schema["properties"]}

    def subject_paths(self, name: str, including: Compiled | None = None) -> list[SubjectPath]:
        """Where payloads of ``name`` (any version held, ``including`` among them) name their data subjects."""
        return sorted({path for c in self.held_versions(name, including) for path in c.subjects})

    def is_subject_id(self, value: str) -> bool:
        """Whether ``value`` could stand in some type's subject field (an id no record can hold is a typo)."""
        for name in self.names():
            for c in self.held_versions(name):
                for schema in subject_schemas(c.version.schema):
                    if Draft202012Validator(schema).is_valid(value):
                        return True
        return False

    @staticmethod
    def errors(version: Compiled, payload: Any) -> list[tuple[str, str]]:
        """(JSON pointer, message) for each violation of ``version``'s schema, most specific first."""
        if version.compiled is not None and version.compiled.is_valid(payload):
            return []
        found = sorted(version.validator.iter_errors(payload), key=lambda e: (len(e.absolute_path),
                                                                             str(e.absolute_path)))  # fmt: skip
        return [rule_message(e) for e in found]


def compile_schema(schema: Any) -> Any:
    """A compiled validator for ``schema`` (formats as annotations), or ``None`` if it will not compile."""
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=False)
    except Exception:  # jsonschema alone then validates this type
        return None


def _pointer(parts: Any) -> str:
    return "/" + "/".join(str(p) for p in parts)


def rule_message(error: ValidationError) -> tuple[str, str]:
    """(JSON pointer, the rule broken) for one schema violation, from the schema alone."""
    keyword, rule = str(error.validator), cast(Any, error.validator_value)
    path = list(error.absolute_path)
    instance = error.instance
    if keyword == "required" and isinstance(instance, dict) and isinstance(rule, list):
        missing = [name for name in rule if name not in instance]
        return _pointer(path), f"field {', '.join(missing)} is required"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = set((error.schema or {}).get("properties", {})) if isinstance(error.schema, dict) else set()
        extra = sorted(name for name in instance if name not in known)
        return _pointer(path), f"field {', '.join(extra)} is not a field of this record type"
    shown = ", ".join(map(str, rule)) if isinstance(rule, list) else str(rule)
    message = _RULES.get(keyword, "breaks the schema rule {keyword}")
    return _pointer(path), message.format(rule=shown, keyword=keyword)


_RULES = {
    "type": "must be of type {rule}",
    "pattern": "must match the pattern {rule}",
    "format": "must be a valid {rule}",
    "minLength": "must have at least {rule} characters",
    "maxLength": "must have at most {rule} characters",
    "minimum": "must be at least {rule}",
    "maximum": "must be at most {rule}",
    "exclusiveMinimum": "must be greater than {rule}",
    "exclusiveMaximum": "must be less than {rule}",
    "multipleOf": "must be a multiple of {rule}",
    "enum": "must be one of {rule}",
    "const": "must be the value the schema fixes",
    "minItems": "must have at least {rule} items",
    "maxItems": "must have at most {rule} items",
    "uniqueItems": "must not repeat items",
    "minProperties": "must have at least {rule} fields",
    "maxProperties": "must have at most {rule} fields",
}

"""Record types and their JSON Schemas.

Built-in types (``ledger/record_types/*.json``) are registered at start when missing.
Every commit is validated against its type's schema; an error names the failing path and
the schema rule, never the value: jsonschema's own messages quote the instance (an ID
number that fails its pattern, a phone number), and they would reach the client and the
logs. :func:`rule_message` rewords each error from its keyword and the schema's value.

Validation runs twice over only for bad payloads: a compiled validator (``jsonschema_rs``,
~1 µs a payload against ~40 for ``jsonschema``) answers "valid" on the commit path, and
``jsonschema`` decides and words the errors whenever the compiled one finds any. So a
payload is refused exactly when ``jsonschema`` refuses it, unless the compiled validator
accepts what ``jsonschema`` would not; tests/gateway/test_fast_paths.py checks that they
agree on every built-in type. Formats are annotations here, as ``jsonschema`` treats them.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any, cast

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.db.models import RecordType
from gateway.services.subjects import Path as SubjectPath
from gateway.services.subjects import subject_paths, subject_schemas
from ledger.type_versions import BUILTIN_DIR


def builtin_types() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(BUILTIN_DIR.glob("*.json"))}


def register_builtin(sessions: sessionmaker[Session]) -> None:
    """Add the built-in types that are missing; tolerate another process adding them at once."""
    for name, schema in builtin_types().items():
        with sessions() as session:
            if session.get(RecordType, name) is not None:
                continue
            session.add(RecordType(name=name, schema=schema, created_at=datetime.now(UTC)))
            try:
                session.commit()
            except IntegrityError:  # a gateway process starting beside this one registered it first
                session.rollback()


class RecordTypes:
    """Validators per record type, loaded from the database once."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._validators: dict[str, Draft202012Validator] = {}
        self._compiled: dict[str, Any] = {}  # name -> jsonschema_rs validator (untyped)
        self._subjects: dict[str, list[SubjectPath]] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(select(RecordType.name).order_by(RecordType.name)))

    def fields(self, name: str) -> set[str] | None:
        validator = self.validator(name)
        if validator is None or not isinstance(validator.schema, dict):
            return None
        return set(validator.schema.get("properties", {}))

    def validator(self, name: str) -> Draft202012Validator | None:
        with self._lock:
            if name in self._validators:
                return self._validators[name]
        with self._sessions() as session:
            row = session.get(RecordType, name)
        if row is None:
            return None
        validator = Draft202012Validator(row.schema)
        compiled = compile_schema(row.schema)
        with self._lock:
            self._validators[name] = validator
            self._compiled[name] = compiled
            self._subjects[name] = subject_paths(row.schema)
        return validator

    def is_subject_id(self, value: str) -> bool:
        """Whether ``value`` could stand in some type's subject field (an id no record can hold is a typo)."""
        for name in self.names():
            validator = self.validator(name)
            if validator is None:
                continue
            for schema in subject_schemas(validator.schema):
                if Draft202012Validator(schema).is_valid(value):
                    return True
        return False

    def subject_paths(self, name: str) -> list[SubjectPath]:
        """Where ``name``'s schema says a payload names its data subjects (``[]`` for none)."""
        if self.validator(name) is None:
            return []
        return self._subjects.get(name, [])

    def errors(self, name: str, payload: Any) -> list[tuple[str, str]]:
        """(JSON pointer, message) for each schema violation, most specific first."""
        validator = self.validator(name)
        assert validator is not None
        compiled = self._compiled.get(name)
        if compiled is not None and compiled.is_valid(payload):
            return []
        found = sorted(validator.iter_errors(payload), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
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

"""Record types and their JSON Schemas.

Built-in types (``gateway/record_types/*.json``) are registered at start when missing.
Every commit is validated against its type's schema; an error names the failing path.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.models import RecordType

BUILTIN_DIR = Path(__file__).resolve().parents[1] / "record_types"


def builtin_types() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(BUILTIN_DIR.glob("*.json"))}


def register_builtin(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        known = set(session.scalars(select(RecordType.name)))
        for name, schema in builtin_types().items():
            if name not in known:
                session.add(RecordType(name=name, schema=schema, created_at=datetime.now(UTC)))
        session.commit()


class RecordTypes:
    """Validators per record type, loaded from the database once."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._validators: dict[str, Draft202012Validator] = {}
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
        with self._lock:
            self._validators[name] = validator
        return validator

    def errors(self, name: str, payload: Any) -> list[tuple[str, str]]:
        """(JSON pointer, message) for each schema violation, most specific first."""
        validator = self.validator(name)
        assert validator is not None
        found = sorted(validator.iter_errors(payload), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
        return [("/" + "/".join(str(p) for p in e.absolute_path), e.message) for e in found]

"""Who a record is about, read from the record itself.

A record type's JSON Schema marks the fields that identify a data subject with
``"x-gridledger-subject": true`` (a resident's ``id_number``, each id in a household's
``member_ids``). On every commit, import and new version the gateway reads those fields
from the payload and keeps only keyed hashes of them (:meth:`Vault.subject_key`): the
subject index, the access log and a resident's enrolment all speak of subject keys, never
of id numbers. Clients cannot name subjects: a record about a person is found by who it
is about, not by what the committer remembered to send.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

MARK = "x-gridledger-subject"
Path = tuple[str, ...]
"""Object keys from the payload's root; ``"*"`` stands for every item of an array."""


def subject_paths(schema: Any, prefix: Path = ()) -> list[Path]:
    """The paths of the fields ``schema`` marks as identifying a data subject."""
    if not isinstance(schema, dict):
        return []
    found: list[Path] = [prefix] if schema.get(MARK) is True and prefix else []
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in sorted(properties.items()):
            found += subject_paths(sub, (*prefix, str(name)))
    items = schema.get("items")
    if isinstance(items, dict):
        found += subject_paths(items, (*prefix, "*"))
    return found


def subject_schemas(schema: Any) -> list[dict[str, Any]]:
    """The subschemas of the fields ``schema`` marks as identifying a data subject (what an id must satisfy)."""
    if not isinstance(schema, dict):
        return []
    found: list[dict[str, Any]] = [schema] if schema.get(MARK) is True else []
    for sub in (schema.get("properties") or {}).values() if isinstance(schema.get("properties"), dict) else ():
        found += subject_schemas(sub)
    found += subject_schemas(schema.get("items"))
    return found


def _walk(value: Any, path: Path) -> Iterator[Any]:
    if not path:
        yield value
    elif path[0] == "*":
        if isinstance(value, list):
            for item in value:
                yield from _walk(item, path[1:])
    elif isinstance(value, dict) and path[0] in value:
        yield from _walk(value[path[0]], path[1:])


def normalise(value: str) -> str:
    """One spelling per identifier: compatibility forms folded (full-width digits are digits), surrounding
    space dropped, letters upper-case (``…x`` is ``…X``)."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def subject_values(paths: list[Path], payload: Any) -> list[str]:
    """The identifiers at ``paths`` in ``payload``, normalised, without repeats or blanks, sorted."""
    found = {normalise(v) for path in paths for v in _walk(payload, path) if isinstance(v, str)}
    found.discard("")
    return sorted(found)

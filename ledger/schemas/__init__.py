"""The published JSON Schemas of GridLedger's documents (docs/spec/documents.md), as package data.

Shipped in the base install so a member's machine has the same schemas the spec names and
the gateway serves (``GET /v1/schemas/{name}``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

SUFFIX = ".schema.json"


def names() -> list[str]:
    """The schema names, e.g. ``receipt`` for ``receipt.schema.json``."""
    return sorted(p.name.removesuffix(SUFFIX) for p in files(__package__).iterdir() if p.name.endswith(SUFFIX))


@cache
def load(name: str) -> dict[str, Any]:
    """The schema called ``name``; ``KeyError`` when there is none (names are never paths)."""
    if name not in names():
        raise KeyError(name)
    schema: dict[str, Any] = json.loads(files(__package__).joinpath(name + SUFFIX).read_text())
    return schema

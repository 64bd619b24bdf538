"""The domain values services take and return: plain frozen dataclasses, no HTTP.

The API's pydantic models (:mod:`gateway.api.schemas`) validate the wire shapes and
convert into these (``to_domain()``), so a service can be called by the demo seeder, a
script or a test without building an HTTP request model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordVersion:
    """One record version as its committer signed it (see :class:`ledger.entries.Entry`)."""

    id: str
    type: str
    payload: dict[str, Any]
    record_secret: bytes
    signature: bytes
    version: int = 1
    supersedes: str | None = None
    type_version: str = ""  # 0x + the SHA-256 naming the type version it was validated against


@dataclass(frozen=True)
class Accepted:
    """What a commit answers for one record version."""

    id: str
    status: str
    version: int
    duplicate: bool = False


@dataclass(frozen=True)
class RelayedSignature:
    """An admin's EIP-712 signature that the gateway relays on-chain, with its nonce and deadline."""

    nonce: int
    deadline: int
    signature: bytes


@dataclass(frozen=True)
class GrantRequest:
    """A grant as the granting admin signed it; the purpose text stays off-chain."""

    owner: str
    grantee: str
    record: str | None
    type: str | None
    fields: tuple[str, ...]
    purpose_code: str
    purpose: str
    purpose_salt: bytes
    expires_at: int
    relay: RelayedSignature

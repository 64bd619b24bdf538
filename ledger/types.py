"""Small value types that cross module lines: addresses, hashes, organisation ids.

Organisation ids and record types travel on-chain as ``bytes32`` holding an ASCII slug
(lower-case letters, digits, ``-``, ``_``, ``.``; at most 32 bytes) right-padded with
zeros, so that events read as text. Record ids are UUIDs, on-chain as their 16 bytes
right-padded to 32.
"""

from __future__ import annotations

import re
import uuid
from enum import IntEnum, IntFlag
from functools import lru_cache
from typing import NewType

from eth_utils.address import is_address, to_checksum_address

Address = NewType("Address", str)
"""An EIP-55 checksummed account or contract address."""

Hash32 = NewType("Hash32", bytes)
"""A 32-byte hash (SHA-256 or Keccak-256)."""

OrgId = NewType("OrgId", str)
"""An organisation slug, e.g. ``sd-east`` (at most 32 ASCII bytes)."""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")


class OrgKind(IntEnum):
    """Mirror of ``IMembership.OrgKind``."""

    SUBDISTRICT = 1
    COMMITTEE = 2
    DEPARTMENT = 3
    OPERATOR = 4


class Role(IntFlag):
    """Mirror of the role bits in ``Membership``."""

    ADMIN = 1
    RECORDER = 2
    AUDITOR = 4
    VERIFIER = 8
    ANCHORER = 16
    SEALED_READER = 32
    STANDARDS = 64
    PRIVACY_REVIEWER = 128


@lru_cache(maxsize=4096)
def to_address(value: str) -> Address:
    """Checksum ``value``; raise ``ValueError`` when it is no address."""
    if not is_address(value):
        raise ValueError(f"not an Ethereum address: {value!r}")
    return Address(to_checksum_address(value))


def slug_to_bytes32(slug: str) -> bytes:
    """Encode an organisation id or record type for the chain."""
    if not _SLUG.match(slug):
        raise ValueError(
            f"invalid id {slug!r}: use 1-32 lower-case letters, digits, '.', '-' or '_', starting alphanumeric"
        )
    return slug.encode("ascii").ljust(32, b"\0")


def bytes32_to_slug(value: bytes) -> str:
    """Decode a ``bytes32`` slug written by :func:`slug_to_bytes32`."""
    return bytes(value).rstrip(b"\0").decode("ascii")


def record_id_to_bytes32(record_id: uuid.UUID | str) -> bytes:
    """Encode a record id (a UUID) for the chain."""
    value = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id))
    return value.bytes.ljust(32, b"\0")


def parse_roles(text: str) -> Role:
    """Parse ``admin,recorder`` into role bits; raise ``ValueError`` naming an unknown role."""
    roles = Role(0)
    for name in filter(None, (part.strip() for part in text.split(","))):
        try:
            roles |= Role[name.upper()]
        except KeyError:
            known = ", ".join(r.name.lower() for r in Role if r.name)
            raise ValueError(f"unknown role {name!r} (known: {known})") from None
    if not roles:
        raise ValueError("give at least one role")
    return roles


def role_names(roles: int) -> list[str]:
    """The names of the role bits set in ``roles``."""
    return [r.name.lower() for r in Role if r.name and roles & r]

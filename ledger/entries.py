"""Entries: what a committer signs and a batch anchors, one per record version.

An entry is the JCS canonical JSON of: format version, record id, owner organisation,
record type, version number, the record it supersedes, the commitment, the committer's
address, and the committer's EIP-712 signature over all the fields before it. Its leaf in
a batch tree is ``leaf_hash(JCS(entry))``. It holds nothing personal.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from ledger import merkle
from ledger.commitments import canonical
from ledger.eip712 import SigningKey, entry_digest, entry_domain_separator, recover_digest, sign_digest
from ledger.errors import VerificationError
from ledger.fields import MAX_UINT32, FieldError, field, integer, obj, text
from ledger.types import Address, record_id_to_bytes32, slug_to_bytes32, to_address

ENTRY_FORMAT = 1
ZERO32 = bytes(32)


@dataclass(frozen=True)
class EntryDomain:
    """Where entries are valid: one chain, one registry (the EIP-712 domain)."""

    chain_id: int
    registry: Address

    @cached_property
    def separator(self) -> bytes:
        """The EIP-712 domain separator, hashed once per domain value (a commit reuses one domain)."""
        return entry_domain_separator(self.chain_id, self.registry)


@dataclass(frozen=True)
class Entry:
    record_id: str
    org: str
    record_type: str
    version: int
    supersedes: str | None
    commitment: bytes
    committer: Address
    signature: bytes = b""

    def words(self) -> tuple[int, bytes, bytes, bytes, int, bytes, bytes]:
        return (
            ENTRY_FORMAT,
            record_id_to_bytes32(self.record_id),
            slug_to_bytes32(self.org),
            slug_to_bytes32(self.record_type),
            self.version,
            record_id_to_bytes32(self.supersedes) if self.supersedes else ZERO32,
            self.commitment,
        )

    def digest(self, domain: EntryDomain) -> bytes:
        return entry_digest(domain.separator, self.words())

    def signed(self, private_key: bytes | SigningKey, domain: EntryDomain) -> Entry:
        return replace(self, signature=sign_digest(private_key, self.digest(domain)))

    def signer(self, domain: EntryDomain) -> Address:
        """The address that signed this entry; raise :class:`VerificationError` if none did."""
        try:
            return to_address(recover_digest(self.digest(domain), self.signature))
        except ValueError as exc:
            raise VerificationError(f"entry signature is invalid: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        return {
            "format": ENTRY_FORMAT,
            "record_id": self.record_id,
            "org": self.org,
            "type": self.record_type,
            "version": self.version,
            "supersedes": self.supersedes,
            "commitment": "0x" + self.commitment.hex(),
            "committer": self.committer,
            "signature": "0x" + self.signature.hex(),
        }

    def canonical(self) -> bytes:
        return canonical(self.to_json())

    def leaf(self) -> bytes:
        return merkle.leaf_hash(self.canonical())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        """Parse; raise :class:`VerificationError` naming the first malformed field (never its value)."""
        try:
            data = obj(data, "the entry")
            field(data, "format", integer(ENTRY_FORMAT, ENTRY_FORMAT))
            entry = cls(
                record_id=field(data, "record_id", _uuid),
                org=field(data, "org", _slug),
                record_type=field(data, "type", _slug),
                version=field(data, "version", integer(1, MAX_UINT32)),
                supersedes=field(data, "supersedes", lambda v: None if v is None else _uuid(v)),
                commitment=field(data, "commitment", _hex32),
                committer=field(data, "committer", lambda v: to_address(text(v))),
                signature=field(data, "signature", _hex),
            )
        except FieldError as exc:
            raise VerificationError(f"malformed entry: {exc}") from exc
        return entry


def _uuid(value: Any) -> str:
    return str(uuid.UUID(text(value)))


def _slug(value: Any) -> str:
    slug_to_bytes32(text(value))
    return str(value)


def _hex(value: Any) -> bytes:
    return bytes.fromhex(text(value).removeprefix("0x"))


def _hex32(value: Any) -> bytes:
    raw = _hex(value)
    if len(raw) != 32:
        raise FieldError("must be 32 bytes of hex")
    return raw

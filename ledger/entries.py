"""Entries: what a committer signs and a batch anchors, one per record version.

An entry is the JCS canonical JSON of: format version, record id, owner organisation,
record type, version number, the record it supersedes, the commitment, the committer's
address, and the committer's EIP-712 signature over the first seven of those (the
committer's address is not signed: it is recovered from the signature and compared). Its
leaf in a batch tree is ``leaf_hash(JCS(entry))``. It holds nothing personal. The normative
text is docs/spec/primitives.md §P-3 to §P-5 and docs/spec/documents.md §D-1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from ledger import merkle
from ledger.commitments import canonical
from ledger.eip712 import SigningKey, entry_digest, entry_domain_separator, recover_digest, sign_digest
from ledger.errors import DocumentError, VerificationError
from ledger.fields import MAX_UINT32, FieldError, address, closed, field, hex_bytes, integer, slug, uuid_text
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
            raise VerificationError(f"entry signature is invalid: {exc}", "signature") from exc

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
    def from_json(cls, data: Any) -> Entry:
        """Parse strictly (docs/spec/documents.md §D-1); raise :class:`DocumentError` naming the member.

        Nothing is re-spelt: an entry is hashed as read (§P-3), so an upper-case id, a
        lower-case committer or ``"version": "1"`` is refused, not normalised.
        """
        try:
            fmt = data.get("format") if isinstance(data, Mapping) else None
            if isinstance(fmt, bool) or not isinstance(fmt, (int, float)) or fmt != ENTRY_FORMAT:
                raise DocumentError("format", f"not an entry of format {ENTRY_FORMAT}")
            closed(data, ENTRY_MEMBERS, "the entry")
            entry = cls(
                record_id=field(data, "record_id", uuid_text),
                org=field(data, "org", slug),
                record_type=field(data, "type", slug),
                version=field(data, "version", integer(1, MAX_UINT32)),
                supersedes=field(data, "supersedes", lambda v: None if v is None else uuid_text(v)),
                commitment=field(data, "commitment", hex_bytes(32)),
                committer=Address(field(data, "committer", address)),
                signature=field(data, "signature", hex_bytes(65)),
            )
        except FieldError as exc:
            raise DocumentError("schema", f"malformed entry: {exc}") from exc
        return entry

    def version_problem(self) -> str | None:
        """Why the version and ``supersedes`` disagree (§V-4), or ``None``."""
        if (self.version == 1) != (self.supersedes is None):
            return "version 1 supersedes nothing, and a later version supersedes its predecessor"
        if self.supersedes == self.record_id:
            return "a record cannot supersede itself"
        return None


ENTRY_MEMBERS = {"format", "record_id", "org", "type", "version", "supersedes", "commitment", "committer", "signature"}

"""Entries: what a committer signs and a batch anchors, one per record version.

An entry is the JCS canonical JSON of: format version, record id, owner organisation,
record type, version number, the record it supersedes, the commitment, the committer's
address, and the committer's EIP-712 signature over the first seven of those (the
committer's address is not signed: it is recovered from the signature and compared). Its
leaf in a batch tree is ``leaf_hash(JCS(entry))``. It holds nothing personal. The normative
text is docs/spec/primitives.md §P-3 to §P-5 and docs/spec/documents.md §D-1.

Two formats are read and written. Format 1 is the above. Format 2 adds ``type_version``, the
``SHA-256(JCS(schema))`` of the record-type version the record was validated against
(:mod:`ledger.type_versions`), and signs it too, under its own EIP-712 struct
(``RecordEntry2``), so that a signature over one format never verifies as the other. An
:class:`Entry` is of format 2 exactly when its ``type_version`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from ledger import merkle
from ledger.commitments import canonical
from ledger.eip712 import (
    EntryWords,
    SigningKey,
    entry_digest,
    entry_domain_separator,
    recover_digest,
    sign_digest,
)
from ledger.errors import DocumentError, VerificationError
from ledger.fields import MAX_UINT32, FieldError, address, closed, field, hex_bytes, integer, slug, uuid_text
from ledger.types import Address, record_id_to_bytes32, slug_to_bytes32, to_address

ENTRY_FORMAT = 1
"""The first entry format (no type version); kept for callers that name it."""
ENTRY_FORMATS = (1, 2)
"""Every entry format this code reads and writes (§D-1)."""
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
    type_version: bytes | None = None
    """The 32-byte ``SHA-256(JCS(schema))`` of the record-type version checked against (format 2), or ``None``."""

    def __post_init__(self) -> None:
        if self.type_version is not None and len(self.type_version) != 32:
            raise ValueError("an entry's type_version is 32 bytes (SHA-256 of the type version's schema)")

    @property
    def format(self) -> int:
        """2 when the entry names its type version, else 1 (§D-1)."""
        return 1 if self.type_version is None else 2

    def words(self) -> EntryWords:
        """The EIP-712 struct's members (§P-4): seven words for format 1, eight for format 2."""
        head = (
            record_id_to_bytes32(self.record_id),
            slug_to_bytes32(self.org),
            slug_to_bytes32(self.record_type),
            self.version,
            record_id_to_bytes32(self.supersedes) if self.supersedes else ZERO32,
            self.commitment,
        )
        if self.type_version is None:
            return (1, *head)
        return (2, *head, self.type_version)

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
        document: dict[str, Any] = {
            "format": self.format,
            "record_id": self.record_id,
            "org": self.org,
            "type": self.record_type,
            "version": self.version,
            "supersedes": self.supersedes,
            "commitment": "0x" + self.commitment.hex(),
            "committer": self.committer,
            "signature": "0x" + self.signature.hex(),
        }
        if self.type_version is not None:
            document["type_version"] = "0x" + self.type_version.hex()
        return document

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
        fmt = entry_format(data.get("format") if isinstance(data, Mapping) else None)
        if fmt is None:
            raise DocumentError("format", "not an entry of a format this verifier implements (1 or 2)")
        try:
            closed(data, ENTRY_MEMBERS[fmt], f"the entry (format {fmt})")
            if fmt == 2 and "type_version" not in data:
                raise FieldError("type_version is missing (an entry of format 2 names its record-type version)")
            entry = cls(
                record_id=field(data, "record_id", uuid_text),
                org=field(data, "org", slug),
                record_type=field(data, "type", slug),
                version=field(data, "version", integer(1, MAX_UINT32)),
                supersedes=field(data, "supersedes", lambda v: None if v is None else uuid_text(v)),
                commitment=field(data, "commitment", hex_bytes(32)),
                committer=Address(field(data, "committer", address)),
                signature=field(data, "signature", hex_bytes(65)),
                type_version=field(data, "type_version", hex_bytes(32)) if fmt == 2 else None,
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


def entry_format(value: Any) -> int | None:
    """The entry format ``value`` names (a number, 1.0 being 1, §J-2; never ``true``), or ``None`` when unknown."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return next((fmt for fmt in ENTRY_FORMATS if value == fmt), None)


_MEMBERS_1 = {"format", "record_id", "org", "type", "version", "supersedes", "commitment", "committer", "signature"}
ENTRY_MEMBERS: dict[int, set[str]] = {1: _MEMBERS_1, 2: _MEMBERS_1 | {"type_version"}}
"""The members of an entry of each format (§D-1): format 2 has ``type_version`` too."""

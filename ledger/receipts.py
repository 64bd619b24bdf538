"""Receipts: everything needed to verify one record version offline.

A receipt holds the entry, its inclusion proof in its batch, the batch id and root, and
where the batch was anchored (chain id, registry address, transaction, block, time). A
receipt proves nothing by itself: its root must be found on-chain, in the registry the
verifier trusts (see :mod:`ledger.verify`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger import merkle
from ledger.entries import Entry, EntryDomain
from ledger.errors import VerificationError
from ledger.fields import FieldError, array, field, integer, mapping, obj, text
from ledger.types import Address, to_address

RECEIPT_FORMAT = "gridledger-receipt/1"
MAX_PROOF = 64  # an RFC 6962 inclusion proof in a tree of fewer than 2^63 leaves


@dataclass(frozen=True)
class Receipt:
    entry: Entry
    leaf_index: int
    tree_size: int
    proof: tuple[bytes, ...]
    batch_id: bytes
    batch_root: bytes
    chain_id: int
    registry: Address
    tx_hash: bytes
    block_number: int
    anchored_at: int

    @property
    def domain(self) -> EntryDomain:
        return EntryDomain(self.chain_id, self.registry)

    def check_inclusion(self) -> None:
        """Raise :class:`~ledger.merkle.ProofError` unless the entry is in the receipt's root."""
        merkle.verify_inclusion(self.leaf_index, self.tree_size, self.entry.leaf(), self.proof, self.batch_root)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": RECEIPT_FORMAT,
            "entry": self.entry.to_json(),
            "inclusion": {
                "leaf_index": self.leaf_index,
                "tree_size": self.tree_size,
                "proof": ["0x" + p.hex() for p in self.proof],
            },
            "batch": {"id": "0x" + self.batch_id.hex(), "root": "0x" + self.batch_root.hex()},
            "anchor": {
                "chain_id": self.chain_id,
                "registry": self.registry,
                "tx_hash": "0x" + self.tx_hash.hex(),
                "block_number": self.block_number,
                "anchored_at": self.anchored_at,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Receipt:
        """Parse; raise :class:`VerificationError` naming the first malformed field (never its value)."""
        try:
            data = obj(data, "the receipt")
            if data.get("format") != RECEIPT_FORMAT:
                raise VerificationError(f"not a receipt (format must be {RECEIPT_FORMAT!r})")
            inclusion = field(data, "inclusion", mapping)
            batch = field(data, "batch", mapping)
            anchor = field(data, "anchor", mapping)
            entry = Entry.from_json(field(data, "entry", mapping))
            return cls(
                entry=entry,
                leaf_index=field(inclusion, "leaf_index", integer(), "inclusion."),
                tree_size=field(inclusion, "tree_size", integer(1), "inclusion."),
                proof=field(inclusion, "proof", array(_hex32, MAX_PROOF), "inclusion."),
                batch_id=field(batch, "id", _hex32, "batch."),
                batch_root=field(batch, "root", _hex32, "batch."),
                chain_id=field(anchor, "chain_id", integer(), "anchor."),
                registry=field(anchor, "registry", lambda v: to_address(text(v)), "anchor."),
                tx_hash=field(anchor, "tx_hash", _hex32, "anchor."),
                block_number=field(anchor, "block_number", integer(), "anchor."),
                anchored_at=field(anchor, "anchored_at", integer(), "anchor."),
            )
        except FieldError as exc:
            raise VerificationError(f"malformed receipt: {exc}") from exc


def _hex32(value: Any) -> bytes:
    raw = bytes.fromhex(text(value).removeprefix("0x"))
    if len(raw) != 32:
        raise FieldError("must be 32 bytes of hex")
    return raw

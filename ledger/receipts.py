"""Receipts: everything needed to verify one record version offline.

A receipt holds the entry, its inclusion proof in its batch, the batch id and root, and
where the batch was anchored (chain id, registry address, transaction, block, time). A
receipt proves nothing by itself: its root must be found on-chain, in the registry the
verifier trusts (see :mod:`ledger.verify`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger import ijson, merkle
from ledger.entries import Entry, EntryDomain
from ledger.errors import DocumentError
from ledger.fields import (
    MAX_SAFE,
    MAX_UINT32,
    FieldError,
    address,
    array,
    closed,
    field,
    hex_bytes,
    integer,
    mapping,
)
from ledger.types import Address

RECEIPT_FORMAT = "gridledger-receipt/1"
BATCH_ID_DOMAIN = b"gridledger-batch-v1"
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
    def from_json(cls, data: Any) -> Receipt:
        """Parse strictly (docs/spec/documents.md §D-2); raise :class:`DocumentError` naming the member.

        The message names the member and its rule, never its value.
        """
        try:
            if not isinstance(data, Mapping) or data.get("format") != RECEIPT_FORMAT:
                raise DocumentError("format", f"not a receipt (format must be {RECEIPT_FORMAT!r})")
            closed(data, {"format", "entry", "inclusion", "batch", "anchor"}, "the receipt")
            inclusion = field(data, "inclusion", mapping)
            batch = field(data, "batch", mapping)
            anchor = field(data, "anchor", mapping)
            closed(inclusion, {"leaf_index", "tree_size", "proof"}, "inclusion")
            closed(batch, {"id", "root"}, "batch")
            closed(anchor, {"chain_id", "registry", "tx_hash", "block_number", "anchored_at"}, "anchor")
            if "entry" not in data:
                raise FieldError("entry is missing")
            entry = Entry.from_json(data["entry"])
            return cls(
                entry=entry,
                leaf_index=field(inclusion, "leaf_index", integer(0, MAX_UINT32 - 1), "inclusion."),
                tree_size=field(inclusion, "tree_size", integer(1, MAX_UINT32), "inclusion."),
                proof=field(inclusion, "proof", array(hex_bytes(32), MAX_PROOF), "inclusion."),
                batch_id=field(batch, "id", hex_bytes(32), "batch."),
                batch_root=field(batch, "root", hex_bytes(32), "batch."),
                chain_id=field(anchor, "chain_id", integer(1, MAX_SAFE), "anchor."),
                registry=Address(field(anchor, "registry", address, "anchor.")),
                tx_hash=field(anchor, "tx_hash", hex_bytes(32), "anchor."),
                block_number=field(anchor, "block_number", integer(0, MAX_SAFE), "anchor."),
                anchored_at=field(anchor, "anchored_at", integer(0, MAX_SAFE), "anchor."),
            )
        except FieldError as exc:
            raise DocumentError("schema", f"malformed receipt: {exc}") from exc

    @classmethod
    def from_text(cls, text: str | bytes) -> Receipt:
        """Read a receipt file's text: I-JSON first (§J-1), then :meth:`from_json`."""
        return cls.from_json(ijson.loads(text, "the receipt"))


def batch_id_for(root: bytes) -> bytes:
    """The batch id a gateway anchors ``root`` under: ``SHA-256("gridledger-batch-v1" || root)`` (§P-6)."""
    return hashlib.sha256(BATCH_ID_DOMAIN + root).digest()

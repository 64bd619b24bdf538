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
from ledger.types import Address, to_address

RECEIPT_FORMAT = "gridledger-receipt/1"


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
        """Parse; raise :class:`VerificationError` on a malformed receipt."""
        try:
            if data.get("format") != RECEIPT_FORMAT:
                raise VerificationError(f"not a receipt (format must be {RECEIPT_FORMAT!r})")
            inclusion, batch, anchor = data["inclusion"], data["batch"], data["anchor"]
            return cls(
                entry=Entry.from_json(data["entry"]),
                leaf_index=int(inclusion["leaf_index"]),
                tree_size=int(inclusion["tree_size"]),
                proof=tuple(_hex32(p) for p in inclusion["proof"]),
                batch_id=_hex32(batch["id"]),
                batch_root=_hex32(batch["root"]),
                chain_id=int(anchor["chain_id"]),
                registry=to_address(str(anchor["registry"])),
                tx_hash=_hex32(anchor["tx_hash"]),
                block_number=int(anchor["block_number"]),
                anchored_at=int(anchor["anchored_at"]),
            )
        except VerificationError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise VerificationError(f"malformed receipt: {exc}") from exc


def _hex32(value: Any) -> bytes:
    raw = bytes.fromhex(str(value).removeprefix("0x"))
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes, got {len(raw)}")
    return raw

"""A :class:`~ledger.chain.view.ChainView` answered from the ``chain`` table of a vector file (§T-1).

Honest where a real node is not needed: the vectors fix what the chain says, so the
verifier's decisions can be checked case by case with no node, in any language.
"""

from __future__ import annotations

from typing import Any

from ledger.chain.contracts import BatchInfo
from ledger.chain.view import LogFacts, TransactionFacts
from ledger.types import Address, OrgId, Role, to_address


def _hex(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


class StaticChain:
    """The reads of docs/spec/verification.md, from a table."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.table = table
        self.reads: list[str] = []  # which reads were made, for tests of the trust rule

    def prefetch(
        self, batch_id: bytes, tx_hash: bytes, account: str, block: int, *, type_version: bytes | None = None
    ) -> None:
        """Nothing to fetch: the table is at hand."""

    def batch(self, batch_id: bytes) -> BatchInfo | None:
        self.reads.append("batch")
        row = self.table["batches"].get("0x" + batch_id.hex())
        if row is None:
            return None
        return BatchInfo(batch_id, _hex(row["root"]), row["size"], row["anchored_at"], row["block_number"],
                         OrgId(row["org"]), to_address(row["anchorer"]))  # fmt: skip

    def transaction(self, tx_hash: bytes) -> TransactionFacts | None:
        self.reads.append("transaction")
        row = self.table["transactions"].get("0x" + tx_hash.hex())
        if row is None:
            return None
        logs = tuple(LogFacts(log["address"], tuple(_hex(t) for t in log["topics"])) for log in row["logs"])
        return TransactionFacts(row["status"], row["block_number"], logs)

    def type_version(self, version_hash: bytes) -> str | None:
        """The type name ``RecordTypes`` registers ``version_hash`` under (§V-14), ``None`` when none."""
        self.reads.append("type-version")
        row = self.table.get("type_versions", {}).get("0x" + version_hash.hex())
        return None if row is None else str(row["name"])

    def membership_at(self, account: str, block: int) -> tuple[OrgId | None, Role]:
        self.reads.append("membership")
        spans = [s for s in self.table["memberships"].get(Address(to_address(account)), []) if s["from_block"] <= block]
        if not spans:
            return None, Role(0)
        latest = max(spans, key=lambda s: s["from_block"])
        return OrgId(latest["org"]), Role(latest["roles"])

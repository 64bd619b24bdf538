"""What a verifier reads from the chain (docs/spec/verification.md, "Chain reads"), behind one seam.

Three reads and nothing else: a batch from the registry, a transaction's receipt, and an
account's membership at a block. :class:`DeploymentChain` answers them from a real node
through the verifier's own address book; the language-neutral vectors answer them from a
static table (``tests/vectors/verification.json``), so the Python and JavaScript verifiers
run the same decision procedure with no node at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from web3.exceptions import TransactionNotFound

from ledger.chain.address_book import Deployment
from ledger.chain.contracts import BatchInfo
from ledger.eip712 import _keccak
from ledger.errors import ChainError
from ledger.types import OrgId, Role, bytes32_to_slug, to_address

BATCH_ANCHORED_TOPIC = _keccak(b"BatchAnchored(bytes32,bytes32,bytes32,uint32,address)")


@dataclass(frozen=True)
class LogFacts:
    """One event log of a transaction: the emitting contract and its topics."""

    address: str
    topics: tuple[bytes, ...]


@dataclass(frozen=True)
class TransactionFacts:
    """What a verifier needs of a mined transaction's receipt."""

    status: int
    block_number: int
    logs: tuple[LogFacts, ...]

    def anchored(self, registry: str, batch_id: bytes, root: bytes) -> bool:
        """Whether this transaction succeeded and ``registry`` emitted ``BatchAnchored(batch_id, root, …)``."""
        return self.status == 1 and any(
            log.address.lower() == registry.lower()
            and len(log.topics) >= 3
            and log.topics[0] == BATCH_ANCHORED_TOPIC
            and log.topics[1] == batch_id
            and log.topics[2] == root
            for log in self.logs
        )


class ChainView(Protocol):
    """The chain as one verifier sees it, through its own address book."""

    def batch(self, batch_id: bytes) -> BatchInfo | None:
        """``RecordRegistry.getBatch``; ``None`` where it reverts ``RegistryUnknownBatch``."""

    def transaction(self, tx_hash: bytes) -> TransactionFacts | None:
        """``eth_getTransactionReceipt``; ``None`` where the node knows no such transaction."""

    def membership_at(self, account: str, block: int) -> tuple[OrgId | None, Role]:
        """``Membership.membershipAt(account, block)``."""

    def prefetch(
        self, batch_id: bytes, tx_hash: bytes, account: str, block: int, *, type_version: bytes | None = None
    ) -> None:
        """A hint that these three reads follow (a view may fetch them at once, or ignore it)."""


class DeploymentChain:
    """A :class:`ChainView` on a real node, through the verifier's :class:`Deployment`.

    :meth:`prefetch` asks for all three reads in one JSON-RPC batch (one round trip: the
    difference between ~3 and ~5 ms a record); anything unusual — a revert, an unknown
    transaction, a node without batch support — leaves the cache empty, and each read is
    then made on its own, with its own precise answer.
    """

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self._batches: dict[bytes, BatchInfo] = {}
        self._transactions: dict[bytes, TransactionFacts] = {}
        self._members: dict[tuple[str, int], tuple[OrgId | None, Role]] = {}
        self._type_names: dict[bytes, str] = {}  # registered type versions' names (a registration is final)

    def prefetch(
        self, batch_id: bytes, tx_hash: bytes, account: str, block: int, *, type_version: bytes | None = None
    ) -> None:
        """Read the batch, the transaction, the membership at ``block`` and the entry's type version (format 2)
        in one round trip (none when all are known: a mirror verifies a whole batch's records with one)."""
        types = getattr(self.deployment, "record_types", None)  # None on a deployment from before RecordTypes
        wanted = type_version if types is not None and type_version not in self._type_names else None
        known = batch_id in self._batches and tx_hash in self._transactions and (account, block) in self._members
        if known and wanted is None:
            return
        d = self.deployment
        try:
            with d.chain.w3.batch_requests() as calls:
                calls.add(d.registry.contract.functions.getBatch(batch_id))
                calls.add(d.chain.w3.eth.get_transaction_receipt(tx_hash))  # type: ignore[arg-type]
                calls.add(d.membership.contract.functions.membershipAt(account, block))
                if wanted is not None:
                    calls.add(types.contract.functions.versionInfo(wanted))  # type: ignore[union-attr]
                results: list[Any] = list(calls.execute())  # decoded outputs, despite the RPCResponse annotation
            raw_batch, receipt, member = results[:3]
        except Exception:  # an unregistered version reverts too: each read is then made on its own
            return
        if wanted is not None:
            self._type_names[wanted] = bytes32_to_slug(results[3][0])
        root, org, anchorer, size, at, number = raw_batch
        self._batches[batch_id] = BatchInfo(batch_id, root, size, at, number, OrgId(bytes32_to_slug(org)),
                                            to_address(anchorer))  # fmt: skip
        self._transactions[tx_hash] = _facts(receipt)
        member_org = OrgId(bytes32_to_slug(member[0])) if bytes(member[0]) != bytes(32) else None
        self._members[(account, block)] = (member_org, Role(member[1]))

    def batch(self, batch_id: bytes) -> BatchInfo | None:
        if batch_id in self._batches:
            return self._batches[batch_id]
        try:
            return self.deployment.registry.get_batch(batch_id)
        except ChainError as exc:
            if getattr(exc, "error_name", None) == "RegistryUnknownBatch":
                return None
            raise

    def transaction(self, tx_hash: bytes) -> TransactionFacts | None:
        if tx_hash in self._transactions:
            return self._transactions[tx_hash]
        try:
            return _facts(self.deployment.chain.transaction_receipt(tx_hash))
        except TransactionNotFound:
            return None

    def membership_at(self, account: str, block: int) -> tuple[OrgId | None, Role]:
        if (account, block) in self._members:
            return self._members[(account, block)]
        return self.deployment.membership.membership_of(account, block=block)

    def type_version_name(self, version_hash: bytes) -> str | None:
        """The type name ``RecordTypes`` registers ``version_hash`` under (``None``: not registered)."""
        if version_hash in self._type_names:
            return self._type_names[version_hash]
        info = self.deployment.record_types.version_info(version_hash)
        if info is None:
            return None
        self._type_names[version_hash] = str(info.name)
        return str(info.name)


def _facts(receipt: Any) -> TransactionFacts:
    logs = tuple(LogFacts(str(log["address"]), tuple(bytes(t) for t in log["topics"])) for log in receipt["logs"])
    return TransactionFacts(int(receipt["status"]), int(receipt["blockNumber"]), logs)

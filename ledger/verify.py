"""Offline verification of a record (or some of its fields) against the chain.

Trust rule: a receipt's root means nothing until the same root is found on-chain, under
the same batch id, in the registry the verifier trusts — the one in *its* address book,
never one a gateway names. Checks, in order:

1. the disclosed fields match the entry's commitment (each with its salt and proof);
2. the entry's EIP-712 signature recovers to its stated committer;
3. the entry is included in the batch root (RFC 6962 proof);
4. the registry holds that root under that batch id (one chain call);
5. the committer was a recorder of the owning organisation at the anchoring block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.chain.address_book import Deployment
from ledger.chain.contracts import BatchInfo
from ledger.commitments import Disclosure, verify_disclosure
from ledger.errors import ChainError, LedgerError, ProofError, VerificationError
from ledger.receipts import Receipt
from ledger.timefmt import local_time
from ledger.types import OrgId, Role, bytes32_to_slug, to_address


@dataclass
class Verdict:
    """What a verifier learns: valid or not, why, and the provenance."""

    record_id: str
    org: str
    record_type: str
    version: int
    committer: str
    problems: list[str] = field(default_factory=list)
    proven_fields: list[str] = field(default_factory=list)
    complete: bool = False
    payload_checked: bool = False
    block_number: int | None = None
    anchored_at: int | None = None
    batch_id: str = ""

    @property
    def valid(self) -> bool:
        """Valid exactly when no check found a problem (derived, so it can never disagree)."""
        return not self.problems

    def summary(self) -> str:
        what = f"record {self.record_id} v{self.version} ({self.record_type}) of {self.org}"
        if not self.valid:
            return f"INVALID: {what}: {'; '.join(self.problems)}"
        if not self.payload_checked:
            fields = "payload not given or erased; the entry alone is anchored"
        elif self.complete:
            fields = f"all {len(self.proven_fields)} fields proven"
        else:
            fields = f"fields proven: {', '.join(self.proven_fields)}"
        return (
            f"VALID: {what}, committed by {self.committer}, anchored in block {self.block_number} "
            f"at {local_time(self.anchored_at)}; {fields}"
        )

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, **self.__dict__, "summary": self.summary()}


def verify_local(receipt: Receipt, disclosure: Disclosure | None) -> Verdict:
    """Checks 1-3, which need no chain."""
    entry = receipt.entry
    verdict = Verdict(
        record_id=entry.record_id,
        org=entry.org,
        record_type=entry.record_type,
        version=entry.version,
        committer=entry.committer,
        block_number=receipt.block_number,
        anchored_at=receipt.anchored_at,
        batch_id="0x" + receipt.batch_id.hex(),
    )
    if disclosure is not None:
        verdict.payload_checked = True
        if disclosure.record_id != entry.record_id:
            verdict.problems.append(
                f"the payload is of record {disclosure.record_id}, the receipt of {entry.record_id}"
            )
        else:
            try:
                verdict.proven_fields = verify_disclosure(disclosure, entry.commitment)
                verdict.complete = disclosure.complete
            except VerificationError as exc:
                verdict.problems.append(exc.message)
    try:
        signer = entry.signer(receipt.domain)
        if signer != entry.committer:
            verdict.problems.append(f"the entry is signed by {signer}, not by its committer {entry.committer}")
    except VerificationError as exc:
        verdict.problems.append(exc.message)
    try:
        receipt.check_inclusion()
    except ProofError as exc:
        verdict.problems.append(f"the entry is not in the batch root: {exc.message}")
    return verdict


def _chain_facts(deployment: Deployment, receipt: Receipt) -> tuple[BatchInfo, tuple[OrgId | None, Role]] | None:
    """The batch anchor and the committer's membership in one JSON-RPC batch (one round trip).

    The membership is read at the receipt's block; if the chain's anchor block differs, or
    anything goes wrong, ``None`` sends the caller down the one-call-at-a-time path.
    """
    w3 = deployment.chain.w3
    try:
        with w3.batch_requests() as calls:
            calls.add(deployment.registry.contract.functions.getBatch(receipt.batch_id))
            calls.add(
                deployment.membership.contract.functions.membershipAt(receipt.entry.committer, receipt.block_number)
            )
            results: list[Any] = list(calls.execute())  # decoded outputs, despite the RPCResponse annotation
        raw_batch, raw_member = results
        root, org, anchorer, size, at, number = raw_batch
        if number != receipt.block_number:
            return None
        batch = BatchInfo(receipt.batch_id, root, size, at, number, OrgId(bytes32_to_slug(org)), to_address(anchorer))
        member_org = OrgId(bytes32_to_slug(raw_member[0])) if bytes(raw_member[0]) != bytes(32) else None
        return batch, (member_org, Role(raw_member[1]))
    except Exception:
        return None


def verify(receipt: Receipt, disclosure: Disclosure | None, deployment: Deployment) -> Verdict:
    """All five checks; ``deployment`` is the verifier's own address book on its own node."""
    verdict = verify_local(receipt, disclosure)
    book = deployment.book
    if receipt.chain_id != book.chain_id or receipt.registry != book.registry:
        verdict.problems.append(
            f"the receipt names registry {receipt.registry} on chain {receipt.chain_id}; "
            f"the trusted one is {book.registry} on chain {book.chain_id}"
        )
        return verdict
    facts = _chain_facts(deployment, receipt)
    if facts is None:  # one call at a time, for precise messages
        try:
            batch = deployment.registry.get_batch(receipt.batch_id)
        except ChainError as exc:
            if getattr(exc, "error_name", None) == "RegistryUnknownBatch":
                verdict.problems.append("the batch is not anchored on-chain")
                return verdict
            raise
        try:
            member = deployment.membership.membership_of(receipt.entry.committer, block=batch.block_number)
        except LedgerError as exc:
            verdict.problems.append(f"could not read the committer's membership: {exc.message}")
            return verdict
        facts = (batch, member)
    batch, (org, roles) = facts
    if batch.root != receipt.batch_root:
        verdict.problems.append("the on-chain root of this batch differs from the receipt's")
    verdict.block_number, verdict.anchored_at = batch.block_number, batch.anchored_at
    if org != receipt.entry.org or not roles & Role.RECORDER:
        verdict.problems.append(
            f"{receipt.entry.committer} was not a recorder of {receipt.entry.org} at block {batch.block_number}"
        )
    return verdict

"""Verifying a record (or some of its fields) against the chain: docs/spec/verification.md.

Trust rule (§V): the chain id and the registry come from the verifier's *own* address
book, never from the receipt; every fact a receipt states about its anchor is read back
from the verifier's node and compared. The checks run in the spec's order, each tagged
with its code, and the verdict's ``check`` is the code of the first that failed — the
JavaScript verifier (``verifier-js/``) reports the same codes on the same vectors.

    §V-1..3  json, format, schema     reading the documents (:func:`verify_texts`)
    §V-4     version-rule             version 1 exactly when nothing is superseded
    §V-5     trust-domain             the receipt's chain and registry are the book's
    §V-6     signature                the entry's EIP-712 signature recovers to its committer
    §V-7     disclosure-record        the fields are of this record
    §V-8     disclosure-proof         each field proves against the commitment
    §V-9     inclusion                the entry is in the batch root
    §V-10    batch-anchored           the registry holds that root under that batch id
    §V-11    batch-facts              tree size, block and time as the registry says
    §V-12    anchor-transaction       the transaction anchored that batch in that block
    §V-13    committer-role           the committer was a recorder of the owner then
    §V-14    type-version             a format-2 entry's type version is registered under its type

§V-14 reads ``RecordTypes``; a chain view that cannot (a deployment or address book from before
that contract) leaves it unmade and says so in a note. A format-1 entry never needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger import ijson
from ledger.chain.address_book import AddressBook, Deployment
from ledger.chain.contracts import BatchInfo
from ledger.chain.view import ChainView, DeploymentChain, TransactionFacts
from ledger.commitments import DISCLOSURE_FORMAT, Disclosure, verify_disclosure
from ledger.entries import ENTRY_FORMATS, EntryDomain, entry_format
from ledger.errors import DocumentError, ProofError, VerificationError
from ledger.receipts import RECEIPT_FORMAT, Receipt, batch_id_for
from ledger.timefmt import local_time
from ledger.types import OrgId, Role, to_address

CHECKS = (
    "json", "format", "schema", "version-rule", "trust-domain", "signature", "disclosure-record",
    "disclosure-proof", "inclusion", "batch-anchored", "batch-facts", "anchor-transaction", "committer-role",
    "type-version",
)  # fmt: skip
"""Every check code, in the order of docs/spec/verification.md (§V-1 … §V-14)."""

TypeVersionNames = Callable[[bytes], str | None]
"""The type name ``RecordTypes`` registers a version hash under, ``None`` when it registers none (§V-14)."""


@dataclass
class Verdict:
    """What a verifier learns: valid or not, which checks failed and why, and the provenance."""

    record_id: str
    org: str
    record_type: str
    version: int
    committer: str
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # the code of each problem, in step
    notes: list[str] = field(default_factory=list)
    proven_fields: list[str] = field(default_factory=list)
    complete: bool = False
    payload_checked: bool = False
    block_number: int | None = None
    anchored_at: int | None = None
    batch_id: str = ""
    type_version: str | None = None  # the entry's record-type version, "0x" + 64 hex (format 2)

    @property
    def valid(self) -> bool:
        """Valid exactly when no check found a problem (derived, so it can never disagree)."""
        return not self.problems

    @property
    def check(self) -> str | None:
        """The code of the first failing check in the spec's order (§V), ``None`` when valid."""
        return min(self.checks, key=CHECKS.index) if self.checks else None

    def fail(self, check: str, message: str) -> None:
        self.checks.append(check)
        self.problems.append(message)

    def summary(self) -> str:
        if not self.record_id:  # a document that could not be read: nothing about the record is known
            return f"INVALID: {'; '.join(self.problems)}"
        kind = self.record_type
        if self.type_version is not None:
            kind += f", type version {self.type_version}"
        what = f"record {self.record_id} v{self.version} ({kind}) of {self.org}"
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
        return {"valid": self.valid, "check": self.check, **self.__dict__, "summary": self.summary()}

    @classmethod
    def unreadable(cls, error: VerificationError) -> Verdict:
        """The verdict on a document that could not be read (§V-1..3): nothing about it is known."""
        verdict = cls(record_id="", org="", record_type="", version=0, committer="")
        verdict.fail(error.check or "schema", error.message)
        return verdict


def _verdict_for(receipt: Receipt) -> Verdict:
    entry = receipt.entry
    return Verdict(
        record_id=entry.record_id,
        org=entry.org,
        record_type=entry.record_type,
        version=entry.version,
        committer=entry.committer,
        block_number=receipt.block_number,
        anchored_at=receipt.anchored_at,
        batch_id="0x" + receipt.batch_id.hex(),
        type_version=None if entry.type_version is None else "0x" + entry.type_version.hex(),
    )


def _check_signature(verdict: Verdict, receipt: Receipt, domain: EntryDomain) -> None:
    """§V-6: the signature's form and recovery (§P-5) over the digest in ``domain`` (§P-4)."""
    entry = receipt.entry
    try:
        signer = entry.signer(domain)
    except VerificationError as exc:
        verdict.fail("signature", exc.message)
        return
    if signer != entry.committer:
        verdict.fail("signature", f"the entry is signed by {signer}, not by its committer {entry.committer}")


def _check_disclosure(verdict: Verdict, receipt: Receipt, disclosure: Disclosure) -> None:
    """§V-7 and §V-8."""
    verdict.payload_checked = True
    if disclosure.record_id != receipt.entry.record_id:
        verdict.fail(
            "disclosure-record",
            f"the payload is of record {disclosure.record_id}, the receipt of {receipt.entry.record_id}",
        )
        return
    try:
        verdict.proven_fields = verify_disclosure(disclosure, receipt.entry.commitment)
        verdict.complete = disclosure.complete
    except VerificationError as exc:
        verdict.fail("disclosure-proof", exc.message)


def _check_inclusion(verdict: Verdict, receipt: Receipt) -> None:
    """§V-9."""
    try:
        receipt.check_inclusion()
    except ProofError as exc:
        verdict.fail("inclusion", f"the entry is not in the batch root: {exc.message}")


def verify_local(receipt: Receipt, disclosure: Disclosure | None) -> Verdict:
    """The checks that need no chain (§V-4, §V-6 to §V-9), in the receipt's own domain.

    Offline only: without the verifier's address book and node, nothing here says the
    batch was anchored where the verifier trusts (that is :func:`verify`).
    """
    verdict = _verdict_for(receipt)
    _local_checks(verdict, receipt, disclosure, receipt.domain)
    return verdict


def _local_checks(verdict: Verdict, receipt: Receipt, disclosure: Disclosure | None, domain: EntryDomain) -> None:
    problem = receipt.entry.version_problem()
    if problem:
        verdict.fail("version-rule", problem)
    _check_signature(verdict, receipt, domain)
    if disclosure is not None:
        _check_disclosure(verdict, receipt, disclosure)
    _check_inclusion(verdict, receipt)


def verify_with(
    receipt: Receipt,
    disclosure: Disclosure | None,
    book: AddressBook,
    chain: ChainView,
    *,
    type_versions: TypeVersionNames | None = None,
) -> Verdict:
    """Every check of §V-4 to §V-14 against ``book`` (the verifier's own) and ``chain`` (its node).

    ``type_versions`` answers §V-14 for a format-2 entry; without it, it is asked of ``chain``
    (a view with a ``type_version`` read, or one over a deployment with ``record_types``).
    """
    verdict = _verdict_for(receipt)
    if receipt.chain_id != book.chain_id or receipt.registry.lower() != book.registry.lower():  # §V-5
        verdict.fail(
            "trust-domain",
            f"the receipt names registry {receipt.registry} on chain {receipt.chain_id}; "
            f"the trusted one is {book.registry} on chain {book.chain_id}",
        )
    # §V-4, §V-6..9 as offline, but in the book's domain, never the receipt's; the verdict's check
    # is the first failure in the spec's order whatever order the failures were found in
    _local_checks(verdict, receipt, disclosure, EntryDomain(book.chain_id, to_address(book.registry)))
    if "trust-domain" in verdict.checks:
        return verdict  # no chain read for a receipt of another deployment (§V-5)
    _chain_checks(verdict, receipt, book, chain, type_versions)
    return verdict


def _chain_checks(
    verdict: Verdict, receipt: Receipt, book: AddressBook, chain: ChainView, type_versions: TypeVersionNames | None
) -> None:
    """§V-10 to §V-14; every fact is read from ``chain`` and compared, never taken from the receipt."""
    chain.prefetch(receipt.batch_id, receipt.tx_hash, receipt.entry.committer, receipt.block_number,
                   type_version=receipt.entry.type_version)  # fmt: skip
    batch = chain.batch(receipt.batch_id)
    if batch is None:
        verdict.fail("batch-anchored", "the batch is not anchored on-chain")
        return
    if batch.root != receipt.batch_root:
        verdict.fail("batch-anchored", "the on-chain root of this batch differs from the receipt's")
        return
    verdict.block_number, verdict.anchored_at = batch.block_number, batch.anchored_at
    misstated = [
        name
        for name, stated, actual in (
            ("tree size", receipt.tree_size, batch.size),
            ("block", receipt.block_number, batch.block_number),
            ("anchoring time", receipt.anchored_at, batch.anchored_at),
        )
        if stated != actual
    ]
    if misstated:
        verdict.fail("batch-facts", f"the receipt misstates the batch's {', '.join(misstated)} (the chain differs)")
    tx = chain.transaction(receipt.tx_hash)
    if tx is None:
        verdict.fail("anchor-transaction", "the chain knows no transaction with the receipt's hash")
    elif not tx.anchored(book.registry, receipt.batch_id, receipt.batch_root) or tx.block_number != batch.block_number:
        verdict.fail("anchor-transaction", "the receipt's transaction did not anchor this batch in its block")
    org, roles = chain.membership_at(receipt.entry.committer, batch.block_number)
    if org != receipt.entry.org or not roles & Role.RECORDER:
        verdict.fail(
            "committer-role",
            f"{receipt.entry.committer} was not a recorder of {receipt.entry.org} at block {batch.block_number}",
        )
    if batch.batch_id != batch_id_for(receipt.batch_root):  # §P-6: adopted, not refused
        verdict.notes.append("the batch id is not derived from its root: another anchorer anchored this root first")
    if receipt.entry.type_version is not None:  # format 2 only: a format-1 entry never reads RecordTypes
        _check_type_version(verdict, receipt.entry.type_version, receipt.entry.record_type,
                            type_versions or _type_versions_of(chain))  # fmt: skip


def _check_type_version(
    verdict: Verdict, type_version: bytes, record_type: str, type_versions: TypeVersionNames | None
) -> None:
    """§V-14: ``RecordTypes`` registers the entry's type version, under the entry's type."""
    shown = "0x" + type_version.hex()
    if type_versions is None:
        verdict.notes.append("the type version was not checked on-chain: the address book names no RecordTypes")
        return
    name = type_versions(type_version)
    if name is None:
        verdict.fail("type-version", f"type version {shown} is not registered on-chain")
    elif name != record_type:
        verdict.fail("type-version", f"type version {shown} is registered for type {name}, not {record_type}")


def _type_versions_of(chain: ChainView) -> TypeVersionNames | None:
    """How ``chain`` answers §V-14, if it can: its own ``type_version`` read (a vector file's static chain),
    or the ``RecordTypes`` client of the deployment it reads through; ``None`` before that contract existed."""
    view: object = chain._get() if isinstance(chain, _Lazy) else chain
    own = getattr(view, "type_version", None)
    if callable(own):
        return own  # type: ignore[no-any-return]
    record_types = getattr(getattr(view, "deployment", None), "record_types", None)
    if record_types is None:
        return None
    return view.type_version_name if isinstance(view, DeploymentChain) else _names_from(record_types)


def _names_from(record_types: Any) -> TypeVersionNames:
    """A :data:`TypeVersionNames` over a ``RecordTypes`` client (``version_info(hash) -> TypeVersionInfo | None``)."""

    def name_of(version_hash: bytes) -> str | None:
        info = record_types.version_info(version_hash)
        return None if info is None else str(info.name)

    return name_of


def verify(receipt: Receipt, disclosure: Disclosure | None, deployment: Deployment) -> Verdict:
    """All the checks; ``deployment`` is the verifier's own address book on its own node."""
    chain = DeploymentChain(deployment)  # reads the type version in the same round trip as the rest
    names = None if getattr(deployment, "record_types", None) is None else chain.type_version_name
    return verify_with(receipt, disclosure, deployment.book, chain, type_versions=names)


def verify_texts(
    receipt_text: str | bytes,
    disclosure_text: str | bytes | None,
    book: AddressBook,
    chain: Callable[[], ChainView],
) -> Verdict:
    """Read the files (§V-1..3) and verify; a document that cannot be read is an invalid verdict.

    ``chain`` is a factory, so that nothing connects to a node for a file that is not even JSON.
    """
    try:
        receipt_doc = ijson.loads(receipt_text, "the receipt")  # §V-1 for both documents first,
        disclosure_doc = None if disclosure_text is None else ijson.loads(disclosure_text, "the disclosure")
    except DocumentError as exc:
        return Verdict.unreadable(exc)
    return verify_documents(
        receipt_doc, disclosure_doc, book, _Lazy(chain), disclosure_given=disclosure_text is not None
    )


def verify_documents(
    receipt_doc: Any, disclosure_doc: Any, book: AddressBook, chain: ChainView, *, disclosure_given: bool = True
) -> Verdict:
    """Verify documents already read as I-JSON (§V-2 on): what a client holding parsed JSON calls."""
    try:
        check_formats(receipt_doc, disclosure_doc, disclosure_given=disclosure_given)  # §V-2
        receipt = Receipt.from_json(receipt_doc)  # then §V-3
        disclosure = Disclosure.from_json(disclosure_doc) if disclosure_given else None
    except DocumentError as exc:
        return Verdict.unreadable(exc)
    return verify_with(receipt, disclosure, book, chain)


class _Lazy:
    """A :class:`ChainView` that connects on its first read: a receipt refused before any chain
    check (another deployment's, §V-5) gets its verdict even with no node answering."""

    def __init__(self, factory: Callable[[], ChainView]) -> None:
        self._factory = factory
        self._view: ChainView | None = None

    def _get(self) -> ChainView:
        if self._view is None:
            self._view = self._factory()
        return self._view

    def prefetch(
        self, batch_id: bytes, tx_hash: bytes, account: str, block: int, *, type_version: bytes | None = None
    ) -> None:
        self._get().prefetch(batch_id, tx_hash, account, block, type_version=type_version)

    def batch(self, batch_id: bytes) -> BatchInfo | None:
        return self._get().batch(batch_id)

    def transaction(self, tx_hash: bytes) -> TransactionFacts | None:
        return self._get().transaction(tx_hash)

    def membership_at(self, account: str, block: int) -> tuple[OrgId | None, Role]:
        return self._get().membership_at(account, block)


def check_formats(receipt: Any, disclosure: Any, *, disclosure_given: bool = True) -> None:
    """§V-2 over every document before any §V-3 check, so the first failing check is the spec's.

    A disclosure file holding ``null`` is a document that is not an object, not "no disclosure".
    """
    if not isinstance(receipt, dict) or receipt.get("format") != RECEIPT_FORMAT:
        raise DocumentError("format", f"not a receipt (format must be {RECEIPT_FORMAT!r})")
    entry = receipt.get("entry", {"format": ENTRY_FORMATS[0]})  # a missing entry is a schema matter (§V-3)
    if not isinstance(entry, dict) or entry_format(entry.get("format")) is None:
        raise DocumentError("format", "not an entry of a format this verifier implements (1 or 2)")
    if disclosure_given and (not isinstance(disclosure, dict) or disclosure.get("format") != DISCLOSURE_FORMAT):
        raise DocumentError("format", f"not a disclosure (format must be {DISCLOSURE_FORMAT!r})")

"""Typed clients for the four GridLedger contracts.

Each method is one contract function with Python types in and out: organisation ids and
record types as slugs, addresses checksummed, roles as :class:`~ledger.types.Role`.
Writes take the sending account and return the mined receipt; reverts arrive as
:class:`~ledger.errors.TransactionFailedError` with the custom error decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.types import TxReceipt

from ledger.chain.base import ZERO32, ContractClient, Relayed, hash32
from ledger.chain.record_types import RecordTypesClient, TypeVersionInfo
from ledger.types import Address, OrgId, OrgKind, Role, bytes32_to_slug, slug_to_bytes32, to_address

__all__ = [
    "REVIEW_STATES",
    "ZERO32",
    "BatchInfo",
    "GrantInfo",
    "GrantsClient",
    "LogHeadInfo",
    "MembershipClient",
    "OrgInfo",
    "RecordTypesClient",
    "RegistryClient",
    "Relayed",
    "TypeVersionInfo",
]

REVIEW_STATES = ("none", "proposed", "approved", "refused")
"""``IAccessGrants.Review`` by value: where a grant stands in two-person review."""


@dataclass(frozen=True)
class OrgInfo:
    """An organisation as the chain knows it."""

    org_id: OrgId
    kind: OrgKind
    parent: OrgId | None
    active: bool
    name: str


@dataclass(frozen=True)
class BatchInfo:
    """A batch anchor as stored in ``RecordRegistry``."""

    batch_id: bytes
    root: bytes
    size: int
    anchored_at: int
    block_number: int
    org: OrgId
    anchorer: Address


@dataclass(frozen=True)
class LogHeadInfo:
    """An anchored access-log head."""

    tree_size: int
    anchored_at: int
    block_number: int
    root: bytes


@dataclass(frozen=True)
class GrantInfo:
    """A grant as stored in ``AccessGrants``.

    The purpose is only its code and salted hash (see :mod:`ledger.purposes`): the free
    text stays off-chain with the gateway. ``review`` is one of :data:`REVIEW_STATES`:
    ``"none"`` for a grant that named no sensitive field; a ``"proposed"`` or ``"refused"``
    grant allows nothing. The reviewer, its time and reason hash (:mod:`ledger.reviews`) are
    ``None``/zero until a proposal is decided.
    """

    grant_id: int
    owner_org: OrgId
    grantee_org: OrgId
    scope_kind: int  # 0 record, 1 record type
    scope: bytes
    expires_at: int
    granted_at: int
    revoked_at: int
    grantor: Address
    purpose_code: str
    purpose_hash: bytes
    fields: tuple[str, ...]
    review: str
    review_deadline: int
    reviewer: Address | None
    reviewed_at: int
    review_reason_hash: bytes


class MembershipClient(ContractClient):
    name = "Membership"

    def register_org(
        self, sender: LocalAccount, org: str, kind: OrgKind, name: str, parent: str | None = None
    ) -> TxReceipt:
        parent_b = slug_to_bytes32(parent) if parent else ZERO32
        return self._send(sender, "registerOrg", slug_to_bytes32(org), int(kind), parent_b, name)

    def deactivate_org(self, sender: LocalAccount, org: str) -> TxReceipt:
        return self._send(sender, "deactivateOrg", slug_to_bytes32(org))

    def add_member(self, sender: LocalAccount, account: str, org: str, roles: Role) -> TxReceipt:
        return self._send(sender, "addMember", to_address(account), slug_to_bytes32(org), int(roles))

    def set_roles(self, sender: LocalAccount, account: str, roles: Role) -> TxReceipt:
        return self._send(sender, "setRoles", to_address(account), int(roles))

    def remove_member(self, sender: LocalAccount, account: str) -> TxReceipt:
        return self._send(sender, "removeMember", to_address(account))

    def set_gateway(self, sender: LocalAccount, org: str, url: str) -> TxReceipt:
        """Publish (or, with ``""``, withdraw) the gateway URL serving ``org``'s records."""
        return self._send(sender, "setGateway", slug_to_bytes32(org), url)

    def gateway_of(self, org: str) -> str | None:
        """The gateway URL ``org`` published, or ``None``."""
        url = str(self._call("gatewayOf", slug_to_bytes32(org)))
        return url or None

    def deactivated_at(self, org: str) -> int | None:
        """The block in which ``org`` was deactivated (its members hold nothing from there on), or None."""
        block = int(self._call("orgDeactivatedAt", slug_to_bytes32(org)))
        return block or None

    def get_org(self, org: str) -> OrgInfo | None:
        kind, parent, active, name = self._call("getOrg", slug_to_bytes32(org))
        if kind == 0:
            return None
        return OrgInfo(
            OrgId(org), OrgKind(kind), OrgId(bytes32_to_slug(parent)) if parent != ZERO32 else None, active, name
        )

    def org_ids(self) -> list[OrgId]:
        return [OrgId(bytes32_to_slug(o)) for o in self._call("orgIds")]

    def members(self, org: str | None = None) -> list[Address]:
        raw = self._call("membersOf", slug_to_bytes32(org)) if org else self._call("members")
        return [to_address(a) for a in raw]

    def membership_of(self, account: str, block: int | None = None) -> tuple[OrgId | None, Role]:
        """The organisation and roles of ``account`` now, or at the end of ``block``."""
        if block is None:
            org, roles = self._call("membershipOf", to_address(account))
        else:
            org, roles = self._call("membershipAt", to_address(account), block)
        return (OrgId(bytes32_to_slug(org)) if org != ZERO32 else None), Role(roles)


class RegistryClient(ContractClient):
    name = "RecordRegistry"

    def anchor(self, sender: LocalAccount, batch_id: bytes, root: bytes, size: int) -> TxReceipt:
        return self._send(sender, "anchor", batch_id, root, size)

    def anchor_function(self, batch_id: bytes, root: bytes, size: int) -> Any:
        """The bound ``anchor`` call, for callers that send and wait separately."""
        return self.contract.functions.anchor(batch_id, root, size)

    def anchor_log_head(self, sender: LocalAccount, log_id: bytes, tree_size: int, root: bytes) -> TxReceipt:
        return self._send(sender, "anchorLogHead", log_id, tree_size, root)

    def get_batch(self, batch_id: bytes, block: int | str = "latest") -> BatchInfo:
        root, org, anchorer, size, at, number = self._call("getBatch", batch_id, block=block)
        return BatchInfo(batch_id, root, size, at, number, OrgId(bytes32_to_slug(org)), to_address(anchorer))

    def batch_id_of(self, root: bytes) -> bytes | None:
        batch_id = bytes(self._call("batchIdOf", root))
        return None if batch_id == ZERO32 else batch_id

    def log_head_count(self, org: str, log_id: bytes) -> int:
        """How many heads of ``org``'s log ``log_id`` were anchored (heads are kept per anchoring organisation)."""
        return int(self._call("logHeadCount", slug_to_bytes32(org), log_id))

    def log_head_at(self, org: str, log_id: bytes, index: int) -> LogHeadInfo:
        return LogHeadInfo(*self._call("logHeadAt", slug_to_bytes32(org), log_id, index))

    def latest_log_head(self, org: str, log_id: bytes) -> LogHeadInfo | None:
        count = self.log_head_count(org, log_id)
        return self.log_head_at(org, log_id, count - 1) if count else None


class GrantsClient(ContractClient):
    name = "AccessGrants"

    @staticmethod
    def request(
        owner: str,
        grantee: str,
        scope_kind: int,
        scope: bytes,
        fields: list[str],
        purpose_code: str,
        purpose_hash: bytes,
        expires_at: int,
    ) -> tuple[Any, ...]:
        """The ``GrantRequest`` tuple the contract takes; ``purpose_hash`` from :func:`ledger.purposes.purpose_hash`."""
        if len(purpose_hash) != 32:
            raise ValueError(f"a purpose hash is 32 bytes, not {len(purpose_hash)}")
        return (
            slug_to_bytes32(owner),
            slug_to_bytes32(grantee),
            scope_kind,
            scope,
            list(fields),
            slug_to_bytes32(purpose_code),
            bytes(purpose_hash),
            expires_at,
        )

    @staticmethod
    def message(request: tuple[Any, ...]) -> dict[str, Any]:
        """The EIP-712 ``Grant`` message (without signer, nonce, deadline) for a :meth:`request` tuple."""
        names = ("ownerOrg", "granteeOrg", "scopeKind", "scope", "fields", "purposeCode", "purposeHash", "expiresAt")
        return dict(zip(names, request, strict=True))

    def grant(self, sender: LocalAccount, request: tuple[Any, ...]) -> tuple[int, TxReceipt]:
        receipt = self._send(sender, "grant", request)
        (event,) = self.events(receipt, "GrantCreated")
        return int(event["grantId"]), receipt

    def revoke(self, sender: LocalAccount, grant_id: int) -> TxReceipt:
        return self._send(sender, "revoke", grant_id)

    def approve(self, sender: LocalAccount, grant_id: int, reason_hash: bytes) -> TxReceipt:
        """Approve a proposed grant as a privacy reviewer; ``reason_hash`` may be 32 zero bytes (no reason)."""
        return self._send(sender, "approve", grant_id, hash32(reason_hash, "reason hash"))

    def refuse(self, sender: LocalAccount, grant_id: int, reason_hash: bytes) -> TxReceipt:
        """Refuse a proposed grant as a privacy reviewer; ``reason_hash`` from :func:`ledger.reviews.reason_hash`."""
        return self._send(sender, "refuse", grant_id, hash32(reason_hash, "reason hash"))

    @staticmethod
    def review_message(grant_id: int, approved: bool, reason_hash: bytes) -> dict[str, Any]:
        """The EIP-712 ``ReviewGrant`` message (without signer, nonce, deadline)."""
        return {"grantId": grant_id, "approved": approved, "reasonHash": hash32(reason_hash, "reason hash")}

    def review_by_sig(self, grant_id: int, approved: bool, reason_hash: bytes, signer: str, relay: Relayed) -> Any:
        """The ``reviewBySig`` call a gateway relays for ``signer`` (send it with ``ChainClient.transact``)."""
        return self.contract.functions.reviewBySig(
            grant_id, approved, hash32(reason_hash, "reason hash"), signer, relay.nonce, relay.deadline,
            relay.signature,
        )  # fmt: skip

    def set_review_window(self, sender: LocalAccount, seconds: int) -> TxReceipt:
        """Set how long new proposals await review (the consortium admin only; 1 hour to 90 days)."""
        return self._send(sender, "setReviewWindow", seconds)

    def review_window(self) -> int:
        """How long, in seconds, a proposed grant awaits review."""
        return int(self._call("reviewWindow"))

    def grant_by_sig(self, request: tuple[Any, ...], signer: str, relay: Relayed) -> Any:
        """The ``grantBySig`` call a gateway relays for ``signer`` (send it with ``ChainClient.transact``)."""
        return self.contract.functions.grantBySig(request, signer, relay.nonce, relay.deadline, relay.signature)

    def revoke_by_sig(self, grant_id: int, signer: str, relay: Relayed) -> Any:
        """The ``revokeBySig`` call a gateway relays for ``signer``."""
        return self.contract.functions.revokeBySig(grant_id, signer, relay.nonce, relay.deadline, relay.signature)

    def get_grant(self, grant_id: int) -> GrantInfo:
        (
            owner, grantee, kind, scope, expires, granted, revoked, grantor, code, purpose_hash, fields,
            review, review_deadline, reviewer, reviewed_at, reason_hash,
        ) = self._call("getGrant", grant_id)  # fmt: skip
        return GrantInfo(
            grant_id,
            OrgId(bytes32_to_slug(owner)),
            OrgId(bytes32_to_slug(grantee)),
            kind,
            scope,
            expires,
            granted,
            revoked,
            to_address(grantor),
            bytes32_to_slug(code),
            bytes(purpose_hash),
            tuple(fields),
            REVIEW_STATES[review],
            int(review_deadline),
            None if int(reviewer, 16) == 0 else to_address(reviewer),
            int(reviewed_at),
            bytes(reason_hash),
        )

    def grant_count(self) -> int:
        return int(self._call("grantCount"))

    def is_allowed(self, grant_id: int, grantee: str, owner: str, record_id: bytes, record_type: str) -> bool:
        return bool(
            self._call(
                "isAllowed",
                grant_id,
                slug_to_bytes32(grantee),
                slug_to_bytes32(owner),
                record_id,
                slug_to_bytes32(record_type),
            )
        )

"""Typed clients for the three GridLedger contracts.

Each method is one contract function with Python types in and out: organisation ids and
record types as slugs, addresses checksummed, roles as :class:`~ledger.types.Role`.
Writes take the sending account and return the mined receipt; reverts arrive as
:class:`~ledger.errors.TransactionFailedError` with the custom error decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from web3.logs import DISCARD
from web3.types import TxReceipt

from ledger.chain.client import ChainClient, paged_logs
from ledger.types import Address, OrgId, OrgKind, Role, bytes32_to_slug, slug_to_bytes32, to_address

ZERO32 = b"\0" * 32


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
    text stays off-chain with the gateway.
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


class Relayed(Protocol):
    """A member's EIP-712 signature with the nonce and deadline it covers."""

    @property
    def nonce(self) -> int: ...
    @property
    def deadline(self) -> int: ...
    @property
    def signature(self) -> bytes: ...


class _Client:
    name = ""

    def __init__(self, chain: ChainClient, address: str) -> None:
        self.chain = chain
        self.address = to_address(address)
        self.contract = chain.contract(self.name, self.address)

    def _call(self, fn: str, *args: Any, block: int | str = "latest") -> Any:
        return self.chain.call(getattr(self.contract.functions, fn)(*args), block)

    def _send(self, sender: LocalAccount, fn: str, *args: Any) -> TxReceipt:
        return self.chain.transact(sender, getattr(self.contract.functions, fn)(*args))

    def nonce(self, account: str) -> int:
        """The next EIP-712 nonce of ``account`` for calls relayed to this contract."""
        return int(self._call("nonces", to_address(account)))

    def logs(
        self, event: str, start: int, end: int, *, argument_filters: dict[str, Any] | None = None
    ) -> list[Any]:
        """Every ``event`` log of this contract in blocks ``start..end``, through the one pager."""
        bound = getattr(self.contract.events, event)()
        return paged_logs(self.chain, bound, start, end, argument_filters=argument_filters)

    def events(self, receipt: TxReceipt, event: str) -> list[dict[str, Any]]:
        """The decoded ``event`` logs of this contract in ``receipt``."""
        logs = getattr(self.contract.events, event)().process_receipt(receipt, errors=DISCARD)
        return [dict(log["args"]) for log in logs if log["address"] == self.address]


class MembershipClient(_Client):
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


class RegistryClient(_Client):
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


class GrantsClient(_Client):
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

    def grant_by_sig(self, request: tuple[Any, ...], signer: str, relay: Relayed) -> Any:
        """The ``grantBySig`` call a gateway relays for ``signer`` (send it with ``ChainClient.transact``)."""
        return self.contract.functions.grantBySig(request, signer, relay.nonce, relay.deadline, relay.signature)

    def revoke_by_sig(self, grant_id: int, signer: str, relay: Relayed) -> Any:
        """The ``revokeBySig`` call a gateway relays for ``signer``."""
        return self.contract.functions.revokeBySig(grant_id, signer, relay.nonce, relay.deadline, relay.signature)

    def get_grant(self, grant_id: int) -> GrantInfo:
        owner, grantee, kind, scope, expires, granted, revoked, grantor, code, purpose_hash, fields = self._call(
            "getGrant", grant_id
        )
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

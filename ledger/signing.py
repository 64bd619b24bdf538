"""EIP-712 signatures: relayed contract calls, signed by the member who acts.

A gateway may send a member's state change (onboarding, grant, revocation) from its own
account, but the contract decides who acted from the member's EIP-712 signature over
the call, a nonce and a deadline. The typed-data shapes here must match the contracts'
``*_TYPEHASH`` strings exactly.
"""

from __future__ import annotations

from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

MEMBERSHIP_DOMAIN = ("GridLedger Membership", "1")
GRANTS_DOMAIN = ("GridLedger AccessGrants", "1")

_TYPES: dict[str, list[dict[str, str]]] = {
    "RegisterOrg": [
        {"name": "orgId", "type": "bytes32"},
        {"name": "kind", "type": "uint8"},
        {"name": "parent", "type": "bytes32"},
        {"name": "name", "type": "string"},
    ],
    "AddMember": [
        {"name": "account", "type": "address"},
        {"name": "orgId", "type": "bytes32"},
        {"name": "roles", "type": "uint8"},
    ],
    "SetRoles": [{"name": "account", "type": "address"}, {"name": "roles", "type": "uint8"}],
    "RemoveMember": [{"name": "account", "type": "address"}],
    "Grant": [
        {"name": "ownerOrg", "type": "bytes32"},
        {"name": "granteeOrg", "type": "bytes32"},
        {"name": "scopeKind", "type": "uint8"},
        {"name": "scope", "type": "bytes32"},
        {"name": "fields", "type": "string[]"},
        {"name": "purpose", "type": "string"},
        {"name": "expiresAt", "type": "uint64"},
    ],
    "Revoke": [{"name": "grantId", "type": "uint256"}],
}
_AUTH = [
    {"name": "signer", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def relay_typed_data(
    primary: str,
    message: dict[str, Any],
    *,
    domain: tuple[str, str],
    chain_id: int,
    contract: str,
    signer: str,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """The full EIP-712 document for one relayed call."""
    if primary not in _TYPES:
        raise ValueError(f"unknown relayed call {primary!r}")
    return {
        "types": {"EIP712Domain": _DOMAIN_TYPE, primary: [*_TYPES[primary], *_AUTH]},
        "primaryType": primary,
        "domain": {"name": domain[0], "version": domain[1], "chainId": chain_id, "verifyingContract": contract},
        "message": {**message, "signer": signer, "nonce": nonce, "deadline": deadline},
    }


def sign_typed(account: LocalAccount, document: dict[str, Any]) -> bytes:
    """Sign an EIP-712 document; 65 bytes r || s || v."""
    return bytes(account.sign_message(encode_typed_data(full_message=document)).signature)

"""Signed heads of the access log: what the gateway's operator key vouches for on every append.

A head is (log id, tree size, root). The gateway signs each new head with its operator
key (EIP-191 ``personal_sign`` over the text below), so the un-anchored tail of the log is
bound by a signature a database administrator cannot produce; anchored heads, on-chain,
bind everything before them. Anyone holding the operator's address (a member of the
anchoring organisation, on-chain) can check a head:

    GridLedger log head v1\\n{log id, 0x-hex}\\n{tree size, decimal}\\n{root, 0x-hex}
"""

from __future__ import annotations

from ledger.eip712 import personal_digest, recover_digest, sign_digest
from ledger.types import Address, to_address

__all__ = ["head_digest", "head_message", "head_signer", "sign_head"]


def head_message(log_id: bytes, size: int, root: bytes) -> bytes:
    return f"GridLedger log head v1\n0x{log_id.hex()}\n{size}\n0x{root.hex()}".encode()


def head_digest(log_id: bytes, size: int, root: bytes) -> bytes:
    """The EIP-191 digest of :func:`head_message`."""
    return personal_digest(head_message(log_id, size, root))


def sign_head(private_key: bytes, log_id: bytes, size: int, root: bytes) -> bytes:
    return sign_digest(private_key, head_digest(log_id, size, root))


def head_signer(log_id: bytes, size: int, root: bytes, signature: bytes) -> Address:
    """The address that signed this head; ``ValueError`` on a malformed signature."""
    return to_address(recover_digest(head_digest(log_id, size, root), signature))



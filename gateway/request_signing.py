"""The signed-request protocol, shared by the gateway and its SDK.

A request that acts for a member carries four headers:

- ``GridLedger-Address``: the member's address;
- ``GridLedger-Timestamp``: Unix seconds when it was signed;
- ``GridLedger-Nonce``: 16-64 random hex characters, never reused;
- ``GridLedger-Signature``: an EIP-191 ``personal_sign`` signature over

      GridLedger request v1\\n{METHOD}\\n{path?query}\\n{sha256(body) hex}\\n{timestamp}\\n{nonce}

The gateway refuses stale timestamps and reused nonces, then asks the chain what the
address may do. No passwords, no shared tokens.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from eth_utils.crypto import keccak

from ledger.signing import recover_digest, sign_digest

ADDRESS, TIMESTAMP, NONCE, SIGNATURE = (
    "GridLedger-Address",
    "GridLedger-Timestamp",
    "GridLedger-Nonce",
    "GridLedger-Signature",
)


def request_message(method: str, target: str, body: bytes, timestamp: int, nonce: str) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"GridLedger request v1\n{method.upper()}\n{target}\n{digest}\n{timestamp}\n{nonce}".encode()


def personal_digest(message: bytes) -> bytes:
    return keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def sign_request(private_key: bytes, address: str, method: str, target: str, body: bytes) -> dict[str, str]:
    """The headers that sign one request."""
    timestamp, nonce = int(time.time()), secrets.token_hex(16)
    digest = personal_digest(request_message(method, target, body, timestamp, nonce))
    signature = sign_digest(private_key, digest)
    return {ADDRESS: address, TIMESTAMP: str(timestamp), NONCE: nonce, SIGNATURE: "0x" + signature.hex()}


def recover_request(method: str, target: str, body: bytes, timestamp: int, nonce: str, signature: bytes) -> str:
    """The address that signed this request (``ValueError`` if the signature is malformed)."""
    return recover_digest(personal_digest(request_message(method, target, body, timestamp, nonce)), signature)

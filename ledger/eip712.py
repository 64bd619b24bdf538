"""EIP-712 signatures: relayed contract calls, signed by the member who acts.

A gateway may send a member's state change (onboarding, grant, revocation) from its own
account, but the contract decides who acted from the member's EIP-712 signature over
the call, a nonce and a deadline. The typed-data shapes here must match the contracts'
``*_TYPEHASH`` strings exactly.
"""

from __future__ import annotations

from typing import Any

import coincurve
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from sha3 import keccak_256 as _keccak_256  # type: ignore[import-untyped]


def _keccak(data: bytes) -> bytes:
    """Keccak-256 (Ethereum's, not SHA3-256) from safe-pysha3: ~1 µs, where pycryptodome's wrapper
    takes ~7 and eth-utils' more; an entry is hashed three times when it is checked."""
    return bytes(_keccak_256(data).digest())


MEMBERSHIP_DOMAIN = ("GridLedger Membership", "1")
GRANTS_DOMAIN = ("GridLedger AccessGrants", "1")
TYPES_DOMAIN = ("GridLedger RecordTypes", "1")

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
    "SetGateway": [{"name": "orgId", "type": "bytes32"}, {"name": "url", "type": "string"}],
    "Grant": [
        {"name": "ownerOrg", "type": "bytes32"},
        {"name": "granteeOrg", "type": "bytes32"},
        {"name": "scopeKind", "type": "uint8"},
        {"name": "scope", "type": "bytes32"},
        {"name": "fields", "type": "string[]"},
        {"name": "purposeCode", "type": "bytes32"},
        {"name": "purposeHash", "type": "bytes32"},
        {"name": "expiresAt", "type": "uint64"},
    ],
    "Revoke": [{"name": "grantId", "type": "uint256"}],
    "ReviewGrant": [
        {"name": "grantId", "type": "uint256"},
        {"name": "approved", "type": "bool"},
        {"name": "reasonHash", "type": "bytes32"},
    ],
    # RecordTypes (TYPES_DOMAIN); sensitiveFields is the EIP-712 hash of the string[], as the contract takes it
    "RegisterVersion": [
        {"name": "name", "type": "bytes32"},
        {"name": "versionHash", "type": "bytes32"},
        {"name": "supersedes", "type": "bytes32"},
        {"name": "sensitiveFields", "type": "bytes32"},
    ],
    "RegisterPurpose": [{"name": "code", "type": "bytes32"}],
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


# -- record entries -------------------------------------------------------------------------
#
# Entries are signed many thousands of times per second on the commit path and verified on
# every read, so their EIP-712 digest is computed directly (keccak over fixed-width words)
# and signed and recovered with coincurve, not through eth-account's generic typed-data
# encoder. tests/ledger/test_signing.py checks the digest against eth-account's.

ENTRY_DOMAIN = ("GridLedger Records", "1")
ENTRY_TYPE = (
    "RecordEntry(uint16 format,bytes32 recordId,bytes32 org,bytes32 recordType,uint32 version,"
    "bytes32 supersedes,bytes32 commitment)"
)
ENTRY_FIELDS = [
    {"name": "format", "type": "uint16"},
    {"name": "recordId", "type": "bytes32"},
    {"name": "org", "type": "bytes32"},
    {"name": "recordType", "type": "bytes32"},
    {"name": "version", "type": "uint32"},
    {"name": "supersedes", "type": "bytes32"},
    {"name": "commitment", "type": "bytes32"},
]
ENTRY2_TYPE = (
    "RecordEntry2(uint16 format,bytes32 recordId,bytes32 org,bytes32 recordType,uint32 version,"
    "bytes32 supersedes,bytes32 commitment,bytes32 typeVersion)"
)
ENTRY2_FIELDS = [*ENTRY_FIELDS, {"name": "typeVersion", "type": "bytes32"}]
ENTRY_PRIMARY_TYPES = {1: "RecordEntry", 2: "RecordEntry2"}
"""The EIP-712 struct each entry format signs: a distinct name per format, so that a signature over
one format can never verify as another (§P-4)."""
ENTRY_TYPE_FIELDS = {1: ENTRY_FIELDS, 2: ENTRY2_FIELDS}

EntryWords = (
    tuple[int, bytes, bytes, bytes, int, bytes, bytes] | tuple[int, bytes, bytes, bytes, int, bytes, bytes, bytes]
)
"""The struct's members as words: format, recordId, org, recordType, version, supersedes, commitment, and for
format 2 typeVersion."""

_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_DOMAIN_TYPEHASH = _keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_ENTRY_TYPEHASH = _keccak(ENTRY_TYPE.encode())
_ENTRY2_TYPEHASH = _keccak(ENTRY2_TYPE.encode())
ENTRY_TYPEHASHES = {1: _ENTRY_TYPEHASH, 2: _ENTRY2_TYPEHASH}
_WORD_COUNT = {1: 7, 2: 8}


def entry_domain_separator(chain_id: int, registry: str) -> bytes:
    return _keccak(
        _DOMAIN_TYPEHASH
        + _keccak(ENTRY_DOMAIN[0].encode())
        + _keccak(ENTRY_DOMAIN[1].encode())
        + chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(registry.removeprefix("0x"))
    )


def entry_digest(domain_separator: bytes, words: EntryWords) -> bytes:
    """EIP-712 digest of an entry: a ``RecordEntry`` (format 1: seven words) or a ``RecordEntry2`` (format 2:
    the same seven, then ``typeVersion``). The struct is chosen by the format word, and the number of words
    must be that format's; ``ValueError`` otherwise."""
    fmt = words[0]
    if _WORD_COUNT.get(fmt) != len(words):
        raise ValueError(f"an entry of format {fmt} is not {len(words)} words")
    _, record_id, org, record_type, version, supersedes, commitment, *type_version = words
    struct = _keccak(
        ENTRY_TYPEHASHES[fmt]
        + fmt.to_bytes(32, "big")
        + record_id
        + org
        + record_type
        + version.to_bytes(32, "big")
        + supersedes
        + commitment
        + b"".join(type_version)
    )
    return _keccak(b"\x19\x01" + domain_separator + struct)


SigningKey = coincurve.PrivateKey
"""A parsed secp256k1 key: parse once with :func:`signing_key` and sign many digests with it."""


def personal_digest(message: bytes) -> bytes:
    """EIP-191 version 0x45 (``personal_sign``): the digest a wallet signs for ``message``."""
    return _keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


def signing_key(private_key: bytes) -> SigningKey:
    """The key parsed once (building it derives the public key: ~45 µs a time, per record if repeated)."""
    return coincurve.PrivateKey(private_key)


def sign_digest(private_key: bytes | SigningKey, digest: bytes) -> bytes:
    """65-byte ``r || s || v`` (v = 27 or 28) over a 32-byte digest."""
    key = private_key if isinstance(private_key, coincurve.PrivateKey) else coincurve.PrivateKey(private_key)
    sig = key.sign_recoverable(digest, hasher=None)
    return sig[:64] + bytes([sig[64] + 27])


def recover_digest(digest: bytes, signature: bytes) -> str:
    """The checksummed address that signed ``digest``; raise ``ValueError`` on a bad signature."""
    return checksum(recover_raw(digest, signature))


def recover_raw(digest: bytes, signature: bytes) -> bytes:
    """The 20-byte address that signed ``digest``; raise ``ValueError`` on a bad signature.

    A checker that knows whom to expect compares these bytes with the expected address's
    (no EIP-55 round-trip: the checksum is spelling, not identity).
    """
    if len(signature) != 65:
        raise ValueError("a signature is 65 bytes")
    v = signature[64]
    if v not in (27, 28):
        raise ValueError("signature v must be 27 or 28")
    if int.from_bytes(signature[32:64], "big") > _SECP256K1_N // 2:
        raise ValueError("signature s is not canonical (high s)")
    try:
        public = coincurve.PublicKey.from_signature_and_message(signature[:64] + bytes([v - 27]), digest, hasher=None)
    except Exception as exc:  # coincurve raises plain Exception on invalid input
        raise ValueError("signature does not recover to a key") from exc
    return _keccak(public.format(compressed=False)[1:])[-20:]


def checksum(raw: bytes) -> str:
    """EIP-55 checksummed hex of a 20-byte address."""
    hexed = raw.hex()
    digest = _keccak(hexed.encode()).hex()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(hexed, digest[:40], strict=True))

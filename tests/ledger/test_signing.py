"""The hand-rolled EIP-712 entry digest equals eth-account's generic encoder, and signatures round-trip."""

from __future__ import annotations

import os

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from ledger.eip712 import ENTRY_DOMAIN, ENTRY_FIELDS, entry_digest, entry_domain_separator, recover_digest, sign_digest

REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _generic_digest(chain_id: int, words: tuple[int, bytes, bytes, bytes, int, bytes, bytes]) -> bytes:
    names = [f["name"] for f in ENTRY_FIELDS]
    document = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "RecordEntry": ENTRY_FIELDS,
        },
        "primaryType": "RecordEntry",
        "domain": {
            "name": ENTRY_DOMAIN[0],
            "version": ENTRY_DOMAIN[1],
            "chainId": chain_id,
            "verifyingContract": REGISTRY,
        },
        "message": dict(zip(names, words, strict=True)),
    }
    signable = encode_typed_data(full_message=document)
    from eth_utils.crypto import keccak

    return keccak(b"\x19" + signable.version + signable.header + signable.body)


@pytest.mark.parametrize("chain_id", [1, 31337, 2**64 + 5])
def test_the_entry_digest_equals_eth_accounts_typed_data_encoding(chain_id: int) -> None:
    for version in (1, 2, 2**32 - 1):
        words = (1, os.urandom(32), b"rc-sunshine".ljust(32, b"\0"), b"household".ljust(32, b"\0"), version,
                 os.urandom(32) if version > 1 else bytes(32), os.urandom(32))  # fmt: skip
        assert entry_digest(entry_domain_separator(chain_id, REGISTRY), words) == _generic_digest(chain_id, words)


def test_an_entry_signature_recovers_to_its_signer_and_a_changed_digest_does_not() -> None:
    account = Account.create()
    digest = os.urandom(32)
    signature = sign_digest(bytes(account.key), digest)
    assert len(signature) == 65 and signature[64] in (27, 28)
    assert recover_digest(digest, signature) == account.address
    assert recover_digest(bytes(a ^ 1 for a in digest[:1]) + digest[1:], signature) != account.address


def test_a_high_s_signature_is_refused() -> None:
    account = Account.create()
    digest = os.urandom(32)
    signature = sign_digest(bytes(account.key), digest)
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    high_s = (n - int.from_bytes(signature[32:64], "big")).to_bytes(32, "big")
    flipped = signature[:32] + high_s + bytes([55 - signature[64]])  # the same point, malleated
    with pytest.raises(ValueError, match="high s"):
        recover_digest(digest, flipped)

"""A privacy review's reason: words off-chain, a salted hash on-chain (as a grant's purpose).

A reviewer refusing a grant says why ("the subsidy review needs no health data"), and
approving may say so too. The words may name a person, so only
``SHA-256("gridledger-review-v1" || 0x00 || salt || UTF-8(text))`` goes on-chain
(``AccessGrants.approve/refuse``'s ``reasonHash``), with a fresh 32-byte salt; the gateway
keeps text and salt beside the grant's purpose, and shows the text only when it hashes to
what the chain holds. The domain keeps these hashes apart from purposes'.
"""

from __future__ import annotations

import hashlib

from ledger.purposes import PURPOSE_SALT_BYTES, new_purpose_salt

_DOMAIN = b"gridledger-review-v1\x00"
REASON_MAX = 200


def new_reason_salt() -> bytes:
    return new_purpose_salt()


def reason_hash(salt: bytes, text: str) -> bytes:
    """The 32-byte ``reasonHash`` of ``text`` under ``salt``; raise ``ValueError`` on a salt of the wrong length."""
    if len(salt) != PURPOSE_SALT_BYTES:
        raise ValueError(f"a reason salt is {PURPOSE_SALT_BYTES} bytes, not {len(salt)}")
    return hashlib.sha256(_DOMAIN + salt + text.encode("utf-8")).digest()

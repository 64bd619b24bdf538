"""Grant purposes: the salted hash that stands on-chain for the free text kept off-chain."""

from __future__ import annotations

import pytest

from ledger.purposes import PURPOSE_SALT_BYTES, new_purpose_salt, purpose_hash

SALT = bytes(range(32))

# Pinned so that any other implementation (a department's verifier, the portal) can check
# itself: SHA-256(b"gridledger-purpose-v1" 0x00 || salt || UTF-8 text).
VECTORS = [
    ("subsidy review", "68836755fa9ac53305d4d78bd852878e571af37148f849f74a90a3b78975b7fa"),
    ("核查邱小燕的低保申请", "0cb5995f8e79b3d04fb4042b4d91b6dbcc2f028ab92e9cb4646aa3239f6275d6"),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS)
def test_the_purpose_hash_matches_the_published_vectors(text: str, expected: str) -> None:
    assert purpose_hash(SALT, text).hex() == expected


def test_the_same_text_under_another_salt_hashes_differently_so_it_cannot_be_guessed() -> None:
    first, second = new_purpose_salt(), new_purpose_salt()
    assert len(first) == len(second) == PURPOSE_SALT_BYTES and first != second
    assert purpose_hash(first, "check Qiu Xiaoyan") != purpose_hash(second, "check Qiu Xiaoyan")
    assert purpose_hash(first, "check Qiu Xiaoyan") == purpose_hash(first, "check Qiu Xiaoyan")


def test_a_changed_text_no_longer_matches_the_granted_hash() -> None:
    granted = purpose_hash(SALT, "subsidy review")
    assert purpose_hash(SALT, "subsidy review ") != granted
    assert purpose_hash(SALT, "Subsidy review") != granted


def test_a_salt_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes, not 16"):
        purpose_hash(bytes(16), "subsidy review")


def test_a_text_that_is_not_unicode_is_refused() -> None:
    with pytest.raises(ValueError):  # UnicodeEncodeError: a lone surrogate has no UTF-8 form
        purpose_hash(SALT, "bad \ud800 text")

"""The fast paths of the commit path agree, byte for byte, with the slow obvious ones.

Canonical JSON (orjson and the standard library against RFC 8785's reference encoder),
field salts (pads hashed once per record against ``hmac``), field order (code points for
ASCII against UTF-16 code units), commitments (one walk per payload against the spec,
written out naively here), Keccak-256 (safe-pysha3 against pycryptodome) and the entry
check's raw 20-byte recovery (against the checksummed address).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
import rfc8785
from Crypto.Hash.keccak import new as keccak_new
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import commitments, eip712, merkle
from ledger.commitments import PLAIN_ENCODERS, _plain, canonical, commitment, field_order, field_salts
from ledger.errors import PayloadError

# strings that stress escaping: controls, quotes, backslashes, DEL, U+2028/9, astral characters, lone surrogates
tricky_text = st.text(
    alphabet=st.characters(codec=None, categories=None) | st.sampled_from(['"', "\\", "\x7f", "\u2028", "/", "\x00"]),
    max_size=12,
)
keys = st.text(max_size=6) | st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=6)
scalars = st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False) | tricky_text
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=20,
)


def _reference(value: Any) -> bytes | None:
    try:
        return bytes(rfc8785.dumps(value))
    except Exception:
        return None


@settings(max_examples=1000)
@given(documents)
def test_every_plain_encoder_writes_rfc8785_bytes_or_declines(value: Any) -> None:
    if not _plain(value):
        return
    expected = _reference(value)
    for encode in PLAIN_ENCODERS:
        written = encode(value)
        if written is not None:
            assert written == expected, encode.__name__
        else:
            assert expected is None, f"{encode.__name__} declined a value RFC 8785 writes"


@settings(max_examples=1000)
@given(documents)
def test_canonical_is_rfc8785_or_refuses_with_a_payload_error(value: Any) -> None:
    expected = _reference(value)
    if expected is None:
        with pytest.raises(PayloadError):
            canonical(value)
    else:
        assert canonical(value) == expected


def test_orjson_is_the_encoder_canonical_uses() -> None:
    assert commitments._plain_dumps is PLAIN_ENCODERS[0] is commitments._plain_orjson


@given(st.binary(max_size=200), st.lists(st.text(max_size=10), max_size=6))
def test_field_salts_are_hmac_sha256_of_each_name(secret: bytes, names: list[str]) -> None:
    try:
        expected = [hmac.new(secret, n.encode(), hashlib.sha256).digest() for n in names]
    except UnicodeEncodeError:
        return
    assert field_salts(secret, names) == expected
    assert [commitments.field_salt(secret, n) for n in names] == expected


@given(st.lists(st.text(max_size=4), max_size=8))
def test_field_order_is_by_utf16_code_units(names: list[str]) -> None:
    assert field_order(names) == sorted(names, key=lambda n: n.encode("utf-16-be", "surrogatepass"))


payloads = st.dictionaries(st.text(min_size=1, max_size=8), documents, min_size=1, max_size=8)


def _naive_commitment(payload: dict[str, Any], secret: bytes) -> bytes:
    """The spec, step by step (ledger/commitments.py's docstring), with the reference encoder."""
    names = sorted(payload, key=lambda n: n.encode("utf-16-be"))
    leaves = []
    for name in names:
        salt = hmac.new(secret, name.encode(), hashlib.sha256).digest()
        leaves.append(merkle.leaf_hash(salt + bytes(rfc8785.dumps([name, payload[name]]))))
    return merkle.root(leaves)


@settings(max_examples=500)
@given(payloads, st.binary(min_size=32, max_size=32))
def test_commitment_matches_the_spec_written_out(payload: dict[str, Any], secret: bytes) -> None:
    try:
        expected = _naive_commitment(payload, secret)
    except Exception:
        with pytest.raises(PayloadError):
            commitment(payload, secret)
        return
    assert commitment(payload, secret) == expected


@given(st.binary(max_size=300))
def test_keccak_is_pycryptodomes_keccak256(data: bytes) -> None:
    expected = keccak_new(digest_bits=256, data=data).digest()
    assert eip712._keccak(data) == expected


@settings(max_examples=50)
@given(
    st.binary(min_size=32, max_size=32),
    st.binary(min_size=32, max_size=32).filter(lambda k: 0 < int.from_bytes(k, "big") < eip712._SECP256K1_N),
)
def test_raw_recovery_is_the_checksummed_address_in_bytes(digest: bytes, key: bytes) -> None:
    signature = eip712.sign_digest(key, digest)
    address = eip712.recover_digest(digest, signature)
    assert eip712.recover_raw(digest, signature) == bytes.fromhex(address[2:])
    assert eip712.checksum(bytes.fromhex(address[2:])) == address


@pytest.mark.parametrize(
    "signature",
    [b"", bytes(65), bytes(64) + b"\x1b", b"\x01" * 64 + b"\x1d", b"\x01" * 32 + b"\xff" * 32 + b"\x1b"],
    ids=["empty", "zeros", "zero r s", "bad v", "high s"],
)
def test_raw_recovery_refuses_what_recovery_refuses(signature: bytes) -> None:
    with pytest.raises(ValueError):
        eip712.recover_digest(bytes(32), signature)
    with pytest.raises(ValueError):
        eip712.recover_raw(bytes(32), signature)

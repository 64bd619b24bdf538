"""RFC 6962 trees, checked against a slow, obviously correct recursive reference."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import merkle


def ref_mth(data: list[bytes]) -> bytes:
    """RFC 6962 §2.1, verbatim."""
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:])).digest()


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n])."""
    n = len(data)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*ref_path(m, data[:k]), ref_mth(data[k:])]
    return [*ref_path(m - k, data[k:]), ref_mth(data[:k])]


def ref_proof(m: int, data: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(m, D[n])."""

    def sub(m: int, d: list[bytes], b: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if b else [ref_mth(d)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return [*sub(m, d[:k], b), ref_mth(d[k:])]
        return [*sub(m - k, d[k:], False), ref_mth(d[:k])]

    return sub(m, data, True)


def leaves(n: int) -> list[bytes]:
    return [f"leaf-{i}".encode() for i in range(n)]


def test_every_size_from_1_to_300_agrees_with_the_reference() -> None:
    for n in range(1, 301):
        data = leaves(n)
        hashed = [merkle.leaf_hash(d) for d in data]
        tree = merkle.levels(hashed)
        expected = ref_mth(data)
        assert merkle.root(hashed) == expected
        for i in range(n):
            proof = merkle.inclusion_proof(i, tree)
            assert proof == ref_path(i, data), (n, i)
            merkle.verify_inclusion(i, n, hashed[i], proof, expected)


def test_consistency_proofs_agree_with_the_reference_and_verify() -> None:
    for n in range(1, 70):
        data = leaves(n)
        hashed = [merkle.leaf_hash(d) for d in data]
        new_root = ref_mth(data)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, hashed)
            assert proof == ref_proof(m, data), (m, n)
            merkle.verify_consistency(m, n, ref_mth(data[:m]), new_root, proof)


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest()


@given(st.integers(1, 64), st.data())
def test_any_flipped_byte_in_leaf_proof_or_root_fails(n: int, data: st.DataObject) -> None:
    hashed = [merkle.leaf_hash(d) for d in leaves(n)]
    tree = merkle.levels(hashed)
    i = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(i, tree)
    good_root = merkle.root(hashed)
    target = data.draw(st.sampled_from(["leaf", "root", *(["proof"] if proof else [])]))
    leaf, r = hashed[i], good_root
    if target == "leaf":
        leaf = _flip(leaf, data.draw(st.integers(0, 31)))
    elif target == "root":
        r = _flip(r, data.draw(st.integers(0, 31)))
    else:
        j = data.draw(st.integers(0, len(proof) - 1))
        proof[j] = _flip(proof[j], data.draw(st.integers(0, 31)))
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(i, n, leaf, proof, r)


def test_a_proof_of_the_wrong_length_is_refused_before_hashing() -> None:
    hashed = [merkle.leaf_hash(d) for d in leaves(5)]
    proof = merkle.inclusion_proof(2, merkle.levels(hashed))
    with pytest.raises(merkle.ProofError, match="needs 3"):
        merkle.verify_inclusion(2, 5, hashed[2], proof[:-1], merkle.root(hashed))
    with pytest.raises(merkle.ProofError, match="outside a tree"):
        merkle.verify_inclusion(5, 5, hashed[2], proof, merkle.root(hashed))


def test_a_rewritten_history_is_not_consistent() -> None:
    data = leaves(10)
    hashed = [merkle.leaf_hash(d) for d in data]
    proof = merkle.consistency_proof(6, hashed)
    forged = [*data[:3], b"rewritten", *data[4:]]
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(6, 10, ref_mth(forged[:6]), ref_mth(data), proof)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(6, 10, ref_mth(data[:6]), ref_mth(forged), proof)


def _flip(value: bytes, position: int) -> bytes:
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


def test_leaves_and_roots_that_are_not_32_bytes_are_refused() -> None:
    """transparency-dev's single-entry case: an empty leaf must not prove itself under an empty root."""
    with pytest.raises(merkle.ProofError, match="32 bytes"):
        merkle.verify_inclusion(0, 1, b"", [], b"")
    with pytest.raises(merkle.ProofError, match="32 bytes"):
        merkle.verify_inclusion(0, 1, b"\x01" * 31, [], b"\x01" * 31)
    with pytest.raises(merkle.ProofError, match="32 bytes"):
        merkle.verify_consistency(1, 1, b"", b"", [])

"""RFC 6962 Merkle trees (SHA-256): tree hashes, inclusion and consistency proofs.

The spec, once, for every tree in GridLedger (a record's fields, a batch's entries, the
access log):

- ``leaf_hash(d)  = SHA-256(0x00 || d)``;  ``node_hash(l, r) = SHA-256(0x01 || l || r)``.
- ``MTH([])`` is ``SHA-256()``; ``MTH([d0]) = leaf_hash(d0)``; for n > 1, with k the largest
  power of two smaller than n, ``MTH(D[n]) = node_hash(MTH(D[0:k]), MTH(D[k:n]))``.
- An inclusion proof is RFC 6962's audit path ``PATH(m, D[n])``; a consistency proof is
  ``PROOF(m, D[n])``. Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2, and checks the
  proof's length before hashing anything.

Trees are built bottom-up, promoting an unpaired last node unchanged to the next level,
which yields exactly the RFC 6962 shape; ``tests/ledger/test_merkle.py`` checks this
against a recursive reference for every size from 1 to 300.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger.errors import ProofError as ProofError  # raised by every proof check here; kept importable from here

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first, root last."""
    level = list(leaf_hashes)
    out = [level]
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        out.append(nxt)
        level = nxt
    return out


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash over already-hashed leaves."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return levels(leaf_hashes)[-1][0]


def inclusion_proof(index: int, tree: list[list[bytes]]) -> list[bytes]:
    """The audit path of leaf ``index`` in a tree built by :func:`levels`."""
    size = len(tree[0])
    if not 0 <= index < size:
        raise IndexError(f"leaf {index} outside a tree of size {size}")
    proof = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index >>= 1
    return proof


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows ``leaf`` at ``index`` under ``expected_root``.

    A leaf hash and a root are SHA-256 digests: anything but 32 bytes is refused before
    hashing (else an empty leaf "proves" itself under an empty root in a tree of one).
    """
    if len(leaf) != 32 or len(expected_root) != 32:
        raise ProofError("a leaf hash and a root are 32 bytes each")
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} outside a tree of size {size}")
    fn, sn = index, size - 1
    expected_len = 0
    while sn > 0:
        if fn % 2 == 1 or fn != sn:
            expected_len += 1
        fn >>= 1
        sn >>= 1
    if len(proof) != expected_len:
        raise ProofError(f"inclusion proof has {len(proof)} hashes, a tree of size {size} needs {expected_len}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32:
            raise ProofError("inclusion proof holds a hash that is not 32 bytes")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if r != expected_root:
        raise ProofError("inclusion proof leads to another root", expected=expected_root, computed=r)


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 ``PROOF(m, D[n])`` that the first ``old_size`` leaves are a prefix of the tree."""
    size = len(leaf_hashes)
    if not 0 < old_size <= size:
        raise IndexError(f"old size {old_size} outside 1..{size}")
    return _subproof(old_size, list(leaf_hashes), True)


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows the old tree is a prefix of the new one."""
    if len(old_root) != 32 or len(new_root) != 32:
        raise ProofError("a root is 32 bytes")
    if not 0 < old_size <= new_size:
        raise ProofError(f"cannot prove size {old_size} consistent with size {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("equal sizes but different roots", expected=new_root, computed=old_root)
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # old tree is a complete subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root", expected=old_root, computed=fr)
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root", expected=new_root, computed=sr)


class Frontier:
    """The right edge of an RFC 6962 tree: the roots of its perfect subtrees, largest first.

    A tree of size ``n`` has one peak per set bit of ``n``. Appending a leaf merges peaks
    like a binary counter (amortised one hash), and the Merkle Tree Hash folds the peaks
    from the right: ``MTH = node(p0, node(p1, … node(p[k-2], p[k-1])))``, which is RFC 6962's
    split at the largest power of two below ``n``, applied recursively. So a log's root is
    kept up to date in O(log n) per append, and a sweep computes the root at every anchored
    size in one pass over the leaves.
    """

    __slots__ = ("peaks", "size")

    def __init__(self, size: int = 0, peaks: Sequence[bytes] = ()) -> None:
        if len(peaks) != bin(size).count("1") or any(len(p) != 32 for p in peaks):
            raise ValueError(f"a frontier of size {size} needs {bin(size).count('1')} 32-byte peaks")
        self.size = size
        self.peaks = list(peaks)

    def push(self, leaf: bytes) -> None:
        """Append one already-hashed leaf."""
        self.peaks.append(leaf)
        n = self.size
        while n & 1:
            right = self.peaks.pop()
            self.peaks[-1] = node_hash(self.peaks[-1], right)
            n >>= 1
        self.size += 1

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        value = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            value = node_hash(peak, value)
        return value

    def to_bytes(self) -> bytes:
        return b"".join(self.peaks)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        return cls(size, [data[i : i + 32] for i in range(0, len(data), 32)])

    def copy(self) -> Frontier:
        return Frontier(self.size, self.peaks)


def range_root(tree: list[list[bytes]], lo: int, hi: int) -> bytes:
    """MTH of leaves ``lo .. hi-1`` from a tree built by :func:`levels` over at least ``hi`` leaves.

    RFC 6962's recursion only ever asks for ranges whose start is aligned to the power of
    two at or above their length; such a range splits into perfect aligned subtrees (one
    per set bit of its length), each a node of any tree that holds it whole. So proofs for
    every older size come out of one tree of the newest size in O(log n) lookups.
    """
    if not 0 <= lo < hi <= len(tree[0]):
        raise IndexError(f"range {lo}..{hi} outside a tree of size {len(tree[0])}")
    chunks: list[bytes] = []
    start, length = lo, hi - lo
    for height in range(length.bit_length() - 1, -1, -1):
        if length >> height & 1:
            chunks.append(tree[height][start >> height])
            start += 1 << height
    value = chunks[-1]
    for chunk in reversed(chunks[:-1]):
        value = node_hash(chunk, value)
    return value


def inclusion_proof_in(index: int, size: int, tree: list[list[bytes]]) -> list[bytes]:
    """RFC 6962 ``PATH(index, D[size])`` from a tree of at least ``size`` leaves."""
    if not 0 <= index < size <= len(tree[0]):
        raise IndexError(f"leaf {index} outside a tree of size {size}")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m < k:
            return [*path(m, lo, lo + k), range_root(tree, lo + k, hi)]
        return [*path(m - k, lo + k, hi), range_root(tree, lo, lo + k)]

    return path(index, 0, size)


def consistency_proof_in(old_size: int, size: int, tree: list[list[bytes]]) -> list[bytes]:
    """RFC 6962 ``PROOF(old_size, D[size])`` from a tree of at least ``size`` leaves."""
    if not 0 < old_size <= size <= len(tree[0]):
        raise IndexError(f"old size {old_size} outside 1..{size}")

    def sub(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if complete else [range_root(tree, lo, hi)]
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m <= k:
            return [*sub(m, lo, lo + k, complete), range_root(tree, lo + k, hi)]
        return [*sub(m - k, lo + k, hi, False), range_root(tree, lo, lo + k)]

    return sub(old_size, 0, size, True)

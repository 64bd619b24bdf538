"""Subject maps: a resident's proof that the access-log entries listed about them are all of them.

An inclusion proof shows an entry is in the access log; it cannot show that none was
left out of a resident's listing. So the gateway also anchors, beside each access-log
head of size N, the root of a *subject map* (docs/spec/subject-map.md, CONIKS / Key
Transparency style, simplified):

- per subject key, a hash chain over its entries in log order,
  ``acc_n = SHA-256(0x02 || acc_{n-1} || be8(idx_n) || leaf_hash_n)`` from 32 zero bytes
  (``0x02`` keeps it apart from RFC 6962's ``0x00`` leaves and ``0x01`` nodes);
- one leaf ``key || be8(count) || acc`` per subject with an entry below N, sorted by key,
  under an RFC 6962 tree (:mod:`ledger.merkle`).

A presence proof opens the subject's leaf; an absence proof opens the two adjacent leaves
whose keys bracket it (or the first or last leaf, or shows the map is empty). Replaying the
chain over the listed entries must land on the proved ``(count, acc)``, so an entry
omitted, added, altered or re-ordered is caught by :func:`check_complete`.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ledger import fields, merkle
from ledger.errors import ProofError
from ledger.fields import MAX_SAFE, FieldError

__all__ = [
    "ZERO_ACC",
    "MapLeaf",
    "MapProofError",
    "SubjectMap",
    "chain",
    "chain_step",
    "check_complete",
    "map_log_id",
    "verify_map_proof",
]

CHAIN_PREFIX = b"\x02"
ZERO_ACC = bytes(32)
MAP_LOG_ID_PREFIX = b"gridledger-subject-map:"
_U64 = 1 << 64
_HASH = fields.hex_bytes(32)
_PATH = fields.array(_HASH, 64)  # a map of fewer than 2**53 leaves has paths of at most 53 hashes
_COUNT = fields.integer(1, MAX_SAFE)
_INDEX = fields.integer(0, MAX_SAFE)
_PRESENT = {"kind", "index", "count", "acc", "path", "map_size"}
_ABSENT = {"kind", "map_size", "left", "right"}
_NEIGHBOUR = {"index", "key", "count", "acc", "path"}


class MapProofError(ProofError, ValueError):
    """A subject-map proof is malformed, leads to another root, or the listing it covers is incomplete."""


def chain_step(acc: bytes, idx: int, leaf_hash: bytes) -> bytes:
    """Fold one entry into a subject's chain; the log index is hashed so entries cannot be re-ordered."""
    if len(acc) != 32 or len(leaf_hash) != 32:
        raise ValueError("a chain value and a leaf hash are 32 bytes each")
    if not 0 <= idx < _U64:
        raise ValueError(f"log index {idx} is not a uint64")
    return hashlib.sha256(CHAIN_PREFIX + acc + idx.to_bytes(8, "big") + leaf_hash).digest()


def chain(entries: Iterable[tuple[int, bytes]], *, hashed: bool = False) -> tuple[int, bytes]:
    """``(count, acc)`` over ``(log index, leaf bytes)`` pairs, which must come in strictly increasing log order.

    ``hashed``: the pairs hold leaf *hashes* (an entry the resident is shown only as its hash).
    """
    count, acc, last = 0, ZERO_ACC, -1
    for idx, leaf in entries:
        if type(idx) is not int:
            raise TypeError(f"log index {idx!r} is not an integer")
        if idx <= last:
            raise ValueError(f"log index {idx} follows {last}: entries must be in strictly increasing log order")
        acc = chain_step(acc, idx, leaf if hashed else merkle.leaf_hash(leaf))
        count, last = count + 1, idx
    return count, acc


def map_log_id(log_id: bytes) -> bytes:
    """The log id the map's roots are anchored under, derived so each access log has exactly one map."""
    if len(log_id) != 32:
        raise ValueError("an access-log id is 32 bytes")
    return hashlib.sha256(MAP_LOG_ID_PREFIX + log_id).digest()


@dataclass(frozen=True)
class MapLeaf:
    """One subject's entry in the map: its key and the ``(count, acc)`` of its chain."""

    key: bytes
    count: int
    acc: bytes

    def __post_init__(self) -> None:
        if len(self.key) != 32 or len(self.acc) != 32:
            raise ValueError("a map leaf's key and acc are 32 bytes each")
        if not 0 < self.count <= MAX_SAFE:
            raise ValueError(f"a map leaf counts 1 to 2**53 - 1 entries, not {self.count}")

    def hash(self) -> bytes:
        return merkle.leaf_hash(self.key + self.count.to_bytes(8, "big") + self.acc)


class SubjectMap:
    """A map built once (every tree level kept), so a proof for each of many subjects is O(log n)."""

    __slots__ = ("_keys", "_leaves", "_tree")

    def __init__(self, leaves: Iterable[MapLeaf]) -> None:
        self._leaves = sorted(leaves, key=lambda leaf: leaf.key)
        self._keys = [leaf.key for leaf in self._leaves]
        for a, b in pairwise(self._keys):
            if a == b:
                raise ValueError(f"subject key 0x{a.hex()} appears twice")
        self._tree = merkle.levels([leaf.hash() for leaf in self._leaves])

    @property
    def size(self) -> int:
        return len(self._leaves)

    @property
    def root(self) -> bytes:
        return self._tree[-1][0] if self._leaves else merkle.EMPTY_ROOT

    def prove(self, key: bytes) -> dict[str, Any]:
        """A presence proof for ``key``, or an absence proof by its neighbours (docs/spec/subject-map.md §S-4)."""
        if len(key) != 32:
            raise ValueError("a subject key is 32 bytes")
        i = bisect_left(self._keys, key)
        if i < self.size and self._keys[i] == key:
            leaf = self._leaves[i]
            return {"kind": "present", "index": i, "count": leaf.count, "acc": _hex(leaf.acc),
                    "path": self._path(i), "map_size": self.size}  # fmt: skip
        return {"kind": "absent", "map_size": self.size,
                "left": self._neighbour(i - 1) if i > 0 else None,
                "right": self._neighbour(i) if i < self.size else None}  # fmt: skip

    def _path(self, index: int) -> list[str]:
        return [_hex(h) for h in merkle.inclusion_proof(index, self._tree)]

    def _neighbour(self, index: int) -> dict[str, Any]:
        leaf = self._leaves[index]
        return {"index": index, "key": _hex(leaf.key), "count": leaf.count, "acc": _hex(leaf.acc),
                "path": self._path(index)}  # fmt: skip


def verify_map_proof(key: bytes, proof: Mapping[str, Any], root: bytes) -> tuple[int, bytes]:
    """The ``(count, acc)`` the map under ``root`` holds for ``key``: ``(0, ZERO_ACC)`` for a valid absence.

    Every malformed input raises :class:`MapProofError`, never another exception: the
    proof comes from the gateway, which the resident is checking.
    """
    if not isinstance(key, bytes) or len(key) != 32 or not isinstance(root, bytes) or len(root) != 32:
        raise MapProofError("a subject key and a map root are 32 bytes each")
    try:
        return _verify(key, fields.obj(proof, "a map proof"), root)
    except FieldError as exc:
        raise MapProofError(str(exc)) from None


def check_complete(
    key: bytes, entries: Sequence[tuple[int, bytes]], proof: Mapping[str, Any], root: bytes, *, hashed: bool = False
) -> int:
    """The number of entries about ``key`` if ``entries`` (``(log index, leaf bytes)``, or leaf hashes
    with ``hashed``) are all of them.

    ``root`` MUST be the map root anchored on-chain, never one the gateway states.
    """
    count, acc = verify_map_proof(key, proof, root)
    try:
        listed, listed_acc = chain(entries, hashed=hashed)
    except (TypeError, ValueError) as exc:
        raise MapProofError(f"the listed entries cannot be chained: {exc}") from exc
    if listed != count:
        raise MapProofError(f"{listed} entries listed but the anchored map says {count}")
    if listed_acc != acc:
        raise MapProofError(f"{listed} entries listed but the anchored map says {count} others (one was altered)")
    return count


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _verify(key: bytes, proof: Mapping[str, Any], root: bytes) -> tuple[int, bytes]:
    """§S-4. ``map_size`` is not anchored (the chain holds the log's size N), so nothing rests on it
    alone: a verified audit path fixes its leaf's place among the real leaves (all siblings to the
    right: the first; all to the left: the last; i and i + 1 of one size: in-order neighbours)."""
    kind = fields.field(proof, "kind", fields.text)
    if kind not in ("present", "absent"):
        raise MapProofError("a map proof's kind is 'present' or 'absent'")
    fields.closed(proof, _PRESENT if kind == "present" else _ABSENT, f"a {kind} proof")
    size = fields.field(proof, "map_size", _INDEX)
    if kind == "present":
        leaf = MapLeaf(key, fields.field(proof, "count", _COUNT), fields.field(proof, "acc", _HASH))
        _included(proof, size, leaf, root, "the subject's leaf")
        return leaf.count, leaf.acc
    lo = _neighbour(proof, "left", size, root)
    hi = _neighbour(proof, "right", size, root)
    if lo is None and hi is None:
        if size != 0:
            raise MapProofError(f"an absence proof in a map of {size} leaves names no neighbour")
        if root != merkle.EMPTY_ROOT:
            raise MapProofError("an absence proof claims an empty map but the anchored root is not the empty root")
    if lo is not None and not lo[1] < key:
        raise MapProofError("the left neighbour's key is not below the subject key")
    if hi is not None and not key < hi[1]:
        raise MapProofError("the right neighbour's key is not above the subject key")
    if lo is not None and hi is not None and hi[0] != lo[0] + 1:
        raise MapProofError(f"the neighbours at {lo[0]} and {hi[0]} are not adjacent")
    if lo is None and hi is not None and hi[0] != 0:
        raise MapProofError("with no left neighbour the right one must be the first leaf")
    if hi is None and lo is not None and lo[0] != size - 1:
        raise MapProofError("with no right neighbour the left one must be the last leaf")
    return 0, ZERO_ACC


def _nullable(value: Any) -> Mapping[str, Any] | None:
    return None if value is None else fields.mapping(value)


def _neighbour(proof: Mapping[str, Any], side: str, size: int, root: bytes) -> tuple[int, bytes] | None:
    """``(index, key)`` of the neighbour leaf on ``side``, once its inclusion under ``root`` checks out."""
    value = fields.field(proof, side, _nullable)
    if value is None:
        return None
    fields.closed(value, _NEIGHBOUR, f"the {side} neighbour")
    where = f"{side}."
    leaf = MapLeaf(fields.field(value, "key", _HASH, where), fields.field(value, "count", _COUNT, where),
                   fields.field(value, "acc", _HASH, where))  # fmt: skip
    return _included(value, size, leaf, root, f"the {side} neighbour", where), leaf.key


def _included(doc: Mapping[str, Any], size: int, leaf: MapLeaf, root: bytes, what: str, where: str = "") -> int:
    """The ``index`` member of ``doc``, once its ``path`` leads ``leaf`` to ``root`` in a map of ``size`` leaves."""
    index = fields.field(doc, "index", _INDEX, where)
    path = fields.field(doc, "path", _PATH, where)
    try:
        merkle.verify_inclusion(index, size, leaf.hash(), path, root)  # refuses index >= size, a wrong length
    except ProofError as exc:
        raise MapProofError(f"{what}: {exc.message}", exc.expected, exc.computed) from exc
    return index

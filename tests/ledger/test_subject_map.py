"""Subject maps (docs/spec/subject-map.md): a resident can tell whether the gateway listed every entry about them."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.errors import ProofError
from ledger.subject_map import (
    ZERO_ACC,
    MapLeaf,
    MapProofError,
    SubjectMap,
    chain,
    chain_step,
    check_complete,
    map_log_id,
    verify_map_proof,
)

SIZES = [0, 1, 2, 3, 7, 100]
Log = list[tuple[int, bytes, list[bytes]]]  # (log index, leaf bytes, the subject keys it names)


def key(n: int) -> bytes:
    return hashlib.sha256(f"subject-{n}".encode()).digest()


def ref_chain(entries: list[tuple[int, bytes]]) -> bytes:
    """§S-1, verbatim."""
    acc = b"\x00" * 32
    for idx, leaf in entries:
        acc = hashlib.sha256(b"\x02" + acc + idx.to_bytes(8, "big") + hashlib.sha256(b"\x00" + leaf).digest()).digest()
    return acc


def leaves(n: int) -> list[MapLeaf]:
    """``n`` map leaves with made-up chains, sorted by key."""
    out = []
    for i in range(n):
        entries = [(j, f"entry-{i}-{j}".encode()) for j in range(i % 3 + 1)]
        out.append(MapLeaf(key(i), *chain(entries)))
    return sorted(out, key=lambda leaf: leaf.key)


def gaps(sorted_keys: list[bytes]) -> list[bytes]:
    """A key below the first, one between each adjacent pair, one above the last (or any key, for none)."""
    ints = [int.from_bytes(k, "big") for k in sorted_keys]
    if not ints:
        return [key(-1)]
    points = [ints[0] - 1, *((a + b) // 2 for a, b in itertools.pairwise(ints)), ints[-1] + 1]
    return [p.to_bytes(32, "big") for p in points]


def make_log(rng: random.Random, size: int, subjects: int) -> Log:
    log = []
    for idx in range(size):
        named = sorted({key(rng.randrange(subjects)) for _ in range(rng.randrange(4))})
        log.append((idx, json.dumps({"idx": idx, "subject_keys": [k.hex() for k in named]}).encode(), named))
    return log


def about(log: Log, subject: bytes, size: int) -> list[tuple[int, bytes]]:
    return [(idx, leaf) for idx, leaf, named in log if idx < size and subject in named]


def map_at(log: Log, size: int) -> SubjectMap:
    """The map at log size ``size``, built the slow way: one chain per subject from scratch."""
    subjects = {k for idx, _, named in log if idx < size for k in named}
    return SubjectMap(MapLeaf(s, *chain(about(log, s, size))) for s in subjects)


def _flip(hex32: str, position: int = 5) -> str:
    raw = bytearray.fromhex(hex32[2:])
    raw[position] ^= 0x01
    return "0x" + raw.hex()


# §S-1 the chain


def test_chain_is_the_specified_hash_chain() -> None:
    entries = [(0, b"a"), (3, b"b"), (4, b""), (2**64 - 1, b"last")]
    assert chain(entries) == (4, ref_chain(entries))
    assert chain([]) == (0, ZERO_ACC) == (0, bytes(32))
    assert chain_step(ZERO_ACC, 7, merkle.leaf_hash(b"x")) == ref_chain([(7, b"x")])


def test_chain_is_deterministic_and_sensitive_to_order_index_and_content() -> None:
    entries = [(1, b"one"), (5, b"five"), (9, b"nine")]
    count, acc = chain(entries)
    assert chain(list(entries)) == (count, acc)
    others = [
        [(1, b"five"), (5, b"one"), (9, b"nine")],  # same indices, leaves swapped
        [(1, b"one"), (6, b"five"), (9, b"nine")],  # one index moved
        [(1, b"one"), (5, b"fivE"), (9, b"nine")],  # one leaf altered
        [(1, b"one"), (9, b"nine")],  # one left out
    ]
    assert len({acc, *(chain(o)[1] for o in others)}) == 1 + len(others)


@pytest.mark.parametrize(
    "entries",
    [[(2, b"a"), (1, b"b")], [(1, b"a"), (1, b"b")], [(-1, b"a")], [(2**64, b"a")]],
    ids=["decreasing", "repeated", "negative", "over-uint64"],
)
def test_chain_refuses_entries_out_of_log_order_or_range(entries: list[tuple[int, bytes]]) -> None:
    with pytest.raises(ValueError):
        chain(entries)


# §S-2 the leaf, §S-3 the tree, §S-5 the anchoring


def test_a_fixed_vector_pins_the_format() -> None:
    """Three subjects over a log of six entries: if a byte of the format moves, this fails."""
    log = {i: f"entry-{i}".encode() for i in range(6)}
    a, b, c = (bytes([v]) * 32 for v in (0x11, 0x22, 0x33))
    chains = {a: [0], b: [0, 2], c: [1, 2, 5]}
    counted = {k: chain([(i, log[i]) for i in idx]) for k, idx in chains.items()}
    smap = SubjectMap(MapLeaf(k, *count_acc) for k, count_acc in counted.items())
    assert counted[c][1].hex() == "adadc0a6ed7ba348f88b6537137dcbaf829e17327e2e92a33fb540bff99bbaf5"
    assert smap.size == 3
    assert smap.root.hex() == "b8898cef53ac58e8a9c0aaafb9657e32f1567be7b1dbe4d149902aed7aff1611"
    assert map_log_id(bytes([0xAB]) * 32).hex() == "7ed9ebb0ecce2c13857c6d3f78ac0856b0274a196b1cb6b48127f17f959bd788"


def test_map_log_id_is_a_domain_separated_hash_of_the_log_id() -> None:
    log_id = bytes(range(32))
    assert map_log_id(log_id) == hashlib.sha256(b"gridledger-subject-map:" + log_id).digest()
    assert map_log_id(log_id) != log_id
    with pytest.raises(ValueError):
        map_log_id(log_id.hex().encode())


def test_map_leaves_and_maps_refuse_what_the_spec_rules_out() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MapLeaf(b"\x01" * 31, 1, ZERO_ACC)
    with pytest.raises(ValueError, match="32 bytes"):
        MapLeaf(key(1), 1, b"")
    for count in (0, -1, 2**53):
        with pytest.raises(ValueError, match="entries"):
            MapLeaf(key(1), count, ZERO_ACC)
    leaf = MapLeaf(key(1), 1, ZERO_ACC)
    assert leaf.hash() == merkle.leaf_hash(key(1) + (1).to_bytes(8, "big") + ZERO_ACC)
    with pytest.raises(ValueError, match="twice"):
        SubjectMap([leaf, MapLeaf(key(1), 2, ZERO_ACC)])
    with pytest.raises(ValueError, match="32 bytes"):
        SubjectMap([leaf]).prove(key(1)[:31])


@pytest.mark.parametrize("n", SIZES)
def test_the_root_is_the_rfc6962_root_of_the_sorted_leaves(n: int) -> None:
    ls = leaves(n)
    shuffled = list(ls)
    random.Random(n).shuffle(shuffled)
    smap = SubjectMap(shuffled)
    assert (smap.size, smap.root) == (n, merkle.root([leaf.hash() for leaf in ls]))
    if n == 0:
        assert smap.root == merkle.EMPTY_ROOT


# §S-4 proofs and their verification


@pytest.mark.parametrize("n", SIZES)
def test_every_key_in_the_map_proves_present(n: int) -> None:
    ls = leaves(n)
    smap = SubjectMap(ls)
    for i, leaf in enumerate(ls):
        proof = smap.prove(leaf.key)
        assert proof["kind"] == "present" and proof["index"] == i and proof["map_size"] == n
        assert json.loads(json.dumps(proof)) == proof
        assert verify_map_proof(leaf.key, proof, smap.root) == (leaf.count, leaf.acc)


@pytest.mark.parametrize("n", SIZES)
def test_keys_below_between_and_above_the_map_prove_absent(n: int) -> None:
    ls = leaves(n)
    smap = SubjectMap(ls)
    for g, missing in enumerate(gaps([leaf.key for leaf in ls])):
        proof = smap.prove(missing)
        assert proof["kind"] == "absent" and proof["map_size"] == n
        assert (proof["left"] is None) == (g == 0 or n == 0)
        assert (proof["right"] is None) == (g == n)
        assert json.loads(json.dumps(proof)) == proof
        assert verify_map_proof(missing, proof, smap.root) == (0, ZERO_ACC)


SEVEN = leaves(7)
SMAP = SubjectMap(SEVEN)
BETWEEN = gaps([leaf.key for leaf in SEVEN])  # BETWEEN[j] lies just below SEVEN[j]


def refused(subject: bytes, proof: Any, root: bytes = SMAP.root, match: str | None = None) -> None:
    with pytest.raises(MapProofError, match=match):
        verify_map_proof(subject, proof, root)


def test_a_flipped_byte_anywhere_in_a_presence_proof_is_refused() -> None:
    for leaf in SEVEN:
        proof = SMAP.prove(leaf.key)
        for j in range(len(proof["path"])):
            bad = copy.deepcopy(proof)
            bad["path"][j] = _flip(bad["path"][j])
            refused(leaf.key, bad, match="another root")
        refused(leaf.key, {**proof, "acc": _flip(proof["acc"])}, match="another root")
        refused(leaf.key, {**proof, "count": proof["count"] + 1}, match="another root")
        refused(leaf.key, proof, bytes.fromhex(_flip("0x" + SMAP.root.hex())[2:]), match="another root")
        refused(leaf.key, {**proof, "path": proof["path"][:-1]}, match="needs")


def test_a_presence_proof_does_not_prove_another_key() -> None:
    proof = SMAP.prove(SEVEN[3].key)
    refused(SEVEN[4].key, proof, match="another root")
    refused(BETWEEN[3], proof, match="another root")


def test_a_flipped_byte_in_a_neighbour_is_refused() -> None:
    proof = SMAP.prove(BETWEEN[3])
    for side in ("left", "right"):
        for member in ("key", "acc"):
            bad = copy.deepcopy(proof)
            bad[side][member] = _flip(bad[side][member], 31)
            refused(BETWEEN[3], bad, match="another root")
        bad = copy.deepcopy(proof)
        bad[side]["path"][0] = _flip(bad[side]["path"][0])
        refused(BETWEEN[3], bad, match="another root")
        bad = copy.deepcopy(proof)
        bad[side]["count"] += 1
        refused(BETWEEN[3], bad, match="another root")


def test_swapped_neighbours_are_refused() -> None:
    proof = SMAP.prove(BETWEEN[3])
    refused(BETWEEN[3], {**proof, "left": proof["right"], "right": proof["left"]}, match="not below")


def test_a_present_key_cannot_be_proved_absent() -> None:
    """The gateway's only way to hide a subject: bracket it with leaves that are not adjacent."""
    nb = {j: SMAP.prove(BETWEEN[j])["right"] for j in range(7)}  # nb[j] is SEVEN[j]'s own neighbour form
    hidden = SEVEN[3].key
    refused(hidden, {"kind": "absent", "map_size": 7, "left": nb[2], "right": nb[4]}, match="not adjacent")
    refused(hidden, {"kind": "absent", "map_size": 7, "left": nb[2], "right": nb[3]}, match="not above")
    forged = {**nb[4], "index": 3}  # claim the leaf after the hidden one sits in its place
    refused(hidden, {"kind": "absent", "map_size": 7, "left": nb[2], "right": forged}, match="another root|needs")
    refused(hidden, {"kind": "absent", "map_size": 7, "left": None, "right": nb[4]}, match="first leaf")
    refused(hidden, {"kind": "absent", "map_size": 7, "left": nb[2], "right": None}, match="last leaf")
    # a forged map size that makes leaf 2 "the last" does not fit its real audit path
    refused(hidden, {"kind": "absent", "map_size": 3, "left": nb[2], "right": None})
    refused(hidden, SMAP.prove(BETWEEN[3]), match="not above")
    refused(hidden, SMAP.prove(BETWEEN[4]), match="not below")


def test_an_absence_proof_that_drops_a_neighbour_is_refused() -> None:
    proof = SMAP.prove(BETWEEN[3])
    refused(BETWEEN[3], {**proof, "left": None}, match="first leaf")
    refused(BETWEEN[3], {**proof, "right": None}, match="last leaf")
    refused(BETWEEN[3], {**proof, "left": None, "right": None}, match="names no neighbour")


def test_an_empty_map_is_only_claimed_under_the_empty_root() -> None:
    empty = SubjectMap([]).prove(key(1))
    assert empty == {"kind": "absent", "map_size": 0, "left": None, "right": None}
    assert verify_map_proof(key(1), empty, merkle.EMPTY_ROOT) == (0, ZERO_ACC)
    refused(SEVEN[0].key, empty, match="empty root")


@pytest.mark.parametrize("index", [7, 8, -1, 2**53])
def test_indices_outside_the_map_are_refused(index: int) -> None:
    refused(SEVEN[6].key, {**SMAP.prove(SEVEN[6].key), "index": index}, match="outside|from 0 to")
    proof = SMAP.prove(BETWEEN[7])
    refused(BETWEEN[7], {**proof, "left": {**proof["left"], "index": index}}, match="outside|from 0 to")


def test_a_map_size_that_disagrees_with_the_proof_is_refused() -> None:
    present = SMAP.prove(SEVEN[6].key)
    for size in (0, 6, 8, 2**64):
        refused(SEVEN[6].key, {**present, "map_size": size})
    above = SMAP.prove(BETWEEN[7])
    for size in (0, 6, 8, 9):
        refused(BETWEEN[7], {**above, "map_size": size})


def _garbage_presence() -> list[tuple[str, Any]]:
    p = SMAP.prove(SEVEN[2].key)
    cases: list[tuple[str, Any]] = [
        ("none", None), ("list", [p]), ("text", json.dumps(p)), ("empty", {}),
        ("no kind", {k: v for k, v in p.items() if k != "kind"}), ("kind maybe", {**p, "kind": "maybe"}),
        ("kind list", {**p, "kind": ["present"]}), ("extra member", {**p, "root": "0x" + SMAP.root.hex()}),
        ("no path", {k: v for k, v in p.items() if k != "path"}),
        ("index text", {**p, "index": "2"}), ("index bool", {**p, "index": True}),
        ("index fraction", {**p, "index": 2.5}),
        ("count zero", {**p, "count": 0}), ("count text", {**p, "count": str(p["count"])}),
        ("count huge", {**p, "count": 2**53}), ("acc upper", {**p, "acc": p["acc"].upper()}),
        ("acc no 0x", {**p, "acc": p["acc"][2:]}), ("acc short", {**p, "acc": p["acc"][:-2]}),
        ("acc bytes", {**p, "acc": bytes.fromhex(p["acc"][2:])}), ("acc not hex", {**p, "acc": "0x" + "zz" * 32}),
        ("path text", {**p, "path": p["path"][0]}), ("path ints", {**p, "path": [1, 2, 3]}),
        ("path dict", {**p, "path": {"0": p["path"][0]}}), ("path none", {**p, "path": [None] * len(p["path"])}),
        ("path 65 hashes", {**p, "path": p["path"][:1] * 65}),
        ("map size negative", {**p, "map_size": -1}), ("map size bool", {**p, "map_size": True}),
        ("map size none", {**p, "map_size": None}), ("map size text", {**p, "map_size": "7"}),
    ]  # fmt: skip
    return cases


def _garbage_absence() -> list[tuple[str, Any]]:
    a = SMAP.prove(BETWEEN[3])
    left = a["left"]
    cases: list[tuple[str, Any]] = [
        ("neighbour list", {**a, "left": list(left.values())}), ("neighbour text", {**a, "left": "left"}),
        ("neighbour empty", {**a, "left": {}}), ("neighbour extra", {**a, "left": {**left, "map_size": 7}}),
        ("neighbour no key", {**a, "left": {k: v for k, v in left.items() if k != "key"}}),
        ("neighbour key short", {**a, "left": {**left, "key": left["key"][:-2]}}),
        ("neighbour index text", {**a, "left": {**left, "index": "2"}}),
        ("neighbour count zero", {**a, "left": {**left, "count": 0}}),
        ("neighbour path none", {**a, "left": {**left, "path": None}}),
        ("absent with present members", {**a, "index": 3}),
        ("absent without right", {k: v for k, v in a.items() if k != "right"}),
        ("left false", {**a, "left": False}),
    ]  # fmt: skip
    return cases


MALFORMED = {name: (SEVEN[2].key, proof) for name, proof in _garbage_presence()} | {
    name: (BETWEEN[3], proof) for name, proof in _garbage_absence()
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_proofs_are_refused_with_a_map_proof_error(name: str) -> None:
    refused(*MALFORMED[name])


def test_integers_are_json_integers() -> None:
    """§J-2: ``1.0`` is the integer 1; ``true`` is not (though Python's ``bool`` is an ``int``)."""
    one = next(leaf for leaf in SEVEN if leaf.count == 1)
    proof = SMAP.prove(one.key)
    assert verify_map_proof(one.key, {**proof, "count": 1.0, "map_size": 7.0}, SMAP.root) == (1, one.acc)
    refused(one.key, {**proof, "count": True}, match="count must be an integer")
    at_one = SMAP.prove(SEVEN[1].key)
    refused(SEVEN[1].key, {**at_one, "index": True}, match="index must be an integer")
    tiny = SubjectMap([one])
    refused(one.key, {**tiny.prove(one.key), "map_size": True}, tiny.root, match="map_size must be an integer")


@pytest.mark.parametrize(("subject", "root"), [(key(1)[:31], SMAP.root), (key(1).hex(), SMAP.root),
                                               (key(1), SMAP.root.hex()), (key(1), b""), (None, None)])  # fmt: skip
def test_a_key_or_root_that_is_not_32_bytes_is_refused(subject: Any, root: Any) -> None:
    refused(subject, SMAP.prove(key(1)), root)


def test_a_map_proof_error_is_a_value_error_and_a_proof_error() -> None:
    with pytest.raises(MapProofError) as caught:
        verify_map_proof(SEVEN[0].key, {**SMAP.prove(SEVEN[0].key), "count": 99}, SMAP.root)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, ProofError)
    assert caught.value.expected == SMAP.root and "\n" not in str(caught.value)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**65), 2**65) | st.floats(allow_nan=False) | st.text(max_size=70),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["present", "between", "below", "above"]), st.data())
def test_any_member_set_to_any_json_value_verifies_or_raises_a_map_proof_error(where: str, data: st.DataObject) -> None:
    subject = {"present": SEVEN[2].key, "between": BETWEEN[3], "below": BETWEEN[0], "above": BETWEEN[7]}[where]
    proof = SMAP.prove(subject)
    target: dict[str, Any] = proof
    neighbours = [side for side in ("left", "right") if proof.get(side) is not None]
    inside: bool = bool(neighbours) and data.draw(st.booleans())
    if inside:
        target = proof[data.draw(st.sampled_from(neighbours))]
    member = data.draw(st.sampled_from(sorted(target)))
    target[member] = data.draw(JSON)
    with contextlib.suppress(MapProofError):
        verify_map_proof(subject, proof, SMAP.root)


# §S-6 the resident's check

LOG = make_log(random.Random(6962), 60, 8)
N = 45  # the anchored size: the log has grown past it
ANCHORED = map_at(LOG, N)
SUBJECTS = sorted({k for _, _, named in LOG[:N] for k in named})


def test_the_full_listing_of_every_subject_is_complete() -> None:
    assert ANCHORED.size == len(SUBJECTS) == 8
    for s in SUBJECTS:
        listed = about(LOG, s, N)
        assert check_complete(s, listed, ANCHORED.prove(s), ANCHORED.root) == len(listed) > 0
    assert check_complete(key(99), [], ANCHORED.prove(key(99)), ANCHORED.root) == 0


def test_a_listing_with_one_entry_omitted_is_incomplete() -> None:
    for s in SUBJECTS:
        listed = about(LOG, s, N)
        for i in range(len(listed)):
            with pytest.raises(MapProofError, match="entries listed but the anchored map says"):
                check_complete(s, listed[:i] + listed[i + 1 :], ANCHORED.prove(s), ANCHORED.root)


def test_a_listing_with_one_entry_added_is_refused() -> None:
    s = SUBJECTS[0]
    listed = about(LOG, s, N)
    proof = ANCHORED.prove(s)
    foreign = next((idx, leaf) for idx, leaf, named in LOG[:N] if s not in named)
    with pytest.raises(MapProofError, match="entries listed but the anchored map says"):
        check_complete(s, sorted([*listed, foreign]), proof, ANCHORED.root)
    later = next((idx, leaf) for idx, leaf, named in LOG[N:] if s in named)  # not covered until the next anchoring
    with pytest.raises(MapProofError, match="entries listed but the anchored map says"):
        check_complete(s, [*listed, later], proof, ANCHORED.root)
    with pytest.raises(MapProofError, match="entries listed but the anchored map says 0"):
        check_complete(key(99), [foreign], ANCHORED.prove(key(99)), ANCHORED.root)


def test_a_reordered_or_altered_listing_is_refused() -> None:
    s = max(SUBJECTS, key=lambda k: len(about(LOG, k, N)))
    listed = about(LOG, s, N)
    assert len(listed) >= 3
    proof = ANCHORED.prove(s)
    with pytest.raises(MapProofError, match="strictly increasing"):
        check_complete(s, [listed[1], listed[0], *listed[2:]], proof, ANCHORED.root)
    swapped = [(listed[0][0], listed[1][1]), (listed[1][0], listed[0][1]), *listed[2:]]
    with pytest.raises(MapProofError, match="entries listed but the anchored map says"):
        check_complete(s, swapped, proof, ANCHORED.root)
    altered = [(listed[0][0], listed[0][1] + b" "), *listed[1:]]
    with pytest.raises(MapProofError, match="entries listed but the anchored map says"):
        check_complete(s, altered, proof, ANCHORED.root)
    for junk in ([("0", b"x")], [(True, b"x")], [(0, "text")], [(0,)], [None]):
        with pytest.raises(MapProofError, match="cannot be chained"):
            check_complete(s, junk, proof, ANCHORED.root)  # type: ignore[arg-type]


def test_a_listing_checked_against_another_anchoring_is_refused() -> None:
    s = SUBJECTS[0]
    older = map_at(LOG, 20)
    with pytest.raises(MapProofError):
        check_complete(s, about(LOG, s, N), ANCHORED.prove(s), older.root)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 40), st.integers(1, 6), st.data())
def test_any_log_any_anchored_size_any_subject(seed: int, length: int, subjects: int, data: st.DataObject) -> None:
    log = make_log(random.Random(seed), length, subjects)
    size = data.draw(st.integers(0, length))
    smap = map_at(log, size)
    s = key(data.draw(st.integers(0, subjects)))  # key(subjects) is never named
    listed = about(log, s, size)
    proof = smap.prove(s)
    assert check_complete(s, listed, proof, smap.root) == len(listed)
    if listed:
        i = data.draw(st.integers(0, len(listed) - 1))
        with pytest.raises(MapProofError):
            check_complete(s, listed[:i] + listed[i + 1 :], proof, smap.root)

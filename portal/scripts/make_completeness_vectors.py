"""Write portal/test/vectors/completeness-vectors.json: what the Python resident's check decides.

Run from the repository root with the project's interpreter:

    .venv/bin/python portal/scripts/make_completeness_vectors.py           # (re)write the file
    .venv/bin/python portal/scripts/make_completeness_vectors.py --check   # exit 1 if the file is stale

The portal's port (portal/src/proofs/) must decide as the Python code does on every case here
(portal/test/completeness.test.js):

- ``subject_map``: ``check_complete`` (ledger/subject_map.py) on proofs from maps built with
  ``SubjectMap``: complete, an entry left out, added or re-ordered, a wrong count, a proof for
  another key, absence proofs, malformed proofs;
- ``merkle``: the log inclusion and consistency checks the resident makes (ledger/merkle.py);
- ``parse_time`` / ``within_reach`` / ``seals`` / ``head``: the sealed-read dates, seals and the
  signed log head (ledger/seals.py, ledger/log_heads.py);
- ``scenarios``: whole access histories — log leaves, a subject map, anchored heads and signed
  heads built here the way the gateway builds them (gateway/services/me.py), and the verdict of
  ``verify_my_access`` (ledger/client/residents.py) run on them with an in-memory client and chain;
- ``rpc``: the contract reads of ``ResidentChain``, call data and answers encoded from the
  committed artifacts' ABIs (ledger/chain/artifacts/*.json).

Everything is deterministic (keys, nonces and ids derive from fixed labels).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import eth_abi
from eth_account import Account
from web3 import Web3

from ledger import merkle, seals
from ledger.chain.contracts import LogHeadInfo, OrgInfo
from ledger.client.residents import verify_my_access
from ledger.commitments import canonical
from ledger.errors import ProofError
from ledger.log_heads import head_message, head_signer, sign_head
from ledger.subject_map import ZERO_ACC, MapLeaf, MapProofError, SubjectMap, chain_step, check_complete, map_log_id
from ledger.types import OrgId, OrgKind, Role, slug_to_bytes32, to_address

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "portal" / "test" / "vectors" / "completeness-vectors.json"
ARTIFACTS = ROOT / "ledger" / "chain" / "artifacts"


def h(label: str) -> bytes:
    """32 fixed bytes named by ``label``."""
    return hashlib.sha256(b"gridledger portal completeness vectors|" + label.encode()).digest()


def hx(data: bytes) -> str:
    return "0x" + data.hex()


def key_of(label: str) -> str:
    """A subject key: 64 lower-case hex digits, no 0x (docs/spec/subject-map.md §S-1)."""
    return h("subject " + label).hex()


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def roundtrip(value: Any) -> Any:
    return json.loads(json.dumps(value))


# ---------------------------------------------------------------- subject_map


def chains_of(entries: dict[str, list[tuple[int, bytes]]]) -> SubjectMap:
    """A map over ``{key hex: [(idx, leaf hash), ...]}``."""
    leaves = []
    for key, items in entries.items():
        acc = ZERO_ACC
        for idx, leaf_hash in items:
            acc = chain_step(acc, idx, leaf_hash)
        leaves.append(MapLeaf(bytes.fromhex(key), len(items), acc))
    return SubjectMap(leaves)


def map_case(name: str, key: str, entries: list[tuple[Any, Any]], proof: Any, root: bytes) -> dict[str, Any]:
    """One check_complete case (leaf hashes, ``hashed=True``, as the resident's check calls it)."""
    try:
        raw = [(idx, bytes.fromhex(lh[2:]) if isinstance(lh, str) else lh) for idx, lh in entries]
        count = check_complete(bytes.fromhex(key), raw, proof, root, hashed=True)
        expect: dict[str, Any] = {"count": count}
    except MapProofError as exc:
        expect = {"error": str(exc), "merkle": isinstance(exc.__cause__, ProofError)}
    return {
        "name": name,
        "key": key,
        "entries": [[idx, hx(lh) if isinstance(lh, bytes) else lh] for idx, lh in entries],
        "proof": proof,
        "root": hx(root),
        "expect": expect,
    }


def subject_map_cases() -> list[dict[str, Any]]:
    hashes = [merkle.leaf_hash(f"entry-{i}".encode()) for i in range(40)]
    keys = sorted(key_of(f"m{i}") for i in range(7))
    named = {k: [(i, hashes[i]) for i in range(j, 40, 5 + j)] for j, k in enumerate(keys) if j != 3}
    absent_key = keys[3]  # sorted between keys[2] and keys[4]: in no entry
    m = chains_of(named)
    root = m.root
    cases = []
    k = keys[1]
    mine = named[k]
    proof = m.prove(bytes.fromhex(k))
    cases.append(map_case("complete", k, mine, proof, root))
    cases.append(map_case("an entry left out", k, mine[:2] + mine[3:], proof, root))
    cases.append(map_case("the last entry left out", k, mine[:-1], proof, root))
    cases.append(map_case("an entry added", k, sorted([*mine, (33, hashes[33])]), proof, root))
    cases.append(map_case("an entry altered", k, [*mine[:1], (mine[1][0], hashes[39]), *mine[2:]], proof, root))
    cases.append(
        map_case(
            "an entry moved to another index", k, [*mine[:1], (mine[1][0] + 1, mine[1][1]), *mine[2:]], proof, root
        )
    )
    cases.append(map_case("re-ordered", k, [mine[1], mine[0], *mine[2:]], proof, root))
    cases.append(map_case("an index repeated", k, [mine[0], *mine], proof, root))
    cases.append(map_case("a negative index", k, [(-1, hashes[0]), *mine], proof, root))
    cases.append(map_case("an index that is not an integer", k, [("3", hashes[0])], proof, root))
    cases.append(map_case("a boolean index", k, [(True, hashes[0])], proof, root))
    cases.append(map_case("a short leaf hash", k, [(mine[0][0], hashes[0][:31]), *mine[1:]], proof, root))
    cases.append(map_case("a wrong count in the proof", k, mine, {**proof, "count": proof["count"] + 1}, root))
    cases.append(
        map_case("a wrong count, listing matching it", k, mine[:-1], {**proof, "count": proof["count"] - 1}, root)
    )
    cases.append(map_case("another acc in the proof", k, mine, {**proof, "acc": hx(h("acc"))}, root))
    other = keys[2]
    cases.append(map_case("a proof for another key", k, mine, m.prove(bytes.fromhex(other)), root))
    cases.append(map_case("another key's proof and entries", k, named[other], m.prove(bytes.fromhex(other)), root))
    cases.append(map_case("another root", k, mine, proof, h("another root")))
    cases.append(map_case("a wrong index in the proof", k, mine, {**proof, "index": proof["index"] + 1}, root))
    cases.append(map_case("a wrong map size", k, mine, {**proof, "map_size": proof["map_size"] + 1}, root))
    cases.append(map_case("a path one hash short", k, mine, {**proof, "path": proof["path"][:-1]}, root))
    # absence
    absent = m.prove(bytes.fromhex(absent_key))
    cases.append(map_case("absent: between two neighbours", absent_key, [], absent, root))
    cases.append(map_case("absent, but an entry is listed", absent_key, [(4, hashes[4])], absent, root))
    first, last = "00" * 32, "ff" * 32
    cases.append(map_case("absent: before the first leaf", first, [], m.prove(bytes.fromhex(first)), root))
    cases.append(map_case("absent: after the last leaf", last, [], m.prove(bytes.fromhex(last)), root))
    empty = SubjectMap([])
    cases.append(map_case("absent: the empty map", k, [], empty.prove(bytes.fromhex(k)), empty.root))
    cases.append(map_case("absent: an empty-map proof under a real root", k, [], empty.prove(bytes.fromhex(k)), root))
    present_as_absent = {"kind": "absent", "map_size": m.size, "left": m._neighbour(0), "right": m._neighbour(2)}
    cases.append(map_case("absent: neighbours that are not adjacent hide a key", k, [], present_as_absent, root))
    cases.append(
        map_case(
            "absent: the left neighbour is not below",
            keys[0],
            [],
            {**absent, "left": m._neighbour(0), "right": m._neighbour(1)},
            root,
        )
    )
    cases.append(
        map_case("absent: no left neighbour, the right not the first", absent_key, [], {**absent, "left": None}, root)
    )
    cases.append(
        map_case("absent: no right neighbour, the left not the last", absent_key, [], {**absent, "right": None}, root)
    )
    cases.append(
        map_case(
            "absent: no neighbour in a map of leaves", absent_key, [], {**absent, "left": None, "right": None}, root
        )
    )
    # malformed proofs (refused by their form, before anything is hashed)
    cases.append(map_case("not an object", k, mine, [proof], root))
    cases.append(map_case("no kind", k, mine, {n: v for n, v in proof.items() if n != "kind"}, root))
    cases.append(map_case("an unknown kind", k, mine, {**proof, "kind": "maybe"}, root))
    cases.append(map_case("a kind that is not a string", k, mine, {**proof, "kind": 1}, root))
    cases.append(map_case("an extra member", k, mine, {**proof, "note": "hi"}, root))
    cases.append(map_case("an absence member in a presence proof", k, mine, {**proof, "left": None}, root))
    cases.append(map_case("no map size", k, mine, {n: v for n, v in proof.items() if n != "map_size"}, root))
    cases.append(map_case("a map size that is a boolean", k, mine, {**proof, "map_size": True}, root))
    cases.append(map_case("a map size that is a string", k, mine, {**proof, "map_size": "6"}, root))
    cases.append(map_case("a negative map size", k, mine, {**proof, "map_size": -1}, root))
    cases.append(map_case("a count of zero", k, [], {**proof, "count": 0}, root))
    cases.append(map_case("a count past 2^53 - 1", k, mine, {**proof, "count": 2**53}, root))
    cases.append(
        map_case("an upper-case acc", k, mine, {**proof, "acc": proof["acc"].upper().replace("0X", "0x")}, root)
    )
    cases.append(map_case("an acc without 0x", k, mine, {**proof, "acc": proof["acc"][2:]}, root))
    cases.append(map_case("a path that is not an array", k, mine, {**proof, "path": proof["path"][0]}, root))
    cases.append(map_case("a path of 65 hashes", k, mine, {**proof, "path": [proof["path"][0]] * 65}, root))
    cases.append(map_case("a path hash of 31 bytes", k, mine, {**proof, "path": [proof["path"][0][:-2]]}, root))
    cases.append(map_case("a neighbour that is not an object", absent_key, [], {**absent, "left": 3}, root))
    cases.append(
        map_case(
            "a neighbour with an extra member", absent_key, [], {**absent, "left": {**absent["left"], "x": 1}}, root
        )
    )
    cases.append(
        map_case(
            "a neighbour without its key",
            absent_key,
            [],
            {**absent, "right": {n: v for n, v in absent["right"].items() if n != "key"}},
            root,
        )
    )
    cases.append(
        map_case(
            "a neighbour of count zero", absent_key, [], {**absent, "right": {**absent["right"], "count": 0}}, root
        )
    )
    cases.append(
        map_case("absence without left", absent_key, [], {n: v for n, v in absent.items() if n != "left"}, root)
    )
    return roundtrip(cases)


# ---------------------------------------------------------------- merkle (the log checks the resident makes)


def merkle_cases() -> dict[str, Any]:
    leaves = [canonical({"idx": i, "action": "read"}) for i in range(13)]
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    tree = merkle.levels(hashes)
    roots = {n: merkle.root(hashes[:n]) for n in range(1, 14)}
    inclusion = []

    def inc(name: str, idx: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
        try:
            merkle.verify_inclusion(idx, size, leaf, proof, root)
            ok = True
        except ProofError:
            ok = False
        inclusion.append(
            {
                "name": name,
                "idx": idx,
                "size": size,
                "leaf_hash": hx(leaf),
                "proof": [hx(p) for p in proof],
                "root": hx(root),
                "ok": ok,
            }
        )

    for size in (1, 2, 5, 8, 13):
        for idx in sorted({0, size // 2, size - 1}):
            inc(
                f"leaf {idx} of {size}", idx, size, hashes[idx], merkle.inclusion_proof_in(idx, size, tree), roots[size]
            )
    p = merkle.inclusion_proof_in(5, 13, tree)
    inc("a sibling altered", 5, 13, hashes[5], [p[0], h("x"), *p[2:]], roots[13])
    inc("one hash short", 5, 13, hashes[5], p[:-1], roots[13])
    inc("one hash too many", 5, 13, hashes[5], [*p, h("x")], roots[13])
    inc("another leaf", 5, 13, hashes[6], p, roots[13])
    inc("another index", 6, 13, hashes[5], p, roots[13])
    inc("another size", 5, 12, hashes[5], p, roots[13])
    inc("index past the size", 13, 13, hashes[5], p, roots[13])
    inc("a short leaf hash", 0, 1, hashes[0][:31], [], roots[1])
    consistency = []

    def con(name: str, old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
        try:
            merkle.verify_consistency(old, new, old_root, new_root, proof)
            ok = True
        except ProofError:
            ok = False
        consistency.append(
            {
                "name": name,
                "old_size": old,
                "new_size": new,
                "old_root": hx(old_root),
                "new_root": hx(new_root),
                "proof": [hx(q) for q in proof],
                "ok": ok,
            }
        )

    for old, new in ((1, 2), (1, 13), (3, 7), (4, 8), (6, 13), (8, 13), (12, 13)):
        con(f"{old} to {new}", old, new, roots[old], roots[new], merkle.consistency_proof_in(old, new, tree))
    q = merkle.consistency_proof_in(6, 13, tree)
    con("a hash altered", 6, 13, roots[6], roots[13], [q[0], h("y"), *q[2:]])
    con("another old root", 6, 13, roots[5], roots[13], q)
    con("another new root", 6, 13, roots[6], roots[12], q)
    con("one hash short", 6, 13, roots[6], roots[13], q[:-1])
    con("empty proof", 6, 13, roots[6], roots[13], [])
    con("from the empty tree", 0, 13, merkle.EMPTY_ROOT, roots[13], [])
    return {"inclusion": inclusion, "consistency": consistency}


# ---------------------------------------------------------------- times, seals, heads


TIMES = [
    "2027-06-01T08:00:00Z",
    "2027-06-01",
    "2027-06-01T08:00:00+08:00",
    "2027-06-01T08:00:00-05:30",
    "2027-06-01T08:00",
    "2027-06-01T08",
    "2027-06-01 08:00:00",
    "  2027-06-01T08:00:00Z \n",
    "20270601",
    "20270601T080000",
    "20270601T0800Z",
    "2027-06-01T08:00:00.5Z",
    "2027-06-01T08:00:00,123456789+01:00",
    "2027-06-01T08:00:00.",
    "2027-06-01T08:00:00+0800",
    "2027-06-01T08:00:00+08",
    "2027-06-01T08:00:00+08:00:30",
    "2027-06-01T08:00:00-23:59:59.5",
    "2027-06-01T08:00:00+24:00",
    "2027-06-01T08:00:00+08:99",
    "2027-W01",
    "2027-W01-3",
    "2027W017",
    "2027W01",
    "2027-W53",
    "2026-W53",
    "2027-W01-8",
    "2027-W00",
    "2027-06-01X08:00",
    "2027-06-01é08:00",
    "2027-06-01€08:00",
    "2027-06-01😀08:00",
    "2027-06😀01",
    "2027-06-01é",
    "2027W01€08",
    "2027-06-01T24:00",
    "2027-06-01T23:60",
    "2027-06-01T23:59:60",
    "2027-02-29",
    "2028-02-29",
    "2027-13-01",
    "2027-00-10",
    "0000-01-01",
    "0001-01-01T00:00:00+00:01",
    "9999-12-31T23:59:59-00:01",
    "9999-12-31T23:59:59Z",
    "2027-06-01T08:00:00z",
    "2027-6-01",
    "2027-06-1",
    "2027-0601",
    "202706-01",
    "2027-06-01T",
    "2027-06-01T8:00",
    "2027-06-01T08:0",
    "2027-06-01T08:00:",
    "2027-06-01T0800:00",
    "2027-06-01T08:00:00:5",
    "2027-06-01T080000123",
    "2027-06-01T08:00.5",
    "2027-06-01T08:00:00Z+",
    "2027-06-01TZ",
    "2027-06-01T08+",
    "2027-06-01T08-0",
    "",
    "2027",
    "27-06-01",
    "abcdefghij",
    "2027-06-01T08:00:00.1234567x",
    "٢٠٢٧-06-01",
    "2027-06-01T08:00:00.123456789123",
]


def parse_time_cases() -> list[dict[str, Any]]:
    out = []
    for text in TIMES:
        try:
            moment = seals.parse_time(text)
            us = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
            out.append({"text": text, "us": str(us)})
        except ValueError:
            out.append({"text": text, "us": None})
    return out


def within_reach_cases() -> list[dict[str, Any]]:
    pairs: list[tuple[Any, Any]] = [
        ("2027-01-01T00:00:00Z", "2028-12-31T00:00:00Z"),
        ("2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z"),
        ("2027-01-01T00:00:00Z", "2029-01-01T00:00:01Z"),
        ("2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        ("2027-01-01T08:00:00+08:00", "2029-01-01T00:00:00Z"),
        ("2027-01-01T00:00:00Z", "soon"),
        ("never", "2027-01-01T00:00:00Z"),
        ("2027-01-01", "2028-12-31"),
        ("9999-01-01", "9999-02-01"),
        ("bad", "also bad"),
        ("None", "None"),
    ]
    out = []
    for at, until in pairs:
        try:
            out.append({"at": at, "until": until, "ok": seals.within_reach(at, until)})
        except (OverflowError, AttributeError, TypeError):
            out.append({"at": at, "until": until, "raises": True})
    return out


def seal_cases() -> dict[str, Any]:
    document = {
        "idx": 5,
        "at": "2027-01-05T09:00:00Z",
        "accessor": "0x" + "ab" * 20,
        "accessor_org": "public-security",
        "action": "read",
        "outcome": "allowed",
        "reason": "grant",
        "record_id": "00000000-0000-4000-8000-000000000005",
        "owner_org": "rc-sunshine",
        "subject_keys": [key_of("resident")],
        "grant_id": 7,
        "purpose": "case",
        "fields": ["name", "注记"],
    }
    opened = seals.opened_document(
        document, legal_basis="criminal-investigation", sealed_until="2027-02-01T00:00:00Z", nonce=h("nonce")[:32]
    )
    stub = seals.stub(opened)
    openings = []
    for name, stub_doc, opened_doc in [
        ("the opened entry is what was sealed", stub, opened),
        ("the content altered", stub, {**opened, "purpose": "curiosity"}),
        ("the stub's date moved (seal unchanged)", {**stub, "sealed_until": "2027-03-01T00:00:00Z"}, opened),
        ("not a stub: an extra member", {**stub, "x": 1}, opened),
        ("not a stub: another action", {**stub, "action": "read"}, opened),
        ("the stub's idx altered", {**stub, "idx": 6}, opened),
    ]:
        openings.append(
            {
                "name": name,
                "stub": stub_doc,
                "opened": opened_doc,
                "problems": seals.check_opening(stub_doc, opened_doc),
            }
        )
    extend = {
        "idx": 9,
        "action": "extend",
        "outcome": "allowed",
        "sealed_idx": 5,
        "sealed_until": "2027-05-01T00:00:00Z",
    }
    untils = []
    for name, docs in [
        ("no extension", []),
        ("one extension", [extend]),
        ("an earlier extension does not advance it", [{**extend, "sealed_until": "2027-01-15T00:00:00Z"}]),
        ("a refused extension", [{**extend, "outcome": "refused"}]),
        ("an extension of another seal", [{**extend, "sealed_idx": 4}]),
        ("an extension naming the seal as 5.0", [{**extend, "sealed_idx": 5.0}]),
        ("the latest of two", [extend, {**extend, "idx": 10, "sealed_until": "2027-08-01T00:00:00Z"}]),
    ]:
        untils.append({"name": name, "stub": stub, "extensions": docs, "until": seals.effective_until(stub, docs)})
    return roundtrip(
        {"seal": {"opened": opened, "seal": seals.seal_of(opened)}, "openings": openings, "effective_until": untils}
    )


def head_cases() -> list[dict[str, Any]]:
    out = []
    for label, size in (("a", 0), ("b", 1), ("c", 123456789)):
        key = h("head key " + label)
        log_id, root = h("log " + label), h("root " + label)
        signature = sign_head(key, log_id, size, root)
        out.append(
            {
                "log_id": hx(log_id),
                "size": size,
                "root": hx(root),
                "signature": hx(signature),
                "message": head_message(log_id, size, root).decode(),
                "signer": head_signer(log_id, size, root, signature),
            }
        )
    return out


# ---------------------------------------------------------------- whole histories


NOW = epoch("2027-03-01T00:00:00Z")
OPERATOR_ORG, OFFICE, COMMITTEE, DEPARTMENT = "grid-operator", "sd-east", "rc-sunshine", "public-security"


def account(label: str) -> tuple[bytes, str]:
    key = h("account " + label)
    return key, Account.from_key(key).address


OPERATOR_KEY, OPERATOR = account("operator")
RECORDER_KEY, RECORDER = account("recorder")
OFFICE_ADMIN_KEY, OFFICE_ADMIN = account("office admin")
OFFICER_KEY, OFFICER = account("officer")
_, RESIDENT = account("resident")
RESIDENT_KEY = key_of("resident")
OTHER_KEYS = [key_of("neighbour"), key_of("visitor")]

ORGS = {
    OPERATOR_ORG: {"kind": int(OrgKind.OPERATOR), "parent": None, "active": True, "name": "Grid operator"},
    OFFICE: {"kind": int(OrgKind.SUBDISTRICT), "parent": None, "active": True, "name": "East subdistrict office"},
    COMMITTEE: {"kind": int(OrgKind.COMMITTEE), "parent": OFFICE, "active": True, "name": "Sunshine committee"},
    DEPARTMENT: {"kind": int(OrgKind.DEPARTMENT), "parent": None, "active": True, "name": "Public security"},
}
MEMBERS = {
    OPERATOR: {"org": OPERATOR_ORG, "roles": int(Role.ANCHORER | Role.ADMIN)},
    RECORDER: {"org": COMMITTEE, "roles": int(Role.RECORDER)},
    OFFICE_ADMIN: {"org": OFFICE, "roles": int(Role.ADMIN)},
    OFFICER: {"org": DEPARTMENT, "roles": int(Role.RECORDER | Role.SEALED_READER)},
}


def doc(
    idx: int,
    day: int,
    *,
    keys: list[str],
    action: str = "read",
    accessor: str = OFFICER,
    accessor_org: str = DEPARTMENT,
    owner: str | None = COMMITTEE,
    **extra: Any,
) -> dict[str, Any]:
    """An access-log entry document (gateway/services/access_log.py entry_document)."""
    return {
        "idx": idx,
        "at": f"2027-01-{day:02d}T09:00:00Z",
        "accessor": accessor,
        "accessor_org": accessor_org,
        "action": action,
        "outcome": "allowed",
        "reason": "grant",
        "record_id": f"00000000-0000-4000-8000-{idx:012d}",
        "owner_org": owner,
        "subject_keys": keys,
        "grant_id": None if action != "read" else idx,
        "purpose": "general" if action == "read" else None,
        "fields": ["name"] if action == "read" else [],
        **extra,
    }


def sealed(document: dict[str, Any], until: str) -> dict[str, Any]:
    return seals.opened_document(
        document, legal_basis="criminal-investigation", sealed_until=until, nonce=h(f"nonce {document['idx']}")
    )


def base_documents(extender: str = OFFICE_ADMIN, extender_org: str = OFFICE) -> list[dict[str, Any]]:
    """Entry documents (sealed ones opened): the resident's interleaved with others'."""
    r, n, v = RESIDENT_KEY, OTHER_KEYS[0], OTHER_KEYS[1]
    return [
        doc(0, 2, keys=[r]),  # a read of the committee's record: shown
        doc(1, 2, keys=[n]),  # someone else's
        doc(2, 3, keys=[r, n], owner="rc-moonlight"),  # another committee's record: a leaf hash
        doc(3, 3, keys=[r], action="enrol", accessor=RECORDER, accessor_org=COMMITTEE),
        doc(4, 4, keys=[v]),
        sealed(doc(5, 5, keys=[r]), "2027-02-01T00:00:00Z"),  # sealed, opened by now
        sealed(doc(6, 6, keys=[r]), "2027-02-15T00:00:00Z"),  # sealed, extended (entry 7): still shut
        doc(
            7,
            7,
            keys=[r],
            action="extend",
            accessor=extender,
            accessor_org=extender_org,
            owner=None,
            sealed_idx=6,
            sealed_until="2027-06-01T00:00:00Z",
        ),
        doc(8, 8, keys=[v, n]),
        doc(9, 9, keys=[r]),  # after the anchored size
        doc(10, 10, keys=[r], owner="rc-moonlight"),  # after it, another committee's
    ]


class World:
    """A log, its subject maps and heads, the chain's view, and the gateway's listings (gateway/services/me.py)."""

    def __init__(
        self,
        documents: list[dict[str, Any]],
        *,
        anchored: tuple[int, ...] = (3, 8),
        maps: tuple[int, ...] | None = None,
        size: int | None = None,
        signer: bytes = OPERATOR_KEY,
        gateway_map: int | None = None,
    ) -> None:
        self.documents = documents
        self.leaf_docs = [seals.stub(d) if "nonce" in d else d for d in documents]
        self.leaves = [canonical(d) for d in self.leaf_docs]
        self.hashes = [merkle.leaf_hash(leaf) for leaf in self.leaves]
        self.size = len(self.leaves) if size is None else size
        self.tree = merkle.levels(self.hashes[: self.size])
        self.log_id = h("access log")
        self.root = merkle.root(self.hashes[: self.size])
        self.signature = sign_head(signer, self.log_id, self.size, self.root)
        self.signer = Account.from_key(signer).address
        maps = anchored if maps is None else maps
        self.heads = {
            hx(self.log_id): [self._head(n, merkle.root(self.hashes[:n])) for n in anchored],
            hx(map_log_id(self.log_id)): [self._head(n, self.subject_map(n).root) for n in maps],
        }
        self.gateway_map = (anchored[-1] if anchored else 0) if gateway_map is None else gateway_map

    @staticmethod
    def _head(n: int, root: bytes) -> dict[str, Any]:
        return {"tree_size": n, "anchored_at": NOW - 86400 + n, "block_number": 100 + n, "root": hx(root)}

    def subject_map(self, n: int) -> SubjectMap:
        chains: dict[str, list[tuple[int, bytes]]] = {}
        for i in range(n):
            for key in dict.fromkeys(self.leaf_docs[i]["subject_keys"]):
                chains.setdefault(key, []).append((i, self.hashes[i]))
        return chains_of(chains)

    def _opening(self, i: int) -> tuple[str, bool]:
        """(effective date, open?) of sealed entry ``i``, as the gateway judges it."""
        extensions = [d for d in self.leaf_docs[: self.size] if d.get("action") == seals.EXTEND_ACTION]
        until = seals.effective_until(self.leaf_docs[i], extensions)
        return until, until <= seals.rfc3339(datetime.fromtimestamp(NOW, UTC))

    def listing(self, map_size: int | None) -> dict[str, Any]:
        anchored = self.gateway_map if map_size is None else map_size
        entries = []
        for i in range(self.size):
            document, leaf_doc = self.documents[i], self.leaf_docs[i]
            if RESIDENT_KEY not in leaf_doc["subject_keys"]:
                continue
            leaf = self.leaves[i]
            proof = [hx(p) for p in merkle.inclusion_proof_in(i, self.size, self.tree)]
            opening = self._opening(i) if "nonce" in document else None
            content = document if opening is None or opening[1] else None
            shown = content is not None and (
                content.get("owner_org") == COMMITTEE
                or content.get("accessor") == RESIDENT
                or content.get("action") in ("enrol", "unenrol", seals.EXTEND_ACTION)
            )
            if opening is not None and not shown:
                entries.append(
                    {
                        "idx": i,
                        "entry": leaf_doc,
                        "leaf": leaf.decode(),
                        "proof": proof,
                        "opens_at": opening[0],
                        **({"opened_elsewhere": True} if content else {}),
                    }
                )
                continue
            if not shown:
                entries.append({"idx": i, "redacted": True, "leaf_hash": hx(self.hashes[i]), "proof": proof})
                continue
            item = {
                "idx": i,
                "entry": leaf_doc,
                "leaf": leaf.decode(),
                "proof": proof,
                "accessor_roles": [],
                "grant": None,
            }
            if opening is not None:
                item |= {"opens_at": opening[0], "opened": content}
            entries.append(item)
        m = self.subject_map(anchored)
        return roundtrip(
            {
                "subject_key": RESIDENT_KEY,
                "head": {
                    "log_id": hx(self.log_id),
                    "org": OPERATOR_ORG,
                    "size": self.size,
                    "root": hx(self.root),
                    "signature": hx(self.signature),
                    "signer": self.signer,
                },
                "entries": entries,
                "map": {
                    "size": anchored,
                    "root": hx(m.root),
                    "proof": m.prove(bytes.fromhex(RESIDENT_KEY)),
                    "consistency": [hx(p) for p in merkle.consistency_proof_in(anchored, self.size, self.tree)]
                    if 0 < anchored < self.size
                    else [],
                },
            }
        )

    def chain(self) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "chain_id": 31337,
                "block_time": NOW,
                "log_heads": {OPERATOR_ORG: self.heads},
                "members": MEMBERS,
                "orgs": ORGS,
            }
        )


# the in-memory client and deployment verify_my_access runs against


class FakeClient:
    def __init__(self, listings: dict[str, Any]) -> None:
        self.listings = listings
        self.account = SimpleNamespace(address=RESIDENT)
        self.asked: list[str] = []

    def request(self, method: str, path: str, body: Any = None) -> Any:
        query = parse_qs(urlparse(path).query)
        which = query["map_size"][0] if "map_size" in query else "null"
        self.asked.append(which)
        return copy.deepcopy(self.listings[which])


class FakeRegistry:
    def __init__(self, chain: dict[str, Any]) -> None:
        self.heads = chain["log_heads"]

    def log_head_count(self, org: str, log_id: bytes) -> int:
        slug_to_bytes32(org)
        return len(self.heads.get(org, {}).get(hx(log_id), []))

    def log_head_at(self, org: str, log_id: bytes, index: int) -> LogHeadInfo:
        head = self.heads[org][hx(log_id)][index]
        return LogHeadInfo(
            head["tree_size"], head["anchored_at"], head["block_number"], bytes.fromhex(head["root"][2:])
        )

    def latest_log_head(self, org: str, log_id: bytes) -> LogHeadInfo | None:
        count = self.log_head_count(org, log_id)
        return self.log_head_at(org, log_id, count - 1) if count else None


class FakeMembership:
    def __init__(self, chain: dict[str, Any]) -> None:
        self.members, self.orgs = chain["members"], chain["orgs"]

    def membership_of(self, account: str, block: int | None = None) -> tuple[OrgId | None, Role]:
        m = self.members.get(to_address(account))
        return (OrgId(m["org"]), Role(m["roles"])) if m else (None, Role(0))

    def get_org(self, org: str) -> OrgInfo | None:
        o = self.orgs.get(org)
        if o is None:
            return None
        return OrgInfo(
            OrgId(org), OrgKind(o["kind"]), OrgId(o["parent"]) if o["parent"] else None, o["active"], o["name"]
        )


def run_python(chain: dict[str, Any], listings: dict[str, Any]) -> dict[str, Any]:
    client = FakeClient(listings)
    deployment = SimpleNamespace(
        registry=FakeRegistry(chain),
        membership=FakeMembership(chain),
        chain=SimpleNamespace(latest_block_time=lambda: chain["block_time"]),
    )
    try:
        v = verify_my_access(client, deployment, None, chain["block_time"])  # type: ignore[arg-type]
    except Exception as exc:  # a malformed answer: Python gives no verdict
        return {"raises": type(exc).__name__, "asked": client.asked}
    return {
        "valid": v.valid,
        "covered": v.covered,
        "entries": len(v.entries),
        "map_size": v.map_size,
        "log_size": v.log_size,
        "problems": v.problems,
        "asked": client.asked,
    }


def scenario(name: str, world: World, edit: Any = None, chain_edit: Any = None) -> dict[str, Any]:
    """A history: the listings the gateway serves (edited), the chain, and Python's verdict on them."""
    listings = {"null": world.listing(None)}
    for n in sorted({world.gateway_map, *[h["tree_size"] for h in world.heads[hx(map_log_id(world.log_id))]], 0}):
        listings[str(n)] = world.listing(n)  # past the log's size too: a hostile gateway answers anyway
    if edit is not None:
        for listing in listings.values():
            edit(listing)
    chain = world.chain()
    if chain_edit is not None:
        chain_edit(chain)
    chain = roundtrip(chain)
    expect = run_python(chain, listings)
    asked = {which: listings[which] for which in expect["asked"]}  # the port must ask for these, and only these
    return {"name": name, "chain": chain, "listings": asked, "now": NOW, "expect": expect}


def drop(idx: int) -> Any:
    def edit(listing: dict[str, Any]) -> None:
        listing["entries"] = [e for e in listing["entries"] if e["idx"] != idx]

    return edit


def scenarios() -> list[dict[str, Any]]:
    base = World(base_documents())
    out = [scenario("complete: every entry below the anchored size, later ones included", base)]
    out.append(scenario("an entry below the anchored size removed from the listing", base, drop(3)))
    out.append(scenario("a redacted entry below the anchored size removed", base, drop(2)))
    out.append(scenario("an entry after the anchored size removed (not yet covered: still passes)", base, drop(9)))

    tampered = base_documents()
    tampered[4] = doc(4, 4, keys=[OTHER_KEYS[1]], purpose="altered")
    other = World(tampered)

    def other_root(signed: bool) -> Any:
        def edit(listing: dict[str, Any]) -> None:
            listing["head"]["root"] = hx(other.root)
            if signed:
                listing["head"]["signature"] = hx(sign_head(OPERATOR_KEY, base.log_id, base.size, other.root))

        return edit

    out.append(
        scenario("the listing served against another head root (signed by the operator)", base, other_root(True))
    )
    out.append(scenario("the listing served against another head root (unsigned)", base, other_root(False)))
    out.append(scenario("the head signed by a member who is no anchorer", World(base_documents(), signer=RECORDER_KEY)))
    out.append(
        scenario(
            "the head signer is no member of the head's organisation",
            base,
            chain_edit=lambda c: c["members"].__setitem__(OPERATOR, {"org": OFFICE, "roles": 16}),
        )
    )
    out.append(scenario("no subject map anchored yet", World(base_documents(), maps=())))
    out.append(
        scenario(
            "the chain's newest map is older than the gateway's (asked again at its size)",
            World(base_documents(), maps=(3,)),
        )
    )
    out.append(
        scenario(
            "no log head anchored beside the map", World(base_documents(), anchored=(3,), maps=(3, 8), gateway_map=8)
        )
    )
    out.append(
        scenario("anchored at the current size (no consistency proof)", World(base_documents(), anchored=(3, 11)))
    )
    out.append(
        scenario(
            "the gateway serves fewer entries than were anchored",
            World(base_documents(), anchored=(3, 11), size=8, gateway_map=8),
        )
    )

    out.append(
        scenario(
            "the map proof of another subject",
            base,
            lambda listing: listing["map"].__setitem__(
                "proof", roundtrip(base.subject_map(listing["map"]["size"]).prove(bytes.fromhex(OTHER_KEYS[0])))
            ),
        )
    )

    def swap(listing: dict[str, Any]) -> None:
        e = listing["entries"]
        e[0], e[1] = e[1], e[0]

    out.append(scenario("two entries re-ordered", base, swap))

    def alter_hash(listing: dict[str, Any]) -> None:
        for e in listing["entries"]:
            if e.get("redacted") and e["idx"] == 2:
                e["leaf_hash"] = hx(h("another leaf"))

    out.append(scenario("a redacted entry's leaf hash altered", base, alter_hash))

    def foreign(listing: dict[str, Any]) -> None:
        item = {
            "idx": 1,
            "entry": base.leaf_docs[1],
            "leaf": base.leaves[1].decode(),
            "proof": [hx(p) for p in merkle.inclusion_proof_in(1, base.size, base.tree)],
            "accessor_roles": [],
            "grant": None,
        }
        listing["entries"].insert(1, roundtrip(item))

    out.append(scenario("an entry about someone else added", base, foreign))

    def wrong_idx(listing: dict[str, Any]) -> None:
        listing["entries"][0]["idx"] = 1

    out.append(scenario("an entry shown at another index", base, wrong_idx))

    def bad_proof(listing: dict[str, Any]) -> None:
        for e in listing["entries"]:
            if e["idx"] == 9:
                e["proof"][0] = hx(h("sibling"))

    out.append(scenario("an entry after the anchored size with a bad inclusion proof", base, bad_proof))

    def open_altered(listing: dict[str, Any]) -> None:
        for e in listing["entries"]:
            if "opened" in e:
                e["opened"]["purpose"] = "curiosity"

    out.append(scenario("an opened seal whose content was altered", base, open_altered))

    def withhold(listing: dict[str, Any]) -> None:
        for e in listing["entries"]:
            if "opened" in e:
                del e["opened"]

    out.append(scenario("a seal past its date still withheld", base, withhold))

    def opens_later(listing: dict[str, Any]) -> None:
        for e in listing["entries"]:
            if e["idx"] == 6:
                e["opens_at"] = "2027-09-01T00:00:00Z"

    out.append(scenario("a seal's opening date misstated", base, opens_later))

    def elsewhere(listing: dict[str, Any]) -> None:
        for e in listing["entries"]:
            if e["idx"] == 6:
                e["opened_elsewhere"] = True

    out.append(scenario("a seal said to be open elsewhere before its date", base, elsewhere))
    out.append(
        scenario(
            "an extension by someone who is no office's admin or auditor",
            World(base_documents(extender=OFFICER, extender_org=DEPARTMENT)),
        )
    )
    late = base_documents()
    late[7] = {**late[7], "sealed_until": "2029-06-01T00:00:00Z"}
    out.append(scenario("an extension reaching past two years", World(late)))
    far = base_documents()
    far[6] = sealed(doc(6, 6, keys=[RESIDENT_KEY]), "2030-01-01T00:00:00Z")
    out.append(scenario("a seal of longer than two years", World(far)))

    nobody = [doc(0, 1, keys=[OTHER_KEYS[0]]), doc(1, 2, keys=[OTHER_KEYS[1]]), doc(2, 3, keys=[OTHER_KEYS[0]])]
    out.append(scenario("nobody read about the resident: an absence proof", World(nobody, anchored=(2,))))

    def hide(listing: dict[str, Any]) -> None:
        listing["entries"] = []

    out.append(scenario("every entry left out", base, hide))

    def malformed_leaf(listing: dict[str, Any]) -> None:
        listing["entries"][0]["leaf"] = "{not json"

    out.append(scenario("a leaf that is not JSON (Python raises)", base, malformed_leaf))

    def string_size(listing: dict[str, Any]) -> None:
        listing["head"]["size"] = str(listing["head"]["size"])

    out.append(scenario("the head's size as a string (Python's int() reads it)", base, string_size))

    def bool_idx(listing: dict[str, Any]) -> None:
        for e in listing["entries"]:
            if e["idx"] == 0:
                e["idx"] = False

    out.append(scenario("an index written as false (Python: 0 == False)", base, bool_idx))

    def no_map(listing: dict[str, Any]) -> None:
        del listing["map"]

    out.append(scenario("no map member (Python raises)", base, no_map))
    return out


# ---------------------------------------------------------------- rpc (ResidentChain's reads)


def abi_of(name: str) -> list[dict[str, Any]]:
    return json.loads((ARTIFACTS / f"{name}.json").read_text())["abi"]


def out_types(abi: list[dict[str, Any]], fn: str) -> list[str]:
    def t(o: dict[str, Any]) -> str:
        return "(" + ",".join(t(c) for c in o["components"]) + ")" if o["type"] == "tuple" else o["type"]

    return [t(o) for o in next(x for x in abi if x.get("name") == fn and x["type"] == "function")["outputs"]]


def rpc_cases() -> dict[str, Any]:
    registry, membership = to_address("0x" + "1a" * 20), to_address("0x" + "2b" * 20)
    w3 = Web3()
    reg_abi, mem_abi = abi_of("RecordRegistry"), abi_of("Membership")
    reg, mem = w3.eth.contract(abi=reg_abi), w3.eth.contract(abi=mem_abi)
    log_id = h("access log")
    calls, reads = [], []

    def add(
        to: str, contract: Any, abi: Any, fn: str, args: list[Any], values: list[Any], read: dict[str, Any]
    ) -> None:
        calls.append(
            {
                "to": to,
                "data": contract.encode_abi(fn, args=args),
                "result": hx(eth_abi.encode(out_types(abi, fn), values)),
            }
        )
        reads.append(read)

    org = slug_to_bytes32(OPERATOR_ORG)
    add(
        registry,
        reg,
        reg_abi,
        "logHeadCount",
        [org, log_id],
        [2],
        {"fn": "logHeadCount", "args": [OPERATOR_ORG, hx(log_id)], "value": 2},
    )
    for i, (size, root) in enumerate(((3, h("r3")), (2**40, h("r8")))):
        add(
            registry,
            reg,
            reg_abi,
            "logHeadAt",
            [org, log_id, i],
            [(size, 1_800_000_000 + i, 100 + i, root)],
            {
                "fn": "logHeadAt",
                "args": [OPERATOR_ORG, hx(log_id), i],
                "value": {"treeSize": size, "anchoredAt": 1_800_000_000 + i, "blockNumber": 100 + i, "root": hx(root)},
            },
        )
    add(
        membership,
        mem,
        mem_abi,
        "membershipOf",
        [OPERATOR],
        [org, 17],
        {"fn": "membershipOf", "args": [OPERATOR.lower()], "value": {"org": OPERATOR_ORG, "roles": 17}},
    )
    add(
        membership,
        mem,
        mem_abi,
        "membershipOf",
        [RESIDENT],
        [bytes(32), 0],
        {"fn": "membershipOf", "args": [RESIDENT], "value": {"org": None, "roles": 0}},
    )
    add(
        membership,
        mem,
        mem_abi,
        "getOrg",
        [slug_to_bytes32(COMMITTEE)],
        [(2, slug_to_bytes32(OFFICE), True, "Sunshine committee 阳光社区")],
        {
            "fn": "getOrg",
            "args": [COMMITTEE],
            "value": {"kind": 2, "parent": OFFICE, "active": True, "name": "Sunshine committee 阳光社区"},
        },
    )
    add(
        membership,
        mem,
        mem_abi,
        "getOrg",
        [slug_to_bytes32("nobody")],
        [(0, bytes(32), False, "")],
        {"fn": "getOrg", "args": ["nobody"], "value": None},
    )
    return {
        "registry": registry,
        "membership": membership,
        "chain_id": 31337,
        "block_timestamp": NOW,
        "calls": calls,
        "reads": reads,
    }


def build() -> dict[str, Any]:
    return {
        "format": "gridledger-portal-completeness-vectors/1",
        "generator": "portal/scripts/make_completeness_vectors.py",
        "subject_map": subject_map_cases(),
        "merkle": merkle_cases(),
        "parse_time": parse_time_cases(),
        "within_reach": within_reach_cases(),
        "seals": seal_cases(),
        "head": head_cases(),
        "scenarios": scenarios(),
        "rpc": rpc_cases(),
    }


def dumps(vectors: dict[str, Any]) -> str:
    """Compact JSON with one case a line (the file stays small and its diffs readable)."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def block(value: Any, indent: str) -> str:
        if isinstance(value, list):
            return "[\n" + ",\n".join(indent + " " + one(v) for v in value) + "\n" + indent + "]"
        if isinstance(value, dict):
            inner = [f"{indent} {one(k)}: {block(v, indent + ' ')}" for k, v in value.items()]
            return "{\n" + ",\n".join(inner) + "\n" + indent + "}"
        return one(value)

    return block(vectors, "") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    text = dumps(build())
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(
                f"{OUT.relative_to(ROOT)} is stale: rerun portal/scripts/make_completeness_vectors.py", file=sys.stderr
            )
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``tests/vectors/verification.json``: the verifier's whole decision procedure as data (docs/spec/vectors.md §T-1).

A trusted address book, a static chain (batches, transactions, memberships) and cases,
valid and invalid, each with the check code a verifier must report first. The expected
codes are written here by hand, one per tampering, never taken from a verifier's output;
the Python verifier (``tests/ledger/test_verification_vectors.py``) and the JavaScript one
(``verifier-js/``) must both reproduce every one of them.

``python -m tests.ledger.verification_vectors`` rewrites the file (only when the spec changes).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ledger import merkle
from ledger.chain.view import BATCH_ANCHORED_TOPIC
from ledger.commitments import commitment, disclose
from ledger.eip712 import _ENTRY2_TYPEHASH, _ENTRY_TYPEHASH, _SECP256K1_N, signing_key
from ledger.entries import Entry, EntryDomain
from ledger.receipts import Receipt, batch_id_for
from ledger.type_versions import check_schema, version_hash
from ledger.types import slug_to_bytes32, to_address
from ledger.verify import CHECKS
from tests.ledger.vectors import DOMAIN, KEY, PAYLOADS, SECRET, VECTORS

OTHER_KEY = bytes.fromhex("8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f")  # not a recorder
LATE_KEY = bytes.fromhex("0dbbe8e4ae425a6d2687f1a7e3ba17bc98c673636790f1b8ad91193c05875ef1")  # recorder from block 20
BOOK = {
    "format": "gridledger-address-book/1",
    "chain_id": DOMAIN.chain_id,
    "membership": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    "registry": DOMAIN.registry,
    "grants": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    "record_types": "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
    "deployment_block": 1,
    "deployer": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "deployed_at": 1_799_999_000,
    "artifacts": {"Membership": "11" * 32, "RecordRegistry": "22" * 32, "AccessGrants": "33" * 32},
}
OTHER_REGISTRY = to_address("0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9")
ANCHORER = to_address("0x70997970C51812dc3A64C0Aa960B6a2E86fdbC97")
BLOCK, AT = 12, 1_800_000_000
RECORD_IDS = [f"0000000{i}-abcd-4ef0-8000-00000000000{i}" for i in range(8)]
EXTRA_PAYLOAD = {"big": 1e300, "ratio": 0.1, "text": "line\nbreak \"quoted\" \u00e9\u20ac\U0001f600"}
TYPED_IDS = [f"0000002{i}-abcd-4ef0-8000-00000000002{i}" for i in range(3)]


def _labelled(**fields: str) -> dict[str, Any]:
    """A record-type version's schema (ledger/type_versions.py): every field a string with its label."""
    properties = {name: {"type": "string", "x-gridledger-sensitivity": level} for name, level in fields.items()}
    return check_schema({"type": "object", "properties": properties, "required": sorted(fields),
                         "additionalProperties": False})


HOUSEHOLD_V1 = version_hash(_labelled(name="personal", id_number="sensitive", birth_date="personal"))
MEETING_V1 = version_hash(_labelled(topic="public"))
UNREGISTERED = version_hash(_labelled(name="personal", id_number="personal", birth_date="personal"))  # a draft


def address_of(key: bytes) -> str:
    from eth_account import Account

    return to_address(Account.from_key(key).address)


@dataclass
class Batch:
    entries: list[Entry]
    batch_id: bytes
    root: bytes
    tree: list[list[bytes]]
    tx_hash: bytes
    block: int
    stored_size: int

    def receipt(self, i: int, registry: str = DOMAIN.registry, chain_id: int = DOMAIN.chain_id) -> dict[str, Any]:
        return Receipt(self.entries[i], i, len(self.entries), tuple(merkle.inclusion_proof(i, self.tree)),
                       self.batch_id, self.root, chain_id, to_address(registry), self.tx_hash, self.block,
                       AT + self.block).to_json()  # fmt: skip


def make_batch(entries: list[Entry], *, batch_id: bytes | None = None, block: int = BLOCK, size: int = 0) -> Batch:
    tree = merkle.levels([e.leaf() for e in entries])
    root = tree[-1][0]
    bid = batch_id if batch_id is not None else batch_id_for(root)
    return Batch(entries, bid, root, tree, hashlib.sha256(b"tx" + bid).digest(), block, size or len(entries))


def chain_json(batches: list[Batch], extra_tx: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"chain_id": DOMAIN.chain_id, "batches": {}, "transactions": dict(extra_tx)}
    for b in batches:
        org = b.entries[0].org
        out["batches"]["0x" + b.batch_id.hex()] = {
            "root": "0x" + b.root.hex(), "org": org, "anchorer": ANCHORER, "size": b.stored_size,
            "anchored_at": AT + b.block, "block_number": b.block,
        }  # fmt: skip
        data = b.stored_size.to_bytes(32, "big") + bytes(12) + bytes.fromhex(ANCHORER[2:])
        topics = [BATCH_ANCHORED_TOPIC, b.batch_id, b.root, slug_to_bytes32(org)]
        out["transactions"]["0x" + b.tx_hash.hex()] = {
            "status": 1, "block_number": b.block,
            "logs": [{"address": DOMAIN.registry, "topics": ["0x" + t.hex() for t in topics],
                      "data": "0x" + data.hex()}],
        }  # fmt: skip
    out["memberships"] = {
        address_of(KEY): [{"from_block": 5, "org": "rc-sunshine", "roles": 3}],
        address_of(OTHER_KEY): [{"from_block": 5, "org": "rc-moonlight", "roles": 2}],
        address_of(LATE_KEY): [{"from_block": 20, "org": "rc-sunshine", "roles": 2}],
    }
    return out


def text(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)


def signed(entry: Entry, key: bytes = KEY, domain: EntryDomain = DOMAIN) -> Entry:
    return entry.signed(signing_key(key), domain)


def build() -> dict[str, Any]:
    committer = to_address(address_of(KEY))
    payloads = [*PAYLOADS, EXTRA_PAYLOAD]
    entries = [
        signed(Entry(RECORD_IDS[i], "rc-sunshine", "household", 1, None, commitment(p, SECRET), committer))
        for i, p in enumerate(payloads)
    ]
    v2_payload = {**PAYLOADS[0], "name": "张伟 (corrected)"}
    v2 = signed(Entry(RECORD_IDS[5], "rc-sunshine", "household", 2, RECORD_IDS[0], commitment(v2_payload, SECRET),
                      committer))  # fmt: skip
    entries.append(v2)
    main = make_batch(entries)
    disclosures = [disclose(RECORD_IDS[i], p, SECRET).to_json() for i, p in enumerate(payloads)]
    v2_disclosure = disclose(RECORD_IDS[5], v2_payload, SECRET).to_json()

    stranger = to_address(address_of(OTHER_KEY))
    late = to_address(address_of(LATE_KEY))
    side_entries = [
        signed(Entry(RECORD_IDS[6], "rc-sunshine", "meeting", 1, None, commitment({"topic": "x"}, SECRET), committer)),
        signed(Entry(RECORD_IDS[7], "rc-sunshine", "meeting", 1, None, commitment({"topic": "y"}, SECRET), stranger),
               OTHER_KEY),
        signed(Entry(RECORD_IDS[6].replace("abcd", "abce"), "rc-sunshine", "meeting", 1, None,
                     commitment({"topic": "z"}, SECRET), late), LATE_KEY),
    ]  # fmt: skip
    adopted = make_batch(side_entries, batch_id=hashlib.sha256(b"front-run").digest(), block=14)
    oversized = make_batch([signed(Entry(RECORD_IDS[4].replace("abcd", "abcf"), "rc-sunshine", "case", 1, None,
                                         commitment({"a": 1}, SECRET), committer))], block=15, size=7)  # fmt: skip
    never = make_batch([signed(Entry(RECORD_IDS[3].replace("abcd", "abc0"), "rc-sunshine", "case", 1, None,
                                     commitment({"b": 2}, SECRET), committer))], block=16)  # fmt: skip
    other_domain = EntryDomain(DOMAIN.chain_id, OTHER_REGISTRY)
    elsewhere = make_batch([signed(replace(entries[0], signature=b""), KEY, other_domain)])
    other_chain = EntryDomain(5, DOMAIN.registry)
    on_chain_5 = make_batch([signed(replace(entries[0], signature=b""), KEY, other_chain)])
    # format 2 (§D-1): entries that sign the record-type version they were checked against
    typed_entries = [
        signed(Entry(TYPED_IDS[0], "rc-sunshine", "household", 1, None, commitment(PAYLOADS[0], SECRET), committer,
                     type_version=HOUSEHOLD_V1)),
        signed(Entry(TYPED_IDS[1], "rc-sunshine", "household", 1, None, commitment(PAYLOADS[0], SECRET), committer,
                     type_version=UNREGISTERED)),
        signed(Entry(TYPED_IDS[2], "rc-sunshine", "household", 1, None, commitment(PAYLOADS[0], SECRET), committer,
                     type_version=MEETING_V1)),
    ]  # fmt: skip
    typed = make_batch(typed_entries, block=17)
    typed_disclosure = disclose(TYPED_IDS[0], PAYLOADS[0], SECRET).to_json()
    failed_tx = hashlib.sha256(b"failed").digest()
    chain = chain_json([main, adopted, oversized, typed], {
        "0x" + failed_tx.hex(): {"status": 0, "block_number": BLOCK, "logs": []},
    })  # fmt: skip
    chain["type_versions"] = {"0x" + HOUSEHOLD_V1.hex(): {"name": "household"},
                              "0x" + MEETING_V1.hex(): {"name": "meeting"}}  # fmt: skip

    cases: list[dict[str, Any]] = []

    def case(name: str, description: str, receipt: Any, disclosure: Any, check: str | None) -> None:
        assert check is None or check in CHECKS, check
        cases.append({
            "name": name, "description": description,
            "receipt": receipt if isinstance(receipt, str) else text(receipt),
            "disclosure": disclosure if disclosure is None or isinstance(disclosure, str) else text(disclosure),
            "expect": {"valid": check is None, "check": check},
        })  # fmt: skip

    r0, d0 = main.receipt(0), disclosures[0]

    def tampered(doc: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        out = copy.deepcopy(doc)
        change(out)
        return out

    def at(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
        def change(doc: dict[str, Any]) -> None:
            *parents, last = path.split(".")
            for p in parents:
                doc = doc[int(p)] if isinstance(doc, list) else doc[p]
            if isinstance(doc, list):
                doc[int(last)] = value
            else:
                doc[last] = value

        return change

    def flip_hex(value: str, position: int = 2) -> str:
        digit = value[position]
        return value[:position] + ("1" if digit != "1" else "2") + value[position + 1 :]

    # -- valid -----------------------------------------------------------------------------
    for i in range(len(payloads)):
        case(f"valid-full-disclosure-{i}", "a genuine record with every field disclosed", main.receipt(i),
             disclosures[i], None)  # fmt: skip
    case("valid-version-2", "a genuine second version superseding record 0", main.receipt(5), v2_disclosure, None)
    partial = disclose(RECORD_IDS[0], PAYLOADS[0], SECRET, ["name"]).to_json()
    case("valid-partial-disclosure", "only the name field disclosed", r0, partial, None)
    case("valid-entry-only", "a receipt with no disclosure proves the entry alone", main.receipt(1), None, None)
    case("valid-adopted-batch-id", "a root first anchored by another anchorer under its own id (§P-6)",
         adopted.receipt(0), None, None)  # fmt: skip
    case("valid-integer-written-1.0", "1.0 is the integer 1 (§J-2)",
         text(r0).replace('"version": 1,', '"version": 1.0,'), d0, None)  # fmt: skip
    case("valid-pretty-printed", "white space and member order in the file do not matter",
         json.dumps(dict(reversed(list(r0.items()))), indent=4, ensure_ascii=True), json.dumps(d0, indent=2),
         None)  # fmt: skip
    t0 = typed.receipt(0)
    case("valid-format-2", "an entry of format 2: it signs the record-type version it was checked against, "
         "which the chain registers under its type", t0, typed_disclosure, None)  # fmt: skip
    case("valid-format-2-written-2.0", "2.0 is the integer 2 (§J-2)",
         text(t0).replace('"format": 2,', '"format": 2.0,'), typed_disclosure, None)  # fmt: skip

    # -- json (§V-1) -------------------------------------------------------------------------
    r0_text = text(r0)
    case("json-duplicate-member", "an entry with two 'version' members",
         r0_text.replace('"version": 1,', '"version": 1, "version": 2,'), d0, "json")  # fmt: skip
    case("json-integer-beyond-2^53", "an integer literal no double holds exactly",
         r0_text.replace(f'"block_number": {BLOCK}', '"block_number": 1152921504606846976'), d0, "json")  # fmt: skip
    case("json-integer-2^53", "2^53 itself is refused", r0_text.replace(f'"block_number": {BLOCK}',
         '"block_number": 9007199254740992'), d0, "json")  # fmt: skip
    case("json-number-overflows", "1e400 is not finite as a double",
         r0_text.replace(f'"anchored_at": {AT + BLOCK}', '"anchored_at": 1e400'), d0, "json")  # fmt: skip
    case("json-nan", "NaN is not JSON", r0_text.replace(f'"anchored_at": {AT + BLOCK}', '"anchored_at": NaN'), d0,
         "json")  # fmt: skip
    case("json-lone-surrogate", "a disclosed value with an escaped lone surrogate", r0,
         text(d0).replace('"1990-03-07"', '"1990-03-07\\ud800"'), "json")  # fmt: skip
    case("json-nested-65-deep", "a disclosed value nested so that the document is 65 deep (§J-1 rule 6)", r0,
         text(d0).replace('"1990-03-07"', "[" * 62 + "1" + "]" * 62), "json")  # fmt: skip
    case("json-truncated", "a receipt file cut short", r0_text[: len(r0_text) // 2], d0, "json")
    case("json-disclosure-duplicate-field", "a disclosure naming one field twice", r0,
         text(d0).replace('"fields": {', '"fields": {"name": ' + text(d0["fields"]["name"]) + ", ", 1),
         "json")  # fmt: skip

    # -- format (§V-2) -----------------------------------------------------------------------
    case("format-receipt-version-2", "a receipt format this verifier does not implement",
         tampered(r0, at("format", "gridledger-receipt/2")), d0, "format")  # fmt: skip
    case("format-receipt-not-object", "a receipt that is a JSON array", text([r0]), d0, "format")
    case("format-entry-format-3", "an entry of format 3", tampered(r0, at("entry.format", 3)), d0, "format")
    case("format-entry-format-true", "an entry format true is not 1", tampered(r0, at("entry.format", True)), d0,
         "format")  # fmt: skip
    case("format-disclosure-null", "a disclosure file holding null is not 'no disclosure'", r0, "null", "format")
    case("format-entry-null-before-schema", "an entry that is null, beside a member the receipt does not define",
         tampered(tampered(r0, at("entry", None)), at("x", 1)), d0, "format")  # fmt: skip
    case("format-disclosure-missing", "a disclosure without its format", r0,
         {k: v for k, v in d0.items() if k != "format"}, "format")  # fmt: skip

    # -- schema (§V-3) -----------------------------------------------------------------------
    def entry_case(name: str, description: str, member: str, value: Any, check: str = "schema") -> None:
        case(name, description, tampered(r0, at(f"entry.{member}", value)), d0, check)

    entry_case("schema-version-string", '"1" is a string, not an integer', "version", "1")
    entry_case("schema-version-true", "true is not an integer", "version", True)
    entry_case("schema-version-fraction", "1.5 is not an integer", "version", 1.5)
    entry_case("schema-version-zero", "versions start at 1", "version", 0)
    entry_case("schema-version-beyond-uint32", "a version beyond 2^32 - 1", "version", 2**32)
    entry_case("schema-record-id-upper-case", "an upper-case UUID is not canonical", "record_id", RECORD_IDS[0].upper())
    entry_case("schema-record-id-urn", "a urn:uuid: id is not canonical", "record_id", "urn:uuid:" + RECORD_IDS[0])
    entry_case("schema-record-id-braces", "a braced UUID is not canonical", "record_id", "{" + RECORD_IDS[0] + "}")
    entry_case("schema-org-upper-case", "organisation slugs are lower-case", "org", "RC-sunshine")
    entry_case("schema-eip55-committer-lower-case", "the committer is not in EIP-55 form", "committer",
               committer.lower())  # fmt: skip
    entry_case("schema-eip55-committer-bad-checksum", "a wrong EIP-55 checksum", "committer",
               committer[:2] + committer[2:].swapcase())  # fmt: skip
    entry_case("schema-commitment-space", "hex with a space in it", "commitment",
               "0x " + r0["entry"]["commitment"][3:])  # fmt: skip
    entry_case("schema-commitment-upper-case", "hex digits in upper case", "commitment",
               "0x" + r0["entry"]["commitment"][2:].upper())  # fmt: skip
    entry_case("schema-commitment-trailing-newline", "fixed-width hex with a newline after it", "commitment",
               r0["entry"]["commitment"] + "\n")  # fmt: skip
    entry_case("schema-commitment-no-0x", "hex without its 0x", "commitment", r0["entry"]["commitment"][2:] + "00")
    entry_case("schema-signature-64-bytes", "a signature without its v byte", "signature",
               r0["entry"]["signature"][:-2])  # fmt: skip
    entry_case("schema-supersedes-empty-string", "supersedes is null or a UUID", "supersedes", "")
    entry_case("schema-entry-format-2-without-type-version", "format 2 names its type version; this entry does not",
               "format", 2)  # fmt: skip
    case("schema-entry-type-version-removed", "a format-2 entry whose type_version was taken out",
         tampered(t0, lambda d: d["entry"].pop("type_version")), typed_disclosure, "schema")  # fmt: skip
    entry_case("schema-entry-format-1-with-type-version", "a format-1 entry has no type_version member",
               "type_version", "0x" + HOUSEHOLD_V1.hex())  # fmt: skip
    case("schema-type-version-upper-case", "a type version's hex digits in upper case",
         tampered(t0, at("entry.type_version", "0x" + HOUSEHOLD_V1.hex().upper())), typed_disclosure,
         "schema")  # fmt: skip
    case("schema-type-version-31-bytes", "a type version one byte short",
         tampered(t0, at("entry.type_version", "0x" + HOUSEHOLD_V1.hex()[:-2])), typed_disclosure,
         "schema")  # fmt: skip
    case("schema-entry-extra-member", "an entry with a member the spec does not define",
         tampered(r0, at("entry.note", "x")), d0, "schema")  # fmt: skip
    case("schema-receipt-extra-member", "an anchor with a member the spec does not define",
         tampered(r0, at("anchor.gas", 1)), d0, "schema")  # fmt: skip
    missing = tampered(r0, lambda d: d["anchor"].pop("tx_hash"))
    case("schema-receipt-missing-tx-hash", "a receipt without its transaction hash", missing, d0, "schema")
    case("schema-leaf-index-fraction", "a leaf index of 1.5", tampered(r0, at("inclusion.leaf_index", 1.5)), d0,
         "schema")  # fmt: skip
    case("schema-leaf-index-negative", "a leaf index of -1", tampered(r0, at("inclusion.leaf_index", -1)), d0,
         "schema")  # fmt: skip
    case("schema-tree-size-beyond-uint32", "a tree larger than the registry can record",
         tampered(r0, at("inclusion.tree_size", 2**32)), d0, "schema")  # fmt: skip
    case("schema-chain-id-string", "a chain id as a string", tampered(r0, at("anchor.chain_id", "31337")), d0,
         "schema")  # fmt: skip
    case("schema-eip55-registry-lower-case", "the registry is not in EIP-55 form",
         tampered(r0, at("anchor.registry", DOMAIN.registry.lower())), d0, "schema")  # fmt: skip
    case("schema-proof-not-array", "a proof that is a string", tampered(r0, at("inclusion.proof", "0x00")), d0,
         "schema")  # fmt: skip
    case("schema-disclosure-index-string", "a field index as a string", r0,
         tampered(d0, at("fields.name.index", "2")), "schema")  # fmt: skip
    case("schema-disclosure-no-fields", "a disclosure revealing nothing", r0, tampered(d0, at("fields", {})), "schema")
    case("schema-disclosure-missing-salt", "a disclosed field without its salt", r0,
         tampered(d0, lambda d: d["fields"]["name"].pop("salt")), "schema")  # fmt: skip
    case("schema-disclosure-record-id-upper-case", "an upper-case record id in a disclosure", r0,
         tampered(d0, at("record_id", RECORD_IDS[0].upper())), "schema")  # fmt: skip

    # -- version-rule (§V-4) -----------------------------------------------------------------
    bad_v2 = make_batch([signed(replace(entries[0], version=2, signature=b""))])
    case("version-rule-2-superseding-nothing", "version 2 that supersedes nothing (signed, included)",
         bad_v2.receipt(0), d0, "version-rule")  # fmt: skip
    bad_v1 = make_batch([signed(replace(entries[0], supersedes=RECORD_IDS[3], signature=b""))])
    case("version-rule-1-superseding", "version 1 that supersedes a record", bad_v1.receipt(0), d0, "version-rule")
    case("version-rule-before-signature", "two failures: the first in the spec's order is reported",
         tampered(bad_v2.receipt(0), at("entry.signature", flip_hex(bad_v2.receipt(0)["entry"]["signature"]))), d0,
         "version-rule")  # fmt: skip

    # -- trust-domain (§V-5) -----------------------------------------------------------------
    case("trust-domain-other-registry", "a fully consistent record anchored in another deployment",
         elsewhere.receipt(0, registry=OTHER_REGISTRY), d0, "trust-domain")  # fmt: skip
    case("trust-domain-other-chain", "a fully consistent record signed and anchored for chain 5",
         on_chain_5.receipt(0, chain_id=5), d0, "trust-domain")  # fmt: skip
    case("trust-domain-chain-id-changed", "a genuine receipt with its chain id changed",
         tampered(r0, at("anchor.chain_id", 1)), d0, "trust-domain")  # fmt: skip

    # -- signature (§V-6) --------------------------------------------------------------------
    sig = r0["entry"]["signature"]
    case("signature-r-flipped", "one hex digit of r changed", tampered(r0, at("entry.signature", flip_hex(sig, 10))),
         d0, "signature")  # fmt: skip
    case("signature-s-flipped", "one hex digit of s changed", tampered(r0, at("entry.signature", flip_hex(sig, 80))),
         d0, "signature")  # fmt: skip
    raw = bytes.fromhex(sig[2:])
    high_s = raw[:32] + (_SECP256K1_N - int.from_bytes(raw[32:64], "big")).to_bytes(32, "big") + bytes([raw[64] ^ 1])
    case("signature-high-s", "the malleable twin (n - s, v flipped): valid ECDSA, refused",
         tampered(r0, at("entry.signature", "0x" + high_s.hex())), d0, "signature")  # fmt: skip
    for v in (0, 1, 29):
        case(f"signature-v-{v}", f"v = {v} (only 27 and 28 are allowed)",
             tampered(r0, at("entry.signature", "0x" + (raw[:64] + bytes([v])).hex())), d0, "signature")  # fmt: skip
    case("signature-committer-changed", "another (valid, checksummed) committer", tampered(r0, at(
         "entry.committer", stranger)), d0, "signature")  # fmt: skip
    entry_case("signature-org-changed", "the owner changed after signing", "org", "rc-moonlight", "signature")
    entry_case("signature-type-changed", "the type changed after signing", "type", "resident", "signature")
    entry_case("signature-commitment-changed", "the commitment changed after signing", "commitment",
               "0x" + bytes(32).hex(), "signature")  # fmt: skip
    entry_case("signature-record-id-changed", "the record id changed after signing", "record_id", RECORD_IDS[2],
               "signature")  # fmt: skip
    r5 = main.receipt(5)
    case("signature-version-changed", "version 2 restated as 3", tampered(r5, at("entry.version", 3)), v2_disclosure,
         "signature")  # fmt: skip
    case("signature-supersedes-changed", "supersedes pointed elsewhere",
         tampered(r5, at("entry.supersedes", RECORD_IDS[1])), v2_disclosure, "signature")  # fmt: skip

    case("signature-type-version-changed", "a format-2 entry's type version changed after signing (to another "
         "registered one)", tampered(t0, at("entry.type_version", "0x" + MEETING_V1.hex())), typed_disclosure,
         "signature")  # fmt: skip

    def relabelled(doc: dict[str, Any], fmt: int, type_version: bytes | None) -> dict[str, Any]:
        def change(d: dict[str, Any]) -> None:
            d["entry"]["format"] = fmt
            d["entry"].pop("type_version", None)
            if type_version is not None:
                d["entry"]["type_version"] = "0x" + type_version.hex()

        return tampered(doc, change)

    case("signature-format-1-read-as-format-2", "a format-1 entry given a type version and format 2: a RecordEntry "
         "signature is not a RecordEntry2 signature", relabelled(r0, 2, HOUSEHOLD_V1), d0, "signature")  # fmt: skip
    case("signature-format-2-read-as-format-1", "a format-2 entry stripped of its type version as format 1",
         relabelled(t0, 1, None), typed_disclosure, "signature")  # fmt: skip

    # -- disclosure-record (§V-7) ------------------------------------------------------------
    case("disclosure-record-other-record", "the fields of record 1 with the receipt of record 0", r0, disclosures[1],
         "disclosure-record")  # fmt: skip

    # -- disclosure-proof (§V-8) -------------------------------------------------------------
    def field_case(name: str, description: str, change: Callable[[dict[str, Any]], None]) -> None:
        case(name, description, r0, tampered(d0, change), "disclosure-proof")

    field_case("disclosure-proof-value-changed", "a disclosed value changed", at("fields.name.value", "李伟"))
    field_case("disclosure-proof-value-type-changed", "a string value replaced by a number",
               at("fields.id_number.value", 110101199003071234 // 10**9))  # fmt: skip
    field_case("disclosure-proof-salt-changed", "a salt changed",
               at("fields.name.salt", flip_hex(d0["fields"]["name"]["salt"])))  # fmt: skip
    field_case("disclosure-proof-proof-changed", "a proof hash changed",
               at("fields.name.proof.0", flip_hex(d0["fields"]["name"]["proof"][0])))  # fmt: skip
    field_case("disclosure-proof-proof-extended", "a proof with one hash too many",
               lambda d: d["fields"]["name"]["proof"].append("0x" + "ab" * 32))  # fmt: skip
    field_case("disclosure-proof-index-changed", "a field moved to another index", at("fields.name.index", 0))
    field_case("disclosure-proof-field-count-changed", "the record claims one more field", at("field_count", 4))
    field_case("disclosure-proof-field-renamed", "a field disclosed under another name",
               lambda d: d["fields"].__setitem__("surname", d["fields"].pop("name")))  # fmt: skip
    field_case("disclosure-proof-index-reused", "two fields claim one index", at("fields.id_number.index", 2))

    # -- inclusion (§V-9) --------------------------------------------------------------------
    inc = r0["inclusion"]
    case("inclusion-proof-changed", "an inclusion proof hash changed",
         tampered(r0, at("inclusion.proof.0", flip_hex(inc["proof"][0]))), d0, "inclusion")  # fmt: skip
    case("inclusion-proof-shortened", "a proof hash removed", tampered(r0, at("inclusion.proof", inc["proof"][:-1])),
         d0, "inclusion")  # fmt: skip
    case("inclusion-leaf-index-changed", "the entry placed at another index",
         tampered(r0, at("inclusion.leaf_index", 1)), d0, "inclusion")  # fmt: skip
    case("inclusion-tree-size-changed", "the batch said to hold two leaves (the proof is too long for it)",
         tampered(r0, at("inclusion.tree_size", 2)), d0, "inclusion")  # fmt: skip
    case("inclusion-leaf-index-outside", "a leaf index beyond the tree",
         tampered(r0, at("inclusion.leaf_index", inc["tree_size"])), d0, "inclusion")  # fmt: skip
    case("inclusion-root-changed", "the batch root changed",
         tampered(r0, at("batch.root", flip_hex(r0["batch"]["root"]))), d0, "inclusion")  # fmt: skip

    # -- batch-anchored (§V-10) --------------------------------------------------------------
    case("batch-anchored-id-changed", "a batch id the registry does not know",
         tampered(r0, at("batch.id", flip_hex(r0["batch"]["id"]))), d0, "batch-anchored")  # fmt: skip
    case("batch-anchored-never", "a self-consistent batch that was never anchored", never.receipt(0), None,
         "batch-anchored")  # fmt: skip
    case("batch-anchored-another-batch-id", "the id of another anchored batch (another root)",
         tampered(r0, at("batch.id", "0x" + adopted.batch_id.hex())), d0, "batch-anchored")  # fmt: skip

    # -- batch-facts (§V-11) -----------------------------------------------------------------
    case("batch-facts-block-misstated", "the receipt names another block",
         tampered(r0, at("anchor.block_number", BLOCK + 1)), d0, "batch-facts")  # fmt: skip
    case("batch-facts-time-misstated", "the receipt names another anchoring time",
         tampered(r0, at("anchor.anchored_at", AT)), d0, "batch-facts")  # fmt: skip
    case("batch-facts-tree-size-one-more", "leaf 0's proof in 6 leaves also verifies in 7: RFC 6962 proofs do "
         "not bind the tree size; the registry does", tampered(r0, at("inclusion.tree_size", inc["tree_size"] + 1)), d0,
         "batch-facts")  # fmt: skip
    case("batch-facts-size-misstated", "the anchorer recorded size 7 for a batch of one; the receipt says 1",
         oversized.receipt(0), None, "batch-facts")  # fmt: skip

    # -- anchor-transaction (§V-12) ----------------------------------------------------------
    case("anchor-transaction-unknown", "a transaction hash the chain does not know",
         tampered(r0, at("anchor.tx_hash", flip_hex(r0["anchor"]["tx_hash"]))), d0, "anchor-transaction")  # fmt: skip
    case("anchor-transaction-of-another-batch", "the transaction that anchored another batch",
         tampered(r0, at("anchor.tx_hash", "0x" + adopted.tx_hash.hex())), d0, "anchor-transaction")  # fmt: skip
    case("anchor-transaction-failed", "a transaction that reverted", tampered(r0, at("anchor.tx_hash",
         "0x" + failed_tx.hex())), d0, "anchor-transaction")  # fmt: skip

    # -- committer-role (§V-13) --------------------------------------------------------------
    case("committer-role-other-org", "signed by a recorder of another committee", adopted.receipt(1), None,
         "committer-role")  # fmt: skip
    case("committer-role-not-yet", "signed by an account that became a recorder after the anchor", adopted.receipt(2),
         None, "committer-role")  # fmt: skip

    # -- type-version (§V-14) ----------------------------------------------------------------
    case("type-version-unregistered", "a format-2 entry, genuine and anchored, naming a type version the chain "
         "does not register", typed.receipt(1), None, "type-version")  # fmt: skip
    case("type-version-of-another-type", "a household entry naming a version registered for meeting",
         typed.receipt(2), None, "type-version")  # fmt: skip

    main_entry, typed_entry = entries[0], typed_entries[0]
    return {
        "format": "gridledger-vectors/1",
        "spec": "gridledger-receipt/1",
        "description": "The verifier's decision procedure as data: docs/spec/vectors.md §T-1 (made by "
        "tests/ledger/verification_vectors.py; expectations written by hand, per tampering)",
        "address_book": BOOK,
        "digests": {
            "record_entry_typehash": "0x" + _ENTRY_TYPEHASH.hex(),
            "domain_separator": "0x" + DOMAIN.separator.hex(),
            "commitment": "0x" + main_entry.commitment.hex(),
            "entry_digest": "0x" + main_entry.digest(DOMAIN).hex(),
            "entry_canonical": main_entry.canonical().decode(),
            "entry_leaf": "0x" + main_entry.leaf().hex(),
            "batch_root": "0x" + main.root.hex(),
            "batch_id_formula": "0x" + batch_id_for(main.root).hex(),
            "batch_anchored_topic": "0x" + BATCH_ANCHORED_TOPIC.hex(),
            "record_entry2_typehash": "0x" + _ENTRY2_TYPEHASH.hex(),
            "entry2_digest": "0x" + typed_entry.digest(DOMAIN).hex(),
            "entry2_canonical": typed_entry.canonical().decode(),
            "entry2_leaf": "0x" + typed_entry.leaf().hex(),
        },
        "chain": chain,
        "cases": cases,
    }


def write() -> None:
    (VECTORS / "verification.json").write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write()

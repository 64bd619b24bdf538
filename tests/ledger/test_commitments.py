"""Commitments, disclosures, signed entries and receipts: property tests and vectors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.commitments import (
    Disclosure,
    PayloadError,
    commitment,
    disclose,
    field_leaf_data,
    field_salt,
    verify_disclosure,
)
from ledger.eip712 import ENTRY_DOMAIN, ENTRY_FIELDS
from ledger.entries import Entry
from ledger.errors import VerificationError
from ledger.receipts import Receipt
from ledger.verify import verify_local
from tests.ledger.vectors import DOMAIN, KEY, VECTORS, build

json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
payloads = st.dictionaries(st.text(min_size=1, max_size=12), json_values, min_size=1, max_size=8)
secrets_ = st.binary(min_size=32, max_size=32)
RID = "00000000-0000-4000-8000-000000000001"


@given(payloads, secrets_, st.data())
def test_every_payload_and_every_subset_of_its_fields_verifies(
    payload: dict[str, Any], secret: bytes, data: st.DataObject
) -> None:
    c = commitment(payload, secret)
    full = disclose(RID, payload, secret)
    assert full.complete and verify_disclosure(full, c) == sorted(payload, key=lambda n: n.encode("utf-16-be"))
    subset = data.draw(st.sets(st.sampled_from(sorted(payload)), min_size=1))
    part = disclose(RID, payload, secret, subset)
    assert set(verify_disclosure(part, c)) == subset
    assert part.complete == (len(subset) == len(payload))
    assert Disclosure.from_json(json.loads(json.dumps(part.to_json()))) == part


@given(payloads, secrets_, st.data())
def test_changing_any_value_or_salt_fails(payload: dict[str, Any], secret: bytes, data: st.DataObject) -> None:
    c = commitment(payload, secret)
    d = disclose(RID, payload, secret).to_json()
    name = data.draw(st.sampled_from(sorted(payload)))
    if data.draw(st.booleans()):
        d["fields"][name]["value"] = ["tampered", d["fields"][name]["value"]]
    else:
        salt = bytearray(bytes.fromhex(d["fields"][name]["salt"][2:]))
        salt[data.draw(st.integers(0, 31))] ^= 1
        d["fields"][name]["salt"] = "0x" + salt.hex()
    with pytest.raises(VerificationError, match="does not match the commitment"):
        verify_disclosure(Disclosure.from_json(d), c)


def test_a_low_entropy_value_is_not_guessable_from_the_commitment() -> None:
    # same value, same field, different records -> unrelated commitments (salted per record)
    a = commitment({"birth_date": "1990-03-07"}, b"\x01" * 32)
    b = commitment({"birth_date": "1990-03-07"}, b"\x02" * 32)
    assert a != b
    assert a != merkle.leaf_hash(field_leaf_data(b"", "birth_date", "1990-03-07"))


def test_payloads_that_cannot_be_committed_say_why() -> None:
    with pytest.raises(PayloadError, match="at least one field"):
        commitment({}, bytes(32))
    with pytest.raises(PayloadError, match="canonical"):
        commitment({"n": 2**60}, bytes(32))
    with pytest.raises(PayloadError, match="canonical"):
        commitment({"n": float("nan")}, bytes(32))


def test_the_entry_digest_matches_eth_accounts_typed_data_encoder() -> None:
    entry = Entry.from_json(build()["records"][0]["entry"])
    words = entry.words()
    document = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"},
            ],
            "RecordEntry": ENTRY_FIELDS,
        },
        "primaryType": "RecordEntry",
        "domain": {"name": ENTRY_DOMAIN[0], "version": ENTRY_DOMAIN[1], "chainId": DOMAIN.chain_id,
                   "verifyingContract": DOMAIN.registry},
        "message": dict(zip([f["name"] for f in ENTRY_FIELDS], words, strict=True)),
    }  # fmt: skip
    signed = Account.sign_message(encode_typed_data(full_message=document), KEY)
    assert bytes(signed.message_hash) == entry.digest(DOMAIN)
    assert bytes(signed.signature) == entry.signature  # both deterministic (RFC 6979)


def _receipt(i: int = 0) -> tuple[Receipt, Disclosure]:
    vectors = build()
    return Receipt.from_json(vectors["receipts"][i]), Disclosure.from_json(vectors["records"][i]["disclosure"])


def test_a_receipt_and_payload_verify_locally() -> None:
    receipt, disclosure = _receipt(1)
    verdict = verify_local(receipt, disclosure)
    assert verdict.valid, verdict.problems
    assert verdict.complete and verdict.proven_fields == sorted(disclosure.fields)


@settings(max_examples=60)
@given(st.data())
def test_flipping_any_byte_of_entry_signature_proof_or_root_fails(data: st.DataObject) -> None:
    receipt, disclosure = _receipt(data.draw(st.integers(0, 3)))
    doc = receipt.to_json()
    target = data.draw(st.sampled_from(["commitment", "signature", "proof", "root", "org", "version"]))

    def flip(hexstr: str) -> str:
        raw = bytearray(bytes.fromhex(hexstr[2:]))
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        return "0x" + raw.hex()

    if target == "commitment":
        doc["entry"]["commitment"] = flip(doc["entry"]["commitment"])
    elif target == "signature":
        doc["entry"]["signature"] = flip(doc["entry"]["signature"])
    elif target == "proof":
        proof = doc["inclusion"]["proof"]
        j = data.draw(st.integers(0, len(proof) - 1))
        proof[j] = flip(proof[j])
    elif target == "root":
        doc["batch"]["root"] = flip(doc["batch"]["root"])
    elif target == "org":
        doc["entry"]["org"] = "rc-harmony"
    else:
        doc["entry"]["version"] = 2
    try:
        tampered = Receipt.from_json(doc)
    except VerificationError:
        return  # unparseable is refused too
    assert not verify_local(tampered, disclosure).valid


def test_a_payload_of_another_record_is_refused() -> None:
    receipt, _ = _receipt(0)
    _, other = _receipt(1)
    verdict = verify_local(receipt, other)
    assert not verdict.valid and "the payload is of record" in verdict.problems[0]


def test_committed_vectors_are_reproduced_exactly() -> None:
    assert json.loads((VECTORS / "records.json").read_text()) == json.loads(json.dumps(build(), ensure_ascii=False))


def test_merkle_vectors_verify() -> None:
    vectors = json.loads((VECTORS / "merkle.json").read_text())
    for n, v in vectors.items():
        hashed = [merkle.leaf_hash(x.encode()) for x in v["leaves"]]
        root = bytes.fromhex(v["root"][2:])
        for i, proof in enumerate(v["inclusion"]):
            merkle.verify_inclusion(i, int(n), hashed[i], [bytes.fromhex(p[2:]) for p in proof], root)
        for m, proof in v["consistency"].items():
            old = merkle.root(hashed[: int(m)])
            merkle.verify_consistency(int(m), int(n), old, root, [bytes.fromhex(p[2:]) for p in proof])


def test_record_vectors_verify_and_their_tampered_twins_do_not() -> None:
    vectors = json.loads((VECTORS / "records.json").read_text())
    for record, receipt_json in zip(vectors["records"], vectors["receipts"], strict=True):
        receipt = Receipt.from_json(receipt_json)
        disclosure = Disclosure.from_json(record["disclosure"])
        assert verify_local(receipt, disclosure).valid
        assert "0x" + receipt.entry.commitment.hex() == record["commitment"]
        for name, salt in record["salts"].items():
            assert field_salt(bytes.fromhex(record["record_secret"][2:]), name).hex() == salt[2:]
        tampered = json.loads(json.dumps(record["disclosure"]))
        first = sorted(tampered["fields"])[0]
        tampered["fields"][first]["value"] = "tampered"
        assert not verify_local(receipt, Disclosure.from_json(tampered)).valid


any_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300)
@given(any_json)
def test_the_fast_canonical_path_is_byte_identical_to_rfc8785(value: Any) -> None:
    import rfc8785

    from ledger.commitments import canonical

    try:
        expected = rfc8785.dumps(value)
    except Exception:
        with pytest.raises(PayloadError):
            canonical(value)
        return
    assert canonical(value) == expected

"""Entry formats 1 and 2 (docs/spec/documents.md §D-1, primitives.md §P-4): what each signs and how each is read.

Format 2 signs one more word, the record-type version the record was checked against, under
its own EIP-712 struct (``RecordEntry2``); format 1 is unchanged byte for byte.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from ledger.eip712 import ENTRY_DOMAIN, ENTRY_PRIMARY_TYPES, ENTRY_TYPE_FIELDS, entry_digest
from ledger.entries import ENTRY_FORMAT, ENTRY_FORMATS, Entry
from ledger.errors import DocumentError, VerificationError
from ledger.type_versions import version_hash
from ledger.verify import verify_local
from tests.ledger.vectors import DOMAIN, KEY, build

TYPE_VERSION = version_hash({"type": "object", "properties": {"name": {"x-gridledger-sensitivity": "personal"}}})


def _format_1() -> Entry:
    return Entry.from_json(build()["records"][0]["entry"])


def _format_2() -> Entry:
    return replace(_format_1(), type_version=TYPE_VERSION, signature=b"").signed(KEY, DOMAIN)


def _generic_digest(entry: Entry) -> tuple[bytes, bytes]:
    """eth-account's generic EIP-712 encoding of the entry's struct, and its signature with the vector key."""
    fields = ENTRY_TYPE_FIELDS[entry.format]
    document: dict[str, Any] = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"},
            ],
            ENTRY_PRIMARY_TYPES[entry.format]: fields,
        },
        "primaryType": ENTRY_PRIMARY_TYPES[entry.format],
        "domain": {"name": ENTRY_DOMAIN[0], "version": ENTRY_DOMAIN[1], "chainId": DOMAIN.chain_id,
                   "verifyingContract": DOMAIN.registry},
        "message": dict(zip([f["name"] for f in fields], entry.words(), strict=True)),
    }  # fmt: skip
    signed = Account.sign_message(encode_typed_data(full_message=document), KEY)
    return bytes(signed.message_hash), bytes(signed.signature)


def test_the_formats_are_named_and_an_entry_is_of_format_2_exactly_when_it_names_its_type_version() -> None:
    assert (ENTRY_FORMAT, ENTRY_FORMATS) == (1, (1, 2))
    assert _format_1().format == 1 and len(_format_1().words()) == 7
    assert _format_2().format == 2 and len(_format_2().words()) == 8 and _format_2().words()[-1] == TYPE_VERSION


def test_a_format_2_digest_is_eth_accounts_record_entry2_encoding() -> None:
    entry = _format_2()
    digest, signature = _generic_digest(entry)
    assert entry.digest(DOMAIN) == digest
    assert entry.signature == signature  # both deterministic (RFC 6979)
    assert entry.signer(DOMAIN) == entry.committer


def test_format_1_is_unchanged_by_format_2() -> None:
    entry = _format_1()
    assert entry.digest(DOMAIN) == _generic_digest(entry)[0]
    assert entry.to_json() == build()["records"][0]["entry"]
    assert "type_version" not in entry.to_json()


def test_a_signature_over_one_format_never_verifies_as_the_other() -> None:
    one, two = _format_1(), _format_2()
    as_two = replace(one, type_version=TYPE_VERSION)  # the format-1 signature, now read as RecordEntry2
    as_one = replace(two, type_version=None)  # the format-2 signature, read as RecordEntry
    assert as_two.signer(DOMAIN) != as_two.committer
    assert as_one.signer(DOMAIN) != as_one.committer
    changed = replace(two, type_version=os.urandom(32))
    assert changed.signer(DOMAIN) != changed.committer


def test_the_digest_refuses_words_that_are_not_their_formats() -> None:
    words = _format_2().words()
    with pytest.raises(ValueError, match="format 1"):
        entry_digest(DOMAIN.separator, (1, *words[1:]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format 2"):
        entry_digest(DOMAIN.separator, (2, *words[1:7]))  # type: ignore[arg-type]


def test_a_type_version_is_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        replace(_format_1(), type_version=bytes(31))


def test_a_format_2_entry_reads_back_as_written() -> None:
    entry = _format_2()
    document = entry.to_json()
    assert document["format"] == 2 and document["type_version"] == "0x" + TYPE_VERSION.hex()
    assert Entry.from_json(document) == entry
    assert Entry.from_json({**document, "format": 2.0}) == entry
    assert b'"type_version":"0x' in entry.canonical()


@pytest.mark.parametrize(
    ("change", "check", "names"),
    [
        (lambda d: d.pop("type_version"), "schema", "type_version is missing"),
        (lambda d: d.update(type_version=d["type_version"].upper().replace("0X", "0x")), "schema", "type_version"),
        (lambda d: d.update(type_version=d["type_version"][:-2]), "schema", "type_version"),
        (lambda d: d.update(type_version=None), "schema", "type_version"),
        (lambda d: d.update(typeVersion=d.pop("type_version")), "schema", "typeVersion"),
        (lambda d: d.update(format=1), "schema", "'type_version'"),  # a format-1 entry carrying a type version
        (lambda d: d.update(format=3), "format", "1 or 2"),
        (lambda d: d.update(format=True), "format", "1 or 2"),
        (lambda d: d.update(format="2"), "format", "1 or 2"),
    ],
)
def test_a_format_2_entry_is_read_strictly(change: Any, check: str, names: str) -> None:
    document = _format_2().to_json()
    change(document)
    with pytest.raises(DocumentError) as caught:
        Entry.from_json(document)
    assert caught.value.check == check
    assert names in caught.value.message
    assert "0x" + TYPE_VERSION.hex()[:16] not in caught.value.message  # the member is named, its value never quoted


def test_a_format_1_entry_with_a_type_version_is_refused_naming_the_member() -> None:
    document = {**_format_1().to_json(), "type_version": "0x" + TYPE_VERSION.hex()}
    with pytest.raises(DocumentError, match=r"format 1.*'type_version'") as caught:
        Entry.from_json(document)
    assert caught.value.check == "schema"


def test_the_verdict_reports_the_type_version_of_a_format_2_entry() -> None:
    from ledger import merkle
    from ledger.receipts import Receipt

    entry = _format_2()
    receipt = Receipt(entry, 0, 1, (), b"\x0b" * 32, merkle.leaf_hash(entry.canonical()), DOMAIN.chain_id,
                      DOMAIN.registry, b"\x7a" * 32, 12, 1_800_000_000)  # fmt: skip
    verdict = verify_local(receipt, None)
    assert verdict.valid, verdict.problems
    assert verdict.type_version == "0x" + TYPE_VERSION.hex()
    assert verdict.to_json()["type_version"] == verdict.type_version
    assert verdict.type_version in verdict.summary()
    assert verify_local(replace(receipt, entry=_format_1()), None).type_version is None


def test_an_entry_without_a_signature_recovers_no_one() -> None:
    with pytest.raises(VerificationError):
        replace(_format_2(), signature=b"").signer(DOMAIN)

"""A deployment: four contracts wired to one another, the shipped standards registered, one address book."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from ledger.chain.address_book import (
    AddressBook,
    Deployment,
    check_deployed,
    read_address_book,
    write_address_book,
)
from ledger.chain.artifacts import CONTRACT_NAMES, load_artifact
from ledger.errors import AddressBookError

SCHEMA = Path(__file__).resolve().parents[2] / "ledger" / "schemas" / "address-book.schema.json"


def test_the_book_names_every_contract_and_each_is_wired_to_the_others(deployment: Deployment) -> None:
    book = deployment.book
    assert check_deployed(deployment) == []
    assert set(book.artifacts) == set(CONTRACT_NAMES) == {"Membership", "RecordTypes", "RecordRegistry", "AccessGrants"}
    assert book.artifacts["RecordTypes"] == load_artifact("RecordTypes").digest
    grants, types = deployment.grants.contract.functions, deployment.record_types.contract.functions
    assert (grants.membership().call(), grants.recordTypes().call()) == (book.membership, book.record_types)
    assert types.membership().call() == book.membership
    assert Draft202012Validator(json.loads(SCHEMA.read_text())).is_valid(book.to_json())


def test_a_book_round_trips_and_one_from_before_record_types_says_redeploy(
    deployment: Deployment, tmp_path: Path
) -> None:
    path = tmp_path / "addressbook.json"
    write_address_book(path, deployment.book)
    assert read_address_book(path) == deployment.book
    old = {k: v for k, v in deployment.book.to_json().items() if k != "record_types"}
    assert not Draft202012Validator(json.loads(SCHEMA.read_text())).is_valid(old)
    path.write_text(json.dumps(old))
    with pytest.raises(AddressBookError, match=r"record_types.*redeploy with `gridledger deploy --force`"):
        read_address_book(path)
    with pytest.raises(AddressBookError, match="record_types must be"):
        AddressBook.from_json({**deployment.book.to_json(), "record_types": "0x1234"})

"""The strict verifier against a real chain: every fact a receipt states is read back (§V-10 to §V-13).

The vectors fix the decision procedure with a static chain; these tests show the same
checks firing against a real anvil and a real gateway's receipts — a receipt that
misstates its block, time, tree size or transaction is invalid even though the record is
genuine, and a record anchored in a second deployment of the same contracts is refused
without one chain read.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.chain.view import DeploymentChain
from ledger.ops.deploy import deploy
from ledger.verify import verify_texts
from tests.gateway.conftest import Gateway

MEETING = {"date": "2026-11-21", "topic": "Bicycle shed", "attendees": 5}


def anchored(gateway: Gateway) -> tuple[dict[str, Any], dict[str, Any]]:
    client = gateway.client(gateway.org.c1_recorder)
    accepted = client.commit("meeting", MEETING)
    receipt = client.wait_anchored(accepted["id"])
    return receipt, client.get(accepted["id"])["disclosure"]


def check(deployment: Deployment, receipt: dict[str, Any], disclosure: dict[str, Any] | None) -> tuple[bool, Any]:
    verdict = verify_texts(json.dumps(receipt), None if disclosure is None else json.dumps(disclosure),
                           deployment.book, lambda: DeploymentChain(deployment))  # fmt: skip
    return verdict.valid, verdict.check


def changed(receipt: dict[str, Any], section: str, member: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(receipt)
    out[section][member] = value
    return out


def test_a_genuine_receipt_verifies_and_each_misstated_fact_is_caught(gateway: Gateway) -> None:
    deployment = gateway.container.deployment()
    receipt, disclosure = anchored(gateway)
    assert check(deployment, receipt, disclosure) == (True, None)
    anchor = receipt["anchor"]
    cases = {
        "batch-facts": [
            changed(receipt, "anchor", "block_number", anchor["block_number"] - 1),
            changed(receipt, "anchor", "anchored_at", anchor["anchored_at"] + 1),
        ],
        "anchor-transaction": [changed(receipt, "anchor", "tx_hash", "0x" + "ab" * 32)],
        "batch-anchored": [changed(receipt, "batch", "id", "0x" + "cd" * 32)],
    }
    for expected, receipts in cases.items():
        for tampered in receipts:
            assert check(deployment, tampered, disclosure) == (False, expected)


def test_the_anchoring_transaction_of_another_batch_is_refused(gateway: Gateway) -> None:
    deployment = gateway.container.deployment()
    first, _ = anchored(gateway)
    second, disclosure = anchored(gateway)  # committed after the first was anchored: another batch
    assert first["batch"]["id"] != second["batch"]["id"]
    swapped = changed(second, "anchor", "tx_hash", first["anchor"]["tx_hash"])
    assert check(deployment, swapped, disclosure) == (False, "anchor-transaction")


def test_a_record_of_a_second_deployment_is_refused_by_the_first_ones_book(
    gateway: Gateway, admin: LocalAccount
) -> None:
    """The forgery the spec's trust rule exists for: the same contracts deployed again by
    anyone; a verifier that took the registry from the receipt would accept the record."""
    ours = gateway.container.deployment()
    receipt, disclosure = anchored(gateway)
    theirs = deploy(ours.chain, admin, operator_org="operator")
    assert theirs.book.registry != ours.book.registry
    assert check(theirs, receipt, disclosure) == (False, "trust-domain")


def test_the_type_version_is_read_with_the_rest_and_an_unregistered_one_is_named(gateway: Gateway) -> None:
    """§V-14 against the real RecordTypes: the batched read names the entry's type, and a version the
    chain never registered (the batch then reverts) is still answered, read on its own."""
    deployment = gateway.container.deployment()
    receipt, _ = anchored(gateway)
    registered = bytes.fromhex(receipt["entry"]["type_version"][2:])
    batch_id, tx_hash = bytes.fromhex(receipt["batch"]["id"][2:]), bytes.fromhex(receipt["anchor"]["tx_hash"][2:])
    committer, block = receipt["entry"]["committer"], receipt["anchor"]["block_number"]
    view = DeploymentChain(deployment)
    view.prefetch(batch_id, tx_hash, committer, block, type_version=registered)
    assert view._type_names == {registered: "meeting"}  # read in the one round trip
    assert view.type_version_name(registered) == "meeting"
    unknown = bytes(32)
    fresh = DeploymentChain(deployment)
    fresh.prefetch(batch_id, tx_hash, committer, block, type_version=unknown)
    assert fresh._type_names == {} and fresh.type_version_name(unknown) is None
    assert fresh.batch(batch_id) is not None  # the other reads still answer, one by one

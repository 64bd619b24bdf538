"""RecordRegistry: batch anchors and access-log heads."""

from __future__ import annotations

import hashlib
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.chain.client import ChainClient
from ledger.ops.deploy import deploy
from ledger.ops.localchain import LocalChain, free_port
from ledger.types import Role
from tests.conftest import Consortium, b32, new_account, reverts


def h(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def test_an_anchorer_anchors_a_batch_and_everyone_can_read_it(
    deployment: Deployment, admin: LocalAccount, snapshot: None
) -> None:
    r = deployment.registry
    receipt = r.anchor(admin, h("batch-1"), h("root-1"), 3)
    (event,) = r.events(receipt, "BatchAnchored")
    assert event == {
        "batchId": h("batch-1"),
        "root": h("root-1"),
        "org": b32("operator"),
        "size": 3,
        "anchorer": admin.address,
    }
    batch = r.get_batch(h("batch-1"))
    assert (batch.root, batch.size, batch.org, batch.anchorer) == (h("root-1"), 3, "operator", admin.address)
    block = deployment.chain.w3.eth.get_block(receipt["blockNumber"])
    assert (batch.block_number, batch.anchored_at) == (receipt["blockNumber"], block["timestamp"])
    assert r.batch_id_of(h("root-1")) == h("batch-1")
    assert r.batch_id_of(h("unknown")) is None


def test_duplicate_batch_ids_and_roots_are_refused(deployment: Deployment, admin: LocalAccount, snapshot: None) -> None:
    r = deployment.registry
    r.anchor(admin, h("batch-1"), h("root-1"), 1)
    with reverts("RegistryBatchExists", h("batch-1")):
        r.anchor(admin, h("batch-1"), h("root-2"), 1)
    with reverts("RegistryDuplicateRoot", h("root-1"), h("batch-1")):
        r.anchor(admin, h("batch-2"), h("root-1"), 1)


def test_empty_batches_are_refused(deployment: Deployment, admin: LocalAccount, snapshot: None) -> None:
    r = deployment.registry
    with reverts("RegistryInvalidBatch", h("b"), h("r"), 0):
        r.anchor(admin, h("b"), h("r"), 0)
    with reverts("RegistryInvalidBatch", h("b"), b"\0" * 32, 1):
        r.anchor(admin, h("b"), b"\0" * 32, 1)
    with reverts("RegistryUnknownBatch", h("b")):
        r.get_batch(h("b"))


def test_only_accounts_with_the_anchorer_role_anchor(consortium: Consortium) -> None:
    r = consortium.deployment.registry
    for account in (new_account(), consortium.c1_recorder, consortium.sd_admin):
        with reverts("RegistryUnauthorizedAnchorer", account.address):
            r.anchor(account, h("b"), h("r"), 1)
        with reverts("RegistryUnauthorizedAnchorer", account.address):
            r.anchor_log_head(account, h("log"), 1, h("r"))
    assert r.log_head_count("sd-east", h("log")) == 0


def test_a_removed_member_can_no_longer_anchor(consortium: Consortium) -> None:
    m, r = consortium.deployment.membership, consortium.deployment.registry
    gateway = new_account()
    m.add_member(consortium.admin, gateway.address, "sd-east", Role.ANCHORER)
    r.anchor(gateway, h("b1"), h("r1"), 1)
    assert r.get_batch(h("b1")).org == "sd-east"
    m.remove_member(consortium.sd_admin, gateway.address)
    with reverts("RegistryUnauthorizedAnchorer", gateway.address):
        r.anchor(gateway, h("b2"), h("r2"), 1)


def test_anchoring_costs_the_same_for_one_entry_or_ten_thousand(
    deployment: Deployment, admin: LocalAccount, snapshot: None
) -> None:
    r = deployment.registry
    small = r.anchor(admin, h("b1"), h("r1"), 1)["gasUsed"]
    large = r.anchor(admin, h("b2"), h("r2"), 10_000)["gasUsed"]
    # Only calldata differs: 10,000 has one more non-zero byte than 1 (16 - 4 = 12 gas).
    assert large - small == 12


def test_log_heads_only_grow(deployment: Deployment, admin: LocalAccount, snapshot: None) -> None:
    r, log, op = deployment.registry, h("access-log"), b32("operator")
    assert r.latest_log_head("operator", log) is None
    with reverts("RegistryUnknownLogHead", op, log, 0):
        r._call("latestLogHead", op, log)
    receipt = r.anchor_log_head(admin, log, 5, h("head-5"))
    (event,) = r.events(receipt, "LogHeadAnchored")
    assert event == {"logId": log, "org": op, "treeSize": 5, "root": h("head-5"), "anchorer": admin.address}
    r.anchor_log_head(admin, log, 9, h("head-9"))
    with reverts("RegistryLogNotGrowing", op, log, 9, 9):
        r.anchor_log_head(admin, log, 9, h("other"))
    with reverts("RegistryLogNotGrowing", op, log, 9, 3):
        r.anchor_log_head(admin, log, 3, h("other"))
    with reverts("RegistryInvalidLogHead", log):
        r.anchor_log_head(admin, log, 10, b"\0" * 32)
    assert r.log_head_count("operator", log) == 2
    head = r.latest_log_head("operator", log)
    assert head is not None and (head.tree_size, head.root) == (9, h("head-9"))
    first = r.log_head_at("operator", log, 0)
    block = deployment.chain.w3.eth.get_block(receipt["blockNumber"])
    assert (first.tree_size, first.block_number, first.anchored_at) == (5, receipt["blockNumber"], block["timestamp"])
    with reverts("RegistryUnknownLogHead", op, log, 2):
        r.log_head_at("operator", log, 2)


def test_an_anchorer_of_another_org_cannot_touch_our_log_heads(consortium: Consortium) -> None:
    m, r, admin = consortium.deployment.membership, consortium.deployment.registry, consortium.admin
    log = h("access-log")
    r.anchor_log_head(admin, log, 10, h("ours-10"))
    intruder = new_account()
    m.add_member(admin, intruder.address, "sd-west", Role.ANCHORER)
    # Same log id, a bigger and a smaller tree: both land in sd-west's own log, never in ours.
    receipt = r.anchor_log_head(intruder, log, 1_000, h("forged-1000"))
    assert r.events(receipt, "LogHeadAnchored")[0]["org"] == b32("sd-west")
    r.anchor_log_head(intruder, log, 1_001, h("forged-1001"))
    ours = r.latest_log_head("operator", log)
    assert ours is not None and (ours.tree_size, ours.root) == (10, h("ours-10"))
    assert r.log_head_count("operator", log) == 1 and r.log_head_count("sd-west", log) == 2
    r.anchor_log_head(admin, log, 11, h("ours-11"))  # our log still grows from our own last size
    with reverts("RegistryLogNotGrowing", b32("sd-west"), log, 1_001, 11):
        r.anchor_log_head(intruder, log, 11, h("forged-11"))
    assert r.log_head_count("sd-east", log) == 0


def test_anchorers_of_a_deactivated_org_can_no_longer_anchor(consortium: Consortium) -> None:
    m, r = consortium.deployment.membership, consortium.deployment.registry
    gateway = new_account()
    m.add_member(consortium.admin, gateway.address, "sd-west", Role.ANCHORER)
    r.anchor_log_head(gateway, h("log"), 1, h("r1"))
    m.deactivate_org(consortium.admin, "sd-west")
    with reverts("RegistryUnauthorizedAnchorer", gateway.address):
        r.anchor(gateway, h("b"), h("r"), 1)
    with reverts("RegistryUnauthorizedAnchorer", gateway.address):
        r.anchor_log_head(gateway, h("log"), 2, h("r2"))


def test_a_block_time_beyond_uint48_is_refused_rather_than_wrapped(tmp_path: Path) -> None:
    """Its own chain: the shared one must not be moved to the year 8,921,556."""
    local = LocalChain(tmp_path)
    status = local.start(port=free_port())
    assert status.rpc_url
    try:
        admin = Account.create()
        deployment = deploy(ChainClient(status.rpc_url), admin, operator_org="operator")
        deployment.chain.w3.provider.make_request("evm_setNextBlockTimestamp", [2**48])  # type: ignore[arg-type]
        with reverts("SafeCastOverflowedUintDowncast", 48, 2**48):
            deployment.registry.anchor(admin, h("b"), h("r"), 1)
        assert deployment.registry.batch_id_of(h("r")) is None
    finally:
        local.stop()

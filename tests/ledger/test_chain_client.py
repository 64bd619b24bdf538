"""The chain client: clear errors, safe nonces under concurrency, fees, confirmations."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.address_book import Deployment
from ledger.chain.client import ChainClient, decode_revert
from ledger.errors import ChainMismatchError, ChainUnreachableError
from ledger.ops.localchain import free_port
from tests.conftest import b32


def test_an_unreachable_node_is_a_clear_error_after_bounded_retries() -> None:
    client = ChainClient(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.01)
    with pytest.raises(ChainUnreachableError, match=r"no chain node answers at http://127\.0\.0\.1"):
        _ = client.chain_id
    assert not client.is_reachable()


def test_concurrent_sends_from_one_sender_all_land(deployment: Deployment, admin: LocalAccount, snapshot: None) -> None:
    chain, registry, admin_key = deployment.chain, deployment.registry, admin

    def anchor(i: int) -> int:
        receipt = registry.anchor(admin_key, i.to_bytes(32, "big"), (i + 1000).to_bytes(32, "big"), 1)
        return int(receipt["status"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(anchor, range(1, 41)))
    assert statuses == [1] * 40
    assert all(registry.batch_id_of((i + 1000).to_bytes(32, "big")) for i in range(1, 41))
    assert chain.w3.eth.get_transaction_count(admin_key.address) >= 40


def test_nonce_cache_recovers_after_the_chain_is_rewound(deployment: Deployment, admin: LocalAccount) -> None:
    chain = deployment.chain
    snap = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    deployment.registry.anchor(admin, b32("a"), b32("ra"), 1)
    deployment.registry.anchor(admin, b32("b"), b32("rb"), 1)
    chain.w3.provider.make_request("evm_revert", [snap])  # type: ignore[arg-type]
    # no reset_nonces(): the client must notice the node is behind its cache
    chain._next_nonce = {k: (v[0], v[1] - 60) for k, v in chain._next_nonce.items()}  # cache aged out
    receipt = deployment.registry.anchor(admin, b32("c"), b32("rc"), 1)
    assert receipt["status"] == 1


def test_gas_free_chain_gets_zero_fees(chain: ChainClient) -> None:
    assert chain.fee_fields() == {"maxFeePerGas": 0, "maxPriorityFeePerGas": 0}


def test_confirmations_wait_for_blocks_on_top(deployment: Deployment, admin: LocalAccount, snapshot: None) -> None:
    client = ChainClient(deployment.chain.rpc_url, confirmations=2, receipt_timeout=20)
    miner_stop = threading.Event()

    def mine() -> None:
        while not miner_stop.wait(0.2):
            client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    thread = threading.Thread(target=mine)
    thread.start()
    try:
        receipt = client.transact(admin, deployment.registry.anchor_function(b32("x"), b32("rx"), 1))
        assert client.block_number() >= receipt["blockNumber"] + 2
    finally:
        miner_stop.set()
        thread.join()


def test_revert_data_decodes_to_our_custom_errors() -> None:
    selector = keccak(text="RegistryDuplicateRoot(bytes32,bytes32)")[:4]
    decoded = decode_revert("0x" + (selector + b32("root") + b32("batch")).hex())
    assert decoded is not None
    assert (decoded.name, decoded.args) == ("RegistryDuplicateRoot", (b32("root"), b32("batch")))
    assert str(decoded) == "RegistryDuplicateRoot('root', 'batch')"
    assert decode_revert(keccak(text="Unrelated()")[:4]) is None
    assert decode_revert(None) is None
    assert decode_revert("0x12") is None


def test_a_node_of_another_chain_is_refused(deployment: Deployment) -> None:
    from dataclasses import replace

    wrong = replace(deployment.book, chain_id=deployment.book.chain_id + 1)
    with pytest.raises(ChainMismatchError, match="runs chain 31337, but the address book is for chain 31338"):
        Deployment.connect(deployment.chain, wrong)

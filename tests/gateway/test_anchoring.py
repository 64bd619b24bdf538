"""The anchoring worker: exactly once, whatever crashes in between, with several workers."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from gateway.app import create_app
from gateway.db.models import Batch, OutboxItem, Record
from gateway.security.operator_key import operator_account
from gateway.workers.anchoring import AnchoringWorker
from ledger.chain.address_book import Deployment
from ledger.client.gateway import GatewayClientError
from tests.gateway.conftest import Gateway, fresh_database, gateway_settings

HOUSEHOLD = {"address": "1-1-101", "head": "Wang Fang", "members": 2}


@pytest.fixture
def quiet_gateway(
    tmp_path: Path, database_kind: str, deployment: Deployment, admin: LocalAccount, gateway: Gateway
) -> Iterator[Gateway]:
    """A gateway on its own database with no worker running: tests drive workers by hand."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_database(database_kind, tmp_path))
        settings = gateway_settings(tmp_path / "quiet", url, deployment, admin, anchoring=False, batch_max_size=10)
        http = stack.enter_context(TestClient(create_app(settings)))
        yield Gateway(http, http.app.state.container, gateway.org)  # type: ignore[attr-defined]


def _pending(gw: Gateway, n: int) -> list[str]:
    client = gw.client(gw.org.c1_recorder)
    result = client.commit_prepared(
        [client.prepare("household", {**HOUSEHOLD, "members": 1 + i % 9}) for i in range(n)]
    )
    return [r["id"] for r in result["records"]]


def _worker(gw: Gateway) -> AnchoringWorker:
    return AnchoringWorker(gw.container, operator_account(gw.container.settings))


def _drain(gw: Gateway) -> None:
    with gw.container.sessions() as s:
        s.execute(update(OutboxItem).values(enqueued_at=datetime.now(UTC) - timedelta(minutes=5)))
        s.commit()


def _statuses(gw: Gateway, ids: list[str]) -> set[str]:
    with gw.container.sessions() as s:
        return set(s.scalars(select(Record.status).where(Record.id.in_(ids))))


def test_a_batch_mined_but_not_recorded_is_recognised_by_its_root(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    ids = _pending(gw, 4)
    _drain(gw)
    crashed = _worker(gw)
    crashed.send = lambda batch: None  # type: ignore[method-assign]  # dies right after claiming
    assert crashed.anchor_one()
    with gw.container.sessions() as s:
        batch = s.scalar(select(Batch).where(Batch.status == "sending"))
    assert batch is not None
    registry = gw.container.deployment().registry
    registry.anchor(operator_account(gw.container.settings), batch.id, batch.root, batch.size)  # it did reach the chain
    with gw.container.sessions() as s:
        s.execute(update(Batch).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    assert _worker(gw).recover_one()
    assert _statuses(gw, ids) == {"anchored"}
    with gw.container.sessions() as s:
        done = s.get(Batch, batch.id)
        assert done is not None and done.status == "anchored" and done.tx_hash and done.attempts == 0
        assert s.scalar(select(func.count(OutboxItem.id)).where(OutboxItem.batch_id == batch.id)) == 0
    receipt = gw.client(gw.org.c1_recorder).receipt(ids[0])
    assert receipt["anchor"]["tx_hash"] == "0x" + done.tx_hash.hex()


def test_a_lost_transaction_is_sent_again_once(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    ids = _pending(gw, 3)
    _drain(gw)
    crashed = _worker(gw)
    crashed.send = lambda batch: None  # type: ignore[method-assign]
    assert crashed.anchor_one()
    with gw.container.sessions() as s:
        s.execute(update(Batch).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    worker = _worker(gw)
    assert worker.recover_one()
    assert _statuses(gw, ids) == {"anchored"}
    assert not worker.recover_one()  # nothing left to recover


def test_several_workers_never_anchor_an_entry_twice(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    ids = _pending(gw, 60)
    _drain(gw)
    workers = [_worker(gw) for _ in range(3)]
    errors: list[BaseException] = []

    def run(worker: AnchoringWorker) -> None:
        try:
            for _ in range(40):
                worker.run_once()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert _statuses(gw, ids) == {"anchored"}
    with gw.container.sessions() as s:
        batch_ids = set(s.scalars(select(Record.batch_id).where(Record.id.in_(ids))))
        sizes = sum(s.scalars(select(Batch.size).where(Batch.id.in_(batch_ids))))
        assert sizes == len(ids)  # every entry in exactly one batch
    registry = gw.container.deployment().registry
    for batch_id in batch_ids:
        assert batch_id is not None and registry.get_batch(batch_id).size <= 10


def test_a_receipt_is_409_until_the_record_is_anchored(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    (record_id,) = _pending(gw, 1)
    client = gw.client(gw.org.c1_recorder)
    with pytest.raises(GatewayClientError) as info:
        client.receipt(record_id)
    assert info.value.status == 409 and info.value.problem["status_now"] == "pending"
    _drain(gw)
    assert _worker(gw).anchor_one()
    assert client.receipt(record_id)["entry"]["record_id"] == record_id


def test_a_batch_whose_block_the_chain_lost_is_anchored_again_and_its_receipts_follow(quiet_gateway: Gateway) -> None:
    gw = quiet_gateway
    ids = _pending(gw, 3)
    _drain(gw)
    provider = gw.container.chain.w3.provider
    before = provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    worker = _worker(gw)
    assert worker.anchor_one()
    assert _statuses(gw, ids) == {"anchored"}
    client = gw.client(gw.org.c1_recorder)
    lost = client.receipt(ids[0])
    provider.make_request("evm_revert", [before])  # type: ignore[arg-type]  # the node comes back without that block
    gw.container.chain.reset_nonces()
    assert worker.reconcile(force=True)
    assert _statuses(gw, ids) == {"pending"}
    with pytest.raises(GatewayClientError) as info:  # no receipt points at nothing
        client.receipt(ids[0])
    assert info.value.status == 409
    assert worker.recover_one()
    assert _statuses(gw, ids) == {"anchored"}
    again = client.receipt(ids[0])
    assert again["batch"] == lost["batch"]  # same id: the chain had forgotten it
    assert gw.container.deployment().registry.get_batch(bytes.fromhex(again["batch"]["id"][2:])).size == 3
    verdict = client.verify(again, client.get(ids[0])["disclosure"])
    assert verdict["valid"], verdict["problems"]
    assert not worker.reconcile(force=True)  # nothing more to do
    assert worker.reanchored == 1


def test_a_root_another_anchorer_put_on_chain_first_is_adopted(quiet_gateway: Gateway, admin: LocalAccount) -> None:
    gw = quiet_gateway
    ids = _pending(gw, 2)
    _drain(gw)
    with gw.container.sessions() as s:
        leaves = [
            bytes(leaf) for leaf in s.scalars(select(Record.entry_leaf).where(Record.id.in_(ids)).order_by(Record.id))
        ]
    from ledger import merkle

    root = merkle.root(leaves)
    front_run = os.urandom(32)
    gw.container.deployment().registry.anchor(admin, front_run, root, 2)  # same root and size, another id
    assert _worker(gw).anchor_one()
    assert _statuses(gw, ids) == {"anchored"}
    receipt = gw.client(gw.org.c1_recorder).receipt(ids[0])
    assert receipt["batch"]["id"] == "0x" + front_run.hex()
    assert gw.client(gw.org.c1_recorder).verify(receipt, None)["valid"]


def test_a_root_taken_with_another_size_makes_the_batch_shrink_until_it_is_new(
    quiet_gateway: Gateway, admin: LocalAccount
) -> None:
    gw = quiet_gateway
    ids = _pending(gw, 3)
    _drain(gw)
    with gw.container.sessions() as s:
        leaves = [
            bytes(leaf) for leaf in s.scalars(select(Record.entry_leaf).where(Record.id.in_(ids)).order_by(Record.id))
        ]
    from ledger import merkle

    gw.container.deployment().registry.anchor(admin, os.urandom(32), merkle.root(leaves), 7)  # a lie about the size
    worker = _worker(gw)
    assert worker.anchor_one()
    _drain(gw)
    assert worker.anchor_one()
    assert _statuses(gw, ids) == {"anchored"}
    with gw.container.sessions() as s:
        sizes = sorted(
            s.scalars(select(Batch.size).where(Batch.id.in_(select(Record.batch_id).where(Record.id.in_(ids)))))
        )
    assert sizes == [1, 2]

"""Nothing acknowledged is lost while the chain is down (in-process gateway, real anvil, both databases).

The SIGKILLed gateway and the other real-process faults are in ``tests/faults/test_fault_matrix.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from ledger.client.gateway import GatewayClient
from ledger.commitments import Disclosure
from ledger.receipts import Receipt
from ledger.verify import verify
from tests.faults.accounting import settle
from tests.faults.stack import Stack, hold_outage
from tests.gateway.conftest import fresh_database, gateway_settings

HOUSEHOLD = {"address": "9-9-909", "head": "Chen Jie", "members": 5}


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test (each test has its own chain)."""
    with fresh_database(database_kind, tmp_path) as url:
        yield url


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path)
    try:
        yield s
    finally:
        s.close()


def test_committing_goes_on_while_the_chain_is_down(stack: Stack, tmp_path: Path, database_url: str) -> None:
    # a 3-second lease, as in the fault matrix: a chain error right after an anchor is mined (reading the
    # block's time) leaves its batch "sending" until the lease ends, 60 s by default
    settings = gateway_settings(tmp_path / "gw", database_url, stack.deployment, stack.admin, batch_lease=3)
    with TestClient(create_app(settings)) as http:
        client = GatewayClient("http://testserver", stack.recorder, http=http)
        ids = [client.commit("household", {**HOUSEHOLD, "members": i})["id"] for i in range(1, 4)]
        client.wait_anchored(ids[0], timeout=30)
        stack.stop_chain()
        down_at = time.monotonic()
        during = [client.commit("household", {**HOUSEHOLD, "members": i})["id"] for i in range(4, 9)]
        assert all(client.get(i)["status"] == "pending" for i in during)
        hold_outage(down_at)  # the worker meets the outage and backs off
        stack.restart_chain()
        tally = settle(stack.deployment, database_url, ids + during, ids + during, timeout=90)
        assert tally.anchored_once == 8
        receipt = client.wait_anchored(during[-1], timeout=30)
        disclosure = client.get(during[-1])["disclosure"]
    verdict = verify(Receipt.from_json(receipt), Disclosure.from_json(disclosure), stack.deployment)
    assert verdict.valid, verdict.problems

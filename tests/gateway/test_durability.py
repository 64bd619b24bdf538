"""Nothing acknowledged is lost: chain outages and a SIGKILLed gateway, against real parts."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.app import create_app
from gateway.models import Batch, Record
from gateway.sdk import GatewayClient
from ledger.chain import ChainClient
from ledger.commitments import Disclosure
from ledger.deploy import Deployment, deploy
from ledger.localchain import LocalChain, free_port
from ledger.receipts import Receipt
from ledger.types import OrgKind, Role
from ledger.verify import verify
from tests.gateway.conftest import fresh_database, gateway_settings

HOUSEHOLD = {"address": "9-9-909", "head": "Chen Jie", "members": 5}


class Stack:
    """A private chain (1-second blocks) with a deployment and one committee recorder."""

    def __init__(self, directory: Path) -> None:
        self.chain = LocalChain(directory / "chain-home")
        self.port = free_port()
        self.chain.start(port=self.port)  # automine while setting up, 1-second blocks after
        self.admin: LocalAccount = Account.create()
        self.recorder: LocalAccount = Account.create()
        self.deployment: Deployment = deploy(ChainClient(self.url), self.admin, operator_org="operator")
        m = self.deployment.membership
        m.register_org(self.admin, "sd-east", OrgKind.SUBDISTRICT, "East")
        m.register_org(self.admin, "rc-sunshine", OrgKind.COMMITTEE, "Sunshine", "sd-east")
        m.add_member(self.admin, self.recorder.address, "rc-sunshine", Role.RECORDER)
        self.deployment.chain.w3.provider.make_request("evm_setIntervalMining", [1])  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restart_chain(self) -> None:
        self.chain.start(port=self.port, block_time=1)


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
        s.chain.stop()


@contextlib.contextmanager
def _session(database_url: str) -> Iterator[Session]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _all_anchored_once(stack: Stack, database_url: str, ids: list[str], timeout: float = 90) -> None:
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with Session(engine) as s:
                rows = s.execute(select(Record.id, Record.status, Record.batch_id).where(Record.id.in_(ids))).all()
                batches = {b.id: b for b in s.scalars(select(Batch))}
            if len(rows) == len(ids) and all(r.status == "anchored" for r in rows):
                break
            assert time.monotonic() < deadline, f"{sum(r.status != 'anchored' for r in rows)} records not anchored"
            time.sleep(0.5)
        registry = stack.deployment.registry
        assert sum(b.size for b in batches.values()) == len(ids)  # every entry in exactly one batch
        for batch in batches.values():
            on_chain = registry.get_batch(batch.id)
            assert on_chain.root == batch.root and on_chain.size == batch.size
        logs = registry.contract.events.BatchAnchored().get_logs(from_block=0)
        assert len(logs) == len(batches)  # nothing anchored twice
    finally:
        engine.dispose()


def test_committing_goes_on_while_the_chain_is_down(stack: Stack, tmp_path: Path, database_url: str) -> None:
    settings = gateway_settings(tmp_path / "gw", database_url, stack.deployment, stack.admin)
    with TestClient(create_app(settings)) as http:
        client = GatewayClient("http://testserver", stack.recorder, http=http)
        ids = [client.commit("household", {**HOUSEHOLD, "members": i})["id"] for i in range(1, 4)]
        client.wait_anchored(ids[0], timeout=30)
        stack.chain.stop()
        during = [client.commit("household", {**HOUSEHOLD, "members": i})["id"] for i in range(4, 9)]
        assert all(client.get(i)["status"] == "pending" for i in during)
        time.sleep(1.0)  # the worker meets the outage and backs off
        stack.restart_chain()
        _all_anchored_once(stack, database_url, ids + during)
        receipt = client.wait_anchored(during[-1], timeout=30)
        disclosure = client.get(during[-1])["disclosure"]
    verdict = verify(Receipt.from_json(receipt), Disclosure.from_json(disclosure), stack.deployment)
    assert verdict.valid, verdict.problems


def test_a_sigkilled_gateway_loses_no_acknowledged_record(stack: Stack, tmp_path: Path, database_url: str) -> None:
    settings = gateway_settings(tmp_path / "gw", database_url, stack.deployment, stack.admin, batch_max_size=7)
    env = {
        **os.environ, "GRIDLEDGER_DATA_DIR": str(settings.data_dir), "GRIDLEDGER_DATABASE_URL": database_url,
        "GRIDLEDGER_RPC_URL": stack.url, "GRIDLEDGER_OPERATOR_KEY": str(settings.operator_key),
        "GRIDLEDGER_OPERATOR_KEY_PASSWORD": "operator-password", "GRIDLEDGER_BATCH_MAX_SIZE": "7",
        "GRIDLEDGER_BATCH_MAX_AGE": "0.2", "GRIDLEDGER_BATCH_LEASE": "3",
    }  # fmt: skip
    port = free_port()

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from gateway.cli import main; main()", "up"],
            env={**env, "GRIDLEDGER_PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        proc.kill()
        raise AssertionError("gateway did not start")

    proc = start()
    acknowledged: list[str] = []
    try:
        with GatewayClient(f"http://127.0.0.1:{port}", stack.recorder) as client:
            for round_ in range(6):
                batch = [client.prepare("household", {**HOUSEHOLD, "members": 1 + (round_ + i) % 9}) for i in range(10)]
                client.commit_prepared(batch)
                acknowledged += [b["id"] for b in batch]
            time.sleep(1.5)  # batches are claimed and anchor transactions wait for the next block
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with _session(database_url) as s:  # the kill interrupted anchoring work
            unfinished = s.scalars(select(Record.id).where(Record.status != "anchored")).all()
        assert unfinished
        proc = start()
        _all_anchored_once(stack, database_url, acknowledged)
        with GatewayClient(f"http://127.0.0.1:{port}", stack.recorder) as client:
            for record_id in acknowledged[::13]:
                verdict = client.verify(client.receipt(record_id), client.get(record_id)["disclosure"])
                assert verdict["valid"], verdict["problems"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)

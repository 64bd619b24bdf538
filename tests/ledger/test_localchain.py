"""The local chain keeps its deployment and events across stop/start and kill -9."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from eth_account import Account

from ledger.chain.address_book import Deployment
from ledger.chain.client import ChainClient
from ledger.errors import ToolchainError
from ledger.ops.deploy import deploy
from ledger.ops.localchain import LocalChain, free_port
from ledger.types import OrgKind


def _deploy_and_register(chain: LocalChain) -> tuple[Deployment, int]:
    status = chain.start(port=free_port())
    assert status.running and status.rpc_url
    admin = Account.create()
    deployment = deploy(ChainClient(status.rpc_url), admin, operator_org="operator")
    receipt = deployment.membership.register_org(admin, "sd-east", OrgKind.SUBDISTRICT, "East")
    return deployment, int(receipt["blockNumber"])


def _reconnect(chain: LocalChain, deployment: Deployment) -> Deployment:
    status = chain.start(port=free_port())
    assert status.rpc_url
    return Deployment.connect(ChainClient(status.rpc_url), deployment.book)


def test_state_survives_stop_and_start(tmp_path: Path) -> None:
    chain = LocalChain(tmp_path)
    try:
        deployment, block = _deploy_and_register(chain)
        assert chain.stop()
        assert not chain.status().running
        again = _reconnect(chain, deployment)
        info = again.membership.get_org("sd-east")
        assert info is not None and info.name == "East"
        logs = again.membership.contract.events.OrgRegistered().get_logs(from_block=0)
        assert [log["blockNumber"] for log in logs][-1] == block
    finally:
        chain.stop()


def test_state_survives_kill_9(tmp_path: Path) -> None:
    chain = LocalChain(tmp_path)
    try:
        deployment, _ = _deploy_and_register(chain)
        time.sleep(2.5)  # anvil dumps state every second
        pid = chain.status().pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while chain.status().running and time.monotonic() < deadline:
            time.sleep(0.05)
        again = _reconnect(chain, deployment)
        assert again.membership.get_org("sd-east") is not None
        # a restarted node has forgotten nothing that transactions need: new ones still go through
        admin = Account.create()
        assert again.chain.block_number() >= deployment.book.deployment_block
        deploy(again.chain, admin)
    finally:
        chain.stop()


def test_status_and_stop_when_nothing_runs(tmp_path: Path) -> None:
    chain = LocalChain(tmp_path)
    assert not chain.status().running
    assert "stopped" in chain.status().describe()
    assert chain.stop() is False


def test_a_missing_anvil_binary_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDLEDGER_ANVIL", str(tmp_path / "no-such-anvil"))
    with pytest.raises(ToolchainError, match="cannot run anvil"):
        LocalChain(tmp_path).start(port=free_port())

"""`gridledger up`: chain, deployment and gateway from nothing; state kept across restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ledger.ops.localchain import free_port

UP = [sys.executable, "-c", "from ledger.cli.app import main; main()", "up"]


def _start(data_dir: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "GRIDLEDGER_DATA_DIR": str(data_dir),
        "GRIDLEDGER_PORT": str(port),
        "GRIDLEDGER_CHAIN_PORT": str(free_port()),
    }
    return subprocess.Popen(
        [*UP, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL
    )


def _wait_ready(proc: subprocess.Popen[str], port: int, timeout: float = 90) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("gateway did not become ready")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    return out


def _anvil_pid(data_dir: Path) -> int:
    return int((data_dir / "chain" / "anvil.pid").read_text())


def test_up_deploys_serves_readyz_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    proc = _start(data_dir, port)
    try:
        ready = _wait_ready(proc, port)
        contracts = ready["checks"]["contracts"]  # type: ignore[index]
        assert contracts["ok"] and contracts["chain_id"] == 31337
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
        book = json.loads((data_dir / "addressbook.json").read_text())
        assert contracts["membership"] == book["membership"]
        anvil_pid = _anvil_pid(data_dir)
    finally:
        output = _stop(proc)
    assert "deployed contracts" in output and "local chain stopped" in output
    assert not Path(f"/proc/{anvil_pid}").exists() or b"anvil" not in Path(f"/proc/{anvil_pid}/cmdline").read_bytes()

    proc = _start(data_dir, port)
    try:
        ready = _wait_ready(proc, port)
        assert ready["checks"]["contracts"]["membership"] == book["membership"]  # type: ignore[index]
    finally:
        output = _stop(proc)
    assert "deployed contracts" not in output  # the same deployment, found again


def test_two_instances_run_side_by_side(tmp_path: Path) -> None:
    a_port, b_port = free_port(), free_port()
    a, b = _start(tmp_path / "a", a_port), _start(tmp_path / "b", b_port)
    try:
        ready_a, ready_b = _wait_ready(a, a_port), _wait_ready(b, b_port)
        assert ready_a["checks"]["chain"]["rpc_url"] != ready_b["checks"]["chain"]["rpc_url"]  # type: ignore[index]
    finally:
        _stop(a)
        _stop(b)


def test_readyz_reports_an_unreachable_chain_as_degraded_not_unready(tmp_path: Path) -> None:
    """Commits survive a chain outage (they wait in the outbox), so the gateway stays in service."""
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.settings import Settings

    settings = Settings(data_dir=tmp_path, rpc_url=f"http://127.0.0.1:{free_port()}", anchoring=False)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["chain"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_several_gateway_processes_share_one_database(tmp_path: Path) -> None:
    from ledger.client.gateway import GatewayClient
    from ledger.keys import load_keystore

    data_dir, port = tmp_path / "data", free_port()
    env = {
        **os.environ, "GRIDLEDGER_DATA_DIR": str(data_dir), "GRIDLEDGER_PORT": str(port),
        "GRIDLEDGER_CHAIN_PORT": str(free_port()), "GRIDLEDGER_WORKERS": "2",
    }  # fmt: skip
    proc = subprocess.Popen([*UP, "--demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_ready(proc, port)
        recorder = load_keystore(data_dir / "demo-keys" / "rc-sunshine-recorder.json", "demo-password-not-secret")
        with GatewayClient(f"http://127.0.0.1:{port}", recorder) as client:
            ids = [client.commit("meeting", {"date": "2026-11-23", "topic": f"t{i}"})["id"] for i in range(6)]
            for record_id in ids:
                assert client.wait_anchored(record_id, timeout=60)["entry"]["record_id"] == record_id
    finally:
        _stop(proc)

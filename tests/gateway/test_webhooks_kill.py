"""A gateway SIGKILLed in the middle of a webhook delivery burst and restarted loses no event: the
receiver's deduplicated set equals the feed (real uvicorn subprocess, real receiver, real anvil,
both databases). FireFly's webhooks lose events here (hyperledger/firefly#1770); ours must not."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.client.gateway import GatewayClient
from ledger.client.subscriptions import deliveries, gateway_address, subscribe
from ledger.errors import DeliveryRejected
from ledger.ops.localchain import free_port
from ledger.types import Role
from ledger.webhooks import verify_delivery
from tests.conftest import Consortium
from tests.gateway.conftest import gateway_settings
from tests.owned import OwnedProcess, tail

HOUSEHOLD = {"address": "3-3-303", "head": "Wu Lan", "members": 2}
BURST, AFTER = 90, 15  # records committed before the kill, and after the restart
DEADLINE = 300.0  # seconds for everything to arrive after the restart (a generous bound, never a measurement)


class Receiver:
    """A department's endpoint: verifies each delivery with ``ledger``, keeps the event ids it has seen,
    answers slowly (so deliveries are in flight when the gateway dies) and, now and then, loses its own
    acknowledgement (answers 500 after keeping the event), which the gateway must treat as a failure."""

    def __init__(self, gateway: str) -> None:
        self.gateway = gateway
        self.subscription: str | None = None
        self.seen: set[str] = set()
        self.deliveries = 0
        self.rejected: list[str] = []
        self.in_flight = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    event = verify_delivery(body, self.headers.items(), receiver.gateway,
                                            subscription=receiver.subscription)  # fmt: skip
                except DeliveryRejected as exc:
                    with receiver.lock:
                        receiver.rejected.append(f"{exc.check}: {exc.message}")
                    self._answer(400)
                    return
                with receiver.lock:
                    receiver.seen.add(event["id"])
                    receiver.deliveries += 1
                    receiver.in_flight += 1
                    lose_ack = receiver.deliveries % 7 == 0
                try:
                    time.sleep(0.04)
                    self._answer(500 if lose_ack else 204)
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def _answer(self, status: int) -> None:
                with contextlib.suppress(OSError):  # the gateway may be dead by now
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/gridledger-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, name="receiver", daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def snapshot(self) -> tuple[set[str], int, int]:
        with self.lock:
            return set(self.seen), self.deliveries, self.in_flight


class GatewaySubprocess(OwnedProcess):
    """``gridledger up`` on a given chain and database, as a subprocess owned by pid."""

    def __init__(self, data_dir: Path, env: dict[str, str], port: int) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.log_file = data_dir / "gateway.log"
        self.env = {**env, "GRIDLEDGER_PORT": str(port)}
        self.url = f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 120) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from ledger.cli.app import main; main()", "up"],
            env=self.env, cwd=self.data_dir, stdin=subprocess.DEVNULL, stdout=self.open_log(), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the gateway exited at start:\n{tail(self.log_file)}"
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"the gateway was not ready within {timeout:.0f}s:\n{tail(self.log_file)}")


@pytest.fixture
def environment(
    tmp_path: Path, database_url: str, deployment: Deployment, admin: LocalAccount
) -> tuple[Path, dict[str, str], list[int]]:
    """The gateway's data directory, its environment and the two ports it will serve on (before and after)."""
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    authorities = ",".join(f"127.0.0.1:{p}" for p in ports)
    settings = gateway_settings(tmp_path / "gw", database_url, deployment, admin, authorities=authorities)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLEDGER_")}
    values: dict[str, object] = {
        "ENV": "test", "DATA_DIR": settings.data_dir, "DATABASE_URL": database_url, "RPC_URL": settings.rpc_url,
        "ADDRESS_BOOK": settings.address_book, "OPERATOR_KEY": settings.operator_key,
        "OPERATOR_KEY_PASSWORD": "operator-password", "HOST": "127.0.0.1", "AUTHORITIES": authorities,
        "BATCH_MAX_SIZE": 16, "BATCH_MAX_AGE": 0.1, "BATCH_LEASE": 3,
        "WEBHOOK_POLL": 0.1, "WEBHOOK_TIMEOUT": 2, "WEBHOOK_LEASE": 3, "WEBHOOK_BACKOFF_BASE": 0.1,
        "WEBHOOK_BACKOFF_MAX": 1, "WEBHOOK_ATTEMPTS": 100, "WEBHOOK_CONCURRENCY": 4,
    }  # fmt: skip
    env = {**inherited, **{f"GRIDLEDGER_{k}": str(v) for k, v in values.items()}}
    return settings.data_dir, env, ports


def feed_ids(client: GatewayClient, after: str) -> set[str]:
    ids: set[str] = set()
    while True:
        page = client.feed(after, limit=500)
        if not page["events"]:
            return ids
        ids |= {str(e["id"]) for e in page["events"]}
        after = page["cursor"]


def commit_burst(client: GatewayClient, count: int, tag: str) -> list[str]:
    items = [
        client.prepare("household", {**HOUSEHOLD, "head": f"{tag} {n}", "members": 1 + n % 8}) for n in range(count)
    ]
    return [str(r["id"]) for r in client.commit_prepared(items)["records"]]


@pytest.mark.slow
def test_a_gateway_killed_mid_delivery_burst_delivers_every_feed_event_at_least_once_after_restart(
    environment: tuple[Path, dict[str, str], list[int]], org: Consortium, deployment: Deployment
) -> None:
    data_dir, env, ports = environment
    first, second = GatewaySubprocess(data_dir, env, ports[0]), GatewaySubprocess(data_dir, env, ports[1])
    try:
        first.start()
        with GatewayClient(first.url, org.c1_admin) as admin, GatewayClient(first.url, org.c1_recorder) as recorder:
            trusted = gateway_address(admin)
            member, roles = deployment.membership.membership_of(trusted)  # checked on our own node, then pinned
            assert member == "operator" and roles & Role.ANCHORER
            with Receiver(trusted) as receiver:
                sub = subscribe(admin, receiver.url)
                receiver.subscription = sub["id"]
                ids = commit_burst(recorder, BURST // 3, "before")
                ids += commit_burst(recorder, BURST // 3, "before")
                ids += commit_burst(recorder, BURST - 2 * (BURST // 3), "before")

                deadline = time.monotonic() + 120
                while True:  # staging: the kill lands while deliveries are being sent
                    seen, _, in_flight = receiver.snapshot()
                    if len(seen) >= 30 and in_flight > 0:
                        break
                    assert time.monotonic() < deadline, f"no delivery burst to kill:\n{first.log_tail()}"
                    time.sleep(0.005)
                first.kill()  # SIGKILL by its pid, then reaped
                at_kill = len(receiver.snapshot()[0])

                second.start()
                with GatewayClient(second.url, org.c1_admin) as admin2, \
                        GatewayClient(second.url, org.c1_recorder) as recorder2:  # fmt: skip
                    ids += commit_burst(recorder2, AFTER, "after")
                    for record_id in ids:
                        recorder2.wait_anchored(record_id, timeout=DEADLINE)
                    deadline = time.monotonic() + DEADLINE
                    while True:
                        expected = feed_ids(admin2, sub["after"])
                        seen, count, _ = receiver.snapshot()
                        if seen == expected:
                            break
                        assert time.monotonic() < deadline, (
                            f"{len(expected - seen)} feed events never delivered, {len(seen - expected)} not in the "
                            f"feed:\n{second.log_tail()}"
                        )
                        time.sleep(0.2)
                    assert receiver.rejected == []  # every delivery was signed by the gateway and verified
                    assert len(expected) == 2 * len(ids)  # each record committed and anchored: no event missing
                    assert at_kill < len(expected) and count > len(seen)  # killed mid-burst; duplicates were dropped
                    states = {d["state"] for d in deliveries(admin2, sub["id"])}
                    assert states <= {"delivered", "pending"} and "parked" not in states
    finally:
        second.signal_and_wait(signal.SIGTERM, 15)
        first.kill()

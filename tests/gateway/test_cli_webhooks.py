"""`gridledger webhooks …` as real processes against a live gateway: an admin registers, inspects,
replays and removes a subscription; `webhooks listen` receives verified events once and refuses forged
ones (real uvicorn gateway with its delivery worker, real anvil, both databases)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.keys import create_keystore, load_keystore
from ledger.ops.localchain import free_port
from ledger.webhooks import sign_delivery
from tests.conftest import Consortium, new_account
from tests.gateway.conftest import gateway_settings, serving

CLI = [sys.executable, "-c", "from ledger.cli.app import main; main()"]
DEADLINE = 90.0  # seconds to wait for a condition: a generous bound, never a measurement
HOUSEHOLD = {"address": "Sunshine Road 9-1-101", "head": "Qian Yu", "members": 3}


@dataclass
class Live:
    """A real gateway, and the environments of the people who use it."""

    admin: dict[str, str]  # rc-sunshine's admin: manages the committee's subscriptions
    recorder: dict[str, str]  # rc-sunshine's recorder: commits, is no admin
    operator: LocalAccount  # the gateway's own key, to forge (and sign) deliveries with


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    deployment: Deployment,
    admin: LocalAccount,
    org: Consortium,
) -> Iterator[Live]:
    """A real uvicorn gateway whose deliveries are parked at the first failure (so replay has work)."""
    home = tmp_path_factory.mktemp("cli-webhooks")
    port = free_port()
    settings = gateway_settings(home / "gw", database_url, deployment, admin, authorities=f"127.0.0.1:{port}",
                                webhook_attempts=1, webhook_poll=0.2)  # fmt: skip
    keys = {}
    for name, member in (("admin", org.c1_admin), ("recorder", org.c1_recorder)):
        keys[name] = home / f"{name}.json"
        create_keystore(keys[name], "pw", private_key=bytes(member.key), iterations=2)
    with serving(settings) as url:
        env = {
            **os.environ, "GRIDLEDGER_GATEWAY_URL": url, "GRIDLEDGER_KEY_PASSWORD": "pw",
            "GRIDLEDGER_RPC_URL": deployment.chain.rpc_url, "GRIDLEDGER_DATA_DIR": str(home),
            "GRIDLEDGER_ADDRESS_BOOK": str(settings.resolved_address_book),
        }  # fmt: skip
        yield Live(
            admin={**env, "GRIDLEDGER_KEY": str(keys["admin"])},
            recorder={**env, "GRIDLEDGER_KEY": str(keys["recorder"])},
            operator=load_keystore(home / "gw" / "operator.json", "operator-password"),
        )


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def wait_for(what: str, check: Callable[[], Any]) -> Any:
    """``check()``'s first truthy answer, polled until a generous deadline."""
    deadline = time.monotonic() + DEADLINE
    while not (found := check()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)
    return found


@dataclass
class Listener:
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()

    def stop(self) -> int:
        """SIGTERM by pid, then wait: the listener's exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@contextlib.contextmanager
def listening(env: dict[str, str], tmp_path: Path, port: int, *args: str) -> Iterator[Listener]:
    """``gridledger webhooks listen --port PORT ARGS`` as a subprocess, ready; stopped by its pid afterwards."""
    name = f"listen-{port}-{time.monotonic_ns()}"
    stdout, stderr = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        proc = subprocess.Popen([*CLI, "webhooks", "listen", "--port", str(port), *args], env=env, stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL)  # fmt: skip
    listener = Listener(proc, stdout, stderr)
    try:
        wait_for("the listener", lambda: "listening on" in stdout.read_text() or proc.poll() is not None)
        assert proc.poll() is None, listener.output()
        yield listener
    finally:
        listener.stop()


def events_in(path: Path) -> dict[str, dict[str, Any]]:
    """The events a listener appended to ``--out``, by id (every line whole JSON)."""
    if not path.exists():
        return {}
    return {e["id"]: e for e in (json.loads(line) for line in path.read_text().splitlines())}


def commit_household(live: Live, tmp_path: Path, **change: object) -> str:
    record = tmp_path / f"household-{uuid.uuid4().hex[:8]}.json"
    record.write_text(json.dumps({**HOUSEHOLD, **change}))
    committed = cli(live.recorder, "commit", str(record), "--type", "household", "--wait")
    assert committed.returncode == 0, committed.stderr
    return committed.stdout.split()[2]


def of_record(out: Path, record_id: str, count: int) -> list[dict[str, Any]]:
    """The events about ``record_id`` in ``out``, once there are ``count`` of them (else none)."""
    found = [e for e in events_in(out).values() if record_id in e["id"]]
    return found if len(found) == count else []


def delivery_of(live: Live, sub: str, state: str, event_id: str) -> dict[str, Any] | None:
    """The subscription's delivery of ``event_id`` if it is in ``state``, as `webhooks deliveries --json` lists it."""
    listed = cli(live.admin, "webhooks", "deliveries", sub, "--json", "--state", state)
    assert listed.returncode == 0, listed.stderr
    return next((d for d in json.loads(listed.stdout) if d["event"]["id"] == event_id), None)


def test_an_admin_adds_lists_replays_and_removes_a_subscription(live: Live, tmp_path: Path) -> None:
    port = free_port()  # nothing listens yet: the first deliveries fail and are parked
    url = f"http://127.0.0.1:{port}/hook"
    added = cli(live.admin, "webhooks", "add", url)
    assert added.returncode == 0, added.stderr
    assert added.stdout.count("\n") == 1 and f"rc-sunshine's events from now on are POSTed to {url}" in added.stdout
    sub = added.stdout.split()[1].rstrip(":")
    again = cli(live.admin, "webhooks", "add", url)
    assert again.returncode == 0 and f"subscription {sub} already sends rc-sunshine's events to {url}" in again.stdout
    listed = cli(live.admin, "webhooks", "list")
    line = next(ln for ln in listed.stdout.splitlines() if ln.startswith(sub))
    assert "active" in line and url in line and "0 parked" in line
    assert "T" not in line.split("since ")[1].split("  ")[0]  # a local time, not the wire's RFC 3339
    assert sub in {s["id"] for s in json.loads(cli(live.admin, "webhooks", "list", "--json").stdout)}

    record_id = commit_household(live, tmp_path)
    committed = f"record.committed:{record_id}"
    delivery = wait_for("the parked delivery", lambda: delivery_of(live, sub, "parked", committed))
    shown = cli(live.admin, "webhooks", "deliveries", sub, "--state", "parked")
    row = next(ln for ln in shown.stdout.splitlines() if committed in ln)
    assert row.split()[:2] == [str(delivery["id"]), "parked"] and "last answer:" in row
    assert shown.stdout.splitlines()[-1].startswith(f"{len(shown.stdout.splitlines()) - 1} deliveries (")

    out = tmp_path / "events.jsonl"
    with listening(live.admin, tmp_path, port, "--out", str(out)) as listener:
        replayed = cli(live.admin, "webhooks", "replay", sub, str(delivery["id"]))
        assert replayed.returncode == 0, replayed.stderr
        assert f"delivery {delivery['id']} ({committed}) queued again" in replayed.stdout
        wait_for("the replayed event at the receiver", lambda: committed in events_in(out))
        done = wait_for("the delivery delivered", lambda: delivery_of(live, sub, "delivered", committed))
        assert listener.stop() == 0, listener.output()
    assert f"record {record_id} (rc-sunshine household v1)" in listener.stdout.read_text()
    assert listener.stdout.read_text().splitlines()[-1] == "stopped: 1 new events received"

    # a restarted listener remembers what its --out holds: the same event again is acknowledged, not kept twice
    with listening(live.admin, tmp_path, port, "--out", str(out)) as listener:
        assert cli(live.admin, "webhooks", "replay", sub, str(delivery["id"])).returncode == 0
        wait_for("the second delivery", lambda: (d := delivery_of(live, sub, "delivered", committed))
                 and d["delivered_at"] != done["delivered_at"])  # fmt: skip
        assert listener.stop() == 0, listener.output()
    assert listener.stdout.read_text().splitlines()[-1] == "stopped: 0 new events received"
    assert list(events_in(out)) == [committed] and len(out.read_text().splitlines()) == 1

    removed = cli(live.admin, "webhooks", "remove", sub)
    assert removed.returncode == 0 and f"subscription {sub} deleted: nothing more is sent to {url}" in removed.stdout
    assert sub not in cli(live.admin, "webhooks", "list").stdout


def test_the_listener_keeps_verified_events_once_and_refuses_forged_ones(live: Live, tmp_path: Path) -> None:
    port = free_port()
    sub = cli(live.admin, "webhooks", "add", f"http://127.0.0.1:{port}/hook").stdout.split()[1].rstrip(":")
    out = tmp_path / "events.jsonl"
    with listening(live.admin, tmp_path, port, "--out", str(out), "--subscription", sub) as listener:
        record_id = commit_household(live, tmp_path, head="Sun Li")
        ours = wait_for("the record's two events", lambda: of_record(out, record_id, 2))
        assert {e["kind"] for e in ours} == {"record.committed", "record.anchored"}
        assert all(e["record"]["id"] == record_id and "payload" not in e for e in ours)
        hook = f"http://127.0.0.1:{port}/hook"

        def post(body: bytes, key: bytes, *, subscription: str = sub, event_id: str | None = None,
                 sent: bytes | None = None) -> int:  # fmt: skip
            event_id = event_id or json.loads(body)["id"]
            headers = sign_delivery(key, subscription, event_id, int(time.time()), body)
            answer = httpx.post(hook, content=sent or body, headers={**headers, "Content-Type": "application/json"})
            return answer.status_code

        fake = str(uuid.uuid4())
        body = json.dumps({"id": f"record.erased:{fake}", "position": 10**9, "kind": "record.erased",
                           "at": "2026-01-01T00:00:00Z"}).encode()  # fmt: skip
        operator = bytes(live.operator.key)
        tampered = body.replace(b'record.erased"', b'record.erased", "note": "FORGED-MARKER"')
        assert post(body, operator, sent=tampered) == 401  # changed on the way: the signature no longer holds
        assert post(body, bytes(new_account().key)) == 401  # signed by a key that is not the gateway's
        assert post(body, operator, subscription=str(uuid.uuid4())) == 400  # meant for another subscription
        assert httpx.post(hook, content=body, headers={"Content-Type": "application/json"}).status_code == 400
        assert httpx.get(hook).status_code == 405
        assert f"record.erased:{fake}" not in events_in(out)
        assert post(body, operator) == 204 and post(body, operator) == 204  # genuine: kept once, acknowledged twice
        assert listener.stop() == 0, listener.output()
    held = events_in(out)
    assert f"record.erased:{fake}" in held and len(out.read_text().splitlines()) == len(held)
    printed = listener.output()
    assert "FORGED-MARKER" not in printed and "Traceback" not in printed
    assert "Sun Li" not in printed and "Sun Li" not in out.read_text()  # events carry no values, nor does the listener
    assert printed.count("refused a delivery") == 4 and "refused a delivery (signature:" in printed
    record_lines = [ln for ln in listener.stdout.read_text().splitlines() if record_id in ln]
    assert len(record_lines) == 2 and all(ln.split()[1][-6] in "+-" for ln in record_lines)  # local time, offset
    assert cli(live.admin, "webhooks", "remove", sub).returncode == 0


def test_webhook_mistakes_are_one_line_with_exit_2(live: Live, tmp_path: Path) -> None:
    def refused(result: subprocess.CompletedProcess[str], text: str) -> None:
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr and text in result.stderr

    refused(cli(live.admin, "webhooks", "add", "ftp://127.0.0.1/hook"), "starts with https://")
    refused(cli(live.admin, "webhooks", "add", "http://example.org/hook"), "HTTP 422 validation-failed at url")
    refused(cli(live.recorder, "webhooks", "list"), "HTTP 403 forbidden")
    refused(cli(live.recorder, "webhooks", "add", "http://127.0.0.1:9/hook"), "HTTP 403 forbidden")
    refused(cli(live.admin, "webhooks", "remove", "not-a-subscription"), "is not a subscription id")
    refused(cli(live.admin, "webhooks", "remove", str(uuid.uuid4())), "HTTP 404")
    refused(cli(live.admin, "webhooks", "deliveries", str(uuid.uuid4()), "--state", "lost"), "--state must be")
    stranger = new_account().address
    refused(cli(live.admin, "webhooks", "listen", "--port", str(free_port()), "--gateway-address", stranger),
            "is no anchorer of the consortium's operator")  # fmt: skip
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        refused(cli(live.admin, "webhooks", "listen", "--port", str(taken.getsockname()[1])), "cannot listen on")

"""The issue's walkthrough, as a user would do it: demo up, commit, verify offline, tamper."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ledger.ops.localchain import free_port

CLI = [sys.executable, "-c", "from ledger.cli.app import main; main()"]
PASSWORD = "demo-password-not-secret"


def _wait_for(what: str, check: Callable[[], object]) -> None:
    deadline = time.monotonic() + 90  # a generous bound, never a measurement
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def _events(path: Path) -> set[str]:
    """The event ids a `gridledger webhooks listen --out` file holds."""
    return {json.loads(line)["id"] for line in path.read_text().splitlines()} if path.exists() else set()


def _share_with_civil_affairs(cli: Callable[..., subprocess.CompletedProcess[str]], env: dict[str, str], keys: Path,
                              tmp_path: Path, record: Path) -> None:  # fmt: skip
    """Issue 11's walkthrough: a committee admin grants household fields by type to civil-affairs, which
    mirrors exactly those fields of every household, verified; a new household follows on the next sync,
    and reaches civil-affairs' webhook receiver; revoking the grant removes them."""
    as_ = {name: {"GRIDLEDGER_KEY": str(keys / f"{name}.json"), "GRIDLEDGER_KEY_PASSWORD": PASSWORD}
           for name in ("rc-sunshine-admin", "rc-sunshine-recorder", "civil-affairs-admin",
                        "civil-affairs-verifier", "civil-affairs-investigator")}  # fmt: skip
    granted = cli("grant", "civil-affairs", "--type", "household", "--fields", "head,members",
                  "--purpose", "winter subsidy review", **as_["rc-sunshine-admin"])  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    grant_id = granted.stdout.split()[1].rstrip(":")
    listed = cli("records", "list", "--type", "household", "--json", **as_["civil-affairs-verifier"])
    households = {item["id"] for item in json.loads(listed.stdout)}
    assert households and all(item["fields"] == ["head", "members"] for item in json.loads(listed.stdout))
    mirror = tmp_path / "civil-affairs-mirror"
    synced = cli("sync", str(mirror), "--once", **as_["civil-affairs-verifier"])
    assert synced.returncode == 0, synced.stdout + synced.stderr
    held = {p.stem: json.loads(p.read_text()) for p in (mirror / "records").glob("*.json")}
    assert set(held) == households
    assert all(set(doc["disclosure"]["fields"]) == {"head", "members"} for doc in held.values())
    port, received, said = free_port(), tmp_path / "civil-affairs-events.jsonl", tmp_path / "listen.log"
    with said.open("wb") as log:  # civil-affairs' own receiver, verifying against the chain
        listener = subprocess.Popen([*CLI, "webhooks", "listen", "--port", str(port), "--out", str(received)],
                                    env={**env, **as_["civil-affairs-admin"]}, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait_for("the receiver", lambda: "listening on" in said.read_text() or listener.poll() is not None)
        assert listener.poll() is None, said.read_text()
        hook = cli("webhooks", "add", f"http://127.0.0.1:{port}/hook", **as_["civil-affairs-admin"])
        assert hook.returncode == 0, hook.stderr
        newer = cli("commit", str(record), "--type", "household", "--wait", **as_["rc-sunshine-recorder"])
        assert newer.returncode == 0, newer.stderr
        new_id = newer.stdout.split()[2]
        _wait_for("the household's events at the receiver",
                  lambda: {e.split(":")[0] for e in _events(received) if new_id in e}
                  == {"record.committed", "record.anchored"})  # fmt: skip
    finally:  # stopped by its pid, as a service manager would
        listener.send_signal(signal.SIGTERM)
        try:
            listener.wait(30)
        except subprocess.TimeoutExpired:
            listener.kill()
            listener.wait()
    assert listener.returncode == 0, said.read_text()
    assert "Zhao Lei" not in said.read_text() + received.read_text()  # events name records, never their values
    assert cli("webhooks", "remove", hook.stdout.split()[1].rstrip(":"), **as_["civil-affairs-admin"]).returncode == 0
    again = cli("sync", str(mirror), "--once", **as_["civil-affairs-verifier"])
    assert again.returncode == 0 and "1 new" in again.stdout
    assert newer.stdout.split()[2] in {p.stem for p in (mirror / "records").glob("*.json")}
    until = (datetime.now() + timedelta(days=30)).date().isoformat()
    for household in sorted(households):  # an investigation reads under seal: residents see it only as sealed
        sealed = cli("get", household, "--sealed-until", until, "--legal-basis", "criminal-investigation",
                     **as_["civil-affairs-investigator"])  # fmt: skip
        assert sealed.returncode == 0 and "read under seal" in sealed.stderr, sealed.stderr
    assert cli("revoke", grant_id, **as_["rc-sunshine-admin"]).returncode == 0
    after = cli("sync", str(mirror), "--once", **as_["civil-affairs-verifier"])
    assert after.returncode == 0 and not list((mirror / "records").glob("*.json")), after.stdout


def _the_resident(cli: Callable[..., subprocess.CompletedProcess[str]], keys: Path) -> None:
    """Issue 12's walkthrough: the demo resident lists the records about them and their access history,
    including civil-affairs' reads under the grant, proves it complete against the chain, asks for an
    erasure that the committee accepts, and sees the erasure in their history."""
    as_ = {name: {"GRIDLEDGER_KEY": str(keys / f"{name}.json"), "GRIDLEDGER_KEY_PASSWORD": PASSWORD}
           for name in ("resident-zhang-min", "rc-sunshine-admin")}  # fmt: skip
    mine = cli("me", "records", "--json", **as_["resident-zhang-min"])
    assert mine.returncode == 0, mine.stderr
    records = {r["type"]: r for r in json.loads(mine.stdout)["records"]}
    assert records["resident"]["payload"]["name"] == "Zhang Min" and "household" in records
    asked = cli("me", "request", records["resident"]["id"], "--kind", "erasure", **as_["resident-zhang-min"])
    assert asked.returncode == 0, asked.stderr
    request_id = asked.stdout.split()[1]
    inbox = cli("requests", "list", **as_["rc-sunshine-admin"])
    assert request_id in inbox.stdout, inbox.stdout + inbox.stderr
    assert cli("requests", "accept", request_id, **as_["rc-sunshine-admin"]).returncode == 0
    assert "accepted" in cli("me", "requests", **as_["resident-zhang-min"]).stdout
    # an erasure has the log (and the subject map) anchored at once: the history is then provable
    verified: list[subprocess.CompletedProcess[str]] = []
    _wait_for("a provable history", lambda: verified.append(
        cli("me", "access", "--verify", **as_["resident-zhang-min"])) or verified[-1].returncode == 0)  # fmt: skip
    history = verified[-1].stdout
    assert "read allowed by civil-affairs (verifier)" in history  # the sync read the household
    assert "purpose=winter subsidy review" in history and "access history verified" in history
    assert f"erase allowed by rc-sunshine (admin): record {records['resident']['id']}" in history, history
    assert "sealed: a read about you that will be shown from" in history  # the investigation's read, and no more
    assert "criminal-investigation" not in history


def _standards_and_review(cli: Callable[..., subprocess.CompletedProcess[str]], keys: Path, tmp_path: Path) -> None:
    """Issue 13's walkthrough: the standards body registers a new household version, a recorder commits
    against it; a grant of a sensitive field stays ineffective (the read refused and logged) until the
    office's privacy reviewer approves it, after which the read returns exactly the granted fields."""
    as_ = {name: {"GRIDLEDGER_KEY": str(keys / f"{name}.json"), "GRIDLEDGER_KEY_PASSWORD": PASSWORD}
           for name in ("standards-officer", "rc-sunshine-recorder", "rc-sunshine-admin", "civil-affairs-verifier",
                        "sd-east-reviewer", "sd-east-admin")}  # fmt: skip
    shown = cli("types", "show", "household", **as_["standards-officer"])
    assert shown.returncode == 0, shown.stderr
    schema = json.loads(shown.stdout)
    schema["properties"]["building"] = {"x-gridledger-sensitivity": "public", "type": "string", "maxLength": 20}
    (tmp_path / "household-v2.json").write_text(json.dumps(schema, ensure_ascii=False))
    registered = cli("types", "register", str(tmp_path / "household-v2.json"), "--name", "household",
                     **as_["standards-officer"])  # fmt: skip
    assert registered.returncode == 0 and "registered household version 2" in registered.stdout, registered.stderr
    assert "building" in cli("types", "list", **as_["rc-sunshine-recorder"]).stdout
    record = tmp_path / "household-v2-record.json"
    record.write_text(json.dumps({"address": "Sunshine Road 9-1-101", "head": "Qian Hua", "members": 2,
                                  "low_income": True, "building": "9"}))  # fmt: skip
    committed = cli("commit", str(record), "--type", "household", "--wait", **as_["rc-sunshine-recorder"])
    assert committed.returncode == 0, committed.stderr
    new_id = committed.stdout.split()[2]
    granted = cli("grant", "civil-affairs", "--record", new_id, "--fields", "head,low_income", "--purpose",
                  "winter subsidy review", "--purpose-code", "subsidy-review", **as_["rc-sunshine-admin"])  # fmt: skip
    assert granted.returncode == 0 and "proposed" in granted.stdout, granted.stdout + granted.stderr
    grant_id = granted.stdout.split()[1]
    refused = cli("get", new_id, **as_["civil-affairs-verifier"])
    assert refused.returncode != 0  # ineffective until reviewed
    audit = cli("audit", "access", "--record", new_id, **as_["sd-east-admin"])
    assert "refused" in audit.stdout and "civil-affairs" in audit.stdout, audit.stdout
    review = cli("grants", "review", **as_["sd-east-reviewer"])
    assert f"grant {grant_id} [proposed]" in review.stdout and "low_income (sensitive)" in review.stdout, review.stdout
    approved = cli("grants", "approve", grant_id, "--reason", "statutory subsidy check", **as_["sd-east-reviewer"])
    assert approved.returncode == 0, approved.stderr
    read = cli("get", new_id, **as_["civil-affairs-verifier"])
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["payload"] == {"head": "Qian Hua", "low_income": True}


def test_commit_verify_offline_and_detect_a_changed_character(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    env = {
        **os.environ, "GRIDLEDGER_DATA_DIR": str(data), "GRIDLEDGER_PORT": str(port),
        "GRIDLEDGER_CHAIN_PORT": str(free_port()), "GRIDLEDGER_GATEWAY_URL": f"http://127.0.0.1:{port}",
    }  # fmt: skip

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, *args], env={**env, **extra}, capture_output=True, text=True, timeout=120)

    assert cli("chain", "start").returncode == 0
    try:  # the chain is stopped (by its pid file) whatever fails below
        log = (tmp_path / "gateway.log").open("w")
        gateway = subprocess.Popen([*CLI, "up", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                assert gateway.poll() is None, (tmp_path / "gateway.log").read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline
                time.sleep(0.2)
            keys = data / "demo-keys"
            as_recorder = {
                "GRIDLEDGER_KEY": str(keys / "rc-sunshine-recorder.json"),
                "GRIDLEDGER_KEY_PASSWORD": "demo-password-not-secret",
            }
            record = tmp_path / "household.json"
            record.write_text(json.dumps({"address": "Sunshine Road 7-3-302", "head": "Zhao Lei", "members": 4}))
            committed = cli("commit", str(record), "--type", "household", "--wait", **as_recorder)
            assert committed.returncode == 0, committed.stderr
            assert "anchored in block" in committed.stdout
            printed = (tmp_path / "gateway.log").read_text()
            assert "demo consortium ready (4 sample records added)" in printed
            # the portal's address and a keystore to sign in with, for each of its people
            assert "the portal (中文 first, English switchable): open http://" in printed
            assert "resident-zhang-min.json" in printed.split("the portal (")[1]
            record_id = committed.stdout.split()[2]
            out, receipt = str(tmp_path / "r.json"), str(tmp_path / "rc.json")
            fetched = cli("get", record_id, "--out", out, "--receipt", receipt, **as_recorder)
            assert fetched.returncode == 0, fetched.stderr
            _share_with_civil_affairs(cli, env, keys, tmp_path, record)
            _the_resident(cli, keys)
            _standards_and_review(cli, keys, tmp_path)
        finally:
            gateway.send_signal(signal.SIGTERM)
            gateway.wait(30)
            log.close()
        with pytest.raises(httpx.TransportError):  # the gateway is stopped
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        verified = cli("verify", str(tmp_path / "r.json"), "--receipt", str(tmp_path / "rc.json"))
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.startswith(f"VALID: record {record_id} v1 (household, type version 0x")
        assert " of rc-sunshine" in verified.stdout
        text = (tmp_path / "r.json").read_text()
        (tmp_path / "r.json").write_text(text.replace("Zhao Lei", "Zhao Lie"))
        tampered = cli("verify", str(tmp_path / "r.json"), "--receipt", str(tmp_path / "rc.json"))
        assert tampered.returncode == 1
        assert tampered.stdout.startswith("INVALID") and "'head' does not match the commitment" in tampered.stdout
        as_json = cli("verify", str(tmp_path / "r.json"), "--receipt", str(tmp_path / "rc.json"), "--json")
        assert json.loads(as_json.stdout)["valid"] is False
    finally:
        assert cli("chain", "stop").returncode == 0

"""`gridledger commit | get | verify | import` as real processes against a live gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.keys import create_keystore
from ledger.ops.localchain import free_port
from tests.conftest import Consortium
from tests.gateway.conftest import gateway_settings, serving

CLI = [sys.executable, "-c", "from ledger.cli.app import main; main()"]


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    deployment: Deployment,
    admin: LocalAccount,
    org: Consortium,
) -> Iterator[dict[str, str]]:
    """A real uvicorn gateway in a thread, and the environment for CLI calls as the recorder."""
    home = tmp_path_factory.mktemp("cli")
    port = free_port()
    settings = gateway_settings(home / "gw", database_url, deployment, admin, authorities=f"127.0.0.1:{port}")
    key = home / "recorder.json"
    create_keystore(key, "pw", private_key=bytes(org.c1_recorder.key), iterations=2)
    with serving(settings) as url:
        yield {
            **os.environ, "GRIDLEDGER_GATEWAY_URL": url, "GRIDLEDGER_KEY": str(key),
            "GRIDLEDGER_KEY_PASSWORD": "pw", "GRIDLEDGER_RPC_URL": deployment.chain.rpc_url,
            "GRIDLEDGER_ADDRESS_BOOK": str(settings.resolved_address_book), "GRIDLEDGER_DATA_DIR": str(home),
        }  # fmt: skip


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_import_is_resumable_without_duplicates(live: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "households.csv"
    lines = ["address,head,members,low_income"] + [
        f"Road {i},Head {i},{1 + i % 6},{'true' if i % 2 else 'false'}" for i in range(25)
    ]
    source.write_text("\n".join(lines) + "\n")
    first = cli(live, "import", str(source), "--type", "household", "--batch-size", "10")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"imported 25 records from {source} (0 already present)"
    again = cli(live, "import", str(source), "--type", "household", "--batch-size", "7")
    assert again.stdout.strip() == f"imported 0 records from {source} (25 already present)"


def test_an_import_row_that_breaks_the_schema_names_the_row_and_field(live: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    rows = [{"address": "A", "head": "B", "members": 2}, {"address": "A", "head": "B", "members": "many"}]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = cli(live, "import", str(source), "--type", "household")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "HTTP 422 validation-failed at records/1/payload/members" in result.stderr


def test_commit_get_and_verify_round_trip(live: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "meeting.json"
    record.write_text(json.dumps({"date": "2026-11-20", "topic": "Lift repair", "attendees": 9}))
    committed = cli(live, "commit", str(record), "--type", "meeting", "--wait")
    assert committed.returncode == 0, committed.stderr
    record_id = committed.stdout.split()[2]
    out, receipt = tmp_path / "out.json", tmp_path / "receipt.json"
    assert cli(live, "get", record_id, "--out", str(out), "--receipt", str(receipt)).returncode == 0
    verified = cli(live, "verify", str(out), "--receipt", str(receipt), "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["proven_fields"] == ["attendees", "date", "topic"]
    no_payload = cli(live, "verify", "--receipt", str(receipt))
    assert no_payload.returncode == 0 and "payload not given" in no_payload.stdout


def test_cli_mistakes_are_one_line_with_exit_2(live: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"address": "A", "head": "B", "members": 0}))
    result = cli(live, "commit", str(bad), "--type", "household")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "HTTP 422 validation-failed at payload/members" in result.stderr
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"address": "A"}))
    result = cli(live, "verify", str(plain), "--receipt", str(plain))
    assert result.returncode == 2 and "not a receipt" in result.stderr
    result = cli(
        {**live, "GRIDLEDGER_GATEWAY_URL": f"http://127.0.0.1:{free_port()}"},
        "get",
        "00000000-0000-4000-8000-000000000001",
    )
    assert result.returncode == 2 and "no gateway answers" in result.stderr
    assert cli(live, "commit", str(tmp_path / "missing.json"), "--type", "household").returncode == 2


def _key(org_member: LocalAccount, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.json"
    create_keystore(path, "pw", private_key=bytes(org_member.key), iterations=2)
    return str(path)


def test_grant_audit_and_revoke_from_the_cli(live: dict[str, str], tmp_path: Path, org: Consortium) -> None:
    record = tmp_path / "h.json"
    record.write_text(json.dumps({"address": "Road 1", "head": "Xu Ming", "members": 2}))
    record_id = cli(live, "commit", str(record), "--type", "household", "--wait").stdout.split()[2]
    admin = {**live, "GRIDLEDGER_KEY": _key(org.c1_admin, tmp_path, "c1-admin")}
    granted = cli(
        admin,
        "grant",
        "civil-affairs",
        "--type",
        "household",
        "--fields",
        "head",
        "--purpose",
        "check",
        "--expires",
        "2d",
    )
    assert granted.returncode == 0, granted.stderr
    assert "civil-affairs may read head of rc-sunshine's household records for 'check'" in granted.stdout
    grant_id = granted.stdout.split()[1].rstrip(":")
    dept = {**live, "GRIDLEDGER_KEY": _key(org.dept_verifier, tmp_path, "dept")}
    read = cli(dept, "get", record_id)
    assert read.returncode == 0 and json.loads(read.stdout)["payload"] == {"head": "Xu Ming"}
    office = {**live, "GRIDLEDGER_KEY": _key(org.sd_admin, tmp_path, "office")}
    log = cli(office, "audit", "access", "--record", record_id)
    assert "allowed read  " + record_id + " by civil-affairs" in log.stdout
    verified = cli(office, "audit", "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("access log verified"), (
        verified.stdout + verified.stderr
    )
    swept = cli(office, "audit", "integrity")
    assert swept.returncode == 0 and "0 mismatches" in swept.stdout, swept.stdout
    revoked = cli(admin, "revoke", grant_id)
    assert revoked.returncode == 0 and f"grant {grant_id} revoked" in revoked.stdout
    refused = cli(dept, "get", record_id)
    assert refused.returncode == 2 and "HTTP 403 forbidden" in refused.stderr
    bad = cli(admin, "grant", "nowhere", "--type", "household", "--fields", "head", "--purpose", "x")
    assert bad.returncode == 2 and "unknown organisation 'nowhere'" in bad.stderr


def test_records_list_shows_a_committee_worker_its_records_in_local_time(live: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "meeting.json"
    record.write_text(json.dumps({"date": "2026-11-24", "topic": "Garden", "attendees": 6}))
    record_id = cli(live, "commit", str(record), "--type", "meeting", "--wait").stdout.split()[2]
    listed = cli(live, "records", "list", "--type", "meeting")
    assert listed.returncode == 0, listed.stderr
    line = next(ln for ln in listed.stdout.splitlines() if ln.startswith(record_id))
    assert "meeting" in line and "anchored" in line and "rc-sunshine" in line and "all fields" in line
    assert "T" not in line.split("rc-sunshine")[1].split("all fields")[0]  # a local time, not the wire's RFC 3339
    assert listed.stdout.splitlines()[-1].startswith(f"{len(listed.stdout.splitlines()) - 2} records (")
    as_json = json.loads(cli(live, "records", "list", "--json", "--type", "meeting").stdout)
    assert record_id in {item["id"] for item in as_json} and {item["type"] for item in as_json} == {"meeting"}
    wrong = cli(live, "records", "list", "--status", "lost")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr

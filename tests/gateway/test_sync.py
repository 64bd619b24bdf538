"""``gridledger sync``: a department's verified mirror — granted fields only, nothing kept after revocation,
nothing written that does not verify, resumable after a SIGKILL, idle when nothing is new."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.client.gateway import GatewayClient
from ledger.keys import create_keystore
from ledger.ops.localchain import free_port
from ledger.sync import Mirror, sync_once
from tests.conftest import Consortium
from tests.gateway.conftest import fresh_database, gateway_settings, serving
from tests.gateway.test_cli_records import CLI, cli, live  # noqa: F401 - the live gateway fixture

HOUSEHOLD = {"address": "5-3-202", "head": "Zhao Min", "members": 3, "phone": "139 0000 0000", "low_income": True}


def as_department(live: dict[str, str], org: Consortium, home: Path) -> dict[str, str]:  # noqa: F811
    key = home / "civil-affairs.json"
    if not key.exists():
        create_keystore(key, "pw", private_key=bytes(org.dept_verifier.key), iterations=2)
    return {**live, "GRIDLEDGER_KEY": str(key)}


@pytest.fixture
def connect(live: dict[str, str]) -> Iterator[Callable[[LocalAccount], GatewayClient]]:  # noqa: F811
    """SDK clients of the live gateway, closed after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda account: stack.enter_context(GatewayClient(live["GRIDLEDGER_GATEWAY_URL"], account))


def mirrored(directory: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in (directory / "records").glob("*.json")}


def test_a_department_mirrors_exactly_its_granted_fields_verified_until_the_grant_is_revoked(
    live: dict[str, str],  # noqa: F811
    connect: Callable[[LocalAccount], GatewayClient],
    org: Consortium,
    tmp_path: Path,
) -> None:
    committee, recorder = connect(org.c1_admin), connect(org.c1_recorder)
    ids = [recorder.commit("household", {**HOUSEHOLD, "members": n})["id"] for n in (1, 2, 3)]
    meeting = recorder.commit("meeting", {"date": "2026-11-25", "topic": "Roof", "attendees": 4})["id"]
    for record_id in [*ids, meeting]:
        recorder.wait_anchored(record_id)
    grant = committee.grant("rc-sunshine", "civil-affairs", ["head", "members"], "census", int(time.time()) + 3600,
                            record_type="household")  # fmt: skip
    dept = as_department(live, org, tmp_path)
    mirror = tmp_path / "mirror"
    try:
        first = cli(dept, "sync", str(mirror), "--once")
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip().splitlines()[-1].startswith("synced: ")
        held = mirrored(mirror)
        assert set(ids) <= set(held) and meeting not in held
        for record_id in ids:
            doc = held[record_id]
            assert set(doc["disclosure"]["fields"]) == {"head", "members"}  # exactly the granted fields
            assert doc["record"]["access"] == "grant" and doc["record"]["grant"] == grant["id"]
            assert cli(dept, "verify", *_files(tmp_path, doc)).returncode == 0  # what was kept verifies
        index = json.loads((mirror / "index.json").read_text())
        assert index["format"] == "gridledger-mirror/1" and set(index["records"]) == set(held)

        auditor = connect(org.sd_admin)
        logged = auditor.access_log()["total"]
        again = cli(dept, "sync", str(mirror), "--once")
        assert again.returncode == 0 and "0 new, 0 updated, 0 removed" in again.stdout
        assert auditor.access_log()["total"] == logged  # nothing new: nothing read, nothing logged

        newer = recorder.commit("household", {**HOUSEHOLD, "head": "Qian Lei"})["id"]
        recorder.wait_anchored(newer)
        third = cli(dept, "sync", str(mirror), "--once")
        assert third.returncode == 0 and "1 new" in third.stdout and newer in mirrored(mirror)
        committee.erase(newer)  # the feed tells of the erasure: the mirror lets the record go
        fourth = cli(dept, "sync", str(mirror), "--once")
        assert fourth.returncode == 0 and "1 removed" in fourth.stdout and newer not in mirrored(mirror)
    finally:
        committee.revoke(grant["id"])
    revoked = cli(dept, "sync", str(mirror), "--once")
    assert revoked.returncode == 0, revoked.stderr
    assert not set(ids) & set(mirrored(mirror))  # the department keeps nothing it may no longer read
    assert not set(ids) & set(json.loads((mirror / "index.json").read_text())["records"])


def _files(tmp_path: Path, doc: dict[str, Any]) -> list[str]:
    record, receipt = tmp_path / "r.json", tmp_path / "rc.json"
    record.write_text(json.dumps(doc["disclosure"], ensure_ascii=False))
    receipt.write_text(json.dumps(doc["receipt"]))
    return [str(record), "--receipt", str(receipt)]


class HostileGateway(GatewayClient):
    """A real gateway's answers with one value changed: what a compromised operator could send."""

    def __init__(self, inner: GatewayClient, victim: str) -> None:
        self.__dict__.update(inner.__dict__)
        self.victim = victim

    def read_many(self, record_ids: list[str]) -> list[dict[str, Any]]:
        answers = super().read_many(record_ids)
        for answer in answers:
            if answer["id"] == self.victim:
                disclosed = answer["record"]["disclosure"]["fields"]
                disclosed[sorted(disclosed)[0]]["value"] = "forged"
        return answers


def test_a_record_that_does_not_verify_is_reported_and_not_written(
    connect: Callable[[LocalAccount], GatewayClient], org: Consortium, deployment: Deployment, tmp_path: Path
) -> None:
    recorder = connect(org.c1_recorder)
    record_id = recorder.commit("meeting", {"date": "2026-11-26", "topic": "Bins", "attendees": 3})["id"]
    recorder.wait_anchored(record_id)
    owner = HostileGateway(connect(org.c1_admin), record_id)
    mirror = Mirror.open(tmp_path / "m", "http://gateway", "rc-sunshine")
    result = sync_once(owner, deployment, mirror)
    assert [f for f in result.failed if record_id in f] and "does not match the commitment" in result.failed[0]
    assert record_id not in mirror.held and not (tmp_path / "m" / "records" / f"{record_id}.json").exists()
    assert record_id not in json.loads((tmp_path / "m" / "index.json").read_text())["records"]


class ForgedErasure(GatewayClient):
    """A gateway whose feed tells of an erasure that did not happen (a row a DBA inserted)."""

    def __init__(self, inner: GatewayClient, victim: str) -> None:
        self.__dict__.update(inner.__dict__)
        self.victim = victim

    def feed(self, after: str | None = None, **kw: Any) -> Any:
        page = super().feed(after, **kw)
        if page["events"]:
            page["events"].append({"id": f"record.erased:{self.victim}", "position": 10**9, "kind": "record.erased",
                                   "at": "2026-12-03T00:00:00Z", "record": {"id": self.victim},
                                   "access": {"kind": "whole"}})  # fmt: skip
        return page


def test_a_told_erasure_drops_a_copy_only_when_the_gateway_answers_gone(
    connect: Callable[[LocalAccount], GatewayClient], org: Consortium, deployment: Deployment, tmp_path: Path
) -> None:
    recorder, admin = connect(org.c1_recorder), connect(org.c1_admin)
    kept, erased = (recorder.commit("meeting", {"date": "2026-12-03", "topic": t, "attendees": 2})["id"]
                    for t in ("Kept", "Erased"))  # fmt: skip
    for record_id in (kept, erased):
        recorder.wait_anchored(record_id)
    mirror = Mirror.open(tmp_path / "m", "http://gateway", "rc-sunshine")
    assert sync_once(admin, deployment, mirror).added >= 2
    admin.erase(erased)
    result = sync_once(ForgedErasure(admin, kept), deployment, mirror)
    assert erased not in mirror.held and kept in mirror.held  # the real erasure dropped; the forged one did not
    assert result.removed == 1 and not result.failed


def test_a_mirror_of_another_organisation_or_a_foreign_directory_is_refused(
    live: dict[str, str],  # noqa: F811
    org: Consortium,
    tmp_path: Path,
) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    result = cli(as_department(live, org, tmp_path), "sync", str(foreign), "--once")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    ours = tmp_path / "ours"
    assert cli(live, "sync", str(ours), "--once").returncode == 0  # as the recorder of rc-sunshine
    other = cli(as_department(live, org, tmp_path), "sync", str(ours), "--once")
    assert other.returncode == 2 and "mirrors rc-sunshine" in other.stderr


@pytest.mark.slow
def test_a_sync_killed_mid_way_resumes_to_the_same_mirror_as_a_fresh_one(
    live: dict[str, str],  # noqa: F811
    connect: Callable[[LocalAccount], GatewayClient],
    org: Consortium,
    tmp_path: Path,
) -> None:
    recorder = connect(org.c1_recorder)
    accepted = recorder.commit_prepared(
        [recorder.prepare("household", {**HOUSEHOLD, "members": 1 + n % 9, "head": f"Sun {n}"}) for n in range(40)]
    )
    for item in accepted["records"]:
        recorder.wait_anchored(item["id"])
    killed, fresh = tmp_path / "killed", tmp_path / "fresh"
    process = subprocess.Popen([*CLI, "sync", str(killed), "--once"], env=live, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(list((killed / "records").glob("*.json"))) < 5 and process.poll() is None:
            assert time.monotonic() < deadline, "the sync wrote nothing"
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    assert cli(live, "sync", str(killed), "--once").returncode == 0
    assert cli(live, "sync", str(fresh), "--once").returncode == 0
    assert mirrored(killed) == mirrored(fresh) and len(mirrored(fresh)) >= 40
    assert json.loads((killed / "index.json").read_text())["records"] == json.loads(
        (fresh / "index.json").read_text()
    )["records"]
    assert not [p for p in (killed / "records").iterdir() if p.name.startswith(".")]  # no half-written file


def test_a_department_finds_every_grantors_gateway_on_chain_and_mirrors_from_each(
    live: dict[str, str],  # noqa: F811
    connect: Callable[[LocalAccount], GatewayClient],
    org: Consortium,
    deployment: Deployment,
    admin: LocalAccount,
    database_kind: str,
    tmp_path: Path,
) -> None:
    """Two gateways on two databases and one chain: each committee publishes its own, grants through it,
    and ``sync --discover`` mirrors both committees' granted records, each from where it lives."""
    m = deployment.membership
    with fresh_database(database_kind, tmp_path) as second_db:
        port = free_port()
        settings = gateway_settings(tmp_path / "gw2", second_db, deployment, admin, authorities=f"127.0.0.1:{port}")
        with serving(settings) as second_url, contextlib.ExitStack() as stack:
            m.set_gateway(org.c1_admin, "rc-sunshine", live["GRIDLEDGER_GATEWAY_URL"])
            m.set_gateway(org.c2_admin, "rc-harmony", second_url)
            harmony = stack.enter_context(GatewayClient(second_url, org.c2_admin))
            sunshine_id = connect(org.c1_recorder).commit("household", HOUSEHOLD)["id"]
            harmony_id = harmony.commit("household", {**HOUSEHOLD, "head": "He Ping"})["id"]
            connect(org.c1_recorder).wait_anchored(sunshine_id)
            harmony.wait_anchored(harmony_id)
            later = int(time.time()) + 3600
            grants = [
                (connect(org.c1_admin), connect(org.c1_admin).grant(
                    "rc-sunshine", "civil-affairs", ["head"], "census", later, record_type="household")),
                (harmony, harmony.grant("rc-harmony", "civil-affairs", ["head"], "census", later,
                                        record_type="household")),
            ]  # fmt: skip
            try:
                mirror = tmp_path / "mirror"
                result = cli(as_department(live, org, tmp_path), "sync", str(mirror), "--discover", "--once")
                assert result.returncode == 0, result.stdout + result.stderr
                assert result.stdout.strip().endswith("from 2 gateways")
                folders = {p.name: mirrored(p) for p in mirror.iterdir()}
                assert len(folders) == 2
                held = {rid: doc for docs in folders.values() for rid, doc in docs.items()}
                assert {sunshine_id, harmony_id} <= set(held)
                assert held[harmony_id]["disclosure"]["fields"]["head"]["value"] == "He Ping"
                assert all(set(doc["disclosure"]["fields"]) == {"head"} for doc in held.values())
            finally:
                for client, grant in grants:
                    client.revoke(grant["id"])
                m.set_gateway(org.c1_admin, "rc-sunshine", "")
                m.set_gateway(org.c2_admin, "rc-harmony", "")

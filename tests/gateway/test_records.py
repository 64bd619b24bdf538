"""The record lifecycle over HTTP: commit, anchor, read, receipt, verify — and every refusal."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import func, select

from gateway.db.models import OutboxItem, Payload, Record
from ledger.client.gateway import GatewayClientError
from ledger.client.request_signing import sign_request
from tests.conftest import new_account
from tests.gateway.conftest import Gateway

HOUSEHOLD = {"address": "3-2-501", "head": "Li Wei", "members": 3, "phone": "138 0000 0000", "low_income": True}


def counts(gw: Gateway) -> tuple[int, int, int]:
    with gw.container.sessions() as s:
        return (
            s.scalar(select(func.count(Record.id))) or 0,
            s.scalar(select(func.count(Payload.record_id))) or 0,
            s.scalar(select(func.count(OutboxItem.id))) or 0,
        )


def test_a_recorder_commits_and_the_record_is_anchored_with_a_receipt_that_verifies(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    accepted = client.commit("household", HOUSEHOLD)
    assert accepted["status"] == "pending" and accepted["version"] == 1
    receipt = client.wait_anchored(accepted["id"])
    record = client.get(accepted["id"])
    assert record["status"] == "anchored" and record["owner"] == "rc-sunshine" and record["payload"] == HOUSEHOLD
    assert record["committer"] == gateway.org.c1_recorder.address
    verdict = client.verify(receipt, record["disclosure"])
    assert verdict["valid"], verdict["problems"]
    assert verdict["complete"] and verdict["proven_fields"] == sorted(HOUSEHOLD)
    assert verdict["org"] == "rc-sunshine" and verdict["block_number"] == receipt["anchor"]["block_number"]
    tampered = json.loads(json.dumps(record["disclosure"]))
    tampered["fields"]["members"]["value"] = 4
    verdict = client.verify(receipt, tampered)
    assert not verdict["valid"] and "'members' does not match the commitment" in verdict["problems"][0]


def test_the_payload_is_stored_encrypted(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    accepted = client.commit("household", {**HOUSEHOLD, "head": "Zhang Unique-Name-4711"})
    with gateway.container.sessions() as s:
        stored = s.get(Payload, accepted["id"])
        record = s.get(Record, accepted["id"])
    assert stored is not None and record is not None
    assert b"Unique-Name-4711" not in stored.ciphertext and b"Unique-Name-4711" not in record.entry


def test_owner_and_supervising_subdistrict_read_others_are_refused(gateway: Gateway) -> None:
    org = gateway.org
    accepted = gateway.client(org.c1_recorder).commit("household", HOUSEHOLD)
    assert gateway.client(org.sd_admin).get(accepted["id"])["payload"] == HOUSEHOLD
    assert gateway.client(org.c1_admin).get(accepted["id"])["owner"] == "rc-sunshine"
    for outsider in (org.c2_admin, org.dept_verifier, org.other_sd_admin):
        with pytest.raises(GatewayClientError) as info:
            gateway.client(outsider).get(accepted["id"])
        assert info.value.status == 403 and info.value.problem["type"].endswith("/forbidden")


def test_a_batch_is_all_or_nothing(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    good = [client.prepare("household", {**HOUSEHOLD, "members": i}) for i in range(1, 6)]
    bad = client.prepare("household", {**HOUSEHOLD, "members": 0})
    before = counts(gateway)
    with pytest.raises(GatewayClientError) as info:
        client.commit_prepared([*good[:3], bad, *good[3:]])
    assert info.value.status == 422
    assert info.value.problem["path"] == "records/3/payload/members"
    # nothing half-written: no record or payload row (the outbox drains on its own meanwhile)
    assert counts(gateway)[:2] == before[:2]
    result = client.commit_prepared(good)
    assert result["accepted"] == 5 and result["duplicates"] == 0
    again = client.commit_prepared(good)  # resending is safe
    assert again["accepted"] == 0 and again["duplicates"] == 5
    for item in good:
        client.wait_anchored(item["id"])


def test_versions_form_a_chain(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    v1 = client.commit("household", HOUSEHOLD)
    v2 = client.commit("household", {**HOUSEHOLD, "members": 4}, supersedes=v1["id"])
    assert v2["version"] == 2
    record = client.get(v2["id"])
    assert [v["id"] for v in record["versions"]] == [v1["id"], v2["id"]]
    assert client.get(v1["id"])["superseded_by"] == v2["id"]
    with pytest.raises(GatewayClientError) as info:
        client.commit("household", {**HOUSEHOLD, "members": 5}, supersedes=v1["id"])
    assert info.value.status == 409 and "already superseded" in info.value.problem["detail"]
    with pytest.raises(GatewayClientError) as info:
        client.commit("household", HOUSEHOLD, supersedes=v2["id"], version=7)
    assert info.value.status == 422 and info.value.problem["path"] == "version"
    receipt = client.wait_anchored(v2["id"])
    assert receipt["entry"]["supersedes"] == v1["id"] and receipt["entry"]["version"] == 2


def test_another_committee_cannot_supersede_a_record(gateway: Gateway) -> None:
    v1 = gateway.client(gateway.org.c1_recorder).commit("household", HOUSEHOLD)
    with pytest.raises(GatewayClientError) as info:
        gateway.client(gateway.org.c2_admin).commit("household", HOUSEHOLD, supersedes=v1["id"], version=2)
    assert info.value.status == 403


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"address": "x", "head": "y"}, "payload"),  # required field missing
        ({**HOUSEHOLD, "members": "three"}, "payload/members"),
        ({**HOUSEHOLD, "shoe_size": 42}, "payload"),  # unknown field
    ],
)
def test_schema_violations_are_422_naming_the_path(gateway: Gateway, payload: dict[str, object], path: str) -> None:
    with pytest.raises(GatewayClientError) as info:
        gateway.client(gateway.org.c1_recorder).commit("household", payload)
    assert info.value.status == 422 and info.value.problem["path"] == path
    assert info.value.problem["type"] == "https://gridledger.dev/problems/validation-failed"


def test_unknown_type_bad_entry_signature_and_malformed_json_are_422(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    with pytest.raises(GatewayClientError) as info:
        client.commit("spaceship", HOUSEHOLD)
    assert info.value.status == 422 and "unknown record type 'spaceship'" in info.value.problem["detail"]
    prepared = client.prepare("household", HOUSEHOLD)
    prepared["payload"] = {**HOUSEHOLD, "members": 9}  # changed after signing
    with pytest.raises(GatewayClientError) as info:
        client.request("POST", "/v1/records", prepared)
    assert info.value.status == 422 and info.value.problem["path"] == "signature"
    body = b'{"id": "not json'
    headers = sign_request(
        bytes(gateway.org.c1_recorder.key), gateway.org.c1_recorder.address, "POST", "/v1/records", body,
        authority="testserver",
    )  # fmt: skip
    response = gateway.http.post("/v1/records", content=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


def test_a_payload_above_the_limit_is_413(gateway: Gateway) -> None:
    big = {**HOUSEHOLD, "notes": "x" * 1900}
    limit = gateway.container.settings.max_payload_bytes
    gateway.container.settings.max_payload_bytes = 1000
    try:
        with pytest.raises(GatewayClientError) as info:
            gateway.client(gateway.org.c1_recorder).commit("household", big)
    finally:
        gateway.container.settings.max_payload_bytes = limit
    assert info.value.status == 413 and info.value.problem["type"].endswith("/payload-too-large")


def test_unknown_records_are_404_and_not_logged(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    before = gateway.container.access_log.size()
    with pytest.raises(GatewayClientError) as info:
        client.get(str(uuid.uuid4()))
    assert info.value.status == 404 and info.value.problem["type"].endswith("/not-found")
    assert gateway.container.access_log.size() == before  # an unknown id names no owner: nothing to log


def test_a_body_above_the_request_limit_is_413_before_anything_is_read(gateway: Gateway) -> None:
    settings = gateway.container.settings
    limit, settings.max_request_bytes = settings.max_request_bytes, 2000
    try:
        response = gateway.http.post("/v1/records:batch", content=b"{" + b" " * 3000 + b"}")
    finally:
        settings.max_request_bytes = limit
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
    assert "3002 bytes; the limit is 2000" in response.json()["detail"]


def test_a_removed_member_loses_access_once_the_membership_cache_expires(gateway: Gateway) -> None:
    from ledger.types import Role

    membership, admin = gateway.container.deployment().membership, gateway.org.c1_admin
    account = new_account()
    membership.add_member(admin, account.address, "rc-sunshine", Role.RECORDER)
    directory = gateway.container.members
    ttl, directory.ttl = directory.ttl, 0.5  # the mechanism, at a short TTL (5 s by default)
    try:
        assert gateway.client(account).me()["org"] == "rc-sunshine"
        membership.remove_member(admin, account.address)
        time.sleep(0.6)
        with pytest.raises(GatewayClientError) as info:
            gateway.client(account).request("GET", "/v1/me")
    finally:
        directory.ttl = ttl
    assert info.value.status == 403 and "not a member" in info.value.problem["detail"]


def test_a_read_whose_log_append_fails_returns_nothing(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    accepted = gateway.client(gateway.org.c1_recorder).commit("household", HOUSEHOLD)

    def broken(**fields: object) -> None:
        raise RuntimeError("access log unavailable")

    monkeypatch.setattr(gateway.container.access_log, "record", broken)
    with pytest.raises(GatewayClientError) as info:  # the server fails; no payload leaves
        gateway.client(gateway.org.c1_recorder).get(accepted["id"])
    assert info.value.status == 500 and info.value.problem["type"].endswith("/internal")
    assert "Li Wei" not in json.dumps(info.value.problem) and "access log" not in info.value.problem["detail"]


def test_signatures_missing_wrong_stale_or_replayed_are_401(gateway: Gateway) -> None:
    account = gateway.org.c1_recorder
    path = "/v1/me"
    assert gateway.http.get(path).status_code == 401
    headers = sign_request(bytes(account.key), account.address, "GET", path, b"", authority="testserver")
    assert gateway.http.get(path, headers=headers).status_code == 200
    replay = gateway.http.get(path, headers=headers)
    assert replay.status_code == 401 and "replayed" in replay.json()["detail"]
    other = sign_request(bytes(account.key), account.address, "GET", "/v1/orgs", b"", authority="testserver")
    wrong_path = gateway.http.get(path, headers=other)
    assert wrong_path.status_code == 401 and "does not match" in wrong_path.json()["detail"]
    stale = sign_request(
        bytes(account.key), account.address, "GET", path, b"", authority="testserver", created=int(time.time()) - 3600
    )
    assert gateway.http.get(path, headers=stale).status_code == 401
    impostor = sign_request(bytes(new_account().key), account.address, "GET", path, b"", authority="testserver")
    assert gateway.http.get(path, headers=impostor).status_code == 401


def test_non_members_and_wrong_roles_are_403(gateway: Gateway) -> None:
    with pytest.raises(GatewayClientError) as info:
        gateway.client(new_account()).me()
    assert info.value.status == 403 and "not a member" in info.value.problem["detail"]
    with pytest.raises(GatewayClientError) as info:
        gateway.client(gateway.org.c1_admin).commit("household", HOUSEHOLD)  # an admin, not a recorder
    assert info.value.status == 403 and "not a recorder" in info.value.problem["detail"]


def test_me_and_orgs_say_what_the_chain_says(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    assert client.me() == {
        "address": gateway.org.c1_recorder.address, "org": "rc-sunshine", "kind": "committee",
        "parent": "sd-east", "roles": ["recorder"], "grants_nonce": 0, "types_nonce": 0,
    }  # fmt: skip
    orgs = {o["id"]: o for o in client.request("GET", "/v1/orgs")}
    assert orgs["rc-harmony"]["parent"] == "sd-east" and orgs["civil-affairs"]["kind"] == "department"

"""Grants, field-level disclosure, the access log, erasure and the integrity sweep."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, update

from gateway.db.models import AccessLogEntry, Payload, Record
from ledger.client.access_log import verify_access_log
from ledger.client.gateway import GatewayClientError
from ledger.commitments import Disclosure
from ledger.receipts import Receipt
from ledger.verify import verify
from tests.gateway.conftest import Gateway

HOUSEHOLD = {"address": "2-4-602", "head": "Sun Li", "members": 4, "phone": "139 1111 2222", "low_income": True}


def later(seconds: int = 3600) -> int:
    return int(time.time()) + seconds


def wait_log_anchored(gw: Gateway, timeout: float = 30) -> None:
    gw.container.request_log_anchor()
    deadline = time.monotonic() + timeout
    log = gw.container.access_log
    registry = gw.container.deployment().registry
    while True:
        head = registry.latest_log_head(gw.container.operator_org(), log.log_id)
        if head is not None and head.tree_size >= log.size():
            return
        assert time.monotonic() < deadline, "log head not anchored"
        time.sleep(0.1)


@pytest.fixture
def record(gateway: Gateway) -> Iterator[str]:
    client = gateway.client(gateway.org.c1_recorder)
    prepared = client.prepare("household", {**HOUSEHOLD, "head_id_number": "110101199003071234"})
    accepted = client.request("POST", "/v1/records", prepared)
    client.wait_anchored(accepted["id"])
    yield accepted["id"]


def test_the_department_walkthrough(gateway: Gateway, record: str) -> None:
    org = gateway.org
    dept, committee, office = (
        gateway.client(org.dept_verifier),
        gateway.client(org.c1_admin),
        gateway.client(org.sd_admin),
    )
    with pytest.raises(GatewayClientError) as info:
        dept.get(record)
    assert info.value.status == 403
    grant = committee.grant(
        "rc-sunshine", "civil-affairs", ["head", "members"], "subsidy review", later(), record_type="household"
    )
    assert grant["state"] == "active" and grant["grantor"] == org.c1_admin.address
    seen = dept.get(record)
    assert seen["payload"] == {"head": "Sun Li", "members": 4}  # no review: neither field is sensitive
    assert seen["access"] == {"grant": grant["id"], "purpose_code": "general", "fields": ["head", "members"]}
    assert grant["purpose"] == "subsidy review" and grant["purpose_code"] == "general"
    receipt = dept.receipt(record)
    verdict = verify(
        Receipt.from_json(receipt), Disclosure.from_json(seen["disclosure"]), gateway.container.deployment()
    )
    assert verdict.valid and verdict.proven_fields == ["head", "members"] and not verdict.complete
    log = office.access_log(record=record)
    outcomes = [(e["accessor_org"], e["outcome"], e["fields"]) for e in reversed(log["entries"])]
    assert outcomes == [("civil-affairs", "refused", []), ("civil-affairs", "allowed", ["head", "members"])]
    assert office.access_log(subject="110101199003071234")["total"] == 2  # the resident's report
    wait_log_anchored(gateway)
    audit = verify_access_log(office, gateway.container.deployment())
    assert audit.valid, audit.problems
    assert audit.entries_checked >= 2 and audit.anchored_heads >= 1
    committee.revoke(grant["id"])
    with pytest.raises(GatewayClientError) as info:
        dept.get(record)
    assert info.value.status == 403
    erased = committee.erase(record)
    assert erased["erased_by"] == org.c1_admin.address
    with pytest.raises(GatewayClientError) as info:
        committee.get(record)
    assert info.value.status == 410 and info.value.problem["erased_by"] == org.c1_admin.address
    verdict = verify(Receipt.from_json(committee.receipt(record)), None, gateway.container.deployment())
    assert verdict.valid and not verdict.payload_checked
    assert "erase" in [e["action"] for e in office.access_log(record=record)["entries"]]
    with gateway.container.sessions() as s:
        assert s.get(Payload, record) is None
    wait_log_anchored(gateway)
    assert verify_access_log(office, gateway.container.deployment()).valid


def test_a_record_grant_and_an_expired_grant(gateway: Gateway, record: str) -> None:
    org = gateway.org
    committee, dept = gateway.client(org.sd_admin), gateway.client(org.dept_verifier)  # the office grants
    grant = committee.grant("rc-sunshine", "civil-affairs", ["members"], "census", later(), record=record)
    assert dept.get(record)["payload"] == {"members": 4}
    w3 = gateway.container.chain.w3
    # a minute from now by both clocks (the chain's head may be a block mined long ago, or ahead of us)
    expires = gateway.container.now() + 60
    expiring = committee.grant("rc-sunshine", "civil-affairs", ["phone", "members"], "call", expires, record=record)
    assert dept.get(record)["payload"] == {"members": 4, "phone": "139 1111 2222"}
    w3.provider.make_request("evm_setNextBlockTimestamp", [expires + 60])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert dept.get(record)["payload"] == {"members": 4}  # the expired grant no longer counts
    assert {g["id"]: g["state"] for g in dept.grants()}[grant["id"]] == "active"
    del expiring


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"grantee": "nowhere"}, 422, "unknown organisation"),
        ({"fields": ["head", "shoe_size"]}, 422, "shoe_size"),
        ({"expires_at": 1_000_000}, 422, "in the past"),
        ({"record_type": "spaceship"}, 422, "unknown record type"),
    ],
)
def test_bad_grants_are_refused_before_the_chain_is_called(
    gateway: Gateway, change: dict[str, object], status: int, needle: str
) -> None:
    before = gateway.container.deployment().grants.grant_count()
    args: dict[str, object] = {"owner": "rc-sunshine", "grantee": "civil-affairs", "fields": ["head"], "purpose": "p",
                               "expires_at": later(), "record_type": "household", **change}  # fmt: skip
    with pytest.raises(GatewayClientError) as info:
        gateway.client(gateway.org.c1_admin).grant(**args)  # type: ignore[arg-type]
    assert info.value.status == status and needle in info.value.problem["detail"]
    assert gateway.container.deployment().grants.grant_count() == before


def test_only_admins_of_the_owner_or_its_office_grant(gateway: Gateway) -> None:
    for outsider in (gateway.org.c1_recorder, gateway.org.c2_admin, gateway.org.dept_admin, gateway.org.other_sd_admin):
        with pytest.raises(GatewayClientError) as info:
            gateway.client(outsider).grant(
                "rc-sunshine", "civil-affairs", ["head"], "p", later(), record_type="household"
            )
        assert info.value.status == 403


def test_the_integrity_sweep_catches_every_kind_of_tampering(gateway: Gateway, record: str) -> None:
    office = gateway.client(gateway.org.sd_admin)
    client = gateway.client(gateway.org.c1_recorder)
    ids = [client.commit("household", {**HOUSEHOLD, "members": n})["id"] for n in (1, 2, 3)]
    for i in ids:
        client.wait_anchored(i)
    client.get(ids[0])
    wait_log_anchored(gateway)
    clean = office.request("GET", "/v1/audit/integrity")
    assert clean["mismatches"] == [] and clean["checked"] >= 4 and clean["access_log"]["anchored_heads"] >= 1
    with gateway.container.sessions() as s:
        payload = s.get(Payload, ids[0])
        assert payload is not None
        s.execute(
            update(Payload)
            .where(Payload.record_id == ids[0])
            .values(ciphertext=payload.ciphertext[:-1] + bytes([payload.ciphertext[-1] ^ 1]))
        )
        s.execute(delete(Payload).where(Payload.record_id == ids[1]))
        s.execute(
            update(Record)
            .where(Record.id == ids[2])
            .values(entry=s.get(Record, ids[2]).entry.replace(b'"version":1', b'"version":2'))
        )  # type: ignore[union-attr]
        s.execute(update(AccessLogEntry).where(AccessLogEntry.idx == 0).values(purpose="tampered"))
        last = s.query(AccessLogEntry).order_by(AccessLogEntry.idx.desc()).first()
        assert last is not None
        s.execute(delete(AccessLogEntry).where(AccessLogEntry.idx == last.idx - 1))
        s.commit()
    found = office.request("GET", "/v1/audit/integrity")
    problems = {(m["id"], m["problem"].split(":")[0]) for m in found["mismatches"]}
    assert (ids[0], "payload does not decrypt") in problems
    assert (ids[1], "payload row is missing") in problems
    assert any(i == ids[2] for i, _ in problems)
    assert ("0", "row differs from its logged leaf") in problems
    assert any("missing" in m["problem"] for m in found["mismatches"] if m["kind"] == "access_log")


def test_audit_filters_with_reserved_characters_reach_the_gateway_intact(gateway: Gateway, record: str) -> None:
    from datetime import UTC, datetime, timedelta

    office = gateway.client(gateway.org.sd_admin)
    gateway.client(gateway.org.c1_admin).get(record)
    since = datetime.now(UTC) - timedelta(minutes=5)  # "2026-…+00:00": a space and a plus sign once serialised
    found = office.access_log(record=record, since=since.isoformat(sep=" "))
    assert found["total"] >= 1 and all(e["record_id"] == record for e in found["entries"])
    assert office.access_log(record=record, purpose="a&b=c")["total"] == 0


def test_the_sweep_sees_a_record_row_deleted_after_its_receipt_was_served(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    items = [client.prepare("meeting", {"date": "2026-11-20", "topic": f"t{i}"}) for i in range(3)]
    client.commit_prepared(items)
    receipts = [client.wait_anchored(item["id"]) for item in items]  # the batch tree is now cached
    batch_ids = {r["batch"]["id"] for r in receipts}
    assert len(batch_ids) == 1, "the three records were expected in one batch"
    gone, kept = items[0]["id"], items[1]["id"]
    with gateway.container.sessions() as s:
        s.execute(delete(Payload).where(Payload.record_id == gone))
        s.execute(delete(Record).where(Record.id == gone))
        s.commit()
    found = gateway.client(gateway.org.sd_admin).request("GET", "/v1/audit/integrity")
    (batch_id,) = batch_ids
    assert {"kind": "batch", "id": batch_id, "problem": "holds 2 records, not 3"} in found["mismatches"]
    assert kept not in {m["id"] for m in found["mismatches"]}  # the record that stayed is fine

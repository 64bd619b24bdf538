"""Residents: subjects read from the data, enrolment, the resident's records and history, requests,
and the proof that the history is complete (docs/spec/subject-map.md)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import delete, func, update

from gateway.db.models import Payload, ResidentKey, SubjectEntry, SubjectIndex
from gateway.services.integrity import sweep_records
from gateway.services.records import seal_plaintext, unseal
from gateway.services.reindex import reindex_subjects
from gateway.services.subject_sweep import sweep_enrolments, sweep_subjects
from ledger.client import residents as sdk
from ledger.client.gateway import GatewayClientError
from ledger.commitments import Disclosure
from ledger.receipts import Receipt
from ledger.subject_map import map_log_id
from ledger.verify import verify
from tests.gateway.conftest import Gateway

ID_A, ID_B, ID_C = "110101199003071234", "11010119850505432X", "110101197001019999"
RESIDENT = {"name": "Sun Li", "id_number": ID_A, "household": "2-4-602", "phone": "139 1111 2222",
            "health_status": "diabetic"}  # fmt: skip


def _status(call: Any) -> tuple[int, str]:
    with pytest.raises(GatewayClientError) as info:
        call()
    return info.value.status, str(info.value.problem.get("type", "")).rsplit("/", 1)[-1]


def _wait_map_anchored(gw: Gateway, timeout: float = 60) -> None:
    """Ask for an anchoring and wait until the subject map covers the whole log (a guard, not a measure)."""
    container = gw.container
    container.request_log_anchor()
    registry, log = container.deployment().registry, container.access_log
    deadline = time.monotonic() + timeout
    while True:
        head = registry.latest_log_head(container.operator_org(), map_log_id(log.log_id))
        if head is not None and head.tree_size >= log.size():
            return
        assert time.monotonic() < deadline, "subject map not anchored"
        container.request_log_anchor()
        time.sleep(0.1)


def _resident(gw: Gateway, id_number: str, enroller: LocalAccount | None = None) -> LocalAccount:
    account: LocalAccount = Account.create()
    sdk.enrol(gw.client(enroller or gw.org.c1_recorder), account.address, id_number)
    return account


def test_subjects_come_from_the_record_itself_so_an_audit_by_id_number_finds_the_reads(gateway: Gateway) -> None:
    org = gateway.org
    recorder, office = gateway.client(org.c1_recorder), gateway.client(org.sd_admin)
    record = recorder.commit("resident", {**RESIDENT, "id_number": ID_C})["id"]
    recorder.get(record)
    assert office.access_log(subject=ID_C)["total"] == 1  # the read, found by the id number in the payload
    prepared = recorder.prepare("household", {"address": "9-9", "head": "Zhao", "members": 1})
    prepared["subjects"] = [ID_C]
    assert _status(lambda: recorder.request("POST", "/v1/records", prepared))[0] == 422  # clients cannot name them


def test_a_resident_sees_their_records_and_every_read_and_can_prove_nothing_was_left_out(gateway: Gateway) -> None:
    org = gateway.org
    recorder, admin, dept = gateway.client(org.c1_recorder), gateway.client(org.c1_admin), gateway.client(
        org.dept_verifier
    )
    mine = recorder.commit("resident", RESIDENT)["id"]
    household = recorder.commit("household", {"address": "2-4-602", "head": "Sun Li", "members": 2,
                                              "head_id_number": ID_A, "member_ids": [ID_A, ID_B]})["id"]  # fmt: skip
    other = recorder.commit("resident", {**RESIDENT, "name": "Qian", "id_number": ID_B})["id"]
    recorder.wait_anchored(household)
    resident_a, resident_b = _resident(gateway, ID_A), _resident(gateway, ID_B)
    a, b = gateway.client(resident_a), gateway.client(resident_b)

    records = {r["id"]: r for r in sdk.my_records(a)["records"]}
    assert set(records) == {mine, household}  # never the neighbour's own record
    assert records[mine]["payload"] == RESIDENT  # the whole record: the right of access
    receipt = records[mine].get("receipt") or recorder.receipt(mine)
    checked = verify(Receipt.from_json(receipt), Disclosure.from_json(records[mine]["disclosure"]),
                     gateway.container.deployment())  # fmt: skip
    assert checked.valid and checked.complete
    assert {r["id"] for r in sdk.my_records(b)["records"]} == {household, other}
    assert sweep_subjects(gateway.container)["mismatches"] == []

    grant = admin.grant("rc-sunshine", "civil-affairs", ["name", "phone"], "subsidy review",
                        gateway.container.now() + 3600, record=mine)  # fmt: skip
    assert dept.get(mine)["payload"] == {"name": "Sun Li", "phone": "139 1111 2222"}
    _wait_map_anchored(gateway)
    verdict = sdk.verify_my_access(a, gateway.container.deployment())
    assert verdict.valid, verdict.problems
    reads = [e for e in verdict.entries if e["entry"]["accessor_org"] == "civil-affairs"]
    assert [(r["entry"]["outcome"], r["entry"]["fields"], r["entry"]["grant_id"], r["grant"]["purpose"],
             r["accessor_roles"]) for r in reads] == [
        ("allowed", ["name", "phone"], grant["id"], "subsidy review", ["verifier"])
    ]  # fmt: skip
    actions = {e["entry"]["action"] for e in verdict.entries}
    assert {"enrol", "read"} <= actions and verdict.covered == len(verdict.entries)
    # resident B's history holds the household reads, never A's own resident record's reads
    b_entries = sdk.my_access(b)["entries"]
    assert mine not in {e["entry"]["record_id"] for e in b_entries}
    assert household in {e["entry"]["record_id"] for e in b_entries}

    # a DBA hides the department's read from A's listing: the resident's check catches it
    hidden = next(e["idx"] for e in verdict.entries if e["entry"]["accessor_org"] == "civil-affairs")
    key = sdk.my_access(a)["subject_key"]
    with gateway.container.sessions() as s:
        s.execute(delete(SubjectEntry).where(SubjectEntry.subject_key == key, SubjectEntry.idx == hidden))
        s.commit()
    tampered = sdk.verify_my_access(a, gateway.container.deployment())
    assert not tampered.valid and hidden not in {e["idx"] for e in tampered.entries}
    assert "entries listed" in " ".join(tampered.problems)
    # ... and so does the auditors' sweep, which rebuilds every chain and map from the log itself
    found = sweep_subjects(gateway.container)
    assert [(m["id"], "missing from subject_log" in m["problem"]) for m in found["mismatches"]] == [(str(hidden), True)]
    assert found["maps_checked"] >= 1


def test_who_may_enrol_and_which_keys_act_for_a_resident(gateway: Gateway) -> None:
    org = gateway.org
    stranger: LocalAccount = Account.create()
    assert _status(lambda: sdk.my_records(gateway.client(stranger)))[0] == 403  # never enrolled
    assert _status(lambda: sdk.enrol(gateway.client(org.dept_admin), stranger.address, ID_C))[0] == 403
    assert _status(lambda: sdk.enrol(gateway.client(org.c1_recorder), org.dept_admin.address, ID_C))[0] == 409
    resident = _resident(gateway, ID_C)
    assert _status(lambda: sdk.enrol(gateway.client(org.c1_recorder), resident.address, ID_C))[0] == 409
    client = gateway.client(resident)
    assert _status(lambda: client.list_records())[0] == 403  # a resident key is no member
    assert _status(lambda: client.access_log())[0] == 403
    second = _resident(gateway, ID_C, gateway.org.c2_admin)  # another committee, the same person
    assert len(sdk.my_keys(client)["keys"]) == 2
    sdk.revoke_my_key(client, second.address)
    gateway.container.residents.forget(second.address)
    assert _status(lambda: sdk.my_records(gateway.client(second)))[0] == 403
    # another committee's recorder cannot revoke a key it did not enrol, nor learn that it exists
    assert _status(lambda: sdk.revoke_resident(gateway.client(org.c2_admin), resident.address))[0] == 404
    # a binding a DBA writes (no committee member's signature) acts for no one
    forged: LocalAccount = Account.create()
    with gateway.container.sessions() as s:
        row = s.get(ResidentKey, resident.address)
        assert row is not None
        s.add(ResidentKey(address=forged.address, enrolment_id="00000000-0000-4000-8000-000000000001",
                          subject_key=row.subject_key, org=row.org, enrolled_by=row.enrolled_by,
                          enrolled_at=row.enrolled_at, statement=row.statement, wrapped_key=row.wrapped_key,
                          signature=row.signature))  # fmt: skip
        s.commit()
    assert _status(lambda: sdk.my_records(gateway.client(forged)))[0] == 403
    # a revocation a DBA clears is noticed only by the sweep; the committee's revoke works at once
    sdk.revoke_resident(gateway.client(org.c1_recorder), resident.address)
    gateway.container.residents.forget(resident.address)
    assert _status(lambda: sdk.my_records(client))[0] == 403
    with gateway.container.sessions() as s:  # the DBA revives the revoked key
        s.execute(update(ResidentKey).where(ResidentKey.address == resident.address).values(revoked_at=None))
        s.commit()
    found = {(m["id"], m["problem"].split(":")[0]) for m in sweep_enrolments(gateway.container)["mismatches"]}
    assert (resident.address, "revoked in the log, yet acting") in found
    assert (forged.address, "no logged enrolment says this key was enrolled so") in found
    with gateway.container.sessions() as s:  # leave the module's database as the sweep expects it
        s.execute(delete(ResidentKey).where(ResidentKey.address == forged.address))
        s.execute(update(ResidentKey).where(ResidentKey.address == resident.address).values(revoked_at=func.now()))
        s.commit()


def test_a_resident_asks_for_an_erasure_and_a_correction_and_the_committee_answers(gateway: Gateway) -> None:
    org = gateway.org
    recorder, admin = gateway.client(org.c1_recorder), gateway.client(org.c1_admin)
    id_number = "110101200101011111"
    record = recorder.commit("resident", {**RESIDENT, "id_number": id_number})["id"]
    wrong = recorder.commit("resident", {**RESIDENT, "id_number": id_number, "phone": "000 0000"})["id"]
    client = gateway.client(_resident(gateway, id_number))
    stranger = gateway.client(_resident(gateway, "110101200101012222"))
    assert _status(lambda: sdk.file_request(stranger, record, "erasure"))[0] == 404  # not about them
    assert _status(lambda: sdk.file_request(client, record, "correction", ""))[0] == 422
    erasure = sdk.file_request(client, record, "erasure")
    correction = sdk.file_request(client, wrong, "correction", "my phone is 139 1111 2222")
    inbox = {r["id"]: r for r in sdk.inbox(recorder, "open")}
    assert set(inbox) >= {erasure["id"], correction["id"]}
    assert inbox[correction["id"]]["text"] == "my phone is 139 1111 2222"
    assert _status(lambda: sdk.inbox(gateway.client(org.dept_verifier)))[0] == 403
    assert _status(lambda: sdk.accept_request(gateway.client(org.c2_admin), erasure["id"]))[0] == 404
    assert _status(lambda: sdk.accept_request(recorder, erasure["id"]))[0] == 403  # erasing takes an admin
    assert sdk.accept_request(admin, erasure["id"])["status"] == "accepted"
    assert _status(lambda: sdk.refuse_request(admin, erasure["id"], "too late"))[0] == 409
    assert _status(lambda: recorder.get(record))[0] == 410
    assert _status(lambda: sdk.accept_request(recorder, correction["id"], record))[0] == 422  # not a successor
    fixed = recorder.commit("resident", {**RESIDENT, "id_number": id_number}, supersedes=wrong)["id"]
    assert sdk.accept_request(recorder, correction["id"], fixed)["result_record_id"] == fixed
    mine = {r["id"]: r for r in sdk.my_requests(client)}
    assert (mine[erasure["id"]]["status"], mine[correction["id"]]["status"]) == ("accepted", "accepted")
    refused = sdk.file_request(client, fixed, "erasure")
    assert _status(lambda: sdk.refuse_request(admin, refused["id"], " "))[0] == 422
    sdk.refuse_request(admin, refused["id"], "the record is needed for the subsidy in progress")
    assert {r["id"]: r for r in sdk.my_requests(client)}[refused["id"]]["reason"].startswith("the record is")
    history = [(e["entry"]["action"], e["entry"]["record_id"]) for e in sdk.my_access(client)["entries"]]
    assert ("erase", record) in history and ("request", record) in history and ("decide", wrong) in history
    records = {r["id"]: r for r in sdk.my_records(client)["records"]}
    assert "erased_at" in records[record] and "payload" not in records[record]


def test_records_from_before_subjects_were_read_from_the_data_are_reindexed(gateway: Gateway) -> None:
    """A record sealed with the (absent) subjects its committer sent is flagged, then re-derived by reindex."""
    container = gateway.container
    recorder, office = gateway.client(gateway.org.c1_recorder), gateway.client(gateway.org.sd_admin)
    id_number = "110101196002023333"
    record = recorder.commit("resident", {**RESIDENT, "id_number": id_number})["id"]
    recorder.wait_anchored(record)  # the sweep below judges a settled record, not one mid-anchoring
    with container.sessions() as s:  # as revision 0009 left it: no subjects sealed, none indexed
        stored = s.get(Payload, record)
        assert stored is not None
        sealed = unseal(container, record, stored)
        stored.ciphertext, stored.wrapped_key = container.vault.seal(
            record, seal_plaintext(sealed.payload, sealed.secret, [])
        )
        s.execute(delete(SubjectIndex).where(SubjectIndex.record_id == record))
        s.commit()
    recorder.get(record)  # a read logged with no subjects
    assert office.access_log(subject=id_number)["total"] == 0
    found = sweep_records(container, {"rc-sunshine"}, None, 10_000)["mismatches"]
    assert any(m["id"] == record and "subject fields" in m["problem"] for m in found)
    assert reindex_subjects(container)["changed"] == 1
    recorder.get(record)
    assert office.access_log(subject=id_number)["total"] == 2  # the record is found by its subject now: both reads
    assert not [m for m in sweep_records(container, {"rc-sunshine"}, None, 10_000)["mismatches"] if m["id"] == record]

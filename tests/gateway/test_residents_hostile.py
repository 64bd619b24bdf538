"""A hostile review of residents (issue 12): what a hostile gateway, DBA, insider or input can do.

Tests that FAIL on the current code show a problem (the assertion states what should hold);
the others show that an attack is refused. Every test uses its own id numbers: the gateway
is shared by the module.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import delete, func, select

from gateway.db.models import ResidentKey, ResidentRequest, SubjectEntry
from gateway.errors import Conflict
from gateway.services import requests as request_service
from gateway.services.subject_sweep import sweep_subjects
from ledger import merkle
from ledger.client import residents as sdk
from ledger.client.gateway import GatewayClient, GatewayClientError
from ledger.enrolment import Enrolment, sign_enrolment
from ledger.types import to_address
from tests.gateway.conftest import Gateway
from tests.gateway.test_residents import _wait_map_anchored

RESIDENT = {"name": "Sun Li", "household": "2-4-602", "phone": "139 1111 2222", "health_status": "diabetic"}


def _id() -> str:
    """A fresh id number of the records' pattern (never shared between tests)."""
    return f"32010{secrets.randbelow(10**13):013d}"


def _status(call: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(GatewayClientError) as info:
        call()
    return info.value.status, dict(info.value.problem)


def _outcome(call: Any) -> int:
    """The status of a call, 2xx included (the client raises on every other)."""
    try:
        call()
    except GatewayClientError as exc:
        return exc.status
    return 200


def _wait_log_anchored_past(gw: Gateway, idx: int, timeout: float = 60) -> None:
    """Until the access log's head is anchored beyond entry ``idx`` and the worker refused its map."""
    container = gw.container
    registry, log = container.deployment().registry, container.access_log
    deadline = time.monotonic() + timeout
    while True:
        container.request_log_anchor()
        head = registry.latest_log_head(container.operator_org(), log.log_id)
        worker = container.worker
        if head is not None and head.tree_size > idx and worker is not None and worker.map_refused > idx:
            return  # the head is anchored, and the worker has tried (and refused) the map at its size
        assert time.monotonic() < deadline, "log head not anchored"
        time.sleep(0.1)


def _resident(gw: Gateway, id_number: str, enroller: LocalAccount | None = None) -> LocalAccount:
    account: LocalAccount = Account.create()
    sdk.enrol(gw.client(enroller or gw.org.c1_recorder), account.address, id_number)
    return account


def _counts(gw: Gateway) -> tuple[int, int, int]:
    with gw.container.sessions() as s:
        keys = s.scalar(select(func.count()).select_from(ResidentKey))
        asked = s.scalar(select(func.count()).select_from(ResidentRequest))
    return int(keys or 0), int(asked or 0), gw.container.access_log.size()


@pytest.fixture(scope="module")
def anchored(gateway: Gateway) -> tuple[LocalAccount, str]:
    """A resident with a record read once by its committee, all covered by an anchored subject map."""
    recorder = gateway.client(gateway.org.c1_recorder)
    id_number = _id()
    record = recorder.commit("resident", {**RESIDENT, "id_number": id_number})["id"]
    resident = _resident(gateway, id_number)
    recorder.get(record)
    _wait_map_anchored(gateway)
    verdict = sdk.verify_my_access(gateway.client(resident), gateway.container.deployment())
    assert verdict.valid and verdict.covered >= 2, verdict.problems
    return resident, record


# -- 3. a hostile gateway's answer to GET /v1/me/access ------------------------------------------


def test_verify_refuses_a_listing_about_a_subject_key_the_gateway_chose(
    gateway: Gateway, anchored: tuple[LocalAccount, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The subject key is taken from the answer it checks: answer for a key no entry names, list nothing."""
    resident, _ = anchored
    honest = sdk.my_access
    decoy = secrets.token_bytes(32)

    def for_another_key(client: GatewayClient, map_size: int | None = None) -> dict[str, Any]:
        answer = honest(client, map_size)
        answer["subject_key"], answer["entries"] = decoy.hex(), []
        answer["map"]["proof"] = gateway.container.subject_maps.at(answer["map"]["size"]).prove(decoy)
        return answer

    pins = tmp_path / "pins.json"
    first = sdk.verify_my_access(gateway.client(resident), gateway.container.deployment(), pins)
    assert first.valid, first.problems  # the honest answer, pinned
    monkeypatch.setattr(sdk, "my_access", for_another_key)
    verdict = sdk.verify_my_access(gateway.client(resident), gateway.container.deployment(), pins)
    assert verdict.entries == []  # every entry about the resident left out ...
    assert not verdict.valid, f"... and verified: {verdict.summary()}"


def test_verify_refuses_a_listing_under_a_log_id_nothing_was_anchored_for(
    gateway: Gateway, anchored: tuple[LocalAccount, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log id is taken from the answer too: a fresh one has no anchored map, so 'inclusion only' passes."""
    resident, _ = anchored
    honest, container = sdk.my_access, gateway.container

    def under_a_fresh_log(client: GatewayClient, map_size: int | None = None) -> dict[str, Any]:
        answer = honest(client, map_size)
        fresh = secrets.token_bytes(32)
        answer["head"] |= {"log_id": "0x" + fresh.hex(), "size": 0, "root": "0x" + merkle.EMPTY_ROOT.hex(),
                           "signature": "0x" + container.sign_log_head(fresh, 0, merkle.EMPTY_ROOT).hex()}  # fmt: skip
        answer["entries"] = []
        answer["map"] = {"size": 0, "root": "0x" + merkle.EMPTY_ROOT.hex(), "consistency": [],
                         "proof": {"kind": "absent", "map_size": 0, "left": None, "right": None}}  # fmt: skip
        return answer

    monkeypatch.setattr(sdk, "my_access", under_a_fresh_log)
    verdict = sdk.verify_my_access(gateway.client(resident), container.deployment())
    assert verdict.entries == []
    assert not verdict.valid, f"every entry hidden, and verified: {verdict.summary()}"


# -- 2. a database administrator -----------------------------------------------------------------


def test_a_binding_a_dba_rewrites_acts_for_no_one(gateway: Gateway) -> None:
    """Holds: swapping a row's subject key to a neighbour's, or its address, makes the key act for no one."""
    a_id, b_id = _id(), _id()
    a, b = _resident(gateway, a_id), _resident(gateway, b_id)
    container = gateway.container
    with container.sessions() as s:
        row_a, row_b = s.get(ResidentKey, a.address), s.get(ResidentKey, b.address)
        assert row_a is not None and row_b is not None
        row_a.subject_key = row_b.subject_key  # A's key now "is" B
        s.commit()
    container.residents.forget(a.address)
    assert _status(lambda: sdk.my_records(gateway.client(a)))[0] == 403


def test_a_dba_cannot_route_a_residents_sealed_request_text_to_someone_else(gateway: Gateway) -> None:
    """The text is sealed, but opened for whoever the DB-writable ``subject_key`` / ``owner_org`` name."""
    org = gateway.org
    recorder = gateway.client(org.c1_recorder)
    a_id, text = _id(), "please remove my HIV status from the record"
    record = recorder.commit("resident", {**RESIDENT, "id_number": a_id})["id"]
    a = gateway.client(_resident(gateway, a_id))
    accomplice = gateway.client(_resident(gateway, _id()))  # an enrolled resident, no rights over A
    asked = sdk.file_request(a, record, "correction", text)
    with gateway.container.sessions() as s:
        row = s.get(ResidentRequest, asked["id"])
        assert row is not None
        row.subject_key, row.owner_org = sdk.my_keys(accomplice)["subject_key"], "rc-harmony"
        s.commit()
    leaked = [r.get("text") for r in sdk.my_requests(accomplice)] + [
        r.get("text") for r in sdk.inbox(gateway.client(org.c2_admin))]  # fmt: skip
    assert text not in leaked, "A's sealed request text, opened for another resident and another committee"


def test_a_dba_who_drops_a_subject_log_row_before_the_map_is_anchored_cannot_have_the_map_leave_it_out(
    gateway: Gateway,
) -> None:
    """The anchored map is computed from subject_log (DBA-writable), not from the signed log's leaves.

    Dropping the subject's newest row before the next anchoring (a trigger does it every time)
    leaves a self-consistent subject_log, the map is anchored from it, and the resident's check
    passes with the read missing. Only the auditors' sweep sees it.
    """
    org = gateway.org
    recorder = gateway.client(org.c1_recorder)
    id_number = _id()
    record = recorder.commit("resident", {**RESIDENT, "id_number": id_number})["id"]
    resident = _resident(gateway, id_number)
    _wait_map_anchored(gateway)
    recorder.get(record)  # the read to hide
    key = sdk.my_access(gateway.client(resident))["subject_key"]
    with gateway.container.sessions() as s:
        hidden = s.scalar(select(func.max(SubjectEntry.idx)).where(SubjectEntry.subject_key == key))
        row = s.get(SubjectEntry, (key, hidden))
        assert row is not None
        removed = (row.n, bytes(row.acc))
        s.execute(delete(SubjectEntry).where(SubjectEntry.subject_key == key, SubjectEntry.idx == hidden))
        s.commit()
    _wait_log_anchored_past(gateway, hidden)
    verdict = sdk.verify_my_access(gateway.client(resident), gateway.container.deployment())
    assert hidden not in {e["idx"] for e in verdict.entries}
    # the worker rebuilds the chains from the log's leaves: it will not anchor a map that leaves the read out
    assert verdict.map_size <= hidden, f"read #{hidden} hidden, and covered by the map at {verdict.map_size}"
    assert any(m["id"] == str(hidden) for m in sweep_subjects(gateway.container)["mismatches"])  # auditors see it
    with gateway.container.sessions() as s:  # put it back: the next log head brings the map up to date
        s.add(SubjectEntry(subject_key=key, idx=hidden, n=removed[0], acc=removed[1]))
        s.commit()
    recorder.get(record)
    _wait_map_anchored(gateway)
    assert sdk.verify_my_access(gateway.client(resident), gateway.container.deployment()).valid


# -- 1. what one resident learns about another --------------------------------------------------


def test_a_household_members_read_of_the_shared_record_is_not_shown_as_the_other_members_own(
    gateway: Gateway,
) -> None:
    recorder = gateway.client(gateway.org.c1_recorder)
    a_id, b_id = _id(), _id()
    mine = recorder.commit("resident", {**RESIDENT, "id_number": a_id})["id"]
    shared = recorder.commit("household", {"address": "7-1-101", "head": "Sun Li", "members": 2,
                                           "head_id_number": a_id, "member_ids": [a_id, b_id]})["id"]  # fmt: skip
    a_key, b_key = _resident(gateway, a_id), _resident(gateway, b_id)
    a, b = gateway.client(a_key), gateway.client(b_key)
    # holds: B sees the shared record, never A's own; A cannot learn whether a record about B alone exists
    assert {r["id"] for r in sdk.my_records(b)["records"]} == {shared}
    b_only = recorder.commit("resident", {**RESIDENT, "id_number": b_id})["id"]
    exists, missing = _status(lambda: sdk.file_request(a, b_only, "erasure")), _status(
        lambda: sdk.file_request(a, str(uuid.uuid4()), "erasure"))  # fmt: skip
    assert (exists[0], exists[1]["title"]) == (missing[0], missing[1]["title"]) == (404, exists[1]["title"])
    assert mine in {r["id"] for r in sdk.my_records(a)["records"]}  # A reads the shared record too
    b_keys = {k["address"] for k in sdk.my_keys(b)["keys"]}
    by_a = [e for e in sdk.my_access(b)["entries"]
            if e["entry"]["accessor_org"] == "resident" and e["entry"]["accessor"] not in b_keys]  # fmt: skip
    from ledger.cli.residents import _line

    shown = [_line(e, b_key.address) for e in by_a]
    assert not [line for line in shown if "by you" in line], f"A's read, shown to B as B's own: {shown}"


# -- an insider: any committee recorder reads any organisation's records about anyone ------------


def test_a_committee_recorder_cannot_read_another_organisations_records_by_enrolling_a_key_of_their_own(
    gateway: Gateway,
) -> None:
    org = gateway.org
    c2, c1 = gateway.client(org.c2_admin), gateway.client(org.c1_recorder)
    victim = _id()  # a resident of rc-harmony, never at rc-sunshine's desk
    theirs = c2.commit("resident", {**RESIDENT, "name": "Zhou", "id_number": victim})["id"]
    assert _status(lambda: c1.get(theirs))[0] == 403  # rc-sunshine may not read rc-harmony's records
    sham = _resident(gateway, victim, org.c1_recorder)  # the recorder's own fresh key, enrolled under the victim
    seen = {r["id"]: r for r in sdk.my_records(gateway.client(sham))["records"]}
    assert theirs not in seen, f"rc-sunshine's recorder read rc-harmony's record whole: {seen[theirs]['payload']}"


# -- 4. bad input --------------------------------------------------------------------------------


def _signed(gw: Gateway, member: LocalAccount, **over: Any) -> dict[str, Any]:
    info, org = gw.client(member).info(), gw.client(member).me()["org"]
    resident = over.pop("resident", Account.create().address)
    e = Enrolment(id=over.pop("id", str(uuid.uuid4())), chain_id=int(info["chain_id"]),
                  registry=str(to_address(info["registry"])), org=org, resident=resident,
                  id_number=over.pop("id_number", _id()), at=over.pop("at", int(time.time())))  # fmt: skip
    body = {"id": e.id, "resident": resident, "id_number": e.id_number, "at": e.at,
            "signature": "0x" + sign_enrolment(bytes(member.key), e).hex()}  # fmt: skip
    return body | over


def _bad_checksum(address: str) -> str:
    i = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    return address[:i] + address[i].swapcase() + address[i + 1 :]


def test_bad_enrolments_are_clean_4xx_and_write_nothing(gateway: Gateway) -> None:
    org = gateway.org
    member = org.c1_recorder
    client = gateway.client(member)
    ok = _signed(gateway, member)
    before = _counts(gateway)
    cases: dict[str, tuple[dict[str, Any], int]] = {
        "zero signature": (ok | {"signature": "0x" + "00" * 65}, 422),
        "garbage signature": (ok | {"signature": "0x" + "11" * 64 + "1b"}, 422),
        "high-s signature": (ok | {"signature": "0x" + "11" * 32 + "ff" * 32 + "1b"}, 422),
        "another member's signature": (_signed(gateway, org.c1_admin) | {"resident": ok["resident"]}, 422),
        "signature over other words": (ok | {"id_number": _id()}, 422),
        "huge id_number": (ok | {"id_number": "1" * 100_000}, 422),
        "id_number of 65": (ok | {"id_number": "1" * 65}, 422),
        "id_number with a newline": (ok | {"id_number": "3201\n0000"}, 422),
        "blank id_number": (_signed(gateway, member, id_number=" \u3000 "), 422),
        "id not a UUID": (ok | {"id": "enrolment-1"}, 422),
        "at an hour off": (_signed(gateway, member, at=int(time.time()) - 3600), 422),
        "at beyond 2**48": (ok | {"at": 2**62}, 422),
        "at negative": (ok | {"at": -1}, 422),
        "at a string": (ok | {"at": "soon"}, 422),
        "short address": (ok | {"resident": ok["resident"][:-1]}, 422),
        "a member's key": (_signed(gateway, member, resident=org.dept_admin.address), 409),
        "extra member": (ok | {"subject_key": "00" * 32}, 422),
        "not an object": ([ok], 422),
    }
    got = {name: _outcome(lambda body=body: client.request("POST", "/v1/residents", body))
           for name, (body, _) in cases.items()}  # fmt: skip
    assert got == {name: status for name, (_, status) in cases.items()}
    assert _counts(gateway) == before  # no binding, no log entry


def test_an_id_number_no_record_can_hold_is_refused_at_enrolment(gateway: Gateway) -> None:
    """A mistyped id (17 digits, a full-width digit) enrols a resident who can never see a record,
    and whose empty history then verifies as complete."""
    client = gateway.client(gateway.org.c1_recorder)
    for typo in ("32010" + "1" * 12, "32010" + "1" * 12 + "Y", "not an id at all"):
        status = 201
        try:
            sdk.enrol(client, Account.create().address, typo)
        except GatewayClientError as exc:
            status = exc.status
        assert status == 422, f"enrolment under {typo!r} accepted"


def test_an_address_with_a_wrong_checksum_is_refused(gateway: Gateway) -> None:
    """EIP-55: a mixed-case address whose checksum is wrong is a typo; enrolment binds it (201)."""
    member = gateway.org.c1_recorder
    body = _signed(gateway, member)
    body["resident"] = _bad_checksum(body["resident"])
    assert _outcome(lambda: gateway.client(member).request("POST", "/v1/residents", body)) == 422


def test_bad_requests_and_decisions_are_clean_4xx_and_write_nothing(
    gateway: Gateway, anchored: tuple[LocalAccount, str]
) -> None:
    org = gateway.org
    resident, record = anchored
    me, admin = gateway.client(resident), gateway.client(org.c1_admin)
    theirs = gateway.client(org.c2_admin).commit("resident", {**RESIDENT, "id_number": _id()})["id"]
    correction = sdk.file_request(me, record, "correction", "my phone is 139 0000 0000")
    before = _counts(gateway)
    size = gateway.container.access_log.size()
    calls: dict[str, tuple[Any, int]] = {
        "unknown kind": (lambda: me.request("POST", "/v1/me/requests", {"kind": "delete", "record_id": record}), 422),
        "no record": (lambda: me.request("POST", "/v1/me/requests", {"kind": "erasure"}), 422),
        "unknown record": (lambda: sdk.file_request(me, str(uuid.uuid4()), "erasure"), 404),
        "another's record": (lambda: sdk.file_request(me, theirs, "erasure"), 404),
        "record not a UUID": (lambda: sdk.file_request(me, "1 OR 1=1", "erasure"), 422),
        "text too long": (lambda: sdk.file_request(me, record, "correction", "x" * 2001), 422),
        "text huge": (lambda: sdk.file_request(me, record, "correction", "x" * 500_000), 422),
        "blank correction": (lambda: sdk.file_request(me, record, "correction", " \n "), 422),
        "text not a string": (
            lambda: me.request("POST", "/v1/me/requests", {"kind": "correction", "record_id": record, "text": ["a"]}),
            422,
        ),
        "correction by another org's record": (lambda: sdk.accept_request(admin, correction["id"], theirs), 422),
        "correction by an unknown record": (
            lambda: sdk.accept_request(admin, correction["id"], str(uuid.uuid4())),
            422,
        ),
        "correction by the record itself": (lambda: sdk.accept_request(admin, correction["id"], record), 422),
        "correction naming nothing": (lambda: sdk.accept_request(admin, correction["id"]), 422),
        "request id not a UUID": (lambda: sdk.accept_request(admin, "not-a-request"), 422),
        "another org decides": (lambda: sdk.refuse_request(gateway.client(org.c2_admin), correction["id"], "no"), 404),
        "reason too long": (lambda: sdk.refuse_request(admin, correction["id"], "x" * 501), 422),
        "map_size beyond the log": (lambda: sdk.my_access(me, size + 10), 422),
        "map_size 2**63 - 1": (lambda: sdk.my_access(me, 2**63 - 1), 422),
        "map_size 2**64": (lambda: me.request("GET", "/v1/me/access?map_size=18446744073709551616"), 422),
        "map_size negative": (lambda: me.request("GET", "/v1/me/access?map_size=-1"), 422),
        "map_size a word": (lambda: me.request("GET", "/v1/me/access?map_size=all"), 422),
        "revoke not an address": (lambda: me.request("DELETE", "/v1/me/keys/0x1234"), 422),
        "revoke a stranger's key": (lambda: sdk.revoke_my_key(me, org.c1_recorder.address), 404),
    }
    got = {name: _outcome(call) for name, (call, _) in calls.items()}
    assert got == {name: status for name, (_, status) in calls.items()}
    assert _counts(gateway)[:2] == before[:2]  # no binding, no request written


# -- 5. personal data in logs and in answers to others --------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + repr(getattr(record, "__dict__", {})))


@pytest.fixture
def captured() -> Iterator[_Capture]:
    handler = _Capture()
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for lg, level in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)


def test_no_id_number_or_request_text_reaches_a_log_or_another_organisation(
    gateway: Gateway, captured: _Capture
) -> None:
    """Holds: failures and successes alike log neither; another committee's inbox never shows the text."""
    org = gateway.org
    recorder = gateway.client(org.c1_recorder)
    id_number, text = _id(), "my diagnosis is wrong: 乙肝 not 糖尿病"
    record = recorder.commit("resident", {**RESIDENT, "id_number": id_number})["id"]
    resident = _resident(gateway, id_number)
    _status(lambda: sdk.enrol(recorder, resident.address, id_number))  # 409
    _status(lambda: recorder.request("POST", "/v1/residents", _signed(gateway, org.c1_recorder,
                                                                      id_number=id_number) | {"at": 1}))  # fmt: skip
    me = gateway.client(resident)
    asked = sdk.file_request(me, record, "correction", text)
    _status(lambda: sdk.file_request(me, record, "correction", text + "x" * 2000))
    assert all(r["id"] != asked["id"] for r in sdk.inbox(gateway.client(org.c2_admin)))
    assert "text" not in sdk.refuse_request(gateway.client(org.c1_admin), asked["id"], "checked: it is right")
    lines = "\n".join(captured.lines)
    assert lines  # the capture saw the gateway's logging
    assert id_number not in lines and text not in lines and "乙肝" not in lines


# -- 6. races ------------------------------------------------------------------------------------


def test_a_second_erasure_request_on_an_erased_record_can_still_be_accepted(gateway: Gateway) -> None:
    """Two members of a household ask to erase their household record: the second can only be refused."""
    recorder, admin = gateway.client(gateway.org.c1_recorder), gateway.client(gateway.org.c1_admin)
    a_id, b_id = _id(), _id()
    shared = recorder.commit("household", {"address": "7-1-102", "head": "Wu", "members": 2,
                                           "head_id_number": a_id, "member_ids": [a_id, b_id]})["id"]  # fmt: skip
    a, b = gateway.client(_resident(gateway, a_id)), gateway.client(_resident(gateway, b_id))
    first, second = sdk.file_request(a, shared, "erasure"), sdk.file_request(b, shared, "erasure")
    sdk.accept_request(admin, first["id"])
    try:
        status = sdk.accept_request(admin, second["id"])["status"]
    except GatewayClientError as exc:
        status = f"{exc.status} {exc.problem.get('detail')}"
    assert status == "accepted", f"B's erasure request, of a record now erased, cannot be accepted: {status}"


def test_an_erasure_accepted_while_another_admin_refuses_leaves_request_and_record_agreeing(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``decide`` checks 'open', erases in its own transaction, then re-checks: a refusal in between wins."""
    org = gateway.org
    recorder, admin = gateway.client(org.c1_recorder), gateway.client(org.c1_admin)
    id_number = _id()
    record = recorder.commit("resident", {**RESIDENT, "id_number": id_number})["id"]
    me = gateway.client(_resident(gateway, id_number))
    asked = sdk.file_request(me, record, "erasure")
    erase = request_service.erase_record

    racing: list[str] = []

    def erase_while_refused(container: Any, member: Any, record_id: str) -> Any:
        done = erase(container, member, record_id)
        try:  # another admin refuses while the erasure is under way
            request_service.decide(container, member, asked["id"], accept=False, body={"reason": "needed"})
            racing.append("refused")
        except Conflict:
            racing.append("409")
        return done

    monkeypatch.setattr(request_service, "erase_record", erase_while_refused)
    outcome = sdk.accept_request(admin, asked["id"])["status"]
    monkeypatch.undo()
    erased = _status(lambda: recorder.get(record))[0] == 410
    status = {r["id"]: r for r in sdk.my_requests(me)}[asked["id"]]["status"]
    assert racing == ["409"] and outcome == "accepted" and erased  # one decider at a time
    assert status == "accepted", f"the record is erased but the resident reads that the request was {status}"

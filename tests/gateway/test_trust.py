"""Trust nothing mutable: decisions rest on signed entries and the chain, never on a column a DBA can change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gateway.app import create_app
from gateway.db.models import AccessLogEntry, Batch, Grant, Record
from ledger.chain.address_book import Deployment
from ledger.client.gateway import GatewayClient, GatewayClientError
from ledger.types import record_id_to_bytes32
from tests.gateway.conftest import Gateway, gateway_settings

HOUSEHOLD = {"address": "7-1-301", "head": "Qiu Lan", "members": 2, "phone": "139 0000 1111", "low_income": True}


def _status(call: object) -> tuple[int, str]:
    try:
        call()  # type: ignore[operator]
    except GatewayClientError as exc:
        return exc.status, str(exc.problem.get("type", "")).rsplit("/", 1)[-1]
    return 200, ""


@pytest.fixture
def granted(gateway: Gateway) -> Iterator[tuple[str, int]]:
    """An anchored household of rc-sunshine, with a type grant of two fields to civil-affairs."""
    org = gateway.org
    recorder, admin = gateway.client(org.c1_recorder), gateway.client(org.c1_admin)
    record = recorder.commit("household", HOUSEHOLD)["id"]
    recorder.wait_anchored(record)
    grant = admin.grant(
        "rc-sunshine", "civil-affairs", ["head", "members"], "review", gateway.container.now() + 3600,
        record_type="household",
    )  # fmt: skip
    try:
        yield record, grant["id"]
    finally:
        admin.revoke(grant["id"])


def _tamper(gw: Gateway, model: type, where: object, **values: object) -> dict[str, object]:
    """Change columns behind the gateway's back; return the old values to restore."""
    with gw.container.sessions() as s:
        row = s.scalar(select(model).where(where))  # type: ignore[arg-type]
        old = {k: getattr(row, k) for k in values}
        s.execute(update(model).where(where).values(**values))  # type: ignore[arg-type]
        s.commit()
    return old


def test_widening_a_grants_fields_in_the_database_is_refused_and_flagged(
    gateway: Gateway, granted: tuple[str, int]
) -> None:
    record, grant_id = granted
    dept = gateway.client(gateway.org.dept_verifier)
    assert dept.get(record)["payload"] == {"head": "Qiu Lan", "members": 2}
    old = _tamper(gateway, Grant, Grant.id == grant_id, fields=sorted(HOUSEHOLD))
    try:
        assert _status(lambda: dept.get(record)) == (500, "integrity-failure")
    finally:
        _tamper(gateway, Grant, Grant.id == grant_id, **old)
    assert dept.get(record)["payload"] == {"head": "Qiu Lan", "members": 2}


def test_moving_a_record_to_another_committee_in_the_database_gives_it_to_nobody(gateway: Gateway) -> None:
    org = gateway.org
    record = gateway.client(org.c1_recorder).commit("household", HOUSEHOLD)["id"]
    old = _tamper(gateway, Record, Record.id == record, owner_org="rc-harmony")
    try:
        assert _status(lambda: gateway.client(org.c2_admin).get(record)) == (500, "integrity-failure")
        assert _status(lambda: gateway.client(org.c2_admin).receipt(record))[0] == 500
    finally:
        _tamper(gateway, Record, Record.id == record, **old)
    assert _status(lambda: gateway.client(org.c2_admin).get(record)) == (403, "forbidden")
    assert gateway.client(org.c1_admin).get(record)["owner"] == "rc-sunshine"


def test_retyping_a_record_in_the_database_does_not_bring_it_under_a_type_grant(
    gateway: Gateway, granted: tuple[str, int]
) -> None:
    org = gateway.org
    meeting = gateway.client(org.c1_recorder).commit("meeting", {"date": "2026-11-03", "topic": "budget"})["id"]
    dept = gateway.client(org.dept_verifier)
    assert _status(lambda: dept.get(meeting)) == (403, "forbidden")
    old = _tamper(gateway, Record, Record.id == meeting, record_type="household")
    try:
        assert _status(lambda: dept.get(meeting)) == (500, "integrity-failure")
    finally:
        _tamper(gateway, Record, Record.id == meeting, **old)


def test_a_grant_is_refused_once_the_gateway_clock_passes_its_expiry_even_if_the_chain_lags(
    tmp_path: Path, database_url: str, deployment: Deployment, admin: LocalAccount, gateway: Gateway
) -> None:
    """A chain that mines on demand reports its last block's time: the gateway's later clock wins."""
    org = gateway.org
    offset = [0.0]
    shared = gateway.container.settings  # a replica of the module's gateway: same database, operator and master key
    settings = gateway_settings(
        tmp_path / "clocked",
        database_url,
        deployment,
        admin,
        anchoring=False,
        operator_key=shared.resolved_operator_key,
        master_key=(shared.data_dir / "master.key").read_text().strip(),
    )
    with TestClient(create_app(settings, clock=lambda: time.time() + offset[0])) as http:
        clocked = http.app.state.container  # type: ignore[attr-defined]
        recorder = GatewayClient("http://testserver", org.c1_recorder, http=http)
        record = recorder.commit("household", HOUSEHOLD)["id"]
        expiry = clocked.now() + 30
        grant = GatewayClient("http://testserver", org.c1_admin, http=http).grant(
            "rc-sunshine", "civil-affairs", ["head"], "short", expiry, record=record
        )
        dept = GatewayClient("http://testserver", org.dept_verifier, http=http)
        assert dept.get(record)["payload"] == {"head": "Qiu Lan"}
        offset[0] = expiry + 6 - time.time()  # our clock: 6 s past expiry; the chain has not mined since
        # the chain still says yes (its latest block is older than the expiry) ...
        assert clocked.deployment().grants.is_allowed(
            grant["id"], "civil-affairs", "rc-sunshine", record_id_to_bytes32(record), "household"
        )
        assert _status(lambda: dept.get(record)) == (403, "forbidden")  # ... the gateway does not
        with clocked.sessions() as s:
            last = s.scalars(select(AccessLogEntry).order_by(AccessLogEntry.idx.desc())).first()
        assert last is not None and last.record_id == record and last.outcome == "refused"


def test_a_department_cannot_learn_from_a_subject_query_which_records_exist_about_a_person(gateway: Gateway) -> None:
    org = gateway.org
    recorder = gateway.client(org.c1_recorder)
    prepared = recorder.prepare("household", {**HOUSEHOLD, "head_id_number": "110101198001011234"})
    record = recorder.request("POST", "/v1/records", prepared)["id"]
    dept_admin = gateway.client(org.dept_admin)
    with pytest.raises(GatewayClientError):
        dept_admin.get(record)  # a refused read: logged, with the record's subjects
    assert dept_admin.access_log(subject="110101198001011234")["total"] == 0
    assert gateway.client(org.sd_admin).access_log(subject="110101198001011234")["total"] >= 1


def test_a_receipt_whose_batch_row_was_tampered_is_refused_as_an_integrity_failure(gateway: Gateway) -> None:
    recorder = gateway.client(gateway.org.c1_recorder)
    record = recorder.commit("household", HOUSEHOLD)["id"]
    recorder.wait_anchored(record)
    with gateway.container.sessions() as s:
        batch_id = s.scalar(select(Record.batch_id).where(Record.id == record))
    old = _tamper(gateway, Batch, Batch.id == batch_id, tx_hash=None)
    try:
        assert _status(lambda: recorder.receipt(record)) == (500, "integrity-failure")
    finally:
        _tamper(gateway, Batch, Batch.id == batch_id, **old)
    assert recorder.receipt(record)["entry"]["record_id"] == record


def test_a_grant_copy_moved_to_another_owner_cannot_block_its_revocation(gateway: Gateway) -> None:
    org = gateway.org
    admin = gateway.client(org.c1_admin)
    record = gateway.client(org.c1_recorder).commit("household", HOUSEHOLD)["id"]
    grant = admin.grant(
        "rc-sunshine", "civil-affairs", ["head"], "check", gateway.container.now() + 3600, record=record
    )
    _tamper(gateway, Grant, Grant.id == grant["id"], owner_org="rc-harmony")
    try:
        assert admin.revoke(grant["id"])["revoked_block"] is not None  # authority from the chain, not the copy
    finally:
        _tamper(gateway, Grant, Grant.id == grant["id"], owner_org="rc-sunshine")

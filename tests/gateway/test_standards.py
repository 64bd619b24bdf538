"""Shared standards (docs/standards.md): record-type versions registered on-chain and stamped into
entries, every field labelled, purpose codes registered; and what bad input gets."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from gateway.db.models import TypeVersionDocument
from ledger.chain.contracts import RecordTypesClient
from ledger.client.gateway import GatewayClient, GatewayClientError
from ledger.commitments import Disclosure
from ledger.entries import Entry
from ledger.receipts import Receipt
from ledger.type_versions import LEVELS, SENSITIVITY_KEY, TypeVersionError, version_hash
from ledger.types import Role
from ledger.verify import verify
from tests.conftest import Consortium, new_account
from tests.gateway.conftest import Gateway


@pytest.fixture(scope="module")
def standards(org: Consortium) -> LocalAccount:
    """A member of the operator organisation the consortium admin made the standards body."""
    account = new_account()
    org.deployment.membership.add_member(org.admin, account.address, "operator", Role.STANDARDS)
    return account


def _status(call: Any) -> tuple[int, str]:
    with pytest.raises(GatewayClientError) as info:
        call()
    return info.value.status, str(info.value.problem.get("detail", ""))


def _next_household(gateway: Gateway, extra: str) -> tuple[dict[str, Any], str]:
    """The household schema this gateway holds with one more public field, and the newest version on-chain
    (the chain is shared by both backends' runs of this module: the other may have registered one)."""
    client = gateway.client(gateway.org.c1_recorder)
    schema = copy.deepcopy(client.type_schema("household"))
    schema["properties"][extra] = {"x-gridledger-sensitivity": "public", "type": "string", "maxLength": 40}
    (item,) = [t for t in client.record_types() if t["name"] == "household"]
    return schema, item["newest"]


def test_the_built_in_types_are_registered_versions_with_every_field_labelled(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    types = {t["name"]: t for t in client.record_types()}
    assert set(types) >= {"case", "household", "meeting", "resident"}
    resident = types["resident"]
    labels = {f["name"]: f["sensitivity"] for f in resident["fields"]}
    assert labels["health_status"] == "sensitive" and labels["name"] == "personal"
    schema = client.type_schema("resident")
    assert resident["latest"] == "0x" + version_hash(schema).hex()  # the version is the schema's hash
    info = gateway.container.deployment().record_types.version_info(version_hash(schema))
    assert info is not None and info.name == "resident" and "health_status" in info.sensitive_fields


def test_a_new_version_is_registered_used_and_stamped_into_the_entry(gateway: Gateway, standards: LocalAccount) -> None:
    org, container = gateway.org, gateway.container
    field = f"building_{container.engine.dialect.name}"
    schema, newest = _next_household(gateway, field)
    before = gateway.client(org.c1_recorder).latest_type_version("household")
    done = gateway.client(standards).register_type("household", schema, supersedes=newest)
    assert done["version"] == "0x" + version_hash(schema).hex() and done["index"] >= 1
    recorder = gateway.client(org.c1_recorder)  # a fresh client learns the newest version
    record = recorder.commit("household", {"address": "8-1", "head": "Lin", "members": 2, field: "B8"})["id"]
    receipt = recorder.wait_anchored(record)
    entry = Entry.from_json(receipt["entry"])
    assert entry.type_version == version_hash(schema)  # the committer signed which schema it met
    checked = verify(Receipt.from_json(receipt), Disclosure.from_json(recorder.get(record)["disclosure"]),
                     container.deployment())  # fmt: skip
    assert checked.valid
    # the superseded version stays registered (old records keep verifying) but new fields need the new one
    prepared = recorder.prepare("household", {"address": "8-2", "head": "Lin", "members": 2, field: "B8"})
    prepared["type_version"] = before
    status, detail = _status(lambda: recorder.request("POST", "/v1/records", prepared))
    assert status == 422 and "is superseded: commit against the newest version of household" in detail


def test_a_payload_field_no_label_covers_is_never_stored(gateway: Gateway, standards: LocalAccount) -> None:
    """Whatever a schema's keywords would admit, a field without a sensitivity label is refused at commit."""
    recorder = gateway.client(gateway.org.c1_recorder)
    prepared = recorder.prepare("meeting", {"date": "2026-12-01", "topic": "t", "diagnosis": "HIV+"})
    status, detail = _status(lambda: recorder.request("POST", "/v1/records", prepared))
    assert status == 422 and "field diagnosis is not a field of this record type" in detail and "HIV" not in detail
    open_schema = {**copy.deepcopy(recorder.type_schema("meeting")), "additionalProperties": True, "title": "Open"}
    with pytest.raises(TypeVersionError, match="additionalProperties"):  # and no such schema registers
        latest = recorder.latest_type_version("meeting")
        gateway.client(standards).register_type("meeting", open_schema, supersedes=latest)


def test_registration_refuses_bad_schemas_names_and_lines_and_writes_nothing(
    gateway: Gateway, standards: LocalAccount
) -> None:
    org, container = gateway.org, gateway.container
    client = gateway.client(standards)
    latest = client.latest_type_version("meeting")
    good = copy.deepcopy(client.type_schema("meeting"))
    unlabelled = copy.deepcopy(good)
    del unlabelled["properties"]["topic"]["x-gridledger-sensitivity"]
    not_a_schema = {**good, "type": "objekt"}
    stray = copy.deepcopy(good)
    stray["properties"]["decisions"]["items"]["x-gridledger-sensitivity"] = "public"
    with container.sessions() as session:
        held = session.query(TypeVersionDocument).count()
    with pytest.raises(TypeVersionError, match="label it"):  # the SDK checks before it signs
        client.register_type("meeting", unlabelled, supersedes=latest)
    cases = [  # and the gateway checks again, whoever signed
        (lambda: _raw_register(client, "meeting", unlabelled, latest), 422, "label it"),
        (lambda: _raw_register(client, "meeting", not_a_schema, latest), 422, "not a valid JSON Schema"),
        (lambda: _raw_register(client, "meeting", stray, latest), 422, "only top-level fields"),
        (lambda: client.register_type("meeting", good, supersedes=latest), 409, "already registered"),
        (lambda: client.register_type("meeting", {**good, "title": "M2"}), 409, "taken by another version line"),
        (lambda: client.request("POST", "/v1/record-types", {"name": "Meeting!", "schema": good, "nonce": 0,
                                 "deadline": 1, "signature": "0x" + "00" * 65}), 422, "name"),
        (lambda: gateway.client(org.c1_admin).register_type("meeting", {**good, "title": "M4"}, supersedes=latest),
         403, "standards role"),
    ]  # fmt: skip
    for call, status, words in cases:
        got = _status(call)
        assert got[0] == status and words in got[1], got
    with container.sessions() as session:
        assert session.query(TypeVersionDocument).count() == held  # nothing half-written
    assert client.latest_type_version("meeting") == latest


def _raw_register(client: GatewayClient, name: str, schema: dict[str, Any], supersedes: str | None) -> Any:
    """A registration signed as the SDK signs one, without the SDK's own check of the schema."""
    properties = schema.get("properties", {})
    sensitive = sorted(k for k, v in properties.items() if isinstance(v, dict) and v.get(SENSITIVITY_KEY) == LEVELS[2])
    raw = bytes.fromhex(supersedes[2:]) if supersedes else None
    message = RecordTypesClient.register_version_message(name, version_hash(schema), raw, sensitive)
    auth = client._relay_signature("RegisterVersion", message, int(client.clock()) + 600, types=True)
    return client.request("POST", "/v1/record-types", {"name": name, "schema": schema, "supersedes": supersedes,
                                                        **auth})  # fmt: skip


def test_a_commit_against_an_unregistered_or_edited_version_is_refused(gateway: Gateway) -> None:
    org, container = gateway.org, gateway.container
    recorder = gateway.client(org.c1_recorder)
    prepared = recorder.prepare("meeting", {"date": "2026-12-01", "topic": "standards", "attendees": 3})
    prepared["type_version"] = "0x" + "ab" * 32
    status, detail = _status(lambda: recorder.request("POST", "/v1/records", prepared))
    assert status == 422 and "not a registered version of meeting" in detail
    # a DBA who edits a held schema makes that version unusable, not different
    latest = recorder.latest_type_version("case")
    with container.sessions() as session:
        row = session.get(TypeVersionDocument, latest)
        assert row is not None
        edited = copy.deepcopy(row.schema)
        edited["properties"]["summary"]["maxLength"] = 5
        row.schema = edited
        session.commit()
    assert container.record_types.document(latest) is None


def test_purpose_codes_are_registered_and_a_grant_names_one(gateway: Gateway, standards: LocalAccount) -> None:
    org, container = gateway.org, gateway.container
    admin = gateway.client(org.c1_admin)
    codes = {p["code"] for p in admin.purposes()}
    assert {"general", "subsidy-review", "investigation"} <= codes
    record = gateway.client(org.c1_recorder).commit("meeting", {"date": "2026-12-02", "topic": "codes"})["id"]
    status, detail = _status(lambda: admin.grant("rc-sunshine", "civil-affairs", ["topic"], "x",
                                                 container.now() + 3600, record=record, purpose_code="gossip"))
    assert status == 422 and "not a purpose the consortium registered" in detail
    code = f"elder-visit-{container.engine.dialect.name}"  # the chain outlives one backend's run of this module
    body = _purpose_body(gateway, standards, code)
    assert gateway.client(standards).request("POST", "/v1/purposes", body)["code"] == code
    assert _status(lambda: gateway.client(standards).request("POST", "/v1/purposes",
                                                             _purpose_body(gateway, standards, code)))[0] == 409
    made = admin.grant("rc-sunshine", "civil-affairs", ["topic"], "visits", container.now() + 3600, record=record,
                       purpose_code=code)  # fmt: skip
    assert made["purpose_code"] == code and made["state"] == "active"


def _purpose_body(gateway: Gateway, account: LocalAccount, code: str) -> dict[str, Any]:
    client = gateway.client(account)
    auth = client._relay_signature("RegisterPurpose", {"code": code.encode().ljust(32, b"\0")},
                                   int(client.clock()) + 600, types=True)  # fmt: skip
    return {"code": code, **auth}


def test_a_csv_import_keeps_ids_and_phone_numbers_as_text(gateway: Gateway, tmp_path: Path) -> None:
    """The bug in the issue: digits became integers regardless of the schema."""
    from ledger.cli.records import _csv_value, _rows

    schema = gateway.client(gateway.org.c1_recorder).type_schema("resident")
    source = tmp_path / "residents.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "id_number", "phone", "disability"])
        writer.writerow(["Wu Fang", "110101199001011234", "13800000001", "false"])
    (row,) = list(_rows(source, schema))
    assert row == {"name": "Wu Fang", "id_number": "110101199001011234", "phone": "13800000001", "disability": False}
    assert _csv_value("12", {"type": "integer"}) == 12 and _csv_value("a;b", {"type": "array"}) == ["a", "b"]

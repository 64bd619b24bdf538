"""Sealed reads (docs/spec/access-log.md §L-5): logged and anchored at once, shown to the data
subject as sealed until their date, then opened as they were sealed.

Dates pass by moving the chain's clock and the gateway's (and the clients' that sign
requests), never by waiting. The chain only moves forward, so every date here is taken
from ``container.now()``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import update

from gateway.db.models import AccessLogEntry
from gateway.services.integrity import sweep_log
from ledger import merkle, seals
from ledger.client import residents as sdk
from ledger.client.gateway import GatewayClient, GatewayClientError
from ledger.export import check_export, write_export
from ledger.export.checker import open_export
from ledger.types import Role
from tests.conftest import Consortium
from tests.gateway.conftest import Gateway
from tests.gateway.test_published_schemas import validator
from tests.gateway.test_residents import _wait_map_anchored

DAY = 86_400
ID_S = "110101198807150019"
PERSON = {"name": "Zhou Jie", "id_number": ID_S, "household": "5-1-101", "phone": "137 0000 1111",
          "health_status": "none"}  # fmt: skip


@pytest.fixture(scope="module")
def investigator(org: Consortium, admin: LocalAccount) -> LocalAccount:
    """A civil-affairs member the consortium admin made a sealed reader (module-wide: the chain keeps it)."""
    account: LocalAccount = Account.create()
    org.deployment.membership.add_member(admin, account.address, "civil-affairs", Role.VERIFIER | Role.SEALED_READER)
    return account


def _status(call: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(GatewayClientError) as info:
        call()
    return info.value.status, str(info.value.problem.get("detail", ""))


def _iso(unix: int) -> str:
    return seals.rfc3339(datetime.fromtimestamp(unix, UTC))


@pytest.fixture
def gw(gateway: Gateway) -> Gateway:
    """The gateway with its clock set to the chain's, which earlier tests here moved ahead (never back)."""
    gateway.follow_chain()
    return gateway


def _client(gw: Gateway, account: LocalAccount) -> GatewayClient:
    return gw.client(account)


def _later(gw: Gateway, seconds: int) -> None:
    """Move the chain's clock and the gateway's ``seconds`` ahead, for the rest of the module."""
    gw.move_clocks(gw.container.now() + seconds)


def _setup(gw: Gateway, id_number: str) -> tuple[str, LocalAccount]:
    """A record about ``id_number``, its resident enrolled, and civil-affairs granted its name and phone."""
    org = gw.org
    recorder = _client(gw, org.c1_recorder)
    record = recorder.commit("resident", {**PERSON, "id_number": id_number})["id"]
    resident: LocalAccount = Account.create()
    sdk.enrol(recorder, resident.address, id_number)
    _client(gw, org.c1_admin).grant("rc-sunshine", "civil-affairs", ["name", "phone"], "case check",
                                  gw.container.now() + 400 * DAY, record=record)  # fmt: skip
    return record, resident


def _item(listing: list[dict[str, Any]], idx: int) -> dict[str, Any]:
    (item,) = [e for e in listing if e["idx"] == idx]
    return item


def test_a_sealed_read_shows_only_as_sealed_until_its_date_then_opens_as_it_was_sealed(
    gw: Gateway, investigator: LocalAccount
) -> None:
    org, container = gw.org, gw.container
    record, resident = _setup(gw, ID_S)
    until = container.now() + 30 * DAY
    read = _client(gw, investigator).get(record, sealed_until=_iso(until), legal_basis="criminal-investigation")
    assert read["payload"] == {"name": "Zhou Jie", "phone": "137 0000 1111"}  # the grant's fields, as any read
    idx = read["sealed"]["log_idx"]
    assert read["sealed"]["sealed_until"] == _iso(until)

    # the resident sees that a sealed entry exists here, and when it opens: nothing else
    item = _item(sdk.my_access(_client(gw, resident))["entries"], idx)
    assert item["entry"]["action"] == "sealed" and item["opens_at"] == _iso(until) and "opened" not in item
    said = json.dumps(item)
    for secret in ("civil-affairs", record, investigator.address, "criminal-investigation", "name"):
        assert secret not in said
    # the owning committee does not find it, by record or at all; the office and the reader do
    committee = _client(gw, org.c1_admin)
    assert idx not in {e["idx"] for e in committee.access_log(record=record)["entries"]}
    assert idx not in {e["idx"] for e in committee.access_log(limit=1000)["entries"]}
    for privy in (org.sd_admin, org.dept_admin):
        (entry,) = [e for e in _client(gw, privy).access_log(sealed=True, limit=1000)["entries"] if e["idx"] == idx]
        assert entry["opened"]["accessor"] == investigator.address and entry["opened"]["record_id"] == record
        assert seals.check_opening(json.loads(entry["leaf"]), entry["opened"]) == []
    # the seal counts in the resident's completeness proof like any entry
    _wait_map_anchored(gw)
    verdict = sdk.verify_my_access(_client(gw, resident), container.deployment())
    assert verdict.valid, verdict.problems
    assert idx in {e["idx"] for e in verdict.entries}

    _later(gw, 31 * DAY)
    later = _client(gw, resident)
    item = _item(sdk.my_access(later)["entries"], idx)
    opened = item["opened"]
    assert (opened["accessor_org"], opened["record_id"], opened["fields"], opened["legal_basis"]) == (
        "civil-affairs", record, ["name", "phone"], "criminal-investigation")  # fmt: skip
    assert item["accessor_roles"] == ["verifier", "sealed_reader"]
    _wait_map_anchored(gw)
    verdict = sdk.verify_my_access(later, container.deployment())
    assert verdict.valid, verdict.problems
    # and the committee now finds it too
    entries = _client(gw, org.c1_admin).access_log(record=record)["entries"]
    assert _item(entries, idx)["opened"]["accessor"] == investigator.address


def test_a_verifier_catches_a_seal_kept_shut_past_its_date_or_opened_to_other_content(
    gw: Gateway, investigator: LocalAccount, tmp_path: Path
) -> None:
    record, resident = _setup(gw, "110101198807150027")
    until = gw.container.now() + 3 * DAY
    idx = _client(gw, investigator).get(record, sealed_until=_iso(until), legal_basis="court-order")["sealed"][
        "log_idx"
    ]
    _wait_map_anchored(gw)
    client, deployment = _client(gw, resident), gw.container.deployment()
    # the resident's node is days ahead of a gateway that still withholds the entry
    verdict = sdk.verify_my_access(client, deployment, now=until + DAY)
    assert [p for p in verdict.problems if f"sealed entry {idx} was due to open" in p]
    # a gateway that opens it to softer content than was sealed is caught by the seal
    real = sdk.my_access

    def softened(gw: GatewayClient, map_size: int | None = None) -> dict[str, Any]:
        listing = real(gw, map_size)
        item = _item(listing["entries"], idx)
        item["opened"] = {**item.get("opened", {}), "accessor_org": "rc-sunshine", "idx": idx}
        return listing

    sdk.my_access = softened  # type: ignore[assignment]
    try:
        verdict = sdk.verify_my_access(client, deployment)
    finally:
        sdk.my_access = real  # type: ignore[assignment]
    assert f"sealed entry {idx}: the opened entry does not hash to its seal" in verdict.problems
    # a gateway that later shows the seal as a bare hash is caught by what the resident's check remembers
    pins = tmp_path / "pins.json"
    assert sdk.verify_my_access(client, deployment, pins).valid

    def hashed(gw_: GatewayClient, map_size: int | None = None) -> dict[str, Any]:
        listing = real(gw_, map_size)
        item = _item(listing["entries"], idx)
        listing["entries"] = [e if e is not item else {"idx": idx, "redacted": True, "proof": item["proof"],
                              "leaf_hash": "0x" + merkle.leaf_hash(item["leaf"].encode()).hex()}
                              for e in listing["entries"]]  # fmt: skip
        return listing

    sdk.my_access = hashed  # type: ignore[assignment]
    try:
        verdict = sdk.verify_my_access(client, deployment, pins)
    finally:
        sdk.my_access = real  # type: ignore[assignment]
    assert f"sealed entry {idx} is now shown only as a hash: it is withheld" in verdict.problems


def test_the_supervising_office_extends_a_seal_in_the_open_and_only_it(
    gw: Gateway, investigator: LocalAccount
) -> None:
    org, container = gw.org, gw.container
    record, resident = _setup(gw, "110101198807150035")
    now = container.now()
    idx = _client(gw, investigator).get(record, sealed_until=_iso(now + 10 * DAY),
                                           legal_basis="public-security-case")["sealed"]["log_idx"]  # fmt: skip
    office = _client(gw, org.sd_admin)
    assert _status(lambda: _client(gw, org.c1_admin).extend_seal(idx, _iso(now + 60 * DAY)))[0] == 403
    assert _status(lambda: _client(gw, org.other_sd_admin).extend_seal(idx, _iso(now + 60 * DAY)))[0] == 404
    assert _status(lambda: office.extend_seal(idx, _iso(now + 5 * DAY)))[0] == 422  # not past the current date
    assert _status(lambda: office.extend_seal(idx, _iso(now + 900 * DAY)))[0] == 422  # beyond two years
    assert _status(lambda: office.extend_seal(idx - 1, _iso(now + 60 * DAY)))[0] == 404  # not a sealed entry
    done = office.extend_seal(idx, _iso(now + 60 * DAY))
    assert done["sealed_idx"] == idx and done["sealed_until"] == _iso(now + 60 * DAY)

    listing = sdk.my_access(_client(gw, resident))["entries"]
    extension = _item(listing, done["idx"])["entry"]  # the resident sees who extended it, and to when
    for leaf in (_item(listing, idx)["leaf"], _item(listing, done["idx"])["leaf"]):  # both leaves as published
        validator(gw, "log-entry").validate(json.loads(leaf))
    assert not validator(gw, "log-entry").is_valid({**extension, "sealed_idx": None})
    assert (extension["action"], extension["accessor_org"], extension["sealed_idx"]) == ("extend", "sd-east", idx)
    assert _item(listing, idx)["opens_at"] == _iso(now + 60 * DAY)
    _later(gw, 11 * DAY)  # past the first date: still sealed
    assert "opened" not in _item(sdk.my_access(_client(gw, resident))["entries"], idx)
    _later(gw, 50 * DAY)  # past the extended one: open, and no longer extendable
    later = _client(gw, resident)
    assert _item(sdk.my_access(later)["entries"], idx)["opened"]["legal_basis"] == "public-security-case"
    _wait_map_anchored(gw)
    verdict = sdk.verify_my_access(later, container.deployment())
    assert verdict.valid, verdict.problems
    horizon = _iso(container.now() + 100 * DAY)
    assert _status(lambda: _client(gw, org.sd_admin).extend_seal(idx, horizon))[0] == 409


def test_only_a_sealed_reader_reads_under_seal_and_bad_asks_are_refused_in_words(
    gw: Gateway, investigator: LocalAccount
) -> None:
    org, container = gw.org, gw.container
    record, resident = _setup(gw, "110101198807150043")
    until = _iso(container.now() + 30 * DAY)
    size = container.access_log.size()
    sealer = _client(gw, investigator)
    bad = [
        ({"sealed_until": until, "legal_basis": "curiosity"}, "legal_basis: not a legal basis"),
        ({"sealed_until": until}, "legal_basis: a sealed read names both"),
        ({"legal_basis": "court-order"}, "sealed_until: a sealed read names both"),
        ({"sealed_until": "next week", "legal_basis": "court-order"}, "sealed_until: not a date or time"),
        ({"sealed_until": _iso(container.now() - DAY), "legal_basis": "court-order"}, "must end in the future"),
        ({"sealed_until": _iso(container.now() + 800 * DAY), "legal_basis": "court-order"}, "at most 730 days"),
    ]
    for ask, words in bad:
        status, detail = _status(lambda ask=ask: sealer.get(record, **ask))  # type: ignore[misc]
        assert status == 422 and words in detail, (ask, detail)
    assert container.access_log.size() == size  # bad input is not a read: nothing logged
    # a department member the chain names no sealed reader is refused, and that is logged in the open
    plain = _client(gw, org.dept_verifier)
    status, detail = _status(lambda: plain.get(record, sealed_until=until, legal_basis="court-order"))
    assert status == 403 and "no sealed reader" in detail
    refused = [e for e in sdk.my_access(_client(gw, resident))["entries"] if e["idx"] == size]
    assert refused[0]["entry"]["outcome"] == "refused" and refused[0]["entry"]["accessor"] == org.dept_verifier.address
    assert refused[0]["entry"]["reason"] == "sealed read without the sealed-reader role"


def test_an_export_holding_a_sealed_read_verifies_with_its_opened_content(
    gw: Gateway, investigator: LocalAccount, tmp_path: Path
) -> None:
    container = gw.container
    record, _ = _setup(gw, "110101198807150078")
    _client(gw, investigator).get(record, sealed_until=_iso(container.now() + 30 * DAY), legal_basis="court-order")
    office = _client(gw, gw.org.sd_admin)
    out = tmp_path / "export"
    write_export(office, container.deployment(), out, anchor_wait=60)
    verdict = check_export(open_export(out), container.deployment())
    assert verdict.valid, verdict.problems
    lines = [json.loads(line) for line in (out / "access-log" / "entries.jsonl").read_text().splitlines()]
    assert [line for line in lines if "opened" in line and line["opened"]["record_id"] == record]
    # an export whose opened content was softened fails its seal
    softened = [{**line, "opened": {**line["opened"], "legal_basis": "general"}} if "opened" in line else line
                for line in lines]  # fmt: skip
    (out / "access-log" / "entries.jsonl").write_text("".join(json.dumps(x, separators=(",", ":")) + "\n"
                                                               for x in softened))  # fmt: skip
    problems = check_export(open_export(out), container.deployment()).problems
    assert any("does not hash to its seal" in p for p in problems), problems


def test_a_dba_cannot_hide_an_ordinary_read_by_marking_it_sealed(gw: Gateway) -> None:
    container = gw.container
    record = _client(gw, gw.org.c1_recorder).commit("meeting", {"date": "2026-12-03", "topic": "hide"})["id"]
    committee = _client(gw, gw.org.c1_admin)
    committee.get(record)
    (read,) = committee.access_log(record=record)["entries"]
    with container.sessions() as session:
        session.execute(update(AccessLogEntry).where(AccessLogEntry.idx == read["idx"])
                        .values(seal_nonce=b"\x01" * 32, sealed_until=datetime(2099, 1, 1, tzinfo=UTC)))  # fmt: skip
        session.commit()
    assert [e["idx"] for e in committee.access_log(record=record)["entries"]] == [read["idx"]]  # still listed
    problems = sweep_log(container)["mismatches"]
    assert any(p["id"] == str(read["idx"]) and "differs from its logged leaf" in p["problem"] for p in problems)
    with container.sessions() as session:  # put it back: later tests sweep this log
        session.execute(update(AccessLogEntry).where(AccessLogEntry.idx == read["idx"])
                        .values(seal_nonce=None, sealed_until=None))  # fmt: skip
        session.commit()


def test_a_dba_neither_opens_a_seal_early_nor_changes_what_it_says(
    gw: Gateway, investigator: LocalAccount, caplog: pytest.LogCaptureFixture
) -> None:
    container = gw.container
    record, resident = _setup(gw, "110101198807150051")
    caplog.set_level(logging.DEBUG)
    idx = _client(gw, investigator).get(record, sealed_until=_iso(container.now() + 30 * DAY),
                                           legal_basis="state-security")["sealed"]["log_idx"]  # fmt: skip
    ours = [str(r.__dict__) for r in caplog.records if r.name.startswith("gridledger")]  # the gateway's lines
    assert ours and not [line for line in ours if "state-security" in line or record in line]
    with container.sessions() as session:  # the date column moved to the past, the reader renamed
        session.execute(update(AccessLogEntry).where(AccessLogEntry.idx == idx)
                        .values(sealed_until=AccessLogEntry.at, accessor_org="rc-harmony"))  # fmt: skip
        session.commit()
    item = _item(sdk.my_access(_client(gw, resident))["entries"], idx)
    assert "opened" not in item and item["entry"]["action"] == "sealed"  # the leaf's date rules, and it is shut
    problems = sweep_log(container)["mismatches"]
    assert any(p["id"] == str(idx) and "differs from its logged leaf" in p["problem"] for p in problems), problems

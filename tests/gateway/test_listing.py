"""``GET /v1/records``: who lists what, keyset pages that neither repeat nor skip, filters, cursors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import update

from gateway.db.models import Record
from ledger.client.gateway import GatewayClient, GatewayClientError
from tests.gateway.conftest import Gateway

HOUSEHOLD = {"address": "9-1-101", "head": "Gao Yan", "members": 2}
MEETING = {"date": "2026-12-01", "topic": "Parking", "attendees": 7}


@dataclass
class Seeded:
    sunshine: set[str]
    harmony: set[str]
    meeting: str
    first: str
    second: str  # supersedes ``first``


def ids(client: GatewayClient, **filters: str) -> list[str]:
    return [item["id"] for item in client.iter_records(**filters)]


def forbidden(call: object) -> GatewayClientError:
    with pytest.raises(GatewayClientError) as info:
        call()  # type: ignore[operator]
    assert info.value.status == 403, info.value.problem
    return info.value


@pytest.fixture(scope="module")
def seeded(gateway: Gateway) -> Iterator[Seeded]:
    """Records of both committees of sd-east: households, a meeting, and a corrected version."""
    org = gateway.org
    recorder, harmony = gateway.client(org.c1_recorder), gateway.client(org.c2_admin)
    sunshine = {recorder.commit("household", {**HOUSEHOLD, "members": i})["id"] for i in range(1, 4)}
    meeting = recorder.commit("meeting", MEETING)["id"]
    first = recorder.commit("household", HOUSEHOLD)["id"]
    recorder.wait_anchored(first)
    second = recorder.commit("household", {**HOUSEHOLD, "members": 3}, supersedes=first)["id"]
    others = {harmony.commit("household", {**HOUSEHOLD, "head": f"He {i}"})["id"] for i in range(2)}
    yield Seeded(sunshine | {meeting, first, second}, others, meeting, first, second)


def test_an_owner_lists_its_records_and_a_subdistrict_also_its_committees(gateway: Gateway, seeded: Seeded) -> None:
    org = gateway.org
    log_size = gateway.container.access_log.size()
    assert set(ids(gateway.client(org.c1_admin))) >= seeded.sunshine
    assert set(ids(gateway.client(org.c1_recorder))) >= seeded.sunshine
    owned = set(ids(gateway.client(org.c2_admin)))
    assert owned >= seeded.harmony and not owned & seeded.sunshine
    office = ids(gateway.client(org.sd_admin))
    assert set(office) >= seeded.sunshine | seeded.harmony and office == sorted(office)
    assert gateway.container.access_log.size() == log_size  # a listing reads no payload: nothing logged


def test_items_carry_the_signed_metadata_and_no_payload(gateway: Gateway, seeded: Seeded) -> None:
    items = {i["id"]: i for i in gateway.client(gateway.org.sd_admin).iter_records()}
    second = items[seeded.second]
    assert set(second) == {"id", "owner", "type", "version", "supersedes", "status", "committed_at", "anchored_at",
                           "erased_at", "access", "fields", "grant", "block"}  # fmt: skip
    assert (second["access"], second["fields"], second["grant"]) == ("whole", None, None)
    assert (second["owner"], second["type"], second["version"], second["supersedes"]) == (
        "rc-sunshine", "household", 2, seeded.first
    )  # fmt: skip
    assert items[seeded.first]["status"] == "anchored" and items[seeded.first]["anchored_at"].endswith("Z")
    assert items[seeded.first]["committed_at"].endswith("Z") and items[seeded.first]["erased_at"] is None
    assert all(i["owner"] == "rc-harmony" for k, i in items.items() if k in seeded.harmony)


def test_strangers_are_refused_or_see_nothing_of_others(gateway: Gateway, seeded: Seeded) -> None:
    org = gateway.org
    assert gateway.client(org.dept_verifier).list_records() == {"items": [], "next": None}  # no grant (yet)
    problem = forbidden(lambda: gateway.client(org.dept_verifier).list_records(owner="rc-sunshine")).problem
    assert problem["type"].endswith("/forbidden") and "may not list" in problem["detail"]
    assert gateway.client(org.other_sd_admin).list_records() == {"items": [], "next": None}
    assert gateway.client(org.dept_admin).list_records()["items"] == []
    forbidden(lambda: gateway.client(org.c2_admin).list_records(owner="rc-sunshine"))
    forbidden(lambda: gateway.client(org.other_sd_admin).list_records(owner="rc-harmony"))


def test_pages_are_complete_and_never_repeat_while_records_are_added(gateway: Gateway, seeded: Seeded) -> None:
    recorder = gateway.client(gateway.org.c1_recorder)
    recorder.commit_prepared([recorder.prepare("household", {**HOUSEHOLD, "members": i}) for i in range(1, 23)])
    before = ids(recorder)
    admin = gateway.client(gateway.org.c1_admin)
    page, seen, sizes = admin.list_records(limit=7), [], []
    while True:
        seen += [item["id"] for item in page["items"]]
        sizes.append(len(page["items"]))
        recorder.commit("meeting", {**MEETING, "attendees": len(seen)})  # rows arrive on either side of the cursor
        if page["next"] is None:
            break
        assert page["next"].startswith("/v1/records?cursor=")
        page = admin.request("GET", page["next"])
    assert len(seen) == len(set(seen)) and seen == sorted(seen)
    assert set(before) <= set(seen) and max(sizes) == 7 and len(before) >= 28


def test_filters_by_type_owner_and_status(gateway: Gateway, seeded: Seeded) -> None:
    org = gateway.org
    office = gateway.client(org.sd_admin)
    meetings = ids(office, record_type="meeting")
    assert seeded.meeting in meetings and not set(meetings) & (seeded.harmony | {seeded.first, seeded.second})
    assert set(ids(office, owner="rc-harmony")) == seeded.harmony
    assert seeded.first in ids(office, status="anchored")
    gateway.client(org.c1_admin).erase(seeded.first)
    erased = list(office.iter_records(status="erased"))
    assert [i["id"] for i in erased] == [seeded.first] and erased[0]["erased_at"].endswith("Z")
    assert seeded.first not in ids(office, status="anchored")
    pending = set(ids(office, status="pending"))
    anchored = set(ids(office, status="anchored"))
    assert not pending & anchored and pending | anchored | {seeded.first} == set(ids(office))


def test_cursors_carry_the_filters_and_refuse_tampering_or_a_changed_filter(gateway: Gateway, seeded: Seeded) -> None:
    office = gateway.client(gateway.org.sd_admin)
    page = office.list_records(owner="rc-sunshine", limit=2)
    assert page["next"] is not None
    cursor = page["next"].split("cursor=", 1)[1]
    following = office.list_records(cursor=cursor)  # no filters given: the cursor's apply
    assert all(i["owner"] == "rc-sunshine" for i in following["items"]) and len(following["items"]) == 2
    assert following["items"][0]["id"] > page["items"][-1]["id"]
    assert len(office.list_records(cursor=cursor, limit=5)["items"]) == 5
    for bad in (
        {"cursor": cursor, "owner": "rc-harmony"},
        {"cursor": "eyJ2IjoxfQ"},  # {"v":1}: well-formed base64url, not an issued cursor
        {"cursor": "not-base64-at-all"},
        {"limit": 501},
        {"status": "deleted"},
        {"record_type": "Not A Slug"},
    ):
        with pytest.raises(GatewayClientError) as info:
            office.list_records(**bad)  # type: ignore[arg-type]
        assert info.value.status == 422, (bad, info.value.problem)


def test_a_row_whose_columns_contradict_its_signed_entry_fails_the_page(gateway: Gateway, seeded: Seeded) -> None:
    with gateway.container.sessions() as session:
        session.execute(update(Record).where(Record.id == seeded.meeting).values(record_type="household"))
        session.commit()
    try:
        with pytest.raises(GatewayClientError) as info:
            ids(gateway.client(gateway.org.c1_admin), record_type="household")
        assert info.value.status == 500 and info.value.problem["type"].endswith("/integrity-failure")
    finally:
        with gateway.container.sessions() as session:
            session.execute(update(Record).where(Record.id == seeded.meeting).values(record_type="meeting"))
            session.commit()
    assert seeded.meeting in ids(gateway.client(gateway.org.c1_admin), record_type="meeting")


def test_a_department_lists_what_its_live_grants_cover_by_name_only_until_revoked(
    gateway: Gateway, seeded: Seeded
) -> None:
    org = gateway.org
    dept, committee = gateway.client(org.dept_verifier), gateway.client(org.c1_admin)
    grant = committee.grant("rc-sunshine", "civil-affairs", ["members", "head"], "census", int(time.time()) + 3600,
                            record_type="household")  # fmt: skip
    single = committee.grant("rc-sunshine", "civil-affairs", ["topic"], "minutes", int(time.time()) + 3600,
                             record=seeded.meeting)  # fmt: skip
    try:
        log_size = gateway.container.access_log.size()
        listed = {i["id"]: i for i in dept.iter_records()}
        households = seeded.sunshine - {seeded.meeting}
        assert households | {seeded.meeting} <= set(listed) and not set(listed) & seeded.harmony
        assert {(listed[r]["access"], tuple(listed[r]["fields"] or ()), listed[r]["grant"]) for r in households} == {
            ("grant", ("head", "members"), grant["id"])
        }
        assert (listed[seeded.meeting]["fields"], listed[seeded.meeting]["grant"]) == (["topic"], single["id"])
        assert all(i["type"] in ("household", "meeting") and i["owner"] == "rc-sunshine" for i in listed.values())
        assert gateway.container.access_log.size() == log_size  # names only: nothing read, nothing logged
        assert set(ids(dept, record_type="meeting")) == {seeded.meeting}
        forbidden(lambda: dept.list_records(owner="rc-harmony"))
    finally:
        committee.revoke(grant["id"])
        committee.revoke(single["id"])
    assert dept.list_records() == {"items": [], "next": None}  # revoked on-chain: gone from the listing

"""``GET /v1/feed``: one stable total order, filtered by the read rules, re-readable, long-polled."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.db.events import RECORD_COMMITTED, event_key
from gateway.db.models import FeedEvent
from gateway.services import feed
from ledger.client.gateway import GatewayClient, GatewayClientError
from ledger.receipts import Receipt
from tests.gateway.conftest import Gateway

HOUSEHOLD = {"address": "9-1-101", "head": "Gao Yan", "members": 2}
MEETING = {"date": "2026-12-01", "topic": "Parking", "attendees": 7}


def everything(client: GatewayClient, after: str | None = None, limit: int = 500) -> tuple[list[dict[str, Any]], str]:
    """Every event after ``after``, page by page, and the cursor after the last."""
    events: list[dict[str, Any]] = []
    while True:
        page = client.feed(after, limit=limit)
        events += page["events"]
        if not page["events"]:
            return events, page["cursor"]
        after = page["cursor"]


def about(events: list[dict[str, Any]], record_id: str) -> list[str]:
    return [e["kind"] for e in events if e.get("record", {}).get("id") == record_id]


@dataclass
class Seeded:
    households: list[str]
    meeting: str
    first: str
    second: str  # supersedes ``first``
    harmony: str


@pytest.fixture(scope="module")
def seeded(gateway: Gateway) -> Iterator[Seeded]:
    org = gateway.org
    recorder, harmony = gateway.client(org.c1_recorder), gateway.client(org.c2_admin)
    households = [recorder.commit("household", {**HOUSEHOLD, "members": i})["id"] for i in range(1, 4)]
    meeting = recorder.commit("meeting", MEETING)["id"]
    first = recorder.commit("household", HOUSEHOLD)["id"]
    recorder.wait_anchored(first)
    second = recorder.commit("household", {**HOUSEHOLD, "members": 3}, supersedes=first)["id"]
    other = harmony.commit("household", {**HOUSEHOLD, "head": "He Li"})["id"]
    for record_id in (*households, meeting, second):
        recorder.wait_anchored(record_id)
    harmony.wait_anchored(other)
    yield Seeded(households, meeting, first, second, other)


def test_an_owner_reads_its_records_events_in_one_order_and_again_the_same(gateway: Gateway, seeded: Seeded) -> None:
    admin = gateway.client(gateway.org.c1_admin)
    events, _ = everything(admin, limit=3)
    positions = [e["position"] for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert len({e["id"] for e in events}) == len(events)
    for record_id in seeded.households:
        assert about(events, record_id) == ["record.committed", "record.anchored"]
    assert about(events, seeded.second) == ["record.versioned", "record.anchored"]
    assert about(events, seeded.harmony) == []  # another committee's
    again, _ = everything(admin, limit=500)
    assert again[: len(events)] == events  # re-reading from the start answers the same events
    middle = events[3]["position"]
    cursor = feed.encode_cursor(gateway.container, middle)
    assert everything(admin, cursor)[0][: len(events) - 4] == events[4:]


def test_events_carry_signed_facts_and_a_verifiable_receipt_but_no_payload(gateway: Gateway, seeded: Seeded) -> None:
    events, _ = everything(gateway.client(gateway.org.c1_admin))
    versioned = next(e for e in events if e["kind"] == "record.versioned" and e["record"]["id"] == seeded.second)
    assert versioned["record"] == {"id": seeded.second, "owner": "rc-sunshine", "type": "household", "version": 2,
                                   "supersedes": seeded.first}  # fmt: skip
    assert versioned["access"] == {"kind": "whole"} and versioned["at"].endswith("Z")
    anchored = next(e for e in events if e["kind"] == "record.anchored" and e["record"]["id"] == seeded.meeting)
    receipt = Receipt.from_json(anchored["receipt"])
    assert receipt.entry.record_id == seeded.meeting
    assert anchored["id"] == f"record.anchored:{seeded.meeting}:{receipt.block_number}"
    text = json.dumps(events, ensure_ascii=False)
    assert "Gao Yan" not in text and "9-1-101" not in text and "Parking" not in text


def test_the_subdistrict_sees_its_committees_and_strangers_see_nothing(gateway: Gateway, seeded: Seeded) -> None:
    org = gateway.org
    office, _ = everything(gateway.client(org.sd_admin))
    assert about(office, seeded.harmony) == ["record.committed", "record.anchored"]
    assert about(office, seeded.meeting) == ["record.committed", "record.anchored"]
    harmony, _ = everything(gateway.client(org.c2_admin))
    assert {e["record"]["owner"] for e in harmony if "record" in e} == {"rc-harmony"}
    for stranger in (org.other_sd_admin, org.dept_verifier):
        events, _ = everything(gateway.client(stranger))
        assert [e for e in events if "record" in e] == []


def test_a_department_is_told_of_its_grants_and_of_the_records_they_cover_until_revoked(
    gateway: Gateway, seeded: Seeded
) -> None:
    org = gateway.org
    dept, committee = gateway.client(org.dept_verifier), gateway.client(org.c1_admin)
    _, start = everything(dept)
    grant = committee.grant("rc-sunshine", "civil-affairs", ["members", "head"], "census", int(time.time()) + 3600,
                            record_type="household")  # fmt: skip
    try:
        fresh, cursor = everything(dept, start)
        given = [e for e in fresh if e["kind"] == "grant.given"]
        assert [e["grant"]["id"] for e in given] == [grant["id"]]
        assert given[0]["grant"]["fields"] == ["members", "head"] and given[0]["grant"]["scope"] == "household"
        # the records the grant covers are readable now: their history is in the feed, with the granted fields
        full, _ = everything(dept)
        covered = {e["record"]["id"] for e in full if "record" in e}
        assert set(seeded.households) | {seeded.first, seeded.second} <= covered
        assert seeded.meeting not in covered and seeded.harmony not in covered
        assert {json.dumps(e["access"], sort_keys=True) for e in full if "record" in e} == {
            json.dumps({"kind": "grant", "grant": grant["id"], "fields": ["head", "members"]}, sort_keys=True)
        }
        new = gateway.client(org.c1_recorder).commit("household", HOUSEHOLD)["id"]
        waited = dept.feed(cursor, wait=20)["events"]
        assert [(e["kind"], e["record"]["id"]) for e in waited][:1] == [("record.committed", new)]
    finally:
        committee.revoke(grant["id"])
    after, _ = everything(dept, start)
    assert [e["kind"] for e in after if "grant" in e] == ["grant.given", "grant.revoked"]
    assert [e for e in everything(dept)[0] if "record" in e] == []  # no longer readable: no longer shown
    owner, _ = everything(committee)
    assert [e["kind"] for e in owner if e.get("grant", {}).get("id") == grant["id"]] == ["grant.given", "grant.revoked"]


def test_an_expired_grant_is_told_once_when_the_gateway_clock_passes_it(gateway: Gateway, seeded: Seeded) -> None:
    org = gateway.org
    dept, committee = gateway.client(org.dept_admin), gateway.client(org.c1_admin)
    _, start = everything(dept)
    expires = int(time.time()) + 3600
    grant = committee.grant("rc-sunshine", "civil-affairs", ["topic"], "minutes", expires, record=seeded.meeting)
    container = gateway.container
    member = container.members.member(org.dept_admin.address)
    assert member is not None
    position = feed.decode_cursor(container, start)

    def kinds(after: int) -> list[str]:  # the service, as the route calls it (a moved clock would age signatures)
        feed.refresh(container)
        return [e["kind"] for e in feed.read_feed(container, member, after, 500).events]

    real = container.clock
    try:
        assert kinds(position) == ["grant.given"]
        assert kinds(0).count("record.anchored") == 1  # the meeting's, under the grant
        container.clock = lambda: expires + 1.0  # the gateway's clock passes the expiry; nobody waits
        assert kinds(position) == ["grant.given", "grant.expired"]
        assert kinds(position) == ["grant.given", "grant.expired"]  # told once, however often one looks
        assert "record.anchored" not in kinds(0)  # expired: no longer readable, no longer shown
    finally:
        container.clock = real
        committee.revoke(grant["id"])
    expired = [e for e in everything(dept, start)[0] if e["kind"] == "grant.expired"]
    assert [e["grant"]["id"] for e in expired] == [grant["id"]]
    assert expired[0]["at"] == datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z")


def test_an_erasure_is_an_event_and_the_record_stays_listed_as_erased(gateway: Gateway, seeded: Seeded) -> None:
    admin = gateway.client(gateway.org.c1_admin)
    _, cursor = everything(admin)
    admin.erase(seeded.households[0])
    events, _ = everything(admin, cursor)
    assert [(e["kind"], e["record"]["id"]) for e in events] == [("record.erased", seeded.households[0])]


def test_an_idle_long_poll_answers_nothing_and_the_same_cursor(gateway: Gateway, seeded: Seeded) -> None:
    admin = gateway.client(gateway.org.other_sd_admin)
    _, cursor = everything(admin)
    page = admin.feed(cursor, wait=0.3)
    assert page["events"] == [] and page["cursor"] == cursor and page["next"] == f"/v1/feed?after={cursor}"


def test_a_waiting_reader_is_answered_when_an_event_arrives(gateway: Gateway, seeded: Seeded) -> None:
    admin = gateway.client(gateway.org.c2_admin)
    _, cursor = everything(admin)
    answer: dict[str, Any] = {}
    reader = threading.Thread(target=lambda: answer.update(admin.feed(cursor, wait=25)))
    reader.start()
    record = gateway.client(gateway.org.c2_admin).commit("meeting", MEETING)["id"]
    reader.join(timeout=60)
    assert not reader.is_alive()
    assert [e["record"]["id"] for e in answer["events"]][:1] == [record]


def test_bad_cursors_and_limits_are_refused_with_a_problem(gateway: Gateway, seeded: Seeded) -> None:
    admin = gateway.client(gateway.org.c1_admin)
    issued = feed.encode_cursor(gateway.container, 1)
    foreign = base64.urlsafe_b64encode(b"feed1:00000000:1").decode().rstrip("=")  # another database's feed
    beyond = feed.encode_cursor(gateway.container, 10**12)  # a restored database's older end
    for kwargs in ({"after": "bm90LWEtY3Vyc29y"}, {"after": "!!"}, {"after": issued + "x"}, {"after": foreign},
                   {"after": beyond}, {"limit": 0}, {"limit": 501}, {"wait": 31}, {"wait": -1}):  # fmt: skip
        with pytest.raises(GatewayClientError) as info:
            admin.feed(**kwargs)  # type: ignore[arg-type]
        assert info.value.status == 422, (kwargs, info.value.problem)
        assert info.value.problem["type"].endswith("/validation-failed")
    unsigned = gateway.http.get("/v1/feed")
    assert unsigned.status_code == 401 and unsigned.headers["content-type"].startswith("application/problem+json")


def test_an_event_committed_late_comes_after_what_readers_saw(
    gateway: Gateway, seeded: Seeded
) -> None:
    """Two transactions commit out of their insertion order: the reader still gets both, in commit order."""
    container = gateway.container
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: transactions cannot commit out of insertion order there")
    admin = gateway.client(gateway.org.c1_admin)
    _, cursor = everything(admin)
    late = container.sessions()
    try:
        late.add(FeedEvent(key=event_key(RECORD_COMMITTED, seeded.meeting) + ":late", kind=RECORD_COMMITTED,
                           at=datetime.now(UTC), owner_org="rc-sunshine", record_id=seeded.meeting,
                           record_type="meeting"))  # fmt: skip
        late.flush()  # its id is taken now, before the commit below; it commits after
        early = gateway.client(gateway.org.c1_recorder).commit("meeting", MEETING)["id"]
        seen, cursor = everything(admin, cursor)
        assert [e["record"]["id"] for e in seen] == [early]
        late.commit()
    finally:
        late.close()
    following, _ = everything(admin, cursor)
    assert [e["id"] for e in following][:1] == [event_key(RECORD_COMMITTED, seeded.meeting) + ":late"]
    with container.sessions() as session:
        session.execute(FeedEvent.__table__.delete().where(FeedEvent.key.endswith(":late")))
        session.commit()


def test_the_cursor_moves_past_events_the_reader_may_not_see(gateway: Gateway, seeded: Seeded) -> None:
    """Where a cursor stands does not depend on others' events: a later grant reveals the same history."""
    stranger = gateway.client(gateway.org.other_sd_admin)
    _, cursor = everything(stranger)
    recorder = gateway.client(gateway.org.c1_recorder)
    recorder.wait_anchored(recorder.commit("meeting", MEETING)["id"])  # no event of it still to come
    page = stranger.feed(cursor)
    moved, was = (feed.decode_cursor(gateway.container, c) for c in (page["cursor"], cursor))
    assert page["events"] == [] and moved > was
    assert stranger.feed(page["cursor"])["cursor"] == page["cursor"]

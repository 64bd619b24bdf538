"""``POST /v1/records:read``: many reads in one request, each decided, answered and logged as a single read."""

from __future__ import annotations

import time
import uuid

import pytest

from ledger import merkle
from ledger.client.gateway import GatewayClientError
from ledger.commitments import Disclosure
from ledger.receipts import Receipt
from tests.gateway.conftest import Gateway

HOUSEHOLD = {"address": "7-2-301", "head": "Wu Fang", "members": 4, "phone": "137 0000 0000"}


def test_each_answer_is_what_a_single_read_answers_and_each_attempt_is_logged(gateway: Gateway) -> None:
    org = gateway.org
    recorder, admin = gateway.client(org.c1_recorder), gateway.client(org.c1_admin)
    kept, erased = (recorder.commit("household", {**HOUSEHOLD, "members": n})["id"] for n in (1, 2))
    meeting = recorder.commit("meeting", {"date": "2026-12-02", "topic": "Lift", "attendees": 5})["id"]
    for record_id in (kept, erased, meeting):
        recorder.wait_anchored(record_id)
    admin.erase(erased)
    grant = admin.grant("rc-sunshine", "civil-affairs", ["members"], "census", int(time.time()) + 3600,
                        record_type="household")  # fmt: skip
    dept = gateway.client(org.dept_verifier)
    unknown = str(uuid.uuid4())
    log = gateway.container.access_log
    before = log.size()
    answers = dept.read_many([kept, erased, meeting, unknown])
    assert [a["id"] for a in answers] == [kept, erased, meeting, unknown]
    single = dept.get(kept)
    assert answers[0]["record"]["payload"] == single["payload"] == {"members": 1}
    assert answers[0]["record"]["access"] == single["access"] == {"grant": grant["id"], "purpose_code": "general",
                                                                   "fields": ["members"]}  # fmt: skip
    receipt = Receipt.from_json(answers[0]["receipt"])
    assert receipt.entry.record_id == kept
    assert Disclosure.from_json(answers[0]["record"]["disclosure"]).fields.keys() == {"members"}
    assert [answers[i]["problem"]["status"] for i in (1, 2, 3)] == [410, 403, 404]
    assert answers[2]["problem"]["type"].endswith("/forbidden") and "Lift" not in str(answers)
    # three attempts on records that exist are logged (allowed, refused: erased, refused: no grant), plus the
    # single read; an unknown id names no record, as with a single read
    assert log.size() == before + 4
    entries = gateway.client(org.sd_admin).access_log(limit=10)["entries"]
    mine = {(e["record_id"], e["outcome"], e["reason"]) for e in entries if e["accessor_org"] == "civil-affairs"}
    assert {(kept, "allowed", "grant"), (erased, "refused", "erased"),
            (meeting, "refused", "no ownership, supervision or grant")} <= mine  # fmt: skip
    # one signed head for the request, the same tree as four single appends
    size = log.size()
    assert merkle.root(log.leaf_hashes(size)) == log.root(size) == log.state().head_root
    admin.revoke(grant["id"])
    assert [a.get("problem", {}).get("status") for a in dept.read_many([kept])] == [403]


@pytest.mark.parametrize("ids", [[], ["not-a-uuid"], ["6f0c7c8e-3f7a-4d55-9a53-2b8c1c3d4e5f"] * 2,
                                 [str(uuid.uuid4()) for _ in range(201)]])  # fmt: skip
def test_bad_id_lists_are_refused_with_a_problem(gateway: Gateway, ids: list[str]) -> None:
    with pytest.raises(GatewayClientError) as info:
        gateway.client(gateway.org.c1_admin).read_many(ids)
    assert info.value.status == 422 and info.value.problem["type"].endswith("/validation-failed")

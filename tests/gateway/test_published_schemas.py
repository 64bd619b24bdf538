"""The gateway's answers are the documents the spec publishes (docs/spec/, ledger/schemas/).

A verifier written from the spec alone reads what a real gateway serves: the receipt, the
disclosure, the log head and its proofs each validate against the schema served at
``/v1/schemas/{name}`` — the same file the base package ships — and the receipt also
passes the strict verifier's own reading.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from ledger import schemas
from ledger.commitments import Disclosure
from ledger.receipts import Receipt
from tests.gateway.conftest import Gateway

MEETING = {"date": "2026-11-20", "topic": "Lift repair", "attendees": 9, "minutes": "ok: 甲 → 乙"}


def validator(gateway: Gateway, name: str) -> Draft202012Validator:
    listed = gateway.http.get("/v1/schemas").json()["schemas"]
    served = {item["name"]: gateway.http.get(item["href"]).json() for item in listed}
    registry: Registry[Any] = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in served.values())
    return Draft202012Validator(served[name], registry=registry)


def test_the_served_schemas_are_the_shipped_ones_and_unknown_names_are_404(gateway: Gateway) -> None:
    for name in schemas.names():
        answer = gateway.http.get(f"/v1/schemas/{name}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/schema+json")
        assert answer.json() == schemas.load(name)
    missing = gateway.http.get("/v1/schemas/..%2Fsettings")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_a_real_receipt_disclosure_and_log_proofs_match_their_published_schemas(gateway: Gateway) -> None:
    recorder = gateway.client(gateway.org.c1_recorder)
    accepted = recorder.commit("meeting", MEETING)
    receipt = recorder.wait_anchored(accepted["id"])
    disclosure = recorder.get(accepted["id"])["disclosure"]
    validator(gateway, "receipt").validate(receipt)
    validator(gateway, "disclosure").validate(disclosure)
    Receipt.from_text(json.dumps(receipt))  # the strict reader accepts what the gateway serves
    Disclosure.from_text(json.dumps(disclosure, ensure_ascii=False))

    auditor = gateway.client(gateway.org.sd_admin)
    head = auditor.request("GET", "/v1/audit/log/head")
    validator(gateway, "log-head").validate(head)
    size = head["size"]
    assert size >= 1
    inclusion = auditor.request("GET", f"/v1/audit/log/inclusion?idx=0&size={size}")
    validator(gateway, "log-inclusion").validate(inclusion)
    consistency = auditor.request("GET", f"/v1/audit/log/consistency?first=1&second={size}")
    validator(gateway, "log-consistency").validate(consistency)
    entries = auditor.request("GET", "/v1/audit/access")["entries"]
    assert entries, "the read above was logged"
    for entry in entries:
        validator(gateway, "log-entry").validate(json.loads(entry["leaf"]))


def test_a_tampered_receipt_fails_its_published_schema(gateway: Gateway) -> None:
    recorder = gateway.client(gateway.org.c1_recorder)
    receipt = recorder.wait_anchored(recorder.commit("meeting", MEETING)["id"])
    receipt["entry"]["record_id"] = receipt["entry"]["record_id"].upper().replace("-", "")
    assert not validator(gateway, "receipt").is_valid(receipt)


def test_feed_events_match_their_published_schema(gateway: Gateway) -> None:
    """Every kind the feed serves, read by an owner, validates (webhook deliveries carry the same events)."""
    org = gateway.org
    recorder, admin = gateway.client(org.c1_recorder), gateway.client(org.c1_admin)
    first = recorder.commit("meeting", MEETING)["id"]
    recorder.wait_anchored(first)
    second = recorder.commit("meeting", {**MEETING, "attendees": 10}, supersedes=first)["id"]
    recorder.wait_anchored(second)
    admin.erase(first)
    grant = admin.grant("rc-sunshine", "civil-affairs", ["topic"], "minutes", int(gateway.container.clock()) + 3600,
                        record=second)  # fmt: skip
    admin.revoke(grant["id"])
    check = validator(gateway, "feed-event")
    events, cursor = [], None
    while page := admin.feed(cursor, limit=100):
        if not page["events"]:
            break
        events += page["events"]
        cursor = page["cursor"]
    kinds = {e["kind"] for e in events}
    assert {"record.committed", "record.versioned", "record.anchored", "record.erased", "grant.given",
            "grant.revoked"} <= kinds  # fmt: skip
    for event in events:
        check.validate(event)
    forged = {**next(e for e in events if e["kind"] == "grant.given"), "record": {}}
    assert list(check.iter_errors(forged))  # a grant event that also names a record is not an event

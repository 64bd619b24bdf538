"""The whole who-may-do-what matrix of docs/access.md, walked against the real stack."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger import seals
from ledger.client import residents
from ledger.client.gateway import GatewayClientError
from ledger.types import Role
from tests.conftest import new_account
from tests.gateway.conftest import Gateway

DAY = 86_400
STATES = ("plain", "granted", "expired", "revoked", "erased")
# expected status of GET /v1/records/{id} and of its receipt, per actor and record state
READ = {
    "owner recorder": (200, 200, 200, 200, 410),
    "owner admin": (200, 200, 200, 200, 410),
    "supervising office": (200, 200, 200, 200, 410),
    "sibling committee": (403, 403, 403, 403, 403),
    "other office": (403, 403, 403, 403, 403),
    "department verifier": (403, 200, 403, 403, 403),
    "department admin": (403, 200, 403, 403, 403),
    "stranger": (403, 403, 403, 403, 403),
    "resident": (403, 403, 403, 403, 403),  # an enrolled resident's key is no member's
}
RECEIPT = {**READ, **{k: (200, 200, 200, 200, 200) for k in ("owner recorder", "owner admin", "supervising office")}}
AUDIT = {  # GET /v1/audit/access
    "owner recorder": 403, "owner admin": 200, "supervising office": 200, "sibling committee": 200,
    "other office": 200, "department verifier": 403, "department admin": 200, "stranger": 403, "resident": 403,
}  # fmt: skip
FEED = {  # which records' events GET /v1/feed shows, per state (None: the feed itself is refused)
    **{k: (True,) * 5 for k in ("owner recorder", "owner admin", "supervising office")},
    **{k: (False,) * 5 for k in ("sibling committee", "other office")},
    "department verifier": (False, True, False, False, False),
    "department admin": (False, True, False, False, False),
    "stranger": None,
    "resident": None,
}
ERASE = {  # POST /v1/records/{id}/erase on a plain record (owner admin checked separately)
    "owner recorder": 403, "supervising office": 403, "sibling committee": 403, "other office": 403,
    "department verifier": 403, "department admin": 403, "stranger": 403, "resident": 403,
}  # fmt: skip
ENROL = {  # POST /v1/residents: committees' recorders and admins enrol their residents (201 shown as 200)
    "owner recorder": 200, "owner admin": 200, "sibling committee": 200, "supervising office": 403,
    "other office": 403, "department verifier": 403, "department admin": 403, "stranger": 403, "resident": 403,
}  # fmt: skip
INBOX = {  # GET /v1/requests: residents' requests on one's own organisation's records (recorders, admins)
    "owner recorder": 200, "owner admin": 200, "sibling committee": 200, "supervising office": 200,
    "other office": 200, "department verifier": 403, "department admin": 200, "stranger": 403, "resident": 403,
}  # fmt: skip
SEALED = {  # GET /v1/records/{granted}?sealed_until=…&legal_basis=…: only a department's sealed reader
    **{actor: 403 for actor in READ}, "sealed reader": 200,
}  # fmt: skip
EXTEND = {  # POST /v1/audit/seals/{idx}:extend: only the office supervising the record's owner (another: not found)
    **{actor: 403 for actor in READ}, "sealed reader": 403, "supervising office": 200, "other office": 404,
}  # fmt: skip
REVIEW = {  # POST /v1/grants/{proposed}:approve: only a privacy reviewer of the supervising office, not the grantor
    **{actor: 403 for actor in READ}, "office reviewer": 200, "other office reviewer": 403, "sealed reader": 403,
}  # fmt: skip
ME = {  # GET /v1/me/records, /v1/me/access, /v1/me/requests, /v1/me/keys: enrolled residents only
    **{actor: 403 for actor in ENROL if actor != "resident"}, "resident": 200, "revoked resident": 403,
}  # fmt: skip


def _iso(unix: int) -> str:
    return seals.rfc3339(datetime.fromtimestamp(unix, UTC))


def _doc(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit entry's document: a sealed read's content where it is shown (else its stub)."""
    return entry.get("opened") or entry


def _status(call: object) -> int:
    try:
        call()  # type: ignore[operator]
    except GatewayClientError as exc:
        return exc.status
    return 200


@pytest.fixture(scope="module")
def world(gateway: Gateway) -> tuple[dict[str, LocalAccount], dict[str, str]]:
    org = gateway.org
    actors = {
        "owner recorder": org.c1_recorder, "owner admin": org.c1_admin, "supervising office": org.sd_admin,
        "sibling committee": org.c2_admin, "other office": org.other_sd_admin,
        "department verifier": org.dept_verifier, "department admin": org.dept_admin, "stranger": new_account(),
        "resident": new_account(), "revoked resident": new_account(), "sealed reader": new_account(),
        "office reviewer": new_account(), "other office reviewer": new_account(),
    }  # fmt: skip
    sealer = (actors["sealed reader"].address, "civil-affairs", Role.VERIFIER | Role.SEALED_READER)
    org.deployment.membership.add_member(org.admin, *sealer)
    org.deployment.membership.add_member(org.admin, actors["office reviewer"].address, "sd-east",
                                         Role.PRIVACY_REVIEWER)  # fmt: skip
    org.deployment.membership.add_member(org.admin, actors["other office reviewer"].address, "sd-west",
                                         Role.PRIVACY_REVIEWER)  # fmt: skip
    recorder, admin = gateway.client(org.c1_recorder), gateway.client(org.c1_admin)
    records = {}
    for state in STATES:
        accepted = recorder.commit("meeting", {"date": "2026-11-01", "topic": f"matrix {state}", "attendees": 3})
        recorder.wait_anchored(accepted["id"])
        records[state] = accepted["id"]
    # the gateway judges expiry by the later of the chain's clock and its own: start from that
    # "now", whatever earlier tests' snapshots did to the chain's clock
    now = gateway.container.now()
    admin.grant("rc-sunshine", "civil-affairs", ["topic"], "matrix", now + 86_400, record=records["granted"])
    admin.grant("rc-sunshine", "civil-affairs", ["topic"], "matrix", now + 30, record=records["expired"])
    revoked = admin.grant("rc-sunshine", "civil-affairs", ["topic"], "matrix", now + 86_400, record=records["revoked"])
    admin.revoke(revoked["id"])
    admin.erase(records["erased"])
    residents.enrol(recorder, actors["resident"].address, "110101199001010011")
    residents.enrol(recorder, actors["revoked resident"].address, "110101199001010022")
    residents.revoke_resident(recorder, actors["revoked resident"].address)
    person = recorder.commit("resident", {"name": "Matrix", "id_number": "110101199001010044"})["id"]
    proposed = admin.grant("rc-sunshine", "civil-affairs", ["id_number"], "matrix", now + 86_400, record=person)
    assert proposed["state"] == "proposed"
    records["proposed grant"] = str(proposed["id"])
    sealed = gateway.client(actors["sealed reader"]).get(records["granted"], sealed_until=_iso(now + 30 * DAY),
                                                        legal_basis="court-order")  # fmt: skip
    records["sealed idx"] = str(sealed["sealed"]["log_idx"])
    w3 = gateway.container.chain.w3  # move the chain's clock past the short grant's expiry
    w3.provider.make_request("evm_setNextBlockTimestamp", [now + 60])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    return actors, records


@pytest.mark.parametrize("actor", list(READ))
def test_read_and_receipt_matrix(
    gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str
) -> None:
    actors, records = world
    client = gateway.client(actors[actor])
    got_read = tuple(_status(lambda s=s: client.get(records[s])) for s in STATES)
    got_receipt = tuple(_status(lambda s=s: client.receipt(records[s])) for s in STATES)
    assert got_read == READ[actor], f"{actor} reads {dict(zip(STATES, got_read, strict=True))}"
    assert got_receipt == RECEIPT[actor], f"{actor} receipts {dict(zip(STATES, got_receipt, strict=True))}"


@pytest.mark.parametrize("actor", list(READ))
def test_bulk_read_matrix(gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str) -> None:
    """``POST /v1/records:read`` decides each record exactly as a single read does."""
    actors, records = world
    client = gateway.client(actors[actor])
    try:
        answers = client.read_many([records[s] for s in STATES])
        got = tuple(200 if "record" in a else a["problem"]["status"] for a in answers)
    except GatewayClientError as exc:
        got = (exc.status,) * len(STATES)
    assert got == READ[actor], f"{actor} bulk-reads {dict(zip(STATES, got, strict=True))}"


@pytest.mark.parametrize("actor", list(FEED))
def test_feed_matrix(gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str) -> None:
    actors, records = world
    client = gateway.client(actors[actor])
    seen: set[str] = set()
    try:
        cursor = None
        while page := client.feed(cursor, limit=500):
            if not page["events"]:
                break
            seen |= {e["record"]["id"] for e in page["events"] if "record" in e}
            cursor = page["cursor"]
    except GatewayClientError as exc:
        assert FEED[actor] is None and exc.status in (401, 403), exc.problem
        return
    assert tuple(records[s] in seen for s in STATES) == FEED[actor], f"{actor} is told of {seen}"


@pytest.mark.parametrize("actor", list(AUDIT))
def test_audit_matrix(gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str) -> None:
    actors, _ = world
    assert _status(lambda: gateway.client(actors[actor]).access_log()) == AUDIT[actor]


@pytest.mark.parametrize("actor", list(ERASE))
def test_erase_matrix(gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str) -> None:
    actors, records = world
    assert _status(lambda: gateway.client(actors[actor]).erase(records["plain"])) == ERASE[actor]
    assert gateway.client(actors["owner recorder"]).get(records["plain"])["status"] == "anchored"


def test_audit_shows_each_office_only_its_own_committees(
    gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]]
) -> None:
    actors, records = world
    other = gateway.client(actors["other office"]).access_log(record=records["plain"])
    # the west office oversees none of the east's committees: it sees only its own attempts
    assert other["total"] > 0 and {_doc(e)["accessor_org"] for e in other["entries"]} == {"sd-west"}
    mine = gateway.client(actors["supervising office"]).access_log(record=records["granted"])
    assert {_doc(e)["accessor_org"] for e in mine["entries"]} >= {"civil-affairs", "rc-sunshine", "sd-east"}
    dept = gateway.client(actors["department admin"]).access_log()
    assert dept["total"] > 0 and all(_doc(e)["accessor_org"] == "civil-affairs" for e in dept["entries"])
    # the sealed read: its content shown to the office and the department, not to the owning committee
    assert [e for e in mine["entries"] if e["action"] == "sealed" and "opened" in e]
    assert [e for e in dept["entries"] if e["action"] == "sealed" and "opened" in e]
    committee = gateway.client(actors["owner admin"]).access_log(limit=1000)["entries"]
    assert not [e for e in committee if e["action"] == "sealed"]


def test_no_refused_read_is_logged_as_allowed(
    gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]]
) -> None:
    _, records = world
    entries = gateway.client(gateway.org.sd_admin).access_log(limit=1000)["entries"]
    under_revoked = [
        e for e in map(_doc, entries) if e["record_id"] == records["revoked"] and e["accessor_org"] == "civil-affairs"
    ]
    assert under_revoked and {e["outcome"] for e in under_revoked} == {"refused"}


@pytest.mark.parametrize("actor", list(ENROL))
def test_enrol_matrix(gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str) -> None:
    actors, _ = world
    newcomer = new_account()
    assert _status(lambda: residents.enrol(gateway.client(actors[actor]), newcomer.address, "110101199001010033")) == (
        ENROL[actor]
    )


@pytest.mark.parametrize("actor", list(INBOX))
def test_requests_inbox_matrix(
    gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str
) -> None:
    actors, _ = world
    assert _status(lambda: residents.inbox(gateway.client(actors[actor]))) == INBOX[actor]


@pytest.mark.parametrize("actor", list(ME))
def test_resident_view_matrix(
    gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str
) -> None:
    actors, _ = world
    client = gateway.client(actors[actor])
    views = (residents.my_records, residents.my_access, residents.my_requests, residents.my_keys)
    got = {call.__name__: _status(lambda call=call: call(client)) for call in views}
    assert set(got.values()) == {ME[actor]}, f"{actor}: {got}"


@pytest.mark.parametrize("actor", list(SEALED))
def test_sealed_read_matrix(
    gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str
) -> None:
    actors, records = world
    until = _iso(gateway.container.now() + 30 * DAY)
    client = gateway.client(actors[actor])
    got = _status(lambda: client.get(records["granted"], sealed_until=until, legal_basis="court-order"))
    assert got == SEALED[actor]


@pytest.mark.parametrize("actor", list(EXTEND))
def test_extend_seal_matrix(
    gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str
) -> None:
    actors, records = world
    until = _iso(gateway.container.now() + 100 * DAY)
    client = gateway.client(actors[actor])
    assert _status(lambda: client.extend_seal(int(records["sealed idx"]), until)) == EXTEND[actor]


@pytest.mark.parametrize("actor", list(REVIEW))
def test_review_matrix(gateway: Gateway, world: tuple[dict[str, LocalAccount], dict[str, str]], actor: str) -> None:
    actors, records = world
    grant_id = int(records["proposed grant"])
    client = gateway.client(actors[actor])
    got = _status(lambda: client.review_grant(grant_id, approved=True, reason="matrix"))
    assert got == REVIEW[actor]
    if actor in ("office reviewer", "owner admin"):  # the proposer and the reviewer see it among the proposals
        listed = {g["id"]: g["state"] for g in client.grants()}
        assert listed[grant_id] in ("proposed", "active")

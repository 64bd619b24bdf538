"""AccessGrants: who may grant, what a grant covers, and when it stops counting."""

from __future__ import annotations

import time

from ledger.contracts import GrantsClient
from ledger.types import record_id_to_bytes32
from tests.conftest import Consortium, b32, new_account, reverts

RECORD = "8a7c0d3e-34a4-4c55-9a4c-7f3b1a1c2d3e"
OTHER_RECORD = "11111111-2222-4333-8444-555555555555"


def _later(seconds: int = 3600) -> int:
    return int(time.time()) + seconds


def _type_grant(owner: str = "rc-sunshine", grantee: str = "civil-affairs", **kw: object) -> tuple[object, ...]:
    return GrantsClient.request(
        owner, grantee, 1, b32(str(kw.get("type", "household"))), list(kw.get("fields", ["name", "address"])),  # type: ignore[call-overload]
        str(kw.get("purpose", "subsidy review")), int(kw.get("expires", _later())),  # type: ignore[call-overload]
    )  # fmt: skip


def test_committee_admin_grants_a_record_type_and_the_event_carries_it(consortium: Consortium) -> None:
    g = consortium.deployment.grants
    expires = _later()
    grant_id, receipt = g.grant(consortium.c1_admin, _type_grant(expires=expires))
    (event,) = g.events(receipt, "GrantCreated")
    assert event == {
        "grantId": grant_id, "ownerOrg": b32("rc-sunshine"), "granteeOrg": b32("civil-affairs"), "scopeKind": 1,
        "scope": b32("household"), "fields": ["name", "address"], "purpose": "subsidy review",
        "expiresAt": expires, "grantor": consortium.c1_admin.address,
    }  # fmt: skip
    stored = g.get_grant(grant_id)
    assert (stored.owner_org, stored.grantee_org, stored.fields, stored.revoked_at) == (
        "rc-sunshine", "civil-affairs", ("name", "address"), 0,
    )  # fmt: skip
    assert g.grant_count() == grant_id == 1
    rid = record_id_to_bytes32(RECORD)
    assert g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", rid, "household")
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", rid, "meeting")  # other type
    assert not g.is_allowed(grant_id, "sd-west", "rc-sunshine", rid, "household")  # other grantee
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-harmony", rid, "household")  # other owner
    assert not g.is_allowed(99, "civil-affairs", "rc-sunshine", rid, "household")  # no such grant


def test_a_record_grant_covers_that_record_only(consortium: Consortium) -> None:
    g = consortium.deployment.grants
    request = GrantsClient.request(
        "rc-sunshine", "civil-affairs", 0, record_id_to_bytes32(RECORD), ["name"], "case check", _later()
    )
    grant_id, _ = g.grant(consortium.c1_admin, request)
    assert g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", record_id_to_bytes32(RECORD), "household")
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", record_id_to_bytes32(OTHER_RECORD), "household")


def test_the_supervising_subdistrict_may_grant_for_its_committee_but_no_one_else(consortium: Consortium) -> None:
    g = consortium.deployment.grants
    grant_id, _ = g.grant(consortium.sd_admin, _type_grant())
    assert g.get_grant(grant_id).grantor == consortium.sd_admin.address
    for outsider in (
        consortium.other_sd_admin,
        consortium.c2_admin,
        consortium.c1_recorder,
        consortium.dept_admin,
        new_account(),
    ):
        with reverts("GrantsUnauthorized", outsider.address, b32("rc-sunshine")):
            g.grant(outsider, _type_grant())
    with reverts("GrantsUnauthorized", consortium.admin.address, b32("rc-sunshine")):
        g.grant(consortium.admin, _type_grant())  # the consortium admin does not own residents' data


def test_bad_grants_are_refused_with_the_reason(consortium: Consortium) -> None:
    g, admin = consortium.deployment.grants, consortium.c1_admin
    with reverts("GrantsUnknownOrg", b32("nowhere")):
        g.grant(admin, _type_grant(grantee="nowhere"))
    with reverts("GrantsUnknownOrg", b32("nowhere")):
        g.grant(admin, _type_grant(owner="nowhere"))
    with reverts("GrantsSelfGrant", b32("rc-sunshine")):
        g.grant(admin, _type_grant(grantee="rc-sunshine"))
    with reverts("GrantsInvalidScope"):
        g.grant(admin, _type_grant(fields=[]))
    past = int(time.time()) - 10
    with reverts("GrantsExpiryInPast"):
        g.grant(admin, _type_grant(expires=past))
    with reverts("GrantsUnknownGrant", 42):
        g.get_grant(42)
    assert g.grant_count() == 0


def test_a_revoked_grant_is_not_allowed_and_cannot_be_revoked_twice(consortium: Consortium) -> None:
    g = consortium.deployment.grants
    grant_id, _ = g.grant(consortium.c1_admin, _type_grant())
    with reverts("GrantsUnauthorized", consortium.dept_admin.address, b32("rc-sunshine")):
        g.revoke(consortium.dept_admin, grant_id)
    receipt = g.revoke(consortium.sd_admin, grant_id)
    (event,) = g.events(receipt, "GrantRevoked")
    assert event == {
        "grantId": grant_id, "ownerOrg": b32("rc-sunshine"), "granteeOrg": b32("civil-affairs"),
        "revoker": consortium.sd_admin.address,
    }  # fmt: skip
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", b"\0" * 32, "household")
    assert g.get_grant(grant_id).revoked_at > 0
    with reverts("GrantsAlreadyRevoked", grant_id):
        g.revoke(consortium.c1_admin, grant_id)
    with reverts("GrantsUnknownGrant", 77):
        g.revoke(consortium.c1_admin, 77)


def test_an_expired_grant_is_not_allowed(consortium: Consortium) -> None:
    g, w3 = consortium.deployment.grants, consortium.deployment.chain.w3
    now = w3.eth.get_block("latest")["timestamp"]
    grant_id, _ = g.grant(consortium.c1_admin, _type_grant(expires=now + 100))
    assert g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", b"\0" * 32, "household")
    w3.provider.make_request("evm_increaseTime", [200])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", b"\0" * 32, "household")


def test_a_deactivated_grantee_loses_its_grants(consortium: Consortium) -> None:
    g, m = consortium.deployment.grants, consortium.deployment.membership
    grant_id, _ = g.grant(consortium.c1_admin, _type_grant(grantee="rc-harmony"))
    assert g.is_allowed(grant_id, "rc-harmony", "rc-sunshine", b"\0" * 32, "household")
    m.deactivate_org(consortium.sd_admin, "rc-harmony")
    assert not g.is_allowed(grant_id, "rc-harmony", "rc-sunshine", b"\0" * 32, "household")

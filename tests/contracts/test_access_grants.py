"""AccessGrants: who may grant, what a grant covers, and when it stops counting."""

from __future__ import annotations

import pytest

from ledger.chain.contracts import GrantsClient
from ledger.errors import TransactionFailedError
from ledger.purposes import purpose_hash
from ledger.types import record_id_to_bytes32
from tests.conftest import Consortium, b32, new_account, reverts
from tests.contracts.helpers import PURPOSE_TEXT, SALT, chain_now, raw_call, type_grant, with_field

RECORD = "8a7c0d3e-34a4-4c55-9a4c-7f3b1a1c2d3e"
OTHER_RECORD = "11111111-2222-4333-8444-555555555555"
FIELDS, CODE, HASH = 4, 5, 6  # positions in the GrantRequest tuple
GRANT_TUPLE = "(bytes32,bytes32,uint8,bytes32,bytes[],bytes32,bytes32,uint64)"  # bytes[]: the ABI of string[]
GRANT = "grant((bytes32,bytes32,uint8,bytes32,string[],bytes32,bytes32,uint64))"


def test_committee_admin_grants_a_record_type_and_the_event_carries_it(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    expires = chain_now(chain) + 3600
    grant_id, receipt = g.grant(consortium.c1_admin, type_grant(chain, expires_at=expires))
    (event,) = g.events(receipt, "GrantCreated")
    assert event == {
        "grantId": grant_id, "ownerOrg": b32("rc-sunshine"), "granteeOrg": b32("civil-affairs"), "scopeKind": 1,
        "scope": b32("household"), "fields": ["name", "address"], "purposeCode": b32("subsidy-review"),
        "purposeHash": purpose_hash(SALT, PURPOSE_TEXT), "expiresAt": expires, "grantor": consortium.c1_admin.address,
    }  # fmt: skip
    stored = g.get_grant(grant_id)
    assert (stored.owner_org, stored.grantee_org, stored.fields, stored.revoked_at, stored.expires_at) == (
        "rc-sunshine", "civil-affairs", ("name", "address"), 0, expires,
    )  # fmt: skip
    assert (stored.purpose_code, stored.purpose_hash) == ("subsidy-review", purpose_hash(SALT, PURPOSE_TEXT))
    assert stored.granted_at == chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert g.grant_count() == grant_id == 1
    rid = record_id_to_bytes32(RECORD)
    assert g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", rid, "household")
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", rid, "meeting")  # other type
    assert not g.is_allowed(grant_id, "sd-west", "rc-sunshine", rid, "household")  # other grantee
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-harmony", rid, "household")  # other owner
    assert not g.is_allowed(99, "civil-affairs", "rc-sunshine", rid, "household")  # no such grant


def test_the_purpose_text_never_reaches_the_chain(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    text = "check Qiu Xiaoyan's subsidy claim"
    _, receipt = g.grant(consortium.c1_admin, type_grant(chain, purpose_text=text))
    tx = chain.w3.eth.get_transaction(receipt["transactionHash"])
    written = bytes(tx["input"]) + b"".join(bytes(log["data"]) for log in receipt["logs"])
    assert b"Qiu" not in written and text.encode() not in written
    assert purpose_hash(SALT, text) in written  # only the salted hash, which the gateway can later prove


def test_a_record_grant_covers_that_record_only(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    request = GrantsClient.request(
        "rc-sunshine", "civil-affairs", 0, record_id_to_bytes32(RECORD), ["name"], "case-handling",
        purpose_hash(SALT, "case check"), chain_now(chain) + 3600,
    )  # fmt: skip
    grant_id, _ = g.grant(consortium.c1_admin, request)
    assert g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", record_id_to_bytes32(RECORD), "household")
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", record_id_to_bytes32(OTHER_RECORD), "household")


def test_the_supervising_subdistrict_may_grant_for_its_committee_but_no_one_else(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    grant_id, _ = g.grant(consortium.sd_admin, type_grant(chain))
    assert g.get_grant(grant_id).grantor == consortium.sd_admin.address
    for outsider in (
        consortium.other_sd_admin,
        consortium.c2_admin,
        consortium.c1_recorder,
        consortium.dept_admin,
        new_account(),
    ):
        with reverts("GrantsUnauthorized", outsider.address, b32("rc-sunshine")):
            g.grant(outsider, type_grant(chain))
    with reverts("GrantsUnauthorized", consortium.admin.address, b32("rc-sunshine")):
        g.grant(consortium.admin, type_grant(chain))  # the consortium admin does not own residents' data


def test_bad_grants_are_refused_with_the_reason(consortium: Consortium) -> None:
    g, chain, admin = consortium.deployment.grants, consortium.deployment.chain, consortium.c1_admin
    with reverts("GrantsUnknownOrg", b32("nowhere")):
        g.grant(admin, type_grant(chain, grantee="nowhere"))
    with reverts("GrantsUnknownOrg", b32("nowhere")):
        g.grant(admin, type_grant(chain, owner="nowhere"))
    with reverts("GrantsSelfGrant", b32("rc-sunshine")):
        g.grant(admin, type_grant(chain, grantee="rc-sunshine"))
    now = chain_now(chain)
    with pytest.raises(TransactionFailedError) as refused:
        g.grant(admin, type_grant(chain, expires_at=now))  # the next block is never earlier than the latest
    assert refused.value.error_name == "GrantsExpiryInPast"
    expires_at, block_time = refused.value.error_args
    assert expires_at == now <= block_time  # type: ignore[operator]
    with reverts("GrantsUnknownGrant", 42):
        g.get_grant(42)
    assert g.grant_count() == 0


def test_a_grant_needs_a_scope_and_a_record_type_scope_must_be_a_slug(consortium: Consortium) -> None:
    g, chain, admin = consortium.deployment.grants, consortium.deployment.chain, consortium.c1_admin
    request = type_grant(chain)
    with reverts("GrantsInvalidScope"):
        g.grant(admin, with_field(request, 3, b"\0" * 32))
    with reverts("GrantsInvalidScope"):
        g.grant(admin, with_field(request, 3, b"House\0hold".ljust(32, b"\0")))  # upper case, then a stray NUL
    with reverts("GrantsInvalidScope"):
        g.grant(admin, with_field(with_field(request, 2, 0), 3, b"\0" * 32))  # a record scope cannot be zero either


def test_a_grant_names_between_one_and_sixty_four_fields(consortium: Consortium) -> None:
    g, chain, admin = consortium.deployment.grants, consortium.deployment.chain, consortium.c1_admin
    with reverts("GrantsInvalidFields", 0):
        g.grant(admin, type_grant(chain, fields=[]))
    with reverts("GrantsInvalidFields", 65):
        g.grant(admin, type_grant(chain, fields=[f"f{i}" for i in range(65)]))
    grant_id, _ = g.grant(admin, type_grant(chain, fields=[f"f{i}" for i in range(64)]))
    assert len(g.get_grant(grant_id).fields) == 64


def test_each_field_name_is_one_to_sixty_four_bytes_of_text(consortium: Consortium) -> None:
    g, chain, admin = consortium.deployment.grants, consortium.deployment.chain, consortium.c1_admin
    for bad, index in ((["name", ""], 1), (["x" * 65], 0), (["name", "ad\0dress"], 1), (["tab\there"], 0)):
        with reverts("GrantsInvalidField", index):
            g.grant(admin, type_grant(chain, fields=bad))
    request = list(type_grant(chain))
    for raw in (b"\xff", b"\xe5\xa7", b"\xed\xa0\x80"):  # not UTF-8: half a character, a surrogate
        request[FIELDS] = [b"name", raw]
        assert (
            raw_call(chain, admin.address, g.address, GRANT, [GRANT_TUPLE], [tuple(request)]) == "GrantsInvalidField(1)"
        )
    longest, unicode = "x" * 64, "姓名"  # 64 bytes; non-ASCII field names are text too
    grant_id, _ = g.grant(admin, type_grant(chain, fields=[longest, unicode]))
    assert g.get_grant(grant_id).fields == (longest, unicode)
    assert g.grant_count() == 1


def test_a_grant_needs_a_purpose_code_slug_and_a_purpose_hash(consortium: Consortium) -> None:
    g, chain, admin = consortium.deployment.grants, consortium.deployment.chain, consortium.c1_admin
    request = type_grant(chain)
    for code in (b"\0" * 32, b"Subsidy".ljust(32, b"\0"), b"sub sidy".ljust(32, b"\0"), b"a\0b".ljust(32, b"\0")):
        with reverts("GrantsInvalidPurpose"):
            g.grant(admin, with_field(request, CODE, code))
    with reverts("GrantsInvalidPurpose"):
        g.grant(admin, with_field(request, HASH, b"\0" * 32))
    assert g.grant_count() == 0


def test_a_revoked_grant_is_not_allowed_and_cannot_be_revoked_twice(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    grant_id, _ = g.grant(consortium.c1_admin, type_grant(chain))
    with reverts("GrantsUnauthorized", consortium.dept_admin.address, b32("rc-sunshine")):
        g.revoke(consortium.dept_admin, grant_id)
    receipt = g.revoke(consortium.sd_admin, grant_id)
    (event,) = g.events(receipt, "GrantRevoked")
    assert event == {
        "grantId": grant_id, "ownerOrg": b32("rc-sunshine"), "granteeOrg": b32("civil-affairs"),
        "revoker": consortium.sd_admin.address,
    }  # fmt: skip
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", b"\0" * 32, "household")
    assert g.get_grant(grant_id).revoked_at == chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    with reverts("GrantsAlreadyRevoked", grant_id):
        g.revoke(consortium.c1_admin, grant_id)
    with reverts("GrantsUnknownGrant", 77):
        g.revoke(consortium.c1_admin, 77)


def test_an_expired_grant_is_not_allowed(consortium: Consortium) -> None:
    g, w3 = consortium.deployment.grants, consortium.deployment.chain.w3
    now = chain_now(consortium.deployment.chain)
    grant_id, _ = g.grant(consortium.c1_admin, type_grant(consortium.deployment.chain, expires_at=now + 100))
    assert g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", b"\0" * 32, "household")
    w3.provider.make_request("evm_increaseTime", [200])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", b"\0" * 32, "household")


def test_a_deactivated_grantee_loses_its_grants(consortium: Consortium) -> None:
    g, m, chain = consortium.deployment.grants, consortium.deployment.membership, consortium.deployment.chain
    grant_id, _ = g.grant(consortium.c1_admin, type_grant(chain, grantee="rc-harmony"))
    assert g.is_allowed(grant_id, "rc-harmony", "rc-sunshine", b"\0" * 32, "household")
    m.deactivate_org(consortium.sd_admin, "rc-harmony")
    assert not g.is_allowed(grant_id, "rc-harmony", "rc-sunshine", b"\0" * 32, "household")


def test_the_admins_of_a_deactivated_owner_can_no_longer_grant(consortium: Consortium) -> None:
    g, m, chain = consortium.deployment.grants, consortium.deployment.membership, consortium.deployment.chain
    m.deactivate_org(consortium.sd_admin, "rc-sunshine")
    with reverts("GrantsUnknownOrg", b32("rc-sunshine")):
        g.grant(consortium.c1_admin, type_grant(chain))

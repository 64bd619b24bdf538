"""Membership: organisations, their hierarchy, accounts and roles."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount

from ledger.deploy import Deployment
from ledger.types import OrgKind, Role
from tests.conftest import Consortium, b32, new_account, reverts


def test_consortium_admin_registers_a_subdistrict_and_the_event_says_so(
    deployment: Deployment, admin: LocalAccount, snapshot: None
) -> None:
    m = deployment.membership
    receipt = m.register_org(admin, "sd-north", OrgKind.SUBDISTRICT, "North Subdistrict Office")
    (event,) = m.events(receipt, "OrgRegistered")
    assert event == {
        "orgId": b32("sd-north"),
        "kind": int(OrgKind.SUBDISTRICT),
        "parent": b"\0" * 32,
        "name": "North Subdistrict Office",
        "actor": admin.address,
    }
    info = m.get_org("sd-north")
    assert info is not None and info.kind is OrgKind.SUBDISTRICT and info.active and info.parent is None
    assert "sd-north" in m.org_ids()


def test_org_id_cannot_be_registered_twice_or_be_zero(consortium: Consortium) -> None:
    m, admin = consortium.deployment.membership, consortium.admin
    with reverts("MembershipInvalidOrgId", b32("sd-east")):
        m.register_org(admin, "sd-east", OrgKind.SUBDISTRICT, "again")
    with reverts("MembershipInvalidOrgId", b"\0" * 32):
        m.contract.functions.registerOrg(b"\0" * 32, 1, b"\0" * 32, "x")
        m._send(admin, "registerOrg", b"\0" * 32, 1, b"\0" * 32, "x")


def test_kind_and_parent_must_fit(consortium: Consortium) -> None:
    m, admin = consortium.deployment.membership, consortium.admin
    with reverts("MembershipInvalidParent", int(OrgKind.COMMITTEE), b32("civil-affairs")):
        m.register_org(admin, "rc-x", OrgKind.COMMITTEE, "x", "civil-affairs")
    with reverts("MembershipInvalidParent", int(OrgKind.DEPARTMENT), b32("sd-east")):
        m.register_org(admin, "dept-x", OrgKind.DEPARTMENT, "x", "sd-east")
    with reverts("MembershipInvalidParent", 0, b"\0" * 32):
        m._send(admin, "registerOrg", b32("none-x"), 0, b"\0" * 32, "x")


def test_subdistrict_admin_onboards_committees_only_under_its_own_subdistrict(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    m.register_org(consortium.sd_admin, "rc-new", OrgKind.COMMITTEE, "New Committee", "sd-east")
    assert m.get_org("rc-new") is not None
    with reverts("MembershipUnauthorized", consortium.other_sd_admin.address, b32("sd-east")):
        m.register_org(consortium.other_sd_admin, "rc-intruder", OrgKind.COMMITTEE, "x", "sd-east")
    with reverts("MembershipUnauthorized", consortium.sd_admin.address, b32("dept-x")):
        m.register_org(consortium.sd_admin, "dept-x", OrgKind.DEPARTMENT, "x")


def test_member_roles_are_readable_now_and_at_past_blocks(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    account = new_account()
    receipt = m.add_member(consortium.c1_admin, account.address, "rc-sunshine", Role.RECORDER)
    (event,) = m.events(receipt, "MemberAdded")
    assert event == {
        "account": account.address,
        "orgId": b32("rc-sunshine"),
        "roles": 2,
        "actor": consortium.c1_admin.address,
    }
    added_at = receipt["blockNumber"]
    changed = m.set_roles(consortium.c1_admin, account.address, Role.RECORDER | Role.AUDITOR)
    (event,) = m.events(changed, "MemberRolesChanged")
    assert event["roles"] == int(Role.RECORDER | Role.AUDITOR)
    removed = m.remove_member(consortium.sd_admin, account.address)
    (event,) = m.events(removed, "MemberRemoved")
    assert event == {"account": account.address, "orgId": b32("rc-sunshine"), "actor": consortium.sd_admin.address}
    assert m.membership_of(account.address) == (None, Role(0))
    assert m.membership_of(account.address, block=added_at) == ("rc-sunshine", Role.RECORDER)
    assert m.membership_of(account.address, block=changed["blockNumber"]) == (
        "rc-sunshine",
        Role.RECORDER | Role.AUDITOR,
    )
    assert m.membership_of(account.address, block=added_at - 1) == (None, Role(0))
    assert account.address not in m.members()


def test_an_account_belongs_to_one_organisation(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    with reverts("MembershipAccountTaken", consortium.c1_recorder.address, b32("rc-sunshine")):
        m.add_member(consortium.sd_admin, consortium.c1_recorder.address, "rc-harmony", Role.RECORDER)
    with reverts("MembershipAccountTaken", "0x" + "00" * 20, b"\0" * 32):
        m._send(consortium.admin, "addMember", "0x" + "00" * 20, b32("sd-east"), 1)


def test_roles_must_be_known_bits(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    with reverts("MembershipInvalidRoles", 0):
        m._send(consortium.c1_admin, "addMember", new_account().address, b32("rc-sunshine"), 0)
    with reverts("MembershipInvalidRoles", 64):
        m._send(consortium.c1_admin, "addMember", new_account().address, b32("rc-sunshine"), 64)


def test_only_the_consortium_admin_hands_out_the_anchorer_role(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    with reverts("MembershipUnauthorized", consortium.sd_admin.address, b32("sd-east")):
        m.add_member(consortium.sd_admin, new_account().address, "sd-east", Role.ANCHORER)
    gateway = new_account()
    m.add_member(consortium.admin, gateway.address, "sd-east", Role.ANCHORER)
    assert m.membership_of(gateway.address) == ("sd-east", Role.ANCHORER)


def test_committee_admin_cannot_manage_another_committee_or_its_subdistrict(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    with reverts("MembershipUnauthorized", consortium.c1_admin.address, b32("rc-harmony")):
        m.add_member(consortium.c1_admin, new_account().address, "rc-harmony", Role.RECORDER)
    with reverts("MembershipUnauthorized", consortium.c1_admin.address, b32("sd-east")):
        m.add_member(consortium.c1_admin, new_account().address, "sd-east", Role.RECORDER)
    with reverts("MembershipUnauthorized", consortium.c1_admin.address, b32("rc-harmony")):
        m.remove_member(consortium.c1_admin, consortium.c2_admin.address)


def test_strangers_change_nothing(consortium: Consortium) -> None:
    m, stranger = consortium.deployment.membership, new_account()
    with reverts("MembershipUnauthorized"):
        m.register_org(stranger, "sd-fake", OrgKind.SUBDISTRICT, "x")
    with reverts("MembershipUnauthorized"):
        m.add_member(stranger, stranger.address, "sd-east", Role.ADMIN)
    with reverts("MembershipUnauthorized"):
        m.set_roles(stranger, consortium.c1_recorder.address, Role.ADMIN)
    with reverts("MembershipUnauthorized"):
        m.remove_member(stranger, consortium.c1_recorder.address)
    with reverts("MembershipUnauthorized"):
        m.deactivate_org(stranger, "rc-sunshine")
    assert m.membership_of(consortium.c1_recorder.address) == ("rc-sunshine", Role.RECORDER)


def test_not_member_errors(consortium: Consortium) -> None:
    m, nobody = consortium.deployment.membership, new_account()
    with reverts("MembershipNotMember", nobody.address):
        m.set_roles(consortium.admin, nobody.address, Role.ADMIN)
    with reverts("MembershipNotMember", nobody.address):
        m.remove_member(consortium.admin, nobody.address)
    with reverts("MembershipUnknownOrg", b32("nowhere")):
        m.add_member(consortium.admin, nobody.address, "nowhere", Role.ADMIN)


def test_deactivating_a_committee_removes_its_members(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    receipt = m.deactivate_org(consortium.sd_admin, "rc-sunshine")
    removed = {e["account"] for e in m.events(receipt, "MemberRemoved")}
    assert removed == {consortium.c1_admin.address, consortium.c1_recorder.address}
    (event,) = m.events(receipt, "OrgDeactivated")
    assert event == {"orgId": b32("rc-sunshine"), "actor": consortium.sd_admin.address}
    info = m.get_org("rc-sunshine")
    assert info is not None and not info.active
    assert m.membership_of(consortium.c1_recorder.address) == (None, Role(0))
    with reverts("MembershipUnknownOrg", b32("rc-sunshine")):
        m.add_member(consortium.admin, new_account().address, "rc-sunshine", Role.RECORDER)
    with reverts("MembershipUnauthorized", consortium.sd_admin.address, b32("sd-west")):
        m.deactivate_org(consortium.sd_admin, "sd-west")

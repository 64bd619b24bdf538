"""Membership: organisations, their hierarchy, accounts and roles."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.chain.address_book import Deployment
from ledger.types import OrgKind, Role, role_names
from tests.conftest import Consortium, b32, new_account, reverts
from tests.contracts.helpers import raw_call

REGISTER_ORG = "registerOrg(bytes32,uint8,bytes32,string)"
# Bytes on every UTF-8 boundary: controls, ASCII, continuation ranges, every lead-byte class.
EDGE_BYTES = [0x00, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
              0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]  # fmt: skip


def is_plain_text(raw: bytes) -> bool:
    """The reference: Python's strict UTF-8 decoder, then no control characters."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ord(c) >= 0x20 and ord(c) != 0x7F for c in text)


def _register_name(deployment: Deployment, admin: LocalAccount, name: bytes) -> str:
    """Ask (without mining) whether the chain would register a subdistrict called ``name``; the error name or ""."""
    values = [b32("sd-probe"), int(OrgKind.SUBDISTRICT), b"\0" * 32, name]
    return raw_call(deployment.chain, admin.address, deployment.membership.address, REGISTER_ORG,
                    ["bytes32", "uint8", "bytes32", "bytes"], values)  # fmt: skip


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


def test_roles_must_not_be_empty_and_every_bit_is_a_role(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    with reverts("MembershipInvalidRoles", 0):
        m._send(consortium.c1_admin, "addMember", new_account().address, b32("rc-sunshine"), 0)
    with reverts("MembershipInvalidRoles", 0):
        m._send(consortium.admin, "setRoles", consortium.c1_recorder.address, 0)
    assert [int(r) for r in Role] == [1 << bit for bit in range(8)]  # the Python mirror names all eight bits
    assert role_names(255) == ["admin", "recorder", "auditor", "verifier", "anchorer", "sealed_reader",
                               "standards", "privacy_reviewer"]  # fmt: skip


def test_only_the_consortium_admin_hands_out_the_standards_role_in_any_kind_of_org(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    for manager, org in ((consortium.sd_admin, "sd-east"), (consortium.c1_admin, "rc-sunshine"),
                         (consortium.dept_admin, "civil-affairs")):  # fmt: skip
        with reverts("MembershipUnauthorized", manager.address, b32(org)):
            m.add_member(manager, new_account().address, org, Role.STANDARDS)
    for org in ("sd-east", "rc-sunshine", "civil-affairs", "operator"):
        body = new_account()
        receipt = m.add_member(consortium.admin, body.address, org, Role.STANDARDS)
        assert m.events(receipt, "MemberAdded")[0]["roles"] == Role.STANDARDS
        assert m.membership_of(body.address) == (org, Role.STANDARDS)
    member = new_account()  # an org admin may take the role away, never give it back
    m.add_member(consortium.admin, member.address, "civil-affairs", Role.VERIFIER | Role.STANDARDS)
    m.set_roles(consortium.dept_admin, member.address, Role.VERIFIER)
    with reverts("MembershipUnauthorized", consortium.dept_admin.address, b32("civil-affairs")):
        m.set_roles(consortium.dept_admin, member.address, Role.VERIFIER | Role.STANDARDS)


def test_a_privacy_reviewer_sits_in_an_office_or_department_and_only_the_consortium_admin_makes_one(
    consortium: Consortium,
) -> None:
    m = consortium.deployment.membership
    roles = int(Role.PRIVACY_REVIEWER)
    for org in ("rc-sunshine", "operator"):  # not even the consortium admin makes one elsewhere
        with reverts("MembershipInvalidRoles", roles):
            m.add_member(consortium.admin, new_account().address, org, Role.PRIVACY_REVIEWER)
    with reverts("MembershipInvalidRoles", roles | 2):
        m.set_roles(consortium.c1_admin, consortium.c1_recorder.address, Role.RECORDER | Role.PRIVACY_REVIEWER)
    # an office's admin, who may grant for its committees, cannot mint the second person itself
    with reverts("MembershipUnauthorized", consortium.sd_admin.address, b32("sd-east")):
        m.add_member(consortium.sd_admin, new_account().address, "sd-east", Role.PRIVACY_REVIEWER)
    with reverts("MembershipUnauthorized", consortium.sd_admin.address, b32("sd-east")):
        m.set_roles(consortium.sd_admin, consortium.sd_admin.address, Role.ADMIN | Role.PRIVACY_REVIEWER)
    reviewer = new_account()
    receipt = m.add_member(consortium.admin, reviewer.address, "sd-east", Role.PRIVACY_REVIEWER)
    (event,) = m.events(receipt, "MemberAdded")
    assert (event["roles"], event["actor"]) == (roles, consortium.admin.address)
    assert m.membership_of(reviewer.address) == ("sd-east", Role.PRIVACY_REVIEWER)
    m.add_member(consortium.admin, new_account().address, "civil-affairs", Role.PRIVACY_REVIEWER)


def test_only_the_consortium_admin_hands_out_the_anchorer_role(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    with reverts("MembershipUnauthorized", consortium.sd_admin.address, b32("sd-east")):
        m.add_member(consortium.sd_admin, new_account().address, "sd-east", Role.ANCHORER)
    gateway = new_account()
    m.add_member(consortium.admin, gateway.address, "sd-east", Role.ANCHORER)
    assert m.membership_of(gateway.address) == ("sd-east", Role.ANCHORER)


def test_only_the_consortium_admin_makes_a_sealed_reader_and_only_in_a_department(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    investigator = new_account()
    with reverts("MembershipUnauthorized", consortium.dept_admin.address, b32("civil-affairs")):
        m.add_member(consortium.dept_admin, investigator.address, "civil-affairs", Role.VERIFIER | Role.SEALED_READER)
    for org in ("sd-east", "rc-sunshine"):  # not even the consortium admin makes one outside a department
        roles = int(Role.VERIFIER | Role.SEALED_READER)
        with reverts("MembershipInvalidRoles", roles):
            m.add_member(consortium.admin, investigator.address, org, Role.VERIFIER | Role.SEALED_READER)
    receipt = m.add_member(consortium.admin, investigator.address, "civil-affairs", Role.VERIFIER | Role.SEALED_READER)
    (event,) = m.events(receipt, "MemberAdded")
    assert event["roles"] == Role.VERIFIER | Role.SEALED_READER and event["actor"] == consortium.admin.address
    assert m.membership_of(investigator.address) == ("civil-affairs", Role.VERIFIER | Role.SEALED_READER)
    # the department's own admin may take the role away, never give it back
    m.set_roles(consortium.dept_admin, investigator.address, Role.VERIFIER)
    assert m.membership_of(investigator.address) == ("civil-affairs", Role.VERIFIER)
    with reverts("MembershipUnauthorized", consortium.dept_admin.address, b32("civil-affairs")):
        m.set_roles(consortium.dept_admin, investigator.address, Role.VERIFIER | Role.SEALED_READER)


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


def test_an_org_name_is_one_to_sixty_four_bytes(consortium: Consortium) -> None:
    m, admin = consortium.deployment.membership, consortium.admin
    with reverts("MembershipInvalidName", 0):
        m.register_org(admin, "sd-north", OrgKind.SUBDISTRICT, "")
    with reverts("MembershipInvalidName", 65):
        m.register_org(admin, "sd-north", OrgKind.SUBDISTRICT, "x" * 65)
    with reverts("MembershipInvalidName", 66):  # bytes, not characters: 22 CJK characters are 66 bytes
        m.register_org(admin, "sd-north", OrgKind.SUBDISTRICT, "东" * 22)
    m.register_org(admin, "sd-north", OrgKind.SUBDISTRICT, "北" * 21)  # 63 bytes
    info = m.get_org("sd-north")
    assert info is not None and info.name == "北" * 21


def test_an_org_name_must_be_utf8_text_without_control_characters(deployment: Deployment, admin: LocalAccount) -> None:
    refused = [b"East\0", b"East\nOffice", b"\x7f", b"\xff", b"\xe4\xb8", b"\xed\xa0\x80", b"\xc0\xaf",
               b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\x80"]  # fmt: skip
    for name in refused:
        assert _register_name(deployment, admin, name) == f"MembershipInvalidName({len(name)})", name
    for text in ("东区街道办事处", "Ünïcödé Office", "🏠 Office", "a"):
        assert _register_name(deployment, admin, text.encode()) == "", text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.lists(st.sampled_from(EDGE_BYTES), min_size=1, max_size=8).map(bytes),
        st.binary(min_size=1, max_size=64),
        st.text(min_size=1, max_size=16).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_the_chain_accepts_exactly_the_names_pythons_utf8_decoder_accepts(
    deployment: Deployment, admin: LocalAccount, name: bytes
) -> None:
    expected = "" if len(name) <= 64 and is_plain_text(name) else f"MembershipInvalidName({len(name)})"
    assert _register_name(deployment, admin, name) == expected


def test_an_org_id_must_be_a_slug_so_every_indexer_can_read_it(consortium: Consortium) -> None:
    m, admin = consortium.deployment.membership, consortium.admin
    for raw in (b"SD-North", b"-north", b"sd north", b"sd\0north", b"sd-\xe4"):
        word = raw.ljust(32, b"\0")
        with reverts("MembershipInvalidOrgId", word):
            m._send(admin, "registerOrg", word, int(OrgKind.SUBDISTRICT), b"\0" * 32, "North")
    longest = "a" * 32
    m.register_org(admin, longest, OrgKind.SUBDISTRICT, "Thirty-two bytes")
    assert longest in m.org_ids()


def test_deactivating_a_committee_strips_its_members_from_that_block_in_one_event(consortium: Consortium) -> None:
    m, c = consortium.deployment.membership, consortium
    before = m.add_member(c.c1_admin, new_account().address, "rc-sunshine", Role.RECORDER)["blockNumber"]
    receipt = m.deactivate_org(c.sd_admin, "rc-sunshine")
    deactivated = receipt["blockNumber"]
    assert m.events(receipt, "MemberRemoved") == []  # O(1): indexers read OrgDeactivated as removing everyone
    (event,) = m.events(receipt, "OrgDeactivated")
    assert event == {"orgId": b32("rc-sunshine"), "actor": c.sd_admin.address}
    info = m.get_org("rc-sunshine")
    assert info is not None and not info.active
    assert m.deactivated_at("rc-sunshine") == deactivated and m.deactivated_at("rc-harmony") is None
    for account in (c.c1_admin, c.c1_recorder):
        assert m.membership_of(account.address) == (None, Role(0))
        assert m.membership_of(account.address, block=deactivated) == (None, Role(0))
        assert m.membership_of(account.address, block=deactivated + 5) == (None, Role(0))
    # Verifiers still learn who was a recorder when an earlier batch was anchored.
    assert m.membership_of(c.c1_recorder.address, block=before) == ("rc-sunshine", Role.RECORDER)
    assert m.membership_of(c.c1_recorder.address, block=deactivated - 1) == ("rc-sunshine", Role.RECORDER)
    assert m.members("rc-sunshine") == []
    everyone = m.members()
    assert c.c1_admin.address not in everyone and c.c1_recorder.address not in everyone
    assert {c.c2_admin.address, c.sd_admin.address} <= set(everyone)
    with reverts("MembershipUnknownOrg", b32("rc-sunshine")):
        m.add_member(c.admin, new_account().address, "rc-sunshine", Role.RECORDER)
    with reverts("MembershipUnauthorized", c.sd_admin.address, b32("sd-west")):
        m.deactivate_org(c.sd_admin, "sd-west")
    with reverts("MembershipUnknownOrg", b32("rc-sunshine")):
        m.deactivate_org(c.admin, "rc-sunshine")


def test_members_of_a_deactivated_org_hold_no_role_anywhere(consortium: Consortium) -> None:
    m, c = consortium.deployment.membership, consortium
    m.deactivate_org(c.admin, "sd-east")  # the subdistrict itself: its admin loses its committees too
    assert not m._call("hasMemberRole", c.sd_admin.address, int(Role.ADMIN))
    assert not m._call("isOrgAdmin", c.sd_admin.address, b32("sd-east"))
    assert not m._call("canManage", c.sd_admin.address, b32("rc-sunshine"))
    assert m._call("canManage", c.c1_admin.address, b32("rc-sunshine"))  # the committee itself is still active
    with reverts("MembershipUnauthorized", c.sd_admin.address, b32("rc-sunshine")):
        m.add_member(c.sd_admin, new_account().address, "rc-sunshine", Role.RECORDER)
    with reverts("MembershipNotMember", c.sd_admin.address):  # nothing left to remove
        m.remove_member(c.admin, c.sd_admin.address)


def test_an_account_of_a_deactivated_org_may_join_another_and_history_stays_exact(consortium: Consortium) -> None:
    m, c = consortium.deployment.membership, consortium
    account = c.c1_recorder.address
    deactivated = m.deactivate_org(c.sd_admin, "rc-sunshine")["blockNumber"]
    joined = m.add_member(c.c2_admin, account, "rc-harmony", Role.RECORDER)["blockNumber"]
    assert joined > deactivated
    assert m.membership_of(account) == ("rc-harmony", Role.RECORDER)
    assert m.membership_of(account, block=deactivated - 1) == ("rc-sunshine", Role.RECORDER)
    assert m.membership_of(account, block=joined - 1) == (None, Role(0))
    assert m.membership_of(account, block=joined) == ("rc-harmony", Role.RECORDER)
    assert account in m.members("rc-harmony") and account in m.members()
    assert m.members("rc-sunshine") == []


def test_deactivation_costs_the_same_for_one_member_or_twenty(consortium: Consortium) -> None:
    m, c = consortium.deployment.membership, consortium
    m.register_org(c.sd_admin, "rc-crowded", OrgKind.COMMITTEE, "Crowded Committee", "sd-east")
    for _ in range(20):
        m.add_member(c.sd_admin, new_account().address, "rc-crowded", Role.RECORDER)
    small = m.deactivate_org(c.sd_admin, "rc-harmony")["gasUsed"]  # its admin and nobody else
    large = m.deactivate_org(c.sd_admin, "rc-crowded")["gasUsed"]
    assert len(m.members("rc-harmony")) == len(m.members("rc-crowded")) == 0
    assert large == small  # both ids are 10 bytes, so even the calldata costs the same

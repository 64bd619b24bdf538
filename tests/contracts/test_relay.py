"""Relayed calls: a gateway sends, the contract decides who acted from an EIP-712 signature."""

from __future__ import annotations

import time
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.signing import GRANTS_DOMAIN, MEMBERSHIP_DOMAIN, relay_typed_data, sign_typed
from ledger.types import Role
from tests.conftest import Consortium, b32, new_account, reverts


def _membership_doc(
    c: Consortium, primary: str, message: dict[str, Any], signer: LocalAccount, **kw: int
) -> dict[str, Any]:
    m = c.deployment.membership
    return relay_typed_data(
        primary,
        message,
        domain=MEMBERSHIP_DOMAIN,
        chain_id=c.deployment.chain.chain_id,
        contract=m.address,
        signer=signer.address,
        nonce=kw.get("nonce", m.nonce(signer.address)),
        deadline=kw.get("deadline", int(time.time()) + 600),
    )


def _relay(
    c: Consortium, gateway: LocalAccount, fn: str, args: tuple[Any, ...], doc: dict[str, Any], sig: bytes
) -> Any:
    """Send ``fn(*args, signer, nonce, deadline, sig)`` from the gateway, taking the auth words from ``doc``."""
    msg = doc["message"]
    return c.deployment.membership._send(gateway, fn, *args, msg["signer"], msg["nonce"], msg["deadline"], sig)


def _add_member(account: LocalAccount, roles: int = 2) -> dict[str, Any]:
    return {"account": account.address, "orgId": b32("rc-sunshine"), "roles": roles}


def test_gateway_relays_a_committee_admins_signed_add_member(consortium: Consortium) -> None:
    m, gateway, signer = consortium.deployment.membership, new_account(), consortium.c1_admin
    account = new_account()
    doc = _membership_doc(consortium, "AddMember", _add_member(account), signer)
    sig = sign_typed(signer, doc)
    args = (account.address, b32("rc-sunshine"), 2)
    receipt = _relay(consortium, gateway, "addMemberBySig", args, doc, sig)
    (event,) = m.events(receipt, "MemberAdded")
    assert event["actor"] == signer.address  # the signer acted, not the relaying gateway
    assert m.membership_of(account.address) == ("rc-sunshine", Role.RECORDER)
    assert m.nonce(signer.address) == 1
    with reverts("InvalidAccountNonce", signer.address, 1):  # replaying the same signature fails
        _relay(consortium, gateway, "addMemberBySig", args, doc, sig)


def test_a_signature_by_someone_else_or_past_its_deadline_is_refused(consortium: Consortium) -> None:
    gateway, signer = new_account(), consortium.c1_admin
    account = new_account()
    doc = _membership_doc(consortium, "AddMember", _add_member(account), signer)
    with reverts("MembershipInvalidSignature", signer.address):
        forged = sign_typed(new_account(), doc)
        _relay(consortium, gateway, "addMemberBySig", (account.address, b32("rc-sunshine"), 2), doc, forged)
    with reverts("MembershipInvalidSignature", signer.address):  # roles changed after signing
        tampered = sign_typed(signer, doc)
        _relay(consortium, gateway, "addMemberBySig", (account.address, b32("rc-sunshine"), 3), doc, tampered)
    old = _membership_doc(consortium, "AddMember", _add_member(account), signer, nonce=0, deadline=1)
    with reverts("MembershipExpiredSignature", 1):
        _relay(
            consortium,
            gateway,
            "addMemberBySig",
            (account.address, b32("rc-sunshine"), 2),
            old,
            sign_typed(signer, old),
        )


def test_a_signed_call_still_needs_the_signers_authority(consortium: Consortium) -> None:
    gateway, signer = new_account(), consortium.c1_admin
    target = consortium.c2_admin.address
    doc = _membership_doc(consortium, "RemoveMember", {"account": target}, signer)
    with reverts("MembershipUnauthorized", signer.address, b32("rc-harmony")):
        _relay(consortium, gateway, "removeMemberBySig", (target,), doc, sign_typed(signer, doc))


def test_relayed_register_set_roles_and_remove(consortium: Consortium) -> None:
    m, gateway, sd = consortium.deployment.membership, new_account(), consortium.sd_admin
    org = {"orgId": b32("rc-new"), "kind": 2, "parent": b32("sd-east"), "name": "New"}
    doc = _membership_doc(consortium, "RegisterOrg", org, sd)
    receipt = _relay(consortium, gateway, "registerOrgBySig", tuple(org.values()), doc, sign_typed(sd, doc))
    assert m.events(receipt, "OrgRegistered")[0]["actor"] == sd.address
    target = consortium.c1_recorder.address
    doc = _membership_doc(consortium, "SetRoles", {"account": target, "roles": 6}, sd)
    _relay(consortium, gateway, "setRolesBySig", (target, 6), doc, sign_typed(sd, doc))
    assert m.membership_of(target) == ("rc-sunshine", Role.RECORDER | Role.AUDITOR)
    doc = _membership_doc(consortium, "RemoveMember", {"account": target}, sd)
    _relay(consortium, gateway, "removeMemberBySig", (target,), doc, sign_typed(sd, doc))
    assert m.membership_of(target) == (None, Role(0))


def test_gateway_relays_a_signed_grant_and_revocation(consortium: Consortium) -> None:
    g, gateway, signer = consortium.deployment.grants, new_account(), consortium.c1_admin
    expires = int(time.time()) + 3600
    request = g.request(
        "rc-sunshine", "civil-affairs", 1, b32("household"), ["name", "address"], "subsidy review", expires
    )
    message = {
        "ownerOrg": request[0], "granteeOrg": request[1], "scopeKind": 1, "scope": request[3],
        "fields": ["name", "address"], "purpose": "subsidy review", "expiresAt": expires,
    }  # fmt: skip
    common = {"domain": GRANTS_DOMAIN, "chain_id": g.chain.chain_id, "contract": g.address, "signer": signer.address}
    doc = relay_typed_data("Grant", message, nonce=0, deadline=expires, **common)
    receipt = g._send(gateway, "grantBySig", request, signer.address, 0, expires, sign_typed(signer, doc))
    (event,) = g.events(receipt, "GrantCreated")
    assert event["grantor"] == signer.address and event["fields"] == ["name", "address"]
    grant_id = int(event["grantId"])
    doc = relay_typed_data("Revoke", {"grantId": grant_id}, nonce=1, deadline=expires, **common)
    receipt = g._send(gateway, "revokeBySig", grant_id, signer.address, 1, expires, sign_typed(signer, doc))
    assert g.events(receipt, "GrantRevoked")[0]["revoker"] == signer.address
    forged = sign_typed(
        new_account(), relay_typed_data("Revoke", {"grantId": grant_id}, nonce=2, deadline=expires, **common)
    )
    with reverts("GrantsInvalidSignature", signer.address):
        g._send(gateway, "revokeBySig", grant_id, signer.address, 2, expires, forged)
    with reverts("GrantsExpiredSignature", 5):
        g._send(gateway, "revokeBySig", grant_id, signer.address, 2, 5, forged)

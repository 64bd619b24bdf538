"""Relayed calls: a gateway sends, the contract decides who acted from an EIP-712 signature.

Membership, AccessGrants and RecordTypes check every relayed call through one base
(``RelayedCalls``), so the same refusals, with the same errors, hold on all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.contracts import GrantsClient, MembershipClient, RecordTypesClient
from ledger.eip712 import GRANTS_DOMAIN, MEMBERSHIP_DOMAIN, relay_typed_data, sign_typed
from ledger.purposes import purpose_hash
from ledger.types import Role
from tests.conftest import Consortium, b32, new_account, reverts
from tests.contracts.helpers import SALT, chain_now, type_grant

GRANT_TYPE = (
    "Grant(bytes32 ownerOrg,bytes32 granteeOrg,uint8 scopeKind,bytes32 scope,string[] fields,bytes32 purposeCode,"
    "bytes32 purposeHash,uint64 expiresAt,address signer,uint256 nonce,uint256 deadline)"
)


@dataclass
class Relayed:
    """One relayable call on one contract: its typed message, its ``...BySig`` function and arguments."""

    client: MembershipClient | GrantsClient | RecordTypesClient
    domain: tuple[str, str]
    primary: str
    message: dict[str, Any]
    fn: str
    args: tuple[Any, ...]

    def document(
        self, signer: LocalAccount, *, nonce: int | None = None, deadline: int | None = None
    ) -> dict[str, Any]:
        chain = self.client.chain
        return relay_typed_data(
            self.primary,
            self.message,
            domain=self.domain,
            chain_id=chain.chain_id,
            contract=self.client.address,
            signer=signer.address,
            nonce=self.client.nonce(signer.address) if nonce is None else nonce,
            deadline=chain_now(chain) + 600 if deadline is None else deadline,
        )

    def send(
        self, gateway: LocalAccount, doc: dict[str, Any], signature: bytes, args: tuple[Any, ...] | None = None
    ) -> Any:
        """Send ``fn(*args, signer, nonce, deadline, signature)`` from the gateway, auth words taken from ``doc``."""
        msg = doc["message"]
        call_args = self.args if args is None else args
        return self.client._send(gateway, self.fn, *call_args, msg["signer"], msg["nonce"], msg["deadline"], signature)


def _add_member(c: Consortium, account: LocalAccount, roles: int = 2) -> Relayed:
    message = {"account": account.address, "orgId": b32("rc-sunshine"), "roles": roles}
    m = c.deployment.membership
    return Relayed(m, MEMBERSHIP_DOMAIN, "AddMember", message, "addMemberBySig", tuple(message.values()))


def _grant(c: Consortium, **kw: Any) -> Relayed:
    g = c.deployment.grants
    request = type_grant(c.deployment.chain, **kw)
    return Relayed(g, GRANTS_DOMAIN, "Grant", GrantsClient.message(request), "grantBySig", (request,))


def _tampered(relayed: Relayed) -> tuple[Any, ...]:
    """The same call with one argument changed after signing (roles; or the granted fields)."""
    if relayed.fn == "addMemberBySig":
        return (*relayed.args[:2], 3)
    (request,) = relayed.args
    return ((*request[:4], ["name", "address", "id_number"], *request[5:]),)


CALLS = {"membership": _add_member, "grants": lambda c, _account: _grant(c)}


def test_the_python_grant_type_is_the_contracts_type_string() -> None:
    doc = relay_typed_data("Grant", {}, domain=GRANTS_DOMAIN, chain_id=1, contract="0x" + "00" * 20,
                           signer="0x" + "00" * 20, nonce=0, deadline=0)  # fmt: skip
    members = ",".join(f"{t['type']} {t['name']}" for t in doc["types"]["Grant"])
    assert f"Grant({members})" == GRANT_TYPE


def test_gateway_relays_a_committee_admins_signed_add_member(consortium: Consortium) -> None:
    m, gateway, signer = consortium.deployment.membership, new_account(), consortium.c1_admin
    account = new_account()
    call = _add_member(consortium, account)
    doc = call.document(signer)
    sig = sign_typed(signer, doc)
    receipt = call.send(gateway, doc, sig)
    (event,) = m.events(receipt, "MemberAdded")
    assert event["actor"] == signer.address  # the signer acted, not the relaying gateway
    assert m.membership_of(account.address) == ("rc-sunshine", Role.RECORDER)
    assert m.nonce(signer.address) == 1
    with reverts("InvalidAccountNonce", signer.address, 1):  # replaying the same signature fails
        call.send(gateway, doc, sig)


def test_a_grant_signed_in_python_is_accepted_and_the_signer_is_the_grantor(consortium: Consortium) -> None:
    g, gateway, signer = consortium.deployment.grants, new_account(), consortium.c1_admin
    call = _grant(consortium, purpose_text="check the household's subsidy claim")
    doc = call.document(signer)
    receipt = call.send(gateway, doc, sign_typed(signer, doc))
    (event,) = g.events(receipt, "GrantCreated")
    assert event["grantor"] == signer.address and event["fields"] == ["name", "address"]
    assert event["purposeHash"] == purpose_hash(SALT, "check the household's subsidy claim")
    grant = g.get_grant(int(event["grantId"]))
    assert (grant.grantor, grant.purpose_code) == (signer.address, "subsidy-review")
    assert g.nonce(signer.address) == 1 and g.nonce(gateway.address) == 0


@pytest.mark.parametrize("contract", sorted(CALLS))
def test_a_signature_by_someone_else_or_over_other_arguments_is_refused(consortium: Consortium, contract: str) -> None:
    gateway, signer = new_account(), consortium.c1_admin
    call = CALLS[contract](consortium, new_account())
    doc = call.document(signer)
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, doc, sign_typed(new_account(), doc))
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, doc, sign_typed(signer, doc), _tampered(call))
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, doc, b"\x01" * 65)  # not a signature at all
    assert call.client.nonce(signer.address) == 0  # a refused call spends no nonce


@pytest.mark.parametrize("contract", sorted(CALLS))
def test_a_signature_past_its_deadline_or_with_a_wrong_nonce_is_refused(consortium: Consortium, contract: str) -> None:
    gateway, signer = new_account(), consortium.c1_admin
    call = CALLS[contract](consortium, new_account())
    old = call.document(signer, deadline=1)
    with reverts("RelayExpiredSignature", 1):
        call.send(gateway, old, sign_typed(signer, old))
    ahead = call.document(signer, nonce=5)
    with reverts("InvalidAccountNonce", signer.address, 0):
        call.send(gateway, ahead, sign_typed(signer, ahead))
    doc = call.document(signer)
    call.send(gateway, doc, sign_typed(signer, doc))
    assert call.client.nonce(signer.address) == 1


def test_nonces_are_per_contract(consortium: Consortium) -> None:
    m, g, signer = consortium.deployment.membership, consortium.deployment.grants, consortium.c1_admin
    call = _grant(consortium)
    doc = call.document(signer)
    call.send(new_account(), doc, sign_typed(signer, doc))
    assert (g.nonce(signer.address), m.nonce(signer.address)) == (1, 0)


def test_a_signature_for_one_contract_is_refused_by_the_other(consortium: Consortium) -> None:
    gateway, signer = new_account(), consortium.c1_admin
    call = _add_member(consortium, new_account())
    doc = call.document(signer)
    grants = consortium.deployment.grants.address
    doc["domain"].update(name=GRANTS_DOMAIN[0], version=GRANTS_DOMAIN[1], verifyingContract=grants)
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, doc, sign_typed(signer, doc))


def test_a_signed_call_still_needs_the_signers_authority(consortium: Consortium) -> None:
    m, gateway, signer = consortium.deployment.membership, new_account(), consortium.c1_admin
    target = consortium.c2_admin.address
    call = Relayed(m, MEMBERSHIP_DOMAIN, "RemoveMember", {"account": target}, "removeMemberBySig", (target,))
    doc = call.document(signer)
    with reverts("MembershipUnauthorized", signer.address, b32("rc-harmony")):
        call.send(gateway, doc, sign_typed(signer, doc))
    grant = _grant(consortium, owner="rc-harmony")
    doc = grant.document(signer)
    with reverts("GrantsUnauthorized", signer.address, b32("rc-harmony")):
        grant.send(gateway, doc, sign_typed(signer, doc))


def test_relayed_register_set_roles_and_remove(consortium: Consortium) -> None:
    m, gateway, sd = consortium.deployment.membership, new_account(), consortium.sd_admin
    org = {"orgId": b32("rc-new"), "kind": 2, "parent": b32("sd-east"), "name": "New"}
    call = Relayed(m, MEMBERSHIP_DOMAIN, "RegisterOrg", org, "registerOrgBySig", tuple(org.values()))
    doc = call.document(sd)
    receipt = call.send(gateway, doc, sign_typed(sd, doc))
    assert m.events(receipt, "OrgRegistered")[0]["actor"] == sd.address
    target = consortium.c1_recorder.address
    call = Relayed(m, MEMBERSHIP_DOMAIN, "SetRoles", {"account": target, "roles": 6}, "setRolesBySig", (target, 6))
    doc = call.document(sd)
    call.send(gateway, doc, sign_typed(sd, doc))
    assert m.membership_of(target) == ("rc-sunshine", Role.RECORDER | Role.AUDITOR)
    call = Relayed(m, MEMBERSHIP_DOMAIN, "RemoveMember", {"account": target}, "removeMemberBySig", (target,))
    doc = call.document(sd)
    call.send(gateway, doc, sign_typed(sd, doc))
    assert m.membership_of(target) == (None, Role(0))


def test_gateway_relays_a_signed_revocation(consortium: Consortium) -> None:
    g, gateway, signer = consortium.deployment.grants, new_account(), consortium.c1_admin
    grant_id, _ = g.grant(signer, type_grant(consortium.deployment.chain))
    call = Relayed(g, GRANTS_DOMAIN, "Revoke", {"grantId": grant_id}, "revokeBySig", (grant_id,))
    forged = call.document(signer)
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, forged, sign_typed(new_account(), forged))
    doc = call.document(signer)
    receipt = call.send(gateway, doc, sign_typed(signer, doc))
    assert g.events(receipt, "GrantRevoked")[0]["revoker"] == signer.address
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", b"\0" * 32, "household")

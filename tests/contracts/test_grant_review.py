"""Two-person review in AccessGrants: a grant of a sensitive field counts only once the supervising
office's privacy reviewer, who is not the grantor, approves it within the review window."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3.logs import DISCARD

from ledger.chain.address_book import Deployment
from ledger.chain.contracts import GrantsClient
from ledger.eip712 import GRANTS_DOMAIN, relay_typed_data, sign_typed
from ledger.types import Role, record_id_to_bytes32
from tests.conftest import Consortium, b32, new_account, reverts
from tests.contracts.conftest import Reviewers
from tests.contracts.helpers import chain_now, type_grant
from tests.contracts.test_relay import Relayed

WEEK = 7 * 24 * 3600
ZERO = b"\0" * 32
REASON = hashlib.sha256(b"a salted hash of: the subsidy review needs no health data").digest()
ANY_RECORD = b"\0" * 32
REVIEW_TYPE = (
    "ReviewGrant(uint256 grantId,bool approved,bytes32 reasonHash,address signer,uint256 nonce,uint256 deadline)"
)


def _propose(c: Consortium, grantor: LocalAccount | None = None, **kw: Any) -> tuple[int, Any]:
    """A household-type grant naming ``low_income`` (sensitive in the built-in household type)."""
    kw.setdefault("fields", ["name", "low_income"])
    return c.deployment.grants.grant(grantor or c.c1_admin, type_grant(c.deployment.chain, **kw))


def _allowed(c: Consortium, grant_id: int, owner: str = "rc-sunshine", grantee: str = "civil-affairs") -> bool:
    return c.deployment.grants.is_allowed(grant_id, grantee, owner, ANY_RECORD, "household")


def _set_next_block_time(d: Deployment, at: int) -> None:
    d.chain.w3.provider.make_request("evm_setNextBlockTimestamp", [at])  # type: ignore[arg-type]


def test_a_grant_naming_a_sensitive_field_is_proposed_and_allows_nothing(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    grant_id, receipt = _propose(consortium)
    at = chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    created = g.contract.events.GrantCreated().process_receipt(receipt, errors=DISCARD)
    proposed = g.contract.events.GrantProposed().process_receipt(receipt, errors=DISCARD)
    assert created[0]["logIndex"] < proposed[0]["logIndex"]  # GrantCreated first, then GrantProposed
    assert dict(proposed[0]["args"]) == {
        "grantId": grant_id, "reviewerOrg": b32("sd-east"), "reviewDeadline": at + WEEK,
    }  # fmt: skip
    info = g.get_grant(grant_id)
    assert (info.review, info.review_deadline, info.reviewer, info.reviewed_at, info.review_reason_hash) == (
        "proposed", at + WEEK, None, 0, ZERO,
    )  # fmt: skip
    assert info.fields == ("name", "low_income") and info.grantor == consortium.c1_admin.address
    assert not _allowed(consortium, grant_id)


def test_a_grant_of_no_sensitive_field_needs_no_review(consortium: Consortium, people: Reviewers) -> None:
    g = consortium.deployment.grants
    grant_id, receipt = _propose(consortium, fields=["name", "address"])
    assert g.events(receipt, "GrantProposed") == []
    info = g.get_grant(grant_id)
    assert (info.review, info.review_deadline, info.reviewer, info.reviewed_at) == ("none", 0, None, 0)
    assert _allowed(consortium, grant_id)
    with reverts("GrantsNotProposed", grant_id):
        g.approve(people.sd_reviewer, grant_id, ZERO)


def test_every_sensitive_field_name_proposes_whatever_the_scope(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    for field in ("id_number", "health_status", "disability", "head_id_number", "member_ids", "low_income",
                  "subject_id_number"):  # fmt: skip
        grant_id, _ = _propose(consortium, fields=["name", field], record_type="meeting")  # judged by name alone
        assert g.get_grant(grant_id).review == "proposed", field
    record = record_id_to_bytes32("8a7c0d3e-34a4-4c55-9a4c-7f3b1a1c2d3e")
    request = GrantsClient.request("rc-sunshine", "civil-affairs", 0, record, ["health_status"], "case-handling",
                                   REASON, chain_now(chain) + 3600)  # fmt: skip
    grant_id, _ = g.grant(consortium.c1_admin, request)
    assert g.get_grant(grant_id).review == "proposed"
    assert not g.is_allowed(grant_id, "civil-affairs", "rc-sunshine", record, "resident")


def test_the_reviewing_office_is_the_owners_subdistrict_or_the_owner_itself(consortium: Consortium) -> None:
    g = consortium.deployment.grants
    for grantor, owner, grantee, office in (
        (consortium.c2_admin, "rc-harmony", "civil-affairs", "sd-east"),
        (consortium.sd_admin, "sd-east", "civil-affairs", "sd-east"),
        (consortium.dept_admin, "civil-affairs", "sd-west", "civil-affairs"),
    ):
        _, receipt = _propose(consortium, grantor, owner=owner, grantee=grantee)
        assert g.events(receipt, "GrantProposed")[0]["reviewerOrg"] == b32(office)


def test_the_office_reviewer_approves_and_the_grant_counts_from_then(consortium: Consortium, people: Reviewers) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    grant_id, _ = _propose(consortium)
    receipt = g.approve(people.sd_reviewer, grant_id, ZERO)  # an approval may give no reason
    assert g.events(receipt, "GrantApproved") == [
        {"grantId": grant_id, "reviewer": people.sd_reviewer.address, "reasonHash": ZERO}
    ]
    at = chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    info = g.get_grant(grant_id)
    assert (info.review, info.reviewer, info.reviewed_at, info.review_reason_hash) == (
        "approved", people.sd_reviewer.address, at, ZERO,
    )  # fmt: skip
    assert _allowed(consortium, grant_id)
    with reverts("GrantsNotProposed", grant_id):  # decided once
        g.approve(people.sd_reviewer, grant_id, ZERO)
    with reverts("GrantsNotProposed", grant_id):
        g.refuse(people.sd_reviewer, grant_id, REASON)
    g.revoke(consortium.c1_admin, grant_id)  # an approved grant is revoked as any other
    assert not _allowed(consortium, grant_id)


def test_a_refusal_gives_its_reason_and_the_grant_never_counts(consortium: Consortium, people: Reviewers) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    grant_id, _ = _propose(consortium, grantor=consortium.sd_admin, owner="rc-harmony")
    with reverts("GrantsInvalidReason"):
        g.refuse(people.sd_reviewer, grant_id, ZERO)
    receipt = g.refuse(people.sd_reviewer, grant_id, REASON)
    assert g.events(receipt, "GrantRefused") == [
        {"grantId": grant_id, "reviewer": people.sd_reviewer.address, "reasonHash": REASON}
    ]
    info = g.get_grant(grant_id)
    assert (info.review, info.reviewer, info.review_reason_hash) == ("refused", people.sd_reviewer.address, REASON)
    assert info.reviewed_at == chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert not _allowed(consortium, grant_id, owner="rc-harmony")
    with reverts("GrantsNotProposed", grant_id):
        g.approve(people.sd_reviewer, grant_id, REASON)
    g.revoke(consortium.c2_admin, grant_id)  # a refused grant may still be revoked, for the record


def test_only_a_privacy_reviewer_of_the_reviewing_office_decides(consortium: Consortium, people: Reviewers) -> None:
    g, m = consortium.deployment.grants, consortium.deployment.membership
    grant_id, _ = _propose(consortium)
    east = b32("sd-east")
    for outsider in (people.other_sd_reviewer, consortium.sd_admin, consortium.c1_admin, consortium.admin,
                     consortium.dept_admin, people.standards, new_account()):  # fmt: skip
        with reverts("GrantsNotReviewer", outsider.address, east):
            g.approve(outsider, grant_id, ZERO)
        with reverts("GrantsNotReviewer", outsider.address, east):
            g.refuse(outsider, grant_id, REASON)
    m.set_roles(consortium.sd_admin, people.sd_reviewer.address, Role.AUDITOR)  # the office may take it away
    with reverts("GrantsNotReviewer", people.sd_reviewer.address, east):
        g.approve(people.sd_reviewer, grant_id, ZERO)
    m.set_roles(consortium.admin, people.sd_reviewer.address, Role.AUDITOR | Role.PRIVACY_REVIEWER)
    g.approve(people.sd_reviewer, grant_id, ZERO)


def test_the_grantor_never_reviews_its_own_grant(consortium: Consortium) -> None:
    g, m = consortium.deployment.grants, consortium.deployment.membership
    sd = consortium.sd_admin  # an office admin who is also its privacy reviewer
    m.set_roles(consortium.admin, sd.address, Role.ADMIN | Role.AUDITOR | Role.PRIVACY_REVIEWER)
    grant_id, _ = _propose(consortium, grantor=sd)
    with reverts("GrantsSelfReview", sd.address):
        g.approve(sd, grant_id, ZERO)
    with reverts("GrantsSelfReview", sd.address):
        g.refuse(sd, grant_id, REASON)
    other_id, _ = _propose(consortium)  # granted by the committee's admin: the office reviewer may decide
    g.approve(sd, other_id, ZERO)
    assert g.get_grant(other_id).reviewer == sd.address


def test_a_revoked_proposal_can_no_longer_be_decided(consortium: Consortium, people: Reviewers) -> None:
    g = consortium.deployment.grants
    grant_id, _ = _propose(consortium)
    receipt = g.revoke(consortium.c1_admin, grant_id)  # revoke works on a proposal
    assert g.events(receipt, "GrantRevoked")[0]["grantId"] == grant_id
    with reverts("GrantsAlreadyRevoked", grant_id):
        g.approve(people.sd_reviewer, grant_id, ZERO)
    with reverts("GrantsAlreadyRevoked", grant_id):
        g.refuse(people.sd_reviewer, grant_id, REASON)
    assert g.get_grant(grant_id).review == "proposed" and not _allowed(consortium, grant_id)


def test_a_proposal_expires_undecided_at_its_review_deadline(consortium: Consortium, people: Reviewers) -> None:
    d, g = consortium.deployment, consortium.deployment.grants
    first, _ = _propose(consortium, expires_at=chain_now(d.chain) + 30 * 24 * 3600)
    second, _ = _propose(consortium, expires_at=chain_now(d.chain) + 30 * 24 * 3600)
    deadline = g.get_grant(second).review_deadline
    _set_next_block_time(d, deadline - 1)
    g.approve(people.sd_reviewer, first, ZERO)  # the last second of the window
    _set_next_block_time(d, deadline)
    with reverts("GrantsProposalExpired", second, deadline):
        g.approve(people.sd_reviewer, second, ZERO)
    with reverts("GrantsProposalExpired", second, deadline):
        g.refuse(people.other_sd_reviewer, second, ZERO)  # expiry is checked before who reviews
    assert not _allowed(consortium, second) and _allowed(consortium, first)


def test_a_proposal_cannot_be_approved_once_the_grant_itself_expired(consortium: Consortium, people: Reviewers) -> None:
    d, g = consortium.deployment, consortium.deployment.grants
    expires = chain_now(d.chain) + 3600  # within the review window: the grant ends before its review would
    grant_id, _ = _propose(consortium, expires_at=expires)
    _set_next_block_time(d, expires)
    with reverts("GrantsProposalExpired", grant_id, expires):
        g.approve(people.sd_reviewer, grant_id, ZERO)


def test_the_checks_run_in_order(consortium: Consortium, people: Reviewers) -> None:
    g = consortium.deployment.grants
    with reverts("GrantsUnknownGrant", 99):
        g.approve(people.sd_reviewer, 99, ZERO)
    grant_id, _ = _propose(consortium)
    g.approve(people.sd_reviewer, grant_id, ZERO)
    g.revoke(consortium.c1_admin, grant_id)
    with reverts("GrantsNotProposed", grant_id):  # decided, then revoked: "not proposed" comes first
        g.approve(people.other_sd_reviewer, grant_id, ZERO)
    other, _ = _propose(consortium)
    with reverts("GrantsNotReviewer", consortium.c1_admin.address, b32("sd-east")):  # reviewer before self-review
        g.refuse(consortium.c1_admin, other, ZERO)
    m = consortium.deployment.membership
    m.set_roles(consortium.admin, consortium.sd_admin.address, Role.ADMIN | Role.PRIVACY_REVIEWER)
    mine, _ = _propose(consortium, grantor=consortium.sd_admin)
    with reverts("GrantsSelfReview", consortium.sd_admin.address):  # self-review before the missing reason
        g.refuse(consortium.sd_admin, mine, ZERO)


def test_a_grant_needs_a_registered_purpose_code(consortium: Consortium, people: Reviewers) -> None:
    g, t, chain = consortium.deployment.grants, consortium.deployment.record_types, consortium.deployment.chain
    with reverts("GrantsInvalidPurpose"):
        g.grant(consortium.c1_admin, type_grant(chain, purpose_code="home-visit"))
    t.register_purpose(people.standards, "home-visit")
    grant_id, _ = g.grant(consortium.c1_admin, type_grant(chain, purpose_code="home-visit"))
    assert g.get_grant(grant_id).purpose_code == "home-visit"


def test_a_field_labelled_sensitive_later_stops_unreviewed_grants_and_proposes_new_ones(
    consortium: Consortium, people: Reviewers
) -> None:
    g, t = consortium.deployment.grants, consortium.deployment.record_types
    before, _ = _propose(consortium, fields=["name", "diagnosis"])
    assert _allowed(consortium, before)
    t.register_version(people.standards, "visit", b"\x01" * 32, None, ["diagnosis"])
    after, _ = _propose(consortium, fields=["name", "diagnosis"])
    assert (g.get_grant(before).review, g.get_grant(after).review) == ("none", "proposed")
    assert not _allowed(consortium, before)  # never reviewed for a field now sensitive: it gives nothing
    assert not _allowed(consortium, after)
    g.approve(people.sd_reviewer, after, ZERO)
    assert _allowed(consortium, after)  # the reviewed grant gives it


# -- review window ----------------------------------------------------------------------------------


def test_the_review_window_is_seven_days_from_deployment(deployment: Deployment) -> None:
    g = deployment.grants
    assert g.review_window() == WEEK
    latest = deployment.chain.block_number()
    (event,) = g.logs("ReviewWindowSet", deployment.book.deployment_block, latest)[:1]
    assert dict(event["args"]) == {"window": WEEK, "actor": deployment.book.deployer}


def test_the_consortium_admin_sets_the_review_window_within_bounds(consortium: Consortium) -> None:
    g, chain = consortium.deployment.grants, consortium.deployment.chain
    before, _ = _propose(consortium)
    for outsider in (consortium.sd_admin, consortium.c1_admin, new_account()):
        with reverts("GrantsUnauthorized", outsider.address, ZERO):
            g.set_review_window(outsider, 3600)
    for bad in (0, 3599, 90 * 24 * 3600 + 1, 2**64 - 1):
        with reverts("GrantsInvalidReviewWindow", bad):
            g.set_review_window(consortium.admin, bad)
    for good in (90 * 24 * 3600, 3600):
        receipt = g.set_review_window(consortium.admin, good)
        assert g.events(receipt, "ReviewWindowSet") == [{"window": good, "actor": consortium.admin.address}]
        assert g.review_window() == good
    grant_id, receipt = _propose(consortium)
    at = chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert g.get_grant(grant_id).review_deadline == at + 3600
    assert g.get_grant(before).review_deadline - g.get_grant(before).granted_at == WEEK  # earlier ones keep theirs


# -- relayed -----------------------------------------------------------------------------------------


def _review_call(g: GrantsClient, grant_id: int, approved: bool, reason: bytes) -> Relayed:
    message = GrantsClient.review_message(grant_id, approved, reason)
    return Relayed(g, GRANTS_DOMAIN, "ReviewGrant", message, "reviewBySig", (grant_id, approved, reason))


def test_the_python_review_type_is_the_contracts_type_string() -> None:
    doc = relay_typed_data("ReviewGrant", {}, domain=GRANTS_DOMAIN, chain_id=1, contract="0x" + "00" * 20,
                           signer="0x" + "00" * 20, nonce=0, deadline=0)  # fmt: skip
    members = ",".join(f"{m['type']} {m['name']}" for m in doc["types"]["ReviewGrant"])
    assert f"ReviewGrant({members})" == REVIEW_TYPE


@pytest.mark.parametrize("approved", [True, False])
def test_gateway_relays_a_reviewers_signed_decision(consortium: Consortium, people: Reviewers, approved: bool) -> None:
    g, gateway, signer = consortium.deployment.grants, new_account(), people.sd_reviewer
    grant_id, _ = _propose(consortium)
    call = _review_call(g, grant_id, approved, REASON)
    doc = call.document(signer)
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, doc, sign_typed(new_account(), doc))
    with reverts("RelayInvalidSignature", signer.address):  # the decision flipped after signing
        call.send(gateway, doc, sign_typed(signer, doc), (grant_id, not approved, REASON))
    receipt = call.send(gateway, doc, sign_typed(signer, doc))
    (event,) = g.events(receipt, "GrantApproved" if approved else "GrantRefused")
    assert event == {"grantId": grant_id, "reviewer": signer.address, "reasonHash": REASON}
    assert g.get_grant(grant_id).review == ("approved" if approved else "refused")
    assert g.nonce(signer.address) == 1 and _allowed(consortium, grant_id) is approved


def test_a_relayed_review_still_needs_the_signers_authority(consortium: Consortium, people: Reviewers) -> None:
    g, chain, gateway = consortium.deployment.grants, consortium.deployment.chain, new_account()
    grant_id, _ = _propose(consortium)
    call = _review_call(g, grant_id, True, ZERO)
    doc = call.document(people.other_sd_reviewer)
    with reverts("GrantsNotReviewer", people.other_sd_reviewer.address, b32("sd-east")):
        call.send(gateway, doc, sign_typed(people.other_sd_reviewer, doc))
    old = call.document(people.sd_reviewer, deadline=1)
    with reverts("RelayExpiredSignature", 1):
        call.send(gateway, old, sign_typed(people.sd_reviewer, old))

    class Auth:  # what the gateway hands GrantsClient.review_by_sig
        nonce, deadline = g.nonce(people.sd_reviewer.address), chain_now(chain) + 600
        signature = sign_typed(people.sd_reviewer, call.document(people.sd_reviewer, nonce=nonce, deadline=deadline))

    chain.transact(gateway, g.review_by_sig(grant_id, True, ZERO, people.sd_reviewer.address, Auth()))
    assert g.get_grant(grant_id).reviewer == people.sd_reviewer.address

"""Two-person review (docs/standards.md): a grant of a sensitive field stays ineffective — the
department's read refused and logged — until the supervising office's privacy reviewer approves it."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.client.gateway import GatewayClientError
from ledger.types import Role
from tests.conftest import Consortium, new_account
from tests.gateway.conftest import Gateway

PERSON = {"name": "Gao Lan", "id_number": "110101197505051234", "phone": "136 0000 0002",
          "health_status": "hypertension", "household": "3-2-201"}  # fmt: skip


@pytest.fixture(scope="module")
def reviewers(org: Consortium) -> dict[str, LocalAccount]:
    """A privacy reviewer of sd-east (which supervises rc-sunshine) and one of sd-west."""
    found = {"east": new_account(), "west": new_account()}
    org.deployment.membership.add_member(org.admin, found["east"].address, "sd-east", Role.PRIVACY_REVIEWER)
    org.deployment.membership.add_member(org.admin, found["west"].address, "sd-west", Role.PRIVACY_REVIEWER)
    return found


@pytest.fixture(autouse=True)
def _clocks(gateway: Gateway) -> None:
    gateway.follow_chain()  # the expiry test moves the chain ahead for the rest of the module


def _status(call: Any) -> tuple[int, str]:
    with pytest.raises(GatewayClientError) as info:
        call()
    return info.value.status, str(info.value.problem.get("detail", ""))


def _propose(gateway: Gateway, fields: list[str]) -> tuple[str, dict[str, Any]]:
    org = gateway.org
    record = gateway.client(org.c1_recorder).commit("resident", PERSON)["id"]
    grant = gateway.client(org.c1_admin).grant("rc-sunshine", "civil-affairs", fields, "home-care eligibility",
                                               gateway.container.now() + 30 * 86_400, record=record,
                                               purpose_code="eligibility-check")  # fmt: skip
    return record, grant


def test_a_sensitive_grant_gives_nothing_until_the_office_reviewer_approves_it(
    gateway: Gateway, reviewers: dict[str, LocalAccount]
) -> None:
    org = gateway.org
    record, grant = _propose(gateway, ["name", "health_status"])
    assert grant["state"] == "proposed" and grant["review"]["state"] == "proposed"
    dept = gateway.client(org.dept_verifier)
    assert _status(lambda: dept.get(record))[0] == 403  # the contract's isAllowed says no
    refused = gateway.client(org.sd_admin).access_log(record=record)["entries"]
    assert [e["outcome"] for e in refused if e["accessor_org"] == "civil-affairs"] == ["refused"]  # and it is logged
    # the reviewer sees the request: grantee, fields, purpose, expiry
    reviewer = gateway.client(reviewers["east"])
    (seen,) = [g for g in reviewer.grants("proposed") if g["id"] == grant["id"]]
    assert (seen["grantee"], seen["fields"], seen["purpose_code"], seen["purpose"]) == (
        "civil-affairs", ["name", "health_status"], "eligibility-check", "home-care eligibility")  # fmt: skip
    approved = reviewer.review_grant(grant["id"], approved=True, reason="statutory home-care assessment")
    assert approved["state"] == "active" and approved["review"]["reviewer"] == reviewers["east"].address
    assert approved["review"]["reason"] == "statutory home-care assessment"
    assert dept.get(record)["payload"] == {"name": "Gao Lan", "health_status": "hypertension"}  # exactly those
    status, detail = _status(lambda: reviewer.review_grant(grant["id"], approved=True))
    assert status == 409 and "not awaiting review" in detail  # approving twice


def test_only_the_supervising_offices_reviewer_decides_and_never_the_grantor(
    gateway: Gateway, reviewers: dict[str, LocalAccount], org: Consortium
) -> None:
    _, grant = _propose(gateway, ["health_status"])
    # the office's admin holds the reviewer role too, yet cannot review a grant it made itself
    membership = org.deployment.membership
    membership.set_roles(org.admin, org.sd_admin.address, Role.ADMIN | Role.AUDITOR | Role.PRIVACY_REVIEWER)
    try:
        own = gateway.client(org.sd_admin).grant("rc-sunshine", "civil-affairs", ["disability"], "aid",
                                                 gateway.container.now() + 86_400, record_type="resident")  # fmt: skip
        assert own["state"] == "proposed"
        assert _status(lambda: gateway.client(org.sd_admin).review_grant(own["id"], approved=True))[0] == 403
    finally:
        membership.set_roles(org.admin, org.sd_admin.address, Role.ADMIN | Role.AUDITOR)
    for stranger in (reviewers["west"], org.c1_admin, org.dept_admin):
        assert _status(lambda s=stranger: gateway.client(s).review_grant(grant["id"], approved=True))[0] == 403
    assert _status(lambda: gateway.client(reviewers["east"]).review_grant(grant["id"], approved=False))[0] == 422
    refused = gateway.client(reviewers["east"]).review_grant(grant["id"], approved=False, reason="not needed")
    assert refused["state"] == "refused" and refused["review"]["reason"] == "not needed"
    assert _status(lambda: gateway.client(reviewers["east"]).review_grant(grant["id"], approved=True))[0] == 409


def test_a_proposal_left_undecided_expires_and_public_or_personal_grants_need_no_review(
    gateway: Gateway, reviewers: dict[str, LocalAccount]
) -> None:
    org, container = gateway.org, gateway.container
    record, plain = _propose(gateway, ["name", "phone"])
    assert plain["state"] == "active" and plain["review"] is None
    assert gateway.client(org.dept_verifier).get(record)["payload"] == {"name": "Gao Lan", "phone": "136 0000 0002"}
    _, grant = _propose(gateway, ["id_number"])
    window = container.deployment().grants.review_window()
    assert window >= 3600
    gateway.move_clocks(grant["review"]["deadline"] + 1)  # the clocks pass the review deadline; nobody waits
    status, detail = _status(lambda: gateway.client(reviewers["east"]).review_grant(grant["id"], approved=True))
    assert status == 409 and "expired" in detail
    assert [g["state"] for g in gateway.client(org.c1_admin).grants() if g["id"] == grant["id"]] == ["proposal-expired"]

"""Membership's gateway directory: where each organisation's records are served, published on-chain.

As X-Road publishes its members' security servers in a signed global configuration, an
organisation's admin publishes its gateway's URL here, so that a department syncing what it
was granted finds every grantor's gateway from the chain, not from a list someone keeps.
"""

from __future__ import annotations

import pytest

from ledger.eip712 import MEMBERSHIP_DOMAIN, sign_typed
from tests.conftest import Consortium, b32, new_account, reverts
from tests.contracts.test_relay import Relayed


def test_an_admin_publishes_its_gateway_and_the_event_says_so(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    assert m.gateway_of("rc-sunshine") is None
    receipt = m.set_gateway(consortium.c1_admin, "rc-sunshine", "https://gw.sunshine.example/")
    (event,) = m.events(receipt, "OrgGatewaySet")
    assert event == {"orgId": b32("rc-sunshine"), "url": "https://gw.sunshine.example/",
                     "actor": consortium.c1_admin.address}  # fmt: skip
    assert m.gateway_of("rc-sunshine") == "https://gw.sunshine.example/"
    m.set_gateway(consortium.sd_admin, "rc-sunshine", "http://10.0.0.7:8000")  # its subdistrict may too
    assert m.gateway_of("rc-sunshine") == "http://10.0.0.7:8000"
    m.set_gateway(consortium.c1_admin, "rc-sunshine", "")  # withdrawn
    assert m.gateway_of("rc-sunshine") is None


def test_only_those_who_manage_the_organisation_may_publish(consortium: Consortium) -> None:
    m = consortium.deployment.membership
    for stranger in (consortium.c1_recorder, consortium.c2_admin, consortium.dept_admin, new_account()):
        with reverts("MembershipUnauthorized", stranger.address, b32("rc-sunshine")):
            m.set_gateway(stranger, "rc-sunshine", "https://evil.example/")
    with reverts("MembershipUnknownOrg", b32("rc-nowhere")):
        m.set_gateway(consortium.admin, "rc-nowhere", "https://gw.example/")


@pytest.mark.parametrize(
    "url",
    ["ftp://gw.example/", "https://", "http://", "gw.example", "https://gw.example/\n", "https://gw\x00.example",
     "https://" + "a" * 193, "https://gw.example/\x7f"],
)  # fmt: skip
def test_anything_but_a_short_plain_http_url_is_refused(consortium: Consortium, url: str) -> None:
    m = consortium.deployment.membership
    with reverts("MembershipInvalidGatewayUrl", len(url.encode())):
        m.set_gateway(consortium.c1_admin, "rc-sunshine", url)
    assert m.gateway_of("rc-sunshine") is None
    m.set_gateway(consortium.c1_admin, "rc-sunshine", "https://" + "a" * 192)  # 200 bytes: the most allowed


def test_a_gateway_relays_an_admins_signed_publication(consortium: Consortium) -> None:
    m, relayer, signer = consortium.deployment.membership, new_account(), consortium.c1_admin
    message = {"orgId": b32("rc-sunshine"), "url": "https://gw.sunshine.example/"}
    call = Relayed(m, MEMBERSHIP_DOMAIN, "SetGateway", message, "setGatewayBySig", tuple(message.values()))
    doc = call.document(signer)
    receipt = call.send(relayer, doc, sign_typed(signer, doc))
    assert m.events(receipt, "OrgGatewaySet")[0]["actor"] == signer.address
    assert m.gateway_of("rc-sunshine") == "https://gw.sunshine.example/"
    other = call.document(consortium.c1_recorder)
    with reverts("MembershipUnauthorized", consortium.c1_recorder.address, b32("rc-sunshine")):
        call.send(relayer, other, sign_typed(consortium.c1_recorder, other))

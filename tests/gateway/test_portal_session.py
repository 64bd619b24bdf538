"""Portal sign-in (EIP-4361) and its session cookie, against a real chain and database.

The portal's browser code signs the same message (portal/src/signer, tests in portal/test);
here the server's side: what it accepts, what it refuses, and that a cookie only ever reads,
as the chain says the key may read now.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from gateway.api.auth import SESSION_COOKIE
from gateway.services.sign_in import SESSION_SECONDS
from ledger.client import residents as sdk
from tests.gateway.conftest import Gateway

ID_NUMBER = "110101199203154321"


def siwe(fields: dict[str, Any], address: str) -> str:
    """The EIP-4361 message the portal signs (portal/src/signer: siweMessage), from the challenge's fields."""
    return "\n".join([
        f"{fields['domain']} wants you to sign in with your Ethereum account:", address, "", fields["statement"], "",
        f"URI: {fields['uri']}", "Version: 1", f"Chain ID: {fields['chain_id']}", f"Nonce: {fields['nonce']}",
        f"Issued At: {fields['issued_at']}", f"Expiration Time: {fields['expiration_time']}",
    ])  # fmt: skip


def signed(account: LocalAccount, message: str) -> dict[str, str]:
    signature = account.sign_message(encode_defunct(text=message)).signature
    return {"message": message, "signature": "0x" + bytes(signature).hex()}


def browser(gw: Gateway) -> TestClient:
    """A fresh cookie jar on the same app (the module's client keeps none between tests)."""
    http = TestClient(gw.http.app, base_url="http://testserver")
    return http


def sign_in(http: TestClient, account: LocalAccount, **change: Any) -> Any:
    fields = http.get("/v1/session/challenge").json() | change
    return http.post("/v1/session", json=signed(account, siwe(fields, account.address)))


def test_a_member_signs_in_and_the_cookie_reads_but_never_acts(gateway: Gateway) -> None:
    gateway.follow_chain()
    http = browser(gateway)
    assert http.get("/v1/me").status_code == 401  # nothing before signing in
    answer = sign_in(http, gateway.org.c1_recorder)
    assert answer.status_code == 201, answer.text
    who = answer.json()
    assert (who["kind"], who["org"], who["roles"]) == ("member", "rc-sunshine", ["recorder"])
    cookie = answer.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert f"Max-Age={SESSION_SECONDS}" in cookie and "Secure" not in cookie  # Secure in production only
    me = http.get("/v1/me")
    assert me.status_code == 200 and me.json()["address"] == gateway.org.c1_recorder.address
    assert http.get("/v1/session").json()["csrf"] == who["csrf"]
    # acting needs the member's own signature: the cookie alone is refused, even for a member who may act
    acted = http.post("/v1/records", json={"type": "meeting", "payload": {}})
    assert acted.status_code == 401 and acted.headers["content-type"].startswith("application/problem+json")
    # and a sealed read, which has legal weight, is an act too: never on a cookie
    sealed = http.get("/v1/records/5b0c6a52-9a7e-4c1f-8d0e-3f1a2b4c5d6e",
                      params={"sealed_until": "2027-06-01", "legal_basis": "criminal-investigation"})  # fmt: skip
    assert sealed.status_code == 401 and "signed by the reader's key" in sealed.json()["detail"]
    # signing out wants the session's CSRF token
    assert http.delete("/v1/session").status_code == 403
    out = http.delete("/v1/session", headers={"X-CSRF-Token": who["csrf"]})
    assert out.status_code == 204 and http.get("/v1/me").status_code == 401


def test_a_signed_message_signs_in_once_for_this_site_and_chain_only(gateway: Gateway) -> None:
    gateway.follow_chain()
    http, member = browser(gateway), gateway.org.dept_admin
    fields = http.get("/v1/session/challenge").json()
    body = signed(member, siwe(fields, member.address))
    assert http.post("/v1/session", json=body).status_code == 201
    replayed = http.post("/v1/session", json=body)
    assert replayed.status_code == 401 and "used before" in replayed.json()["detail"]
    refusals = {
        "another site": {"domain": "evil.example"},
        "another URI": {"uri": "http://evil.example/"},
        "another chain": {"chain_id": 1},
        "a nonce it never issued": {"nonce": "0" * 64},
    }
    reworded = sign_in(http, member, statement="I agree to transfer everything.")
    assert reworded.status_code == 422 and "statement" in reworded.json()["detail"]
    for case, change in refusals.items():
        answer = sign_in(http, member, **change)
        assert answer.status_code == 401, case
    other = Account.create()  # signed by a key other than the address named
    message = siwe(http.get("/v1/session/challenge").json(), member.address)
    assert http.post("/v1/session", json=signed(other, message)).status_code == 401
    assert sign_in(http, Account.create()).status_code == 403  # a stranger's key signs, but is nobody here
    bad = http.post("/v1/session", json={"message": "hello", "signature": "0x" + "00" * 65})
    assert bad.status_code == 422 and "EIP-4361" in bad.json()["detail"]


def test_a_challenge_expires_and_a_session_ends(gateway: Gateway) -> None:
    gateway.follow_chain()
    http, member = browser(gateway), gateway.org.sd_admin
    fields = http.get("/v1/session/challenge").json()
    message = siwe(fields, member.address)
    gateway.move_clocks(int(gateway.container.clock()) + 3600)  # an hour later, by both clocks
    late = http.post("/v1/session", json=signed(member, message))
    assert late.status_code == 401 and "expired" in late.json()["detail"]
    assert sign_in(http, member).status_code == 201
    assert http.get("/v1/me").status_code == 200
    gateway.move_clocks(int(gateway.container.clock()) + SESSION_SECONDS + 1)
    stale = http.get("/v1/me")
    assert stale.status_code == 401 and "sign in again" in stale.json()["detail"]


def test_a_forged_cookie_reads_nothing_and_the_chain_decides_what_a_session_may_read(gateway: Gateway) -> None:
    gateway.follow_chain()
    http = browser(gateway)
    http.cookies.set(SESSION_COOKIE, "eyJhIjoiMHgwMCJ9.AAAA")
    assert http.get("/v1/me").status_code == 401
    # a resident's session reads the resident's pages, and no member's
    resident: LocalAccount = Account.create()
    sdk.enrol(gateway.client(gateway.org.c1_recorder), resident.address, ID_NUMBER)
    http = browser(gateway)
    answer = sign_in(http, resident)
    assert answer.status_code == 201 and answer.json()["kind"] == "resident"
    assert http.get("/v1/me/records").status_code == 200
    assert http.get("/v1/me").status_code == 403
    # a member's session stops reading the moment the chain removes the member
    member = Account.create()
    deployment = gateway.container.deployment()
    deployment.membership.add_member(gateway.org.c1_admin, member.address, "rc-sunshine", 2)
    http = browser(gateway)
    assert sign_in(http, member).status_code == 201 and http.get("/v1/me").status_code == 200
    deployment.membership.remove_member(gateway.org.c1_admin, member.address)
    ttl, gateway.container.members.ttl = gateway.container.members.ttl, 0.0  # as if the cache's seconds had passed
    try:
        assert http.get("/v1/me").status_code == 403
    finally:
        gateway.container.members.ttl = ttl

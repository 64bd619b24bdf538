"""Signed requests (RFC 9421 + RFC 9530 profile ``gridledger-v1``): the protocol, then the gateway.

The first half checks :func:`ledger.client.request_signing.verify_request` directly, with the
gateway's clock passed in; the second half goes through a real gateway on both databases.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select

from gateway.db.models import RequestNonce
from ledger.client.request_signing import (
    COMPONENTS,
    SignatureRejected,
    Verified,
    component_values,
    content_digest,
    normalize_authority,
    personal_digest,
    sign_request,
    signature_base,
    verify_request,
)
from ledger.client.structured_fields import InnerList, Item, Parameters, serialize_inner_list
from ledger.eip712 import sign_digest
from tests.conftest import new_account
from tests.gateway.conftest import Gateway

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
NOW = 1_767_225_600
MAX_AGE = 300
HERE = "gateway.example:8443"
TARGET = "/v1/records/3f1c2a4e-0b5d-4c1e-9f7a-2d6b8e0c4a11/erase?reason=a+b%2Bc%25d%20e"
BODY = b'{"purpose":"audit 50% + more"}'
NONCE = "5f0e7a9c3b1d48e6a2c4f6b8d0e1f3a5"


def signed(
    method: str = "POST", target: str = TARGET, body: bytes = BODY, *, created: int = NOW, nonce: str = NONCE
) -> dict[str, str]:
    return sign_request(KEY, ADDRESS, method, target, body, authority=HERE, created=created, nonce=nonce)


def verify(
    fields: Mapping[str, str],
    *,
    method: str = "POST",
    authority: str = HERE,
    target: str = TARGET,
    body: bytes = BODY,
    now: float = NOW,
) -> Verified:
    return verify_request(
        method=method, authority=authority, target=target, body=body, fields=fields,
        authorities={HERE, "localhost:8443"}, now=now, max_age=MAX_AGE,
    )  # fmt: skip


def refused(fields: Mapping[str, str], reason: str, **request: Any) -> None:
    with pytest.raises(SignatureRejected) as info:
        verify(fields, **request)
    assert reason in str(info.value)


def custom(components: tuple[str, ...], params: Parameters, values: Mapping[str, str]) -> dict[str, str]:
    """A correctly signed request outside the profile, so that only the profile rule can refuse it."""
    inner = InnerList(tuple(Item(c) for c in components), params)
    base = signature_base(values, components, serialize_inner_list(inner))
    signature = sign_digest(KEY, personal_digest(base))
    return {
        "Content-Digest": content_digest(BODY),
        "Signature-Input": f"sig1={serialize_inner_list(inner)}",
        "Signature": f"sig1=:{base64.b64encode(signature).decode()}:",
    }


PARAMS: Parameters = (("created", NOW), ("keyid", ADDRESS), ("nonce", NONCE), ("tag", "gridledger-v1"))
VALUES = {**component_values("POST", HERE, TARGET, content_digest(BODY)), "content-type": "application/json"}


# -- the protocol ------------------------------------------------------------------------------


def test_a_fixed_request_has_this_exact_signature_base_and_signature() -> None:
    """A golden vector for outside implementers (checked against http-message-signatures 3.0.0)."""
    headers = sign_request(
        KEY, ADDRESS.lower(), "post", TARGET, BODY, authority="Gateway.Example:8443", created=NOW, nonce=NONCE
    )
    params = (
        '("@method" "@authority" "@path" "@query" "content-digest");created=1767225600;'
        'keyid="0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";nonce="5f0e7a9c3b1d48e6a2c4f6b8d0e1f3a5";'
        'tag="gridledger-v1"'
    )
    assert headers == {
        "Content-Digest": "sha-256=:zQRnsAOojiV+2dQL7cQwUZ6m/pEnwV8Og83Lyb+qcJ8=:",
        "Signature-Input": "sig1=" + params,
        "Signature": "sig1=:8Xd/xehV2lchHwtaRTybnvHtWXsG+7Lutd26PHiGfVgtfDMgD/4vndrQUfuW0VRF3YkBaBGKk8lzvQQKLtL1Ehw=:",
    }
    golden = (
        '"@method": POST\n'
        '"@authority": gateway.example:8443\n'
        '"@path": /v1/records/3f1c2a4e-0b5d-4c1e-9f7a-2d6b8e0c4a11/erase\n'
        '"@query": ?reason=a+b%2Bc%25d%20e\n'
        '"content-digest": sha-256=:zQRnsAOojiV+2dQL7cQwUZ6m/pEnwV8Og83Lyb+qcJ8=:\n'
        '"@signature-params": ' + params
    ).encode()
    base = signature_base(component_values("POST", HERE, TARGET, headers["Content-Digest"]), COMPONENTS, params)
    assert base == golden
    # the algorithm is plain EIP-191 personal_sign over those bytes: any Ethereum wallet makes the same signature
    wallet = Account.from_key(KEY).sign_message(encode_defunct(primitive=golden)).signature
    assert headers["Signature"] == f"sig1=:{base64.b64encode(bytes(wallet)).decode()}:"
    assert verify(headers) == Verified(keyid=ADDRESS, nonce=NONCE, created=NOW)


def test_a_request_replayed_to_another_authority_is_refused() -> None:
    headers = signed()
    refused(headers, "does not match this request", authority="localhost:8443")  # ours, but not the one signed
    refused(headers, "not this gateway's", authority="other-gateway.example")  # forwarded with the original Host


def test_a_changed_method_path_query_or_body_is_refused() -> None:
    headers = signed()
    refused(headers, "does not match this request", method="PUT")
    refused(headers, "does not match this request", target=TARGET.replace("/erase", "/erasf"))
    refused(headers, "does not match this request", target=TARGET.replace("reason=a+b", "reason=a%20b"))
    refused(headers, "does not match this request", target=TARGET.split("?")[0])
    refused(headers, "Content-Digest does not match the body", body=BODY + b" ")


def test_a_body_changed_together_with_its_digest_is_refused() -> None:
    changed = b'{"purpose":"audit everything"}'
    headers = {**signed(), "Content-Digest": content_digest(changed)}
    refused(headers, "does not match this request", body=changed)


@pytest.mark.parametrize(
    ("digest", "reason"),
    [
        ("sha-512=:" + base64.b64encode(bytes(64)).decode() + ":", "exactly one sha-256 digest"),
        (content_digest(BODY) + ", sha-512=:" + base64.b64encode(bytes(64)).decode() + ":", "exactly one sha-256"),
        ("sha-256=" + base64.b64encode(bytes(32)).decode(), "not a structured-field dictionary"),
        ("", "missing header Content-Digest"),
    ],
)
def test_a_digest_of_another_shape_is_refused(digest: str, reason: str) -> None:
    refused({**signed(), "Content-Digest": digest}, reason)


@pytest.mark.parametrize(
    ("components", "reason"),
    [
        (("@method", "@authority", "@path", "@query"), "must cover content-digest"),
        (("@method", "@path", "@query", "content-digest"), "must cover @authority"),
        ((*COMPONENTS, "content-type"), "covers a component outside"),
        ((*COMPONENTS, "@method"), "covered twice"),
    ],
)
def test_missing_or_extra_covered_components_are_refused(components: tuple[str, ...], reason: str) -> None:
    refused(custom(components, PARAMS, VALUES), reason)


def test_covered_components_in_another_order_verify() -> None:
    assert verify(custom(tuple(reversed(COMPONENTS)), tuple(reversed(PARAMS)), VALUES)).keyid == ADDRESS


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (PARAMS[1:], "must include created"),
        ((*PARAMS, ("alg", "ecdsa-p256-sha256")), "must be exactly created, keyid, nonce, tag"),
        ((*PARAMS[:3], ("tag", "other-app")), 'tag must be "gridledger-v1"'),
        ((*PARAMS[:2], ("nonce", "0123"), PARAMS[3]), "32-64 lower-case hex"),
        ((PARAMS[0], ("keyid", ADDRESS.lower()), *PARAMS[2:]), "EIP-55 checksummed"),
        ((("created", "1767225600"), *PARAMS[1:]), "created must be an integer"),
    ],
)
def test_parameters_outside_the_profile_are_refused(params: Parameters, reason: str) -> None:
    refused(custom(COMPONENTS, params, VALUES), reason)


def test_created_is_judged_against_the_injected_clock_both_ways() -> None:
    headers = signed(created=NOW)
    assert verify(headers, now=NOW + MAX_AGE).created == NOW
    assert verify(headers, now=NOW - MAX_AGE).created == NOW
    refused(headers, f"more than {MAX_AGE}s before the gateway's clock", now=NOW + MAX_AGE + 1)
    refused(headers, f"more than {MAX_AGE}s after the gateway's clock", now=NOW - MAX_AGE - 1)


def test_a_signature_by_another_key_or_malformed_is_refused() -> None:
    impostor = sign_request(new_account().key, ADDRESS, "POST", TARGET, BODY, authority=HERE, created=NOW)
    refused(impostor, "does not match this request (method, authority, path, query, body) or its keyid")
    headers = signed()
    high_v = base64.b64decode(headers["Signature"][6:-1])[:64] + b"\x01"
    refused({**headers, "Signature": f"sig1=:{base64.b64encode(high_v).decode()}:"}, "signature is malformed")
    refused({**headers, "Signature": headers["Signature"].replace("sig1", "sig2")}, "labelled as in Signature-Input")
    two = headers["Signature-Input"] + ", " + headers["Signature-Input"].replace("sig1", "sig2")
    refused({**headers, "Signature-Input": two}, "exactly one signature")


def test_refusals_never_echo_the_request_s_values() -> None:
    secret = "0xdeadbeefcafe"
    params: Parameters = (*PARAMS[:3], ("tag", secret))
    for fields in (custom(COMPONENTS, params, VALUES), custom((*COMPONENTS, secret), PARAMS, {**VALUES, secret: ""})):
        with pytest.raises(SignatureRejected) as info:
            verify(fields)
        assert secret not in str(info.value)


def test_the_authority_is_normalised_as_rfc_9421_says() -> None:
    assert normalize_authority("Gateway.Example:443", "https") == "gateway.example"
    assert normalize_authority("Gateway.Example:443", "http") == "gateway.example:443"
    assert normalize_authority("127.0.0.1:80", "http") == "127.0.0.1"


# -- through the gateway ----------------------------------------------------------------------


def nonce_rows(gateway: Gateway, address: str) -> int:
    with gateway.container.sessions() as session:
        return session.scalar(select(func.count()).where(RequestNonce.address == address)) or 0


def sign_for(account: LocalAccount, method: str, target: str, body: bytes = b"", **kw: Any) -> dict[str, str]:
    return sign_request(bytes(account.key), account.address, method, target, body, **{"authority": "testserver", **kw})


def test_a_request_signed_for_another_gateway_is_refused_and_spends_no_nonce(gateway: Gateway) -> None:
    account = gateway.org.c1_recorder
    before = nonce_rows(gateway, account.address)
    elsewhere = sign_for(account, "GET", "/v1/me", authority="gateway-b.example")
    response = gateway.http.get("/v1/me", headers=elsewhere)
    assert response.status_code == 401 and "does not match this request" in response.json()["detail"]
    forwarded = gateway.http.get("/v1/me", headers={**elsewhere, "Host": "gateway-b.example"})
    assert forwarded.status_code == 401 and "not this gateway's" in forwarded.json()["detail"]
    assert forwarded.headers["content-type"] == "application/problem+json"
    assert nonce_rows(gateway, account.address) == before
    assert gateway.http.get("/v1/me", headers=sign_for(account, "GET", "/v1/me")).status_code == 200


def test_a_reused_nonce_is_refused_even_on_another_request(gateway: Gateway) -> None:
    account = gateway.org.c1_recorder
    first = sign_for(account, "GET", "/v1/me")
    assert gateway.http.get("/v1/me", headers=first).status_code == 200
    again = gateway.http.get("/v1/me", headers=first)
    assert again.status_code == 401 and "replayed" in again.json()["detail"]
    nonce = first["Signature-Input"].split('nonce="')[1].split('"')[0]
    other = gateway.http.get("/v1/orgs", headers=sign_for(account, "GET", "/v1/orgs", nonce=nonce))
    assert other.status_code == 401 and "replayed" in other.json()["detail"]


def test_a_non_member_s_signed_requests_leave_no_nonce_row(gateway: Gateway) -> None:
    stranger, member = new_account(), gateway.org.c1_recorder
    before = nonce_rows(gateway, member.address)
    for _ in range(3):
        response = gateway.http.get("/v1/me", headers=sign_for(stranger, "GET", "/v1/me"))
        assert response.status_code == 403 and "not a member" in response.json()["detail"]
        assert stranger.address not in response.json()["detail"]
    assert nonce_rows(gateway, stranger.address) == 0
    assert gateway.http.get("/v1/me", headers=sign_for(member, "GET", "/v1/me")).status_code == 200
    assert nonce_rows(gateway, member.address) == before + 1  # a member's request does spend one


def test_stale_and_future_signatures_are_refused_by_the_gateway(gateway: Gateway) -> None:
    account, max_age = gateway.org.c1_recorder, gateway.container.settings.signature_max_age
    for created, word in ((int(time.time()) - 10 * max_age, "before"), (int(time.time()) + 10 * max_age, "after")):
        response = gateway.http.get("/v1/me", headers=sign_for(account, "GET", "/v1/me", created=created))
        assert response.status_code == 401 and f"{word} the gateway's clock" in response.json()["detail"]


def test_a_body_changed_in_transit_is_refused_by_the_gateway(gateway: Gateway) -> None:
    account = gateway.org.c1_admin
    headers = sign_for(account, "POST", "/v1/records/00000000-0000-4000-8000-000000000000/erase", b"{}")
    response = gateway.http.post(
        "/v1/records/00000000-0000-4000-8000-000000000000/erase", content=b"{} ", headers=headers
    )
    assert response.status_code == 401 and "Content-Digest does not match the body" in response.json()["detail"]


def test_queries_with_plus_space_and_percent_verify(gateway: Gateway) -> None:
    office = gateway.client(gateway.org.sd_admin)
    raw = "/v1/audit/access?purpose=50%25+off%2Bmore%20now"  # already percent-encoded: sent and signed as is
    response = gateway.http.get(raw, headers=sign_for(gateway.org.sd_admin, "GET", raw))
    assert response.status_code == 200 and response.json()["total"] == 0
    # the SDK signs what httpx sends, after httpx has encoded the literal space
    assert office.request("GET", "/v1/audit/access?purpose=a b+c%2Bd%25e")["total"] == 0
    assert office.access_log(purpose="100% a+b c")["total"] == 0

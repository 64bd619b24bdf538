"""The SDK at its transport seam: problem types become exception classes; idempotent calls retry."""

from __future__ import annotations

import json

import httpx
import pytest
from eth_account import Account

from ledger.client import errors
from ledger.client.gateway import GatewayClient

ACCOUNT = Account.from_key("0x" + "11" * 32)


def _client(handler: httpx.MockTransport, waits: list[float], retries: int = 3) -> GatewayClient:
    http = httpx.Client(base_url="http://gw.test", transport=handler)
    return GatewayClient("http://gw.test", ACCOUNT, http=http, retries=retries, sleep=waits.append)


def _problem(status: int, kind: str, **extra: object) -> httpx.Response:
    body = {"type": f"https://gridledger.example/problems/{kind}", "title": kind, "status": status, **extra}
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


@pytest.mark.parametrize(
    ("status", "kind", "cls"),
    [
        (400, "malformed-request", errors.MalformedRequestError),
        (401, "unauthenticated", errors.UnauthenticatedError),
        (403, "forbidden", errors.ForbiddenError),
        (404, "not-found", errors.NotFoundError),
        (409, "conflict", errors.ConflictError),
        (410, "gone", errors.GoneError),
        (413, "payload-too-large", errors.PayloadTooLargeError),
        (422, "validation-failed", errors.InvalidInputError),
        (500, "integrity-failure", errors.ServerError),
    ],
)
def test_each_problem_status_raises_its_own_class(status: int, kind: str, cls: type[errors.GatewayClientError]) -> None:
    client = _client(httpx.MockTransport(lambda request: _problem(status, kind, detail="why")), [])
    with pytest.raises(cls) as info:
        client.get("7f1c2a4e-8a52-4b53-9a0e-6b9d0c1f7e21")
    assert info.value.status == status and info.value.kind == kind and info.value.message == "why"
    assert isinstance(info.value, errors.GatewayClientError)


def test_a_read_is_retried_with_backoff_and_signed_afresh_each_time() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Signature-Input"])
        if len(seen) < 3:
            return _problem(503, "database-unavailable")
        return httpx.Response(200, json={"id": "r1", "version": 1})

    waits: list[float] = []
    assert _client(httpx.MockTransport(handler), waits).get("r1") == {"id": "r1", "version": 1}
    assert len(seen) == 3 and len(set(seen)) == 3  # a new nonce per attempt: replays are refused
    assert len(waits) == 2 and 0.1 <= waits[0] < 0.3 and 0.2 <= waits[1] < 0.6  # 0.2 * 2**n * [0.5, 1.5)


def test_retry_after_from_the_gateway_is_waited_with_jitter_and_a_cap() -> None:
    answers = iter([httpx.Response(503, json={"title": "busy"}, headers={"Retry-After": "7"}),
                    httpx.Response(503, json={"title": "busy"}, headers={"Retry-After": "3600"}),
                    httpx.Response(200, json=[])])  # fmt: skip
    waits: list[float] = []
    assert _client(httpx.MockTransport(lambda request: next(answers)), waits).grants() == []
    assert 7.1 <= waits[0] < 7.3  # Retry-After plus 0.2 * [0.5, 1.5)
    assert waits[1] == 10.0  # never more than max_wait


def test_two_problem_types_of_one_status_get_their_own_classes() -> None:
    for kind, cls in (("validation-failed", errors.ValidationFailedError), ("refused-input", errors.RefusedInputError)):
        client = _client(httpx.MockTransport(lambda request, kind=kind: _problem(422, kind)), [])
        with pytest.raises(cls) as info:
            client.get("r1")
        assert isinstance(info.value, errors.InvalidInputError) and isinstance(info.value, ValueError)


def test_a_url_without_a_scheme_is_refused_in_one_clear_error() -> None:
    with pytest.raises(ValueError, match="needs a scheme and a host"):
        GatewayClient("127.0.0.1:8000", ACCOUNT)


def test_a_protocol_error_is_not_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.UnsupportedProtocol("no such scheme", request=request)

    waits: list[float] = []
    with pytest.raises(httpx.UnsupportedProtocol):
        _client(httpx.MockTransport(handler), waits).get("r1")
    assert waits == []


def test_a_grant_is_not_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return _problem(503, "chain-unavailable")

    client = _client(httpx.MockTransport(handler), [])
    with pytest.raises(errors.UnavailableError):
        client.request("DELETE", "/v1/grants/3", {"nonce": 0, "deadline": 1, "signature": "0x00"})
    assert calls == ["DELETE"]


def test_a_dropped_connection_is_retried_then_raised() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    waits: list[float] = []
    with pytest.raises(httpx.ConnectError):
        _client(httpx.MockTransport(handler), waits, retries=2).receipt("r1")
    assert len(waits) == 2


def test_a_commit_batch_is_resent_after_a_failed_connection() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            raise httpx.ReadError("reset", request=request)
        return httpx.Response(202, json={"accepted": 0, "duplicates": 1, "records": []})

    result = _client(httpx.MockTransport(handler), []).commit_prepared([{"id": "r1"}])
    assert result["duplicates"] == 1 and bodies[0] == bodies[1] == json.dumps({"records": [{"id": "r1"}]}).replace(
        " ", ""
    ).encode()

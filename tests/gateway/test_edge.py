"""Hostile input at the edge: refused as problem details naming the rule, never a crash or a 500.

The table-driven cases are the hand-crafted requests that once crashed the gateway
(a JSON body nested 100,000 deep: SIGSEGV), poisoned a table (a NUL byte in a grant's
purpose: every later ``GET /v1/grants`` answered 500 on PostgreSQL), or answered plain
500s (overflowing ids and offsets; receipts with version -1, 2^256, NaN, 1e400, lone
surrogates). They run against the real app on SQLite and PostgreSQL, and the ones that
need a real socket (a chunked upload, the deep body) against a live uvicorn process.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.api.edge import MAX_DEPTH, scan_json
from ledger.client.gateway import GatewayClientError
from ledger.client.request_signing import sign_request
from ledger.ops.localchain import free_port
from tests.gateway.conftest import Gateway

PROBLEM = "application/problem+json"
SECRET_VALUE = "110101199003077777"  # an id number: must never be echoed back
HOUSEHOLD = {"address": "9-9-909", "head": "Qiu Xiaoyan", "members": 2, "phone": "138 1234 5678"}


def later(seconds: int = 3600) -> int:
    return int(time.time()) + seconds


def assert_problem(response: httpx.Response, status: int, type_: str, rule: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"https://gridledger.dev/problems/{type_}" and problem["status"] == status
    if rule is not None:
        assert problem["rule"] == rule
    assert SECRET_VALUE not in response.text and "Qiu" not in response.text
    return problem


# -- the scanner alone -----------------------------------------------------------------------

SCAN_CASES: list[tuple[str, bytes, str | None]] = [
    ("plain object", b'{"a": [1, 2.5, -3e10, "x", true, null]}', None),
    ("nesting at the limit", b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, None),
    ("nesting one past the limit", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "json-depth"),
    ("100,000 deep", b"[" * 100_000 + b"]" * 100_000, "json-depth"),
    ("objects count too", b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "json-depth"),
    ("brackets inside strings do not count", b'["' + b"[" * 1000 + b'"]', None),
    ("raw NUL", b'{"purpose": "a\x00b"}', "nul"),
    ("escaped NUL", b'{"purpose": "a\\u0000b"}', "nul"),
    ("escaped NUL in a key", b'{"a\\u0000": 1}', "nul"),
    ("an escaped backslash before u0000 is text", b'{"purpose": "a\\\\u0000b"}', None),
    ("three backslashes then u0000 is a NUL", b'{"purpose": "a\\\\\\u0000b"}', "nul"),
    ("lone high surrogate", b'{"a": "\\ud800"}', "lone-surrogate"),
    ("lone low surrogate", b'{"a": "\\udc00x"}', "lone-surrogate"),
    ("two highs", b'{"a": "\\ud800\\ud800\\udc00"}', "lone-surrogate"),
    ("reversed pair", b'{"a": "\\udc00\\ud800"}', "lone-surrogate"),
    ("valid pair (an emoji)", b'{"a": "\\ud83d\\ude00 \\uD83D\\uDE00"}', None),
    ("escaped backslash before ud800 is text", b'{"a": "\\\\ud800"}', None),
    ("invalid UTF-8", b'{"a": "\xff\xfe"}', "utf-8"),
    ("UTF-8 encoded surrogate", b'{"a": "\xed\xa0\x80"}', "lone-surrogate"),
    ("NaN", b'{"a": NaN}', "non-finite-number"),
    ("Infinity", b'{"a": Infinity}', "non-finite-number"),
    ("-Infinity", b'{"a": -Infinity}', "non-finite-number"),
    ("NaN as a string is text", b'{"a": "NaN", "Infinity": 1}', None),
    ("1e400", b'{"a": 1e400}', "number-range"),
    ("-1E+400", b'{"a": -1E+400}', "number-range"),
    ("400 digits", b'{"a": ' + b"9" * 400 + b".5}", "number-range"),
    ("2^256 is a number, not an edge matter", b'{"a": ' + str(2**256).encode() + b"}", None),
    ("1e99", b'{"a": 1e99}', None),
    ("Chinese text", '{"head": "邱晓燕"}'.encode(), None),
    ("unterminated string", b'{"a": "' + b'\\"' * 50_000, None),
    ("not JSON at all is the parser's business", b"hello", None),
]


@pytest.mark.parametrize(("body", "rule"), [c[1:] for c in SCAN_CASES], ids=[c[0] for c in SCAN_CASES])
def test_the_scanner_applies_each_rule_without_parsing(body: bytes, rule: str | None) -> None:
    refusal = scan_json(body)
    assert (refusal.rule if refusal else None) == rule
    if refusal is not None:
        assert SECRET_VALUE not in refusal.detail


# -- the app, on SQLite and PostgreSQL --------------------------------------------------------

HOSTILE_BODIES: list[tuple[str, bytes, int, str, str]] = [
    ("deep nesting", b'{"receipt": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 422, "refused-input", "json-depth"),
    ("NUL escape", b'{"receipt": {"format": "' + SECRET_VALUE.encode() + b'\\u0000"}}', 422, "refused-input", "nul"),
    ("lone surrogate", b'{"receipt": {"format": "\\ud800' + SECRET_VALUE.encode() + b'"}}', 422, "refused-input",
     "lone-surrogate"),
    ("NaN", b'{"receipt": {"tree_size": NaN}}', 422, "refused-input", "non-finite-number"),
    ("1e400", b'{"receipt": {"tree_size": 1e400}}', 422, "refused-input", "number-range"),
    ("invalid UTF-8", b'{"receipt": {"x": "\xc3\x28"}}', 400, "malformed-request", "utf-8"),
    ("not JSON", b'{"receipt": ' + SECRET_VALUE.encode() + b" oops", 422, "validation-failed", ""),
    ("a JSON string, not an object", json.dumps(SECRET_VALUE).encode(), 422, "validation-failed", ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "type_", "rule"), [c[1:] for c in HOSTILE_BODIES], ids=[c[0] for c in HOSTILE_BODIES]
)
def test_hostile_bodies_are_refused_as_problem_details(
    gateway: Gateway, body: bytes, status: int, type_: str, rule: str
) -> None:
    response = gateway.http.post("/v1/verify", content=body, headers={"Content-Type": "application/json"})
    assert_problem(response, status, type_, rule or None)


def test_a_member_cannot_put_a_nul_into_a_grant_purpose_and_grants_stay_listable(gateway: Gateway) -> None:
    committee = gateway.client(gateway.org.c1_admin)
    with pytest.raises(GatewayClientError) as info:
        committee.grant("rc-sunshine", "civil-affairs", ["head"], "check\x00 Qiu", later(), record_type="household")
    assert info.value.status == 422 and info.value.problem["rule"] == "nul"
    assert isinstance(committee.grants(), list)  # once answered 500 on PostgreSQL for good
    assert isinstance(gateway.client(gateway.org.dept_admin).grants(), list)


def test_a_chunked_body_over_the_limit_is_413_without_a_content_length(gateway: Gateway) -> None:
    settings = gateway.container.settings
    limit, settings.max_request_bytes = settings.max_request_bytes, 4096

    def chunks() -> Iterator[bytes]:
        yield b'{"receipt": "'
        for _ in range(8):
            yield b"x" * 1024

    try:
        response = gateway.http.post("/v1/verify", content=chunks())
    finally:
        settings.max_request_bytes = limit
    assert "content-length" not in response.request.headers
    problem = assert_problem(response, 413, "payload-too-large")
    assert problem["detail"] == "the request body exceeds the limit of 4096 bytes"


def signed(gw: Gateway, method: str, target: str, body: bytes = b"") -> httpx.Response:
    """A request signed by the subdistrict admin (an auditor), exactly as sent."""
    account = gw.org.sd_admin
    headers = sign_request(bytes(account.key), account.address, method, target, body, authority="testserver")
    if body:
        headers["Content-Type"] = "application/json"
    return gw.http.request(method, target, content=body, headers=headers)


BIG = 2**70


def revoke_body(nonce: int = 0) -> bytes:
    return json.dumps({"nonce": nonce, "deadline": later(), "signature": "0x" + "11" * 65}).encode()


OVERFLOWS: list[tuple[str, str, str, bytes]] = [
    ("grant id 2^70", "DELETE", f"/v1/grants/{BIG}", revoke_body()),
    ("grant id -1", "DELETE", "/v1/grants/-1", revoke_body()),
    ("revoke nonce 2^256", "DELETE", "/v1/grants/1", revoke_body(2**256)),
    ("audit offset 2^70", "GET", f"/v1/audit/access?offset={BIG}", b""),
    ("audit limit 2^70", "GET", f"/v1/audit/access?limit={BIG}", b""),
    ("audit limit 0", "GET", "/v1/audit/access?limit=0", b""),
    ("inclusion idx -1", "GET", "/v1/audit/log/inclusion?idx=-1&size=1", b""),
    ("inclusion size 2^70", "GET", f"/v1/audit/log/inclusion?idx=0&size={BIG}", b""),
    ("consistency 2^64", "GET", f"/v1/audit/log/consistency?first=1&second={2**64}", b""),
    ("integrity limit 2^70", "GET", f"/v1/audit/integrity?limit={BIG}", b""),
    ("grant expiry 2^256", "POST", "/v1/grants", json.dumps({
        "owner": "rc-sunshine", "grantee": "civil-affairs", "type": "household", "fields": ["head"],
        "purpose": "census", "expires_at": 2**256, "nonce": 0, "deadline": later(),
        "signature": "0x" + "11" * 65}).encode()),
    ("record version 2^256", "POST", "/v1/records", json.dumps({
        "id": "00000000-0000-4000-8000-000000000001", "type": "household", "payload": {"head": "x"},
        "record_secret": "0x" + "22" * 32, "version": 2**256, "signature": "0x" + "11" * 65}).encode()),
]  # fmt: skip


@pytest.mark.parametrize(("method", "target", "body"), [c[1:] for c in OVERFLOWS], ids=[c[0] for c in OVERFLOWS])
def test_out_of_range_integers_are_422_naming_the_field(
    gateway: Gateway, method: str, target: str, body: bytes
) -> None:
    problem = assert_problem(signed(gateway, method, target, body), 422, "validation-failed")
    assert problem["errors"][0]["rule"] and problem["path"]


@pytest.mark.parametrize(
    ("target", "where", "rule"),
    [
        ("/v1/records/abc%00def", "path", "nul"),
        ("/v1/audit/access?subject=%00", "query", "nul"),
        ("/v1/audit/access?subject=" + SECRET_VALUE + "%00", "query", "nul"),
        ("/v1/audit/access?subject=%ED%A0%80", "query", "lone-surrogate"),
        ("/v1/audit/access?subject=%FF", "query", "utf-8"),
    ],
)
def test_nul_and_lone_surrogates_in_the_path_or_query_are_refused(
    gateway: Gateway, target: str, where: str, rule: str
) -> None:
    response = signed(gateway, "GET", target)
    problem = assert_problem(
        response, 400 if rule == "utf-8" else 422, "malformed-request" if rule == "utf-8" else "refused-input", rule
    )
    assert problem["location"] == where


def test_unknown_routes_and_wrong_methods_are_problem_details(gateway: Gateway) -> None:
    assert_problem(gateway.http.get(f"/v1/people/{SECRET_VALUE}"), 404, "not-found")
    response = gateway.http.delete("/v1/info")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


def test_a_validation_error_names_the_field_and_rule_but_not_the_value(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    with pytest.raises(GatewayClientError) as info:
        client.commit("resident", {"name": "Qiu Xiaoyan", "id_number": SECRET_VALUE[:-1] + "Z", "phone": "Qiu phone"})
    problem = info.value.problem
    assert info.value.status == 422 and problem["path"] == "payload/id_number"
    assert "must match the pattern" in problem["detail"]
    text = json.dumps(problem)
    assert SECRET_VALUE[:-1] not in text and "Qiu" not in text
    response = signed(gateway, "GET", f"/v1/records/{SECRET_VALUE}")  # not a UUID
    problem = assert_problem(response, 422, "validation-failed")
    assert problem["errors"][0] == {
        "path": "record_id",
        "in": "path",
        "rule": "uuid_parsing",
        "message": "must be a UUID",
    }


# -- /v1/verify with hostile receipts: a verdict or a 422, never a 500 -------------------------


@pytest.fixture(scope="module")
def anchored(gateway: Gateway) -> tuple[dict[str, Any], dict[str, Any]]:
    client = gateway.client(gateway.org.c1_recorder)
    accepted = client.commit("household", HOUSEHOLD)
    receipt = client.wait_anchored(accepted["id"])
    return receipt, client.get(accepted["id"])["disclosure"]


def _set(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    *parents, last = path.split(".")
    target = changed
    for part in parents:
        target = target[part]
    target[last] = value
    return changed


RECEIPT_MUTATIONS: list[tuple[str, Any]] = [
    ("entry.version", -1),
    ("entry.version", 0),
    ("entry.version", 2**256),
    ("entry.version", 2**32),
    ("entry.version", "1"),
    ("entry.version", True),
    ("entry.version", 1.5),
    ("entry.version", None),
    ("entry.format", True),
    ("entry.org", 5),
    ("entry.org", "A" * 40),
    ("entry.record_id", [1]),
    ("entry.commitment", "0x12"),
    ("entry.committer", {"a": 1}),
    ("entry.signature", 12),
    ("inclusion.leaf_index", -1),
    ("inclusion.leaf_index", 1.5),
    ("inclusion.leaf_index", "0"),
    ("inclusion.leaf_index", 2**63),
    ("inclusion.leaf_index", 2**256),
    ("inclusion.tree_size", 0),
    ("inclusion.tree_size", 2**62),
    ("inclusion.proof", "0x" + "00" * 32),
    ("inclusion.proof", ["0x" + "00" * 32] * 65),
    ("inclusion.proof", [7]),
    ("anchor.chain_id", 2**256),
    ("anchor.chain_id", -1),
    ("anchor.block_number", 2**70),
    ("anchor.block_number", 10**9),
    ("anchor.anchored_at", -5),
    ("anchor.registry", "0x00"),
    ("anchor.tx_hash", None),
    ("batch.root", "zz" * 32),
    ("batch", [1, 2]),
    ("entry", "x"),
]
DISCLOSURE_MUTATIONS: list[tuple[str, Any]] = [
    ("field_count", 0),
    ("field_count", 2**256),
    ("field_count", "4"),
    ("fields", []),
    ("fields.head.index", -1),
    ("fields.head.index", "1"),
    ("fields.head.index", 1.5),
    ("fields.head.index", True),
    ("fields.head.index", 2**40),
    ("fields.head.value", 2**60),
    ("fields.head.value", {"deep": [1, 2, {"x": None}]}),
    ("fields.head.salt", 5),
    ("fields.head.proof", {}),
    ("record_id", 5),
]


@pytest.mark.parametrize(("path", "value"), RECEIPT_MUTATIONS, ids=[f"{p}={str(v)[:12]}" for p, v in RECEIPT_MUTATIONS])
def test_a_hostile_receipt_gets_a_verdict_or_a_422(
    gateway: Gateway, anchored: tuple[dict[str, Any], dict[str, Any]], path: str, value: Any
) -> None:
    receipt, disclosure = anchored
    body = json.dumps({"receipt": _set(receipt, path, value), "disclosure": disclosure}).encode()
    response = gateway.http.post("/v1/verify", content=body, headers={"Content-Type": "application/json"})
    if response.status_code == 200:  # well-formed: the chain's facts decide, and a misstated one is invalid
        verdict = response.json()
        assert verdict["block_number"] == receipt["anchor"]["block_number"]  # the chain's, not the receipt's
        assert verdict["valid"] is False and verdict["check"] == "batch-facts"
    else:
        problem = assert_problem(response, 422, "validation-failed")
        assert path.split(".")[-1] in problem["detail"] or "format" in problem["detail"]


@pytest.mark.parametrize(
    ("path", "value"), DISCLOSURE_MUTATIONS, ids=[f"{p}={str(v)[:12]}" for p, v in DISCLOSURE_MUTATIONS]
)
def test_a_hostile_disclosure_gets_a_verdict_or_a_422(
    gateway: Gateway, anchored: tuple[dict[str, Any], dict[str, Any]], path: str, value: Any
) -> None:
    receipt, disclosure = anchored
    body = json.dumps({"receipt": receipt, "disclosure": _set(disclosure, path, value)}).encode()
    response = gateway.http.post("/v1/verify", content=body, headers={"Content-Type": "application/json"})
    if response.status_code == 200:
        verdict = response.json()
        assert verdict["valid"] is False and verdict["problems"]
        assert str(2**60) not in response.text
    else:
        assert_problem(response, 422, "validation-failed")


def test_the_untouched_receipt_still_verifies(
    gateway: Gateway, anchored: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    receipt, disclosure = anchored
    response = gateway.http.post("/v1/verify", json={"receipt": receipt, "disclosure": disclosure})
    assert response.status_code == 200 and response.json()["valid"] is True


# -- a live server: what only a real socket shows ---------------------------------------------


LIVE_LIMIT = 256 * 1024


@pytest.fixture(scope="module")
def live_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A uvicorn process (SQLite, no chain: the edge needs neither), stopped by its pid."""
    port, data_dir = free_port(), tmp_path_factory.mktemp("live")
    env = {
        **os.environ, "GRIDLEDGER_DATA_DIR": str(data_dir), "GRIDLEDGER_ENV": "test",
        "GRIDLEDGER_RPC_URL": f"http://127.0.0.1:{free_port()}", "GRIDLEDGER_ANCHORING": "false",
        "GRIDLEDGER_MAX_REQUEST_BYTES": str(LIVE_LIMIT),
    }  # fmt: skip
    log_path = data_dir.parent / "live-gateway.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "gateway.app:create_app", "--factory", "--port", str(port),
             "--log-level", "warning"],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log_path.read_text(errors="replace")
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the live gateway did not start"
            time.sleep(0.2)
        yield url
        assert proc.poll() is None, f"the gateway process died: {log_path.read_text(errors='replace')[-2000:]}"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_body_nested_100000_deep_leaves_the_process_alive(live_gateway: str) -> None:
    """Unauthenticated, 200 KB: it once overflowed the C stack in ``json.loads`` (SIGSEGV)."""
    deep = b"[" * 100_000 + b"]" * 100_000
    assert len(deep) < LIVE_LIMIT  # read whole, scanned, refused before any parser
    response = httpx.post(f"{live_gateway}/v1/verify", content=deep, headers={"Content-Type": "application/json"})
    assert_problem(response, 422, "refused-input", "json-depth")
    assert httpx.get(f"{live_gateway}/healthz", timeout=10).status_code == 200


def test_a_chunked_upload_is_cut_off_at_the_limit_without_reading_the_rest(live_gateway: str) -> None:
    """The client never finishes its body: a server that read it all would wait forever."""
    host, port = live_gateway.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(
            b"POST /v1/verify HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"x" * 1024
        for _ in range(LIVE_LIMIT // len(chunk) + 8):  # over the limit, and no terminating chunk
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"application/problem+json" in head.lower()
    assert json.loads(body)["detail"] == f"the request body exceeds the limit of {LIVE_LIMIT} bytes"

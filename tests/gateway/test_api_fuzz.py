"""Schemathesis against ``/openapi.json``: no input answers 5xx, breaks the schema, or errs without a problem.

Every operation gets generated requests (valid by the schema, and invalid: negative
mode), unsigned and signed by a member, on SQLite and PostgreSQL, sent through the real
app. Checked on each answer: not a 5xx; status code, content type, headers and body as
the OpenAPI document describes; invalid data refused with a 4xx; and every error
``application/problem+json`` with ``type``, ``title`` and ``status``.

Bounded for CI: ``GRIDLEDGER_FUZZ_EXAMPLES`` examples per operation and mode (default 20),
derandomized so a run is reproducible; ``GRIDLEDGER_FUZZ_RANDOM=1`` explores afresh.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from ledger.client.request_signing import sign_request
from tests.gateway.conftest import Gateway

EXAMPLES = int(os.environ.get("GRIDLEDGER_FUZZ_EXAMPLES", "20"))
RANDOM = os.environ.get("GRIDLEDGER_FUZZ_RANDOM") == "1"
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
CHECKS_TO_RUN = [c for c in CHECKS.get_all() if c.__name__ in CHECK_NAMES]
PROBLEM = "application/problem+json"


def to_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis' requests-style arguments as httpx's, with the body as exact bytes."""
    out: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": dict(kwargs.get("headers") or {}),
    }
    if kwargs.get("params"):
        out["params"] = kwargs["params"]
    if "json" in kwargs:
        out["content"] = json.dumps(kwargs["json"], allow_nan=False).encode()
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        out["content"] = data if isinstance(data, bytes) else str(data).encode()
    return out


def sign(request: httpx.Request, gw: Gateway) -> None:
    """Sign the request exactly as it goes out: method, host, raw path and query, body."""
    target = request.url.raw_path.decode("ascii")
    # a recorder for commits, else the subdistrict's admin and auditor: the most routes reached
    account = gw.org.c1_recorder if target.startswith("/v1/records") and request.method == "POST" else gw.org.sd_admin
    host = request.url.netloc.decode("ascii")
    headers = sign_request(bytes(account.key), account.address, request.method, target, request.content, authority=host)
    request.headers.update(headers)


def problem_failure(response: httpx.Response) -> str | None:
    if response.status_code < 400:
        return None
    if response.headers.get("content-type") != PROBLEM:
        return f"{response.status_code} with content type {response.headers.get('content-type')!r}"
    body = response.json()
    if not (
        isinstance(body, dict) and {"type", "title", "status"} <= set(body) and body["status"] == response.status_code
    ):
        return f"{response.status_code} whose body is not a problem detail"
    return None


def runner(
    gw: Gateway, operation: schemathesis.APIOperation, mode: GenerationMode, signed: bool, seen: Counter[str]
) -> Callable[[], None]:
    """A Hypothesis test sending ``operation``'s generated requests through the app."""
    name = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=EXAMPLES, derandomize=not RANDOM, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        request = gw.http.build_request(**to_httpx(case.as_transport_kwargs(base_url="http://testserver")))
        if signed:
            sign(request, gw)
        response = gw.http.send(request)
        seen[f"{name} {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS_TO_RUN)
            problem = problem_failure(response)
            assert problem is None, problem
        except AssertionError as exc:
            what = f"{request.method} {request.url.raw_path[:300]!r} -> {response.status_code}"
            raise AssertionError(f"{what}: {exc}") from exc

    return run


def fuzz(gw: Gateway, signed: bool, seen: Counter[str]) -> list[str]:
    """Run every operation in both modes; return one line per operation that failed."""
    schema = schemathesis.openapi.from_dict(gw.http.app.openapi())  # type: ignore[attr-defined]
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                runner(gw, operation, mode, signed, seen)()
            except Unsatisfiable:
                continue  # nothing to generate in this mode (e.g. no parameter to make invalid)
            except Exception as exc:  # collected, reported together below
                summary = " | ".join(str(exc).strip().splitlines()[:8])
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {summary}")
    return failures


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_generated_requests_never_answer_5xx_or_break_the_schema(gateway: Gateway, signed: bool) -> None:
    statuses: Counter[str] = Counter()
    failures = fuzz(gateway, signed, statuses)
    print("\n".join(f"{n:4d} {k}" for k, n in sorted(statuses.items())))  # what was reached, with -s
    assert not failures, "\n".join(failures)

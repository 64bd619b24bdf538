"""Rendering errors as RFC 9457 problem details, and FastAPI's own errors as ours.

Every answer >= 400 is ``application/problem+json`` with a stable ``type``: the ones the
routes raise (:class:`~gateway.errors.GatewayError`), FastAPI's request validation
(reworded: a field and a rule, never the rejected value), Starlette's 404 and 405, and,
through :class:`gateway.api.observability.RequestContext`, anything unexpected. ``instance``
names the request by its id (``X-Request-Id``), never by its path, which may hold input.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from gateway.errors import (
    ChainUnavailable,
    GatewayError,
    MalformedRequest,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
    classify,
)
from ledger.errors import LedgerError

PROBLEM_JSON = "application/problem+json"

# The OpenAPI description of every error answer, shared by all routes ("default").
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {
        "description": "Problem details (RFC 9457): see docs/api.md for the types",
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    }
}


def request_id_of(scope: Scope) -> str | None:
    state = scope.get("state") or {}
    value = state.get("request_id") if isinstance(state, dict) else None
    return str(value) if value else None


def problem_response(
    error: GatewayError, *, request_id: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """``error`` as an ``application/problem+json`` response (with ``Retry-After`` on a 503)."""
    extra = dict(headers or {})
    if isinstance(error, ServiceUnavailable):
        extra.setdefault("Retry-After", str(error.retry_after))
    instance = f"urn:gridledger:request:{request_id}" if request_id else None
    return JSONResponse(error.problem(instance), status_code=error.status, media_type=PROBLEM_JSON, headers=extra)


async def send_problem(error: GatewayError, scope: Scope, send: Send, headers: dict[str, str] | None = None) -> None:
    """Answer with ``error`` from raw ASGI code (middleware, before any route)."""
    response = problem_response(error, request_id=request_id_of(scope), headers=headers)
    await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


# -- validation messages: the rule, never the value ----------------------------------------

_TYPE_NAMES = {
    "int": "an integer", "float": "a number", "bool": "a boolean", "string": "a string", "dict": "an object",
    "list": "an array", "model_attributes": "an object", "model": "an object", "uuid": "a UUID",
    "datetime": "a date-time", "date": "a date", "bytes": "a string", "none_required": "null",
}  # fmt: skip


def rule_message(kind: str, ctx: dict[str, Any] | None) -> str:
    """A sentence for one pydantic error type, built from the rule's parameters only.

    pydantic's own ``msg`` may quote the input (``uuid_parsing`` names the offending
    character, ``literal_error`` and JSON errors can carry fragments), so it is not used.
    """
    ctx = ctx or {}
    for suffix in ("_type", "_parsing"):
        if kind.endswith(suffix):
            base = kind.removesuffix(suffix)
            return f"must be {_TYPE_NAMES.get(base, base.replace('_', ' '))}"
    limits = {
        "greater_than": "must be greater than {gt}",
        "greater_than_equal": "must be at least {ge}",
        "less_than": "must be less than {lt}",
        "less_than_equal": "must be at most {le}",
        "multiple_of": "must be a multiple of {multiple_of}",
        "string_too_short": "must have at least {min_length} characters",
        "string_too_long": "must have at most {max_length} characters",
        "too_short": "must have at least {min_length} items",
        "too_long": "must have at most {max_length} items",
        "string_pattern_mismatch": "must match the pattern {pattern}",
        "literal_error": "must be one of {expected}",
        "enum": "must be one of {expected}",
    }
    if kind in limits:
        try:
            return limits[kind].format(**ctx)
        except (KeyError, IndexError):
            return f"breaks the rule {kind}"
    fixed = {
        "missing": "is required",
        "extra_forbidden": "is not allowed",
        "json_invalid": "is not valid JSON",
        "finite_number": "must be a finite number",
        "int_from_float": "must be an integer",
        "uuid_version": "must be a UUID",
        "timezone_aware": "must name its time zone",
        "value_error": "is invalid",
    }
    return fixed.get(kind, f"breaks the rule {kind}")


def validation_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where = loc[0]
            loc = loc[1:]
        else:
            where = "body"
        kind = str(error.get("type", "value_error"))
        message = rule_message(kind, error.get("ctx"))
        out.append({"path": "/".join(loc) or where, "in": where, "rule": kind, "message": message})
    return out


def _request_id(request: Request) -> str | None:
    return request_id_of(request.scope)


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors raised inside routing into problem details."""

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> JSONResponse:
        return problem_response(exc, request_id=_request_id(request))

    @app.exception_handler(LedgerError)
    async def _ledger_error(request: Request, exc: LedgerError) -> JSONResponse:
        error = classify(exc)
        metrics = getattr(request.app.state, "metrics", None)
        if isinstance(error, ChainUnavailable) and metrics is not None:
            metrics.chain_error()
        return problem_response(error, request_id=_request_id(request))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors())
        first = errors[0] if errors else {"path": "", "message": "is invalid"}
        error = ValidationFailed(f"{first['path']}: {first['message']}", path=first["path"], errors=errors)
        return problem_response(error, request_id=_request_id(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        error: GatewayError
        if exc.status_code == 404:
            error = NotFound("no such route")
        elif exc.status_code == 405:
            error = MethodNotAllowed(f"{request.method} is not allowed here")
        elif exc.status_code == 400:
            error = MalformedRequest("the request could not be parsed")
        else:  # not raised by this gateway's routes; keep the status, say nothing more
            body = {"type": "about:blank", "title": http_title(exc.status_code), "status": exc.status_code}
            return JSONResponse(body, status_code=exc.status_code, media_type=PROBLEM_JSON, headers=headers)
        return problem_response(error, request_id=_request_id(request), headers=headers)


def http_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

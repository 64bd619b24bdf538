"""The gateway's FastAPI application factory."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from gateway.errors import GatewayError, PayloadTooLarge, ValidationFailed, from_ledger
from gateway.routes import audit, grants, health, orgs, records, verify
from gateway.runtime import Runtime
from gateway.settings import Settings, get_settings
from ledger.errors import LedgerError

PROBLEM_JSON = "application/problem+json"


def problem_response(error: GatewayError, request: Request) -> JSONResponse:
    return JSONResponse(error.problem(str(request.url.path)), status_code=error.status, media_type=PROBLEM_JSON)


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, *, clock: Callable[[], float] = time.time
) -> FastAPI:
    """Build the app; the runtime (chain, database, workers) starts in its lifespan.

    ``clock`` is the gateway's notion of now (Unix seconds); tests inject one.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = runtime or Runtime.build(settings, clock=clock)
        if runtime is None and settings.worker:
            app.state.runtime.start_worker()
        try:
            yield
        finally:
            app.state.runtime.close()

    app = FastAPI(
        title="GridLedger gateway",
        version="0.1.0",
        summary="Shared community records: encrypted off-chain, committed on-chain.",
        lifespan=lifespan,
    )

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(LedgerError)
    async def _ledger_error(request: Request, exc: LedgerError) -> JSONResponse:
        return problem_response(from_ledger(exc), request)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"path": "/".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        first = errors[0] if errors else {"path": "", "message": "invalid request"}
        error = ValidationFailed(f"{first['path']}: {first['message']}", errors=errors)
        return problem_response(error, request)

    @app.middleware("http")
    async def _limit_body(request: Request, call_next: Any) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > settings.max_request_bytes:
            error = PayloadTooLarge(f"the request body is {declared} bytes; the limit is {settings.max_request_bytes}")
            return problem_response(error, request)
        return await call_next(request)

    app.include_router(health.router)
    app.include_router(records.router)
    app.include_router(verify.router)
    app.include_router(orgs.router)
    app.include_router(grants.router)
    app.include_router(audit.router)
    return app

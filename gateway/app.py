"""The gateway's FastAPI application factory.

Requests pass, outermost first: :class:`~gateway.observability.RequestContext` (request
id, log line, metrics, the catch-all that turns any escaped exception into a problem
detail), :class:`~gateway.edge.EdgeGuard` (body size, JSON depth, NUL, surrogates,
non-finite numbers, before anything parses the body), then FastAPI, whose errors
:mod:`gateway.problems` renders as problem details.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import problems
from gateway.datadir import private_dir
from gateway.edge import EdgeGuard, restore_recursion_limit
from gateway.metrics import Metrics
from gateway.observability import RequestContext
from gateway.routes import audit, grants, health, metrics, orgs, records, verify
from gateway.runtime import Runtime
from gateway.settings import Settings, get_settings

PROBLEM_JSON = problems.PROBLEM_JSON


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, *, clock: Callable[[], float] = time.time
) -> FastAPI:
    """Build the app; the runtime (chain, database, workers) starts in its lifespan.

    ``clock`` is the gateway's notion of now (Unix seconds); tests inject one.
    """
    settings = settings or get_settings()
    restore_recursion_limit()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        private_dir(settings.data_dir)
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
    app.state.runtime = None
    app.state.metrics = Metrics(lambda: app.state.runtime)
    problems.install(app)
    routers = (health, metrics, records, verify, orgs, grants, audit)
    for module in routers:
        app.include_router(module.router, responses=problems.PROBLEM_RESPONSES)
    app.add_middleware(EdgeGuard, settings=settings)
    app.add_middleware(RequestContext, metrics=app.state.metrics, routes=app.routes)
    return app

"""The gateway's FastAPI application factory.

Requests pass, outermost first: :class:`~gateway.api.observability.RequestContext` (request
id, log line, metrics, the catch-all that turns any escaped exception into a problem
detail), :class:`~gateway.api.edge.EdgeGuard` (body size, JSON depth, NUL, surrogates,
non-finite numbers, before anything parses the body), then FastAPI, whose errors
:mod:`gateway.api.problems` renders as problem details.
"""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.api import problems
from gateway.api.edge import EdgeGuard, restore_recursion_limit
from gateway.api.metrics import Metrics
from gateway.api.observability import RequestContext
from gateway.api.routes import (
    audit,
    feed,
    grants,
    health,
    metrics,
    orgs,
    portal,
    record_types,
    records,
    residents,
    session,
    spec,
    subscriptions,
    verify,
)
from gateway.assembly import build_container
from gateway.security.files import private_dir
from gateway.settings import Settings, get_settings
from gateway.workers.anchoring import AnchoringWorker
from gateway.workers.webhooks import WebhookWorker

PROBLEM_JSON = problems.PROBLEM_JSON


GC_GEN0_THRESHOLD = 50_000
"""Allocations between young-generation collections (CPython's default is 700: a 500-record commit
would run hundreds of them, each walking the request's fresh objects)."""


def tune_gc() -> None:
    """Once start-up is done: move what is alive now (modules, the app, the container) out of the
    collector's sight with ``gc.freeze``, and collect the young generation less often. Cycles are
    still collected; a commit's short-lived objects are freed by reference counting anyway."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


def create_app(settings: Settings | None = None, *, clock: Callable[[], float] = time.time) -> FastAPI:
    """Build the app; the container (chain, database, services) and the workers start in its lifespan.

    ``clock`` is the gateway's notion of now (Unix seconds); tests inject one.
    """
    settings = settings or get_settings()
    restore_recursion_limit()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        private_dir(settings.data_dir)
        container = build_container(settings, clock=clock)
        app.state.container = container
        if settings.env != "test":
            tune_gc()
        if settings.anchoring:
            # the one place a worker is built: services never import workers
            container.worker = AnchoringWorker(container, container.operator())
            container.worker.start()
        webhooks = WebhookWorker(container) if settings.webhooks else None
        if webhooks is not None:
            webhooks.start()
        try:
            yield
        finally:
            if webhooks is not None:
                webhooks.stop()
            if container.worker is not None:
                container.worker.stop()
            container.close()

    app = FastAPI(
        title="GridLedger gateway",
        version="0.1.0",
        summary="Shared community records: encrypted off-chain, committed on-chain.",
        lifespan=lifespan,
        docs_url=None,  # served by the portal's router, from local assets
        redoc_url=None,
    )
    app.state.container = None
    app.state.metrics = Metrics(lambda: app.state.container)
    problems.install(app)
    routers = (
        health, metrics, records, record_types, feed, subscriptions, verify, orgs, grants, audit, residents, spec,
        session, portal,
    )
    for module in routers:
        app.include_router(module.router, responses=problems.PROBLEM_RESPONSES)
    app.add_middleware(EdgeGuard, settings=settings)
    app.add_middleware(RequestContext, metrics=app.state.metrics, routes=app.routes)
    return app

"""Liveness and readiness.

``/healthz`` says the process is up. ``/readyz`` says it can serve: the database answers
and is migrated to the revision this code expects (503 otherwise). The chain is reported
(reachable, contracts deployed, latest block) but does not fail readiness: commits are
acknowledged from the database and anchored when the chain is back, so a gateway whose
chain is down is ``degraded``, not unready; taking it out of a load balancer would turn a
delay into an outage.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from gateway.api.deps import ContainerDep
from gateway.api.problems import PROBLEM_JSON
from gateway.container import Container
from gateway.db.engine import code_revision, schema_revision
from ledger.chain.address_book import check_deployed
from ledger.errors import LedgerError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


def database_check(container: Container) -> dict[str, Any]:
    head = code_revision()
    try:
        revision = schema_revision(container.engine)
    except SQLAlchemyError:
        return {"ok": False, "detail": "the database is unreachable", "expected_revision": head}
    if revision != head:
        return {"ok": False, "detail": "the schema is not migrated to this code's revision",
                "revision": revision, "expected_revision": head}  # fmt: skip
    return {"ok": True, "revision": revision}


def chain_checks(container: Container) -> dict[str, dict[str, Any]]:
    chain_ok = container.chain.is_reachable()
    checks: dict[str, dict[str, Any]] = {"chain": {"ok": chain_ok, "rpc_url": container.chain.rpc_url}}
    if not chain_ok:
        checks["contracts"] = {"ok": False, "detail": "chain unreachable"}
        return checks
    deployment, problem = container.try_deployment()
    if deployment is None:
        checks["contracts"] = {"ok": False, "detail": problem}
        return checks
    try:
        missing = check_deployed(deployment)
        block = container.chain.block_number()
    except LedgerError as exc:
        checks["contracts"] = {"ok": False, "detail": exc.message}
        return checks
    checks["chain"]["block"] = block
    checks["contracts"] = {
        "ok": not missing,
        "chain_id": deployment.book.chain_id,
        "block": block if not missing else None,
        "membership": deployment.book.membership,
        "registry": deployment.book.registry,
        "grants": deployment.book.grants,
        **({"missing": missing} if missing else {}),
    }
    return checks


@router.get("/readyz", response_model=None)
def readyz(container: ContainerDep) -> dict[str, Any] | JSONResponse:
    """Database reachable and migrated: ready (``degraded`` while the chain is down)."""
    checks = {"database": database_check(container), **chain_checks(container)}
    if not checks["database"]["ok"]:
        body = {
            "type": "https://gridledger.dev/problems/not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": checks["database"]["detail"],
            "readiness": "not ready",
            "checks": checks,
        }
        return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON, headers={"Retry-After": "5"})
    degraded = not (checks["chain"]["ok"] and checks["contracts"]["ok"])
    return {"status": "degraded" if degraded else "ready", "checks": checks}

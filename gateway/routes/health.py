"""Liveness and readiness.

``/healthz`` says the process is up. ``/readyz`` says it can serve: the chain node
answers, runs the address book's chain, and the contracts have code there.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.deps import RuntimeDep
from ledger.deploy import check_deployed
from ledger.errors import LedgerError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(runtime: RuntimeDep) -> dict[str, Any] | JSONResponse:
    """Chain reachable, contracts deployed: ready to serve."""
    checks: dict[str, Any] = {}
    chain_ok = runtime.chain.is_reachable()
    checks["chain"] = {"ok": chain_ok, "rpc_url": runtime.chain.rpc_url}
    if chain_ok:
        deployment, problem = runtime.try_deployment()
        if deployment is None:
            checks["contracts"] = {"ok": False, "detail": problem}
        else:
            try:
                missing = check_deployed(deployment)
            except LedgerError as exc:
                missing, problem = ["all"], exc.message
            checks["contracts"] = {
                "ok": not missing,
                "chain_id": deployment.book.chain_id,
                "block": runtime.chain.block_number() if not missing else None,
                "membership": deployment.book.membership,
                "registry": deployment.book.registry,
                "grants": deployment.book.grants,
                **({"missing": missing} if missing else {}),
            }
    else:
        checks["contracts"] = {"ok": False, "detail": "chain unreachable"}
    ready = all(c["ok"] for c in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    if ready:
        return body
    problem_body = {
        "type": "https://gridledger.dev/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "; ".join(f"{name} not ready" for name, c in checks.items() if not c["ok"]),
        **body,
    }
    return JSONResponse(problem_body, status_code=503, media_type="application/problem+json")

"""Prometheus metrics (see :mod:`gateway.api.metrics` for what is counted where)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.api.metrics import CONTENT_TYPE, Metrics

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Counts and gauges only: no record, subject or member appears in a label."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE)

"""The portal's pages and assets, and the API docs with their assets served from here too.

The portal is built from ``portal/`` (pinned npm packages, a lock file) into ``portal/dist``
by ``./scripts/bootstrap`` (docs/decisions/0020-portal.md); this module serves that folder
and nothing outside it. ``/docs`` is Swagger UI from the same build (no CDN: it works
offline). A gateway installed without the built portal answers 404 problems that say so.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from gateway.errors import NotFound

PORTAL_DIST = Path(__file__).resolve().parents[3] / "portal" / "dist"
"""Where ``./scripts/bootstrap`` builds the portal (the repository's ``portal/dist``)."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""The portal's content security policy: its own scripts only; fetches may also go to a chain node the
department names (verify by drop checks against a node of its choosing)."""

router = APIRouter(include_in_schema=False)


def _asset(relative: str) -> Path:
    root = PORTAL_DIST.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        if not (root / "index.html").is_file():
            raise NotFound("the portal is not built here: run ./scripts/bootstrap (it builds portal/dist)")
        raise NotFound(f"no portal asset {relative!r}")
    return path


def _headers() -> dict[str, str]:
    return {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache"}  # fmt: skip


@router.get("/")
def portal_page() -> FileResponse:
    """The portal: one page; it signs in, then shows the work of whoever signed in."""
    return FileResponse(_asset("index.html"), media_type="text/html; charset=utf-8", headers=_headers())


@router.get("/portal/{relative:path}")
def portal_asset(relative: str) -> FileResponse:
    """The portal's scripts, styles, message catalogues and images (built, never fetched elsewhere)."""
    path = _asset(relative)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media.startswith("text/") or media in ("application/javascript", "application/json"):
        media += "; charset=utf-8"
    return FileResponse(path, media_type=media, headers=_headers())


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over this gateway's OpenAPI document, from assets served here (works offline)."""
    _asset("swagger/swagger-ui-bundle.js")
    return get_swagger_ui_html(
        openapi_url=str(request.app.openapi_url), title="GridLedger gateway API",
        swagger_js_url="/portal/swagger/swagger-ui-bundle.js", swagger_css_url="/portal/swagger/swagger-ui.css",
        swagger_favicon_url="/portal/favicon.svg",
    )  # fmt: skip

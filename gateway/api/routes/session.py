"""Portal sign-in (EIP-4361) and the session cookie it answers.

``GET /v1/session/challenge`` words what to sign; ``POST /v1/session`` checks the signed
message and sets ``gl_session`` (HttpOnly, SameSite=Strict, Secure outside development and
tests); ``GET /v1/session`` says who is signed in; ``DELETE /v1/session`` signs out and must
carry the session's CSRF token in ``X-CSRF-Token``. The cookie authenticates *reads* only
(GET): every request that acts is still signed in the browser with the member's key, as the
CLI signs it (docs/decisions/0020-portal.md).
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from gateway.api.auth import SESSION_COOKIE, request_authority, session_of
from gateway.api.deps import ContainerDep
from gateway.errors import Forbidden
from gateway.services import sign_in

router = APIRouter(prefix="/v1", tags=["session"])


class SignIn(BaseModel):
    message: str = Field(max_length=2000, description="the EIP-4361 message, as signed")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="personal_sign over the message")


@router.get("/session/challenge")
def session_challenge(request: Request, container: ContainerDep) -> dict[str, Any]:
    """The fields of the sign-in message to sign: domain, URI, chain id, a fresh nonce, times."""
    return sign_in.challenge(container, request_authority(request), request.url.scheme)


@router.post("/session", status_code=201)
def open_session(body: SignIn, request: Request, response: Response, container: ContainerDep) -> dict[str, Any]:
    """Check the signed sign-in message and answer the session cookie; who signed in, and the CSRF token."""
    done = sign_in.sign_in(container, body.message, body.signature, request_authority(request), request.url.scheme)
    response.set_cookie(
        SESSION_COOKIE, done.session.token(container.vault.session_key), max_age=sign_in.SESSION_SECONDS,
        httponly=True, samesite="strict", secure=container.settings.env == "production", path="/",
    )  # fmt: skip
    return done.who


@router.get("/session")
def current_session(request: Request, container: ContainerDep) -> dict[str, Any]:
    """Who the session cookie signed in, as the chain (or the enrolment) says now."""
    session = session_of(request, container)
    who = sign_in.whoami(container, session.address)
    return who | {"expires_at": sign_in.rfc3339(session.expires), "csrf": session.csrf}


@router.delete("/session", status_code=204)
def close_session(request: Request, response: Response, container: ContainerDep) -> Response:
    """Sign out: the cookie is cleared (the request must carry the session's CSRF token)."""
    session = session_of(request, container)
    if not hmac.compare_digest(request.headers.get("x-csrf-token", ""), session.csrf):
        raise Forbidden("the X-CSRF-Token header must carry this session's CSRF token")
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response

"""Authenticating signed requests (the protocol is in :mod:`ledger.client.request_signing`).

The order matters: the signature is checked first (no database, no chain), then the chain
is asked whether the signer is a member, and only a member's nonce is stored. A key that
belongs to no member, or a request signed for another gateway, never writes a row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from gateway.container import Container
from gateway.db.models import RequestNonce
from gateway.errors import Forbidden, Unauthenticated
from gateway.security.sessions import Kind, Session, TokenRejected
from gateway.services.members import Member
from gateway.services.residents import Resident
from gateway.services.sign_in import CHALLENGE_SECONDS, CLOCK_SKEW
from ledger.client.request_signing import HEADERS, SignatureRejected, Verified, normalize_authority, verify_request

T = TypeVar("T")


SESSION_COOKIE = "gl_session"
"""The portal's session cookie (:mod:`gateway.api.routes.session`)."""
SIGN_IN_NONCE_SECONDS = CHALLENGE_SECONDS + 2 * CLOCK_SKEW
"""How long a spent sign-in nonce must be remembered: its challenge's life plus the clock skew allowed."""
READS = frozenset({"GET", "HEAD"})
"""The methods a session cookie may authenticate: reading only; whatever acts is signed."""


async def authenticate(request: Request, container: Container) -> Member:
    """The member a request acts for; 401 for a missing, wrong, stale or replayed signature."""
    refusal = "the signing key is not a member of an active organisation"
    if _by_cookie(request):
        return await run_in_threadpool(_by_session, request, container, "member", container.members.member, refusal)
    body = await request.body()
    return await run_in_threadpool(_authenticate, request, body, container, container.members.member, refusal)


async def authenticate_resident(request: Request, container: Container) -> Resident:
    """The enrolled resident a request acts for (``/v1/me/…``); 403 for a key no enrolment vouches for."""
    refusal = "the signing key is not an enrolled resident's (never enrolled, or revoked)"
    lookup = container.residents.resident
    if _by_cookie(request):
        return await run_in_threadpool(_by_session, request, container, "resident", lookup, refusal)
    body = await request.body()
    return await run_in_threadpool(_authenticate, request, body, container, lookup, refusal)


def _by_cookie(request: Request) -> bool:
    """A read that carries a session cookie and no signature (a signature, when present, decides)."""
    return request.method in READS and SESSION_COOKIE in request.cookies and "signature-input" not in request.headers


def session_of(request: Request, container: Container) -> Session:
    """The portal session the request's cookie holds (401 when there is none, or it is forged or expired)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthenticated("not signed in: sign in to the portal, or sign the request")
    try:
        return Session.open(container.vault.session_key, token, container.clock())
    except TokenRejected as exc:
        raise Unauthenticated(f"the session is not valid ({exc}): sign in again") from None


def by_session(request: Request) -> bool:
    """Whether this request was authenticated by the portal's session cookie (not by a signature)."""
    return bool(getattr(request.state, "by_session", False))


def _by_session(
    request: Request, container: Container, kind: Kind, lookup: Callable[[str], T | None], refusal: str
) -> T:
    session = session_of(request, container)
    request.state.by_session = True
    who = lookup(session.address) if session.kind == kind else None
    if who is None:  # what the key may do is the chain's (or the enrolment's) word now, not the session's
        raise Forbidden(refusal)
    return who


def request_authority(request: Request) -> str:
    """The ``host[:port]`` the request was sent to, as a signature's ``@authority`` names it."""
    return normalize_authority(request.headers.get("host", ""), request.url.scheme)


def _authenticate(
    request: Request, body: bytes, container: Container, lookup: Callable[[str], T | None], refusal: str
) -> T:
    verified = verify(request, body, container, now=container.clock())
    who = lookup(verified.keyid)
    if who is None:
        raise Forbidden(refusal)
    _remember_nonce(container, verified)
    return who


def verify(request: Request, body: bytes, container: Container, *, now: float) -> Verified:
    """The signature check on the request as received (401 on failure); ``now`` is the gateway's clock."""
    settings = container.settings
    scope = request.scope
    path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    try:
        target = (path + (b"?" + query if query else b"")).decode("ascii")
    except UnicodeDecodeError:
        raise Unauthenticated("the request target must be ASCII (percent-encode it)") from None
    fields = {name: ", ".join(request.headers.getlist(name)) for name in HEADERS}
    try:
        return verify_request(
            method=request.method,
            authority=normalize_authority(request.headers.get("host", ""), request.url.scheme),
            target=target,
            body=body,
            fields=fields,
            authorities=settings.resolved_authorities,
            now=now,
            max_age=settings.signature_max_age,
        )
    except SignatureRejected as exc:
        raise Unauthenticated(str(exc)) from None


def _remember_nonce(container: Container, verified: Verified) -> None:
    now = datetime.now(UTC)
    with container.sessions() as session:
        session.add(RequestNonce(address=verified.keyid, nonce=verified.nonce, seen_at=now))
        try:
            session.commit()
        except IntegrityError:
            raise Unauthenticated("replayed request: this nonce was used before") from None
        container.nonce_inserts += 1
        if container.nonce_inserts % 1000 == 0:
            # kept long enough that neither a signed request nor a sign-in message can be replayed while fresh
            keep = max(2 * container.settings.signature_max_age, SIGN_IN_NONCE_SECONDS)
            horizon = now - timedelta(seconds=keep)
            session.execute(delete(RequestNonce).where(RequestNonce.seen_at < horizon))
            session.commit()

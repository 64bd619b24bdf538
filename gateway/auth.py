"""Authenticating signed requests (the protocol is in :mod:`gateway.request_signing`).

The order matters: the signature is checked first (no database, no chain), then the chain
is asked whether the signer is a member, and only a member's nonce is stored. A key that
belongs to no member, or a request signed for another gateway, never writes a row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from gateway.errors import Forbidden, Unauthenticated
from gateway.models import RequestNonce
from gateway.request_signing import HEADERS, SignatureRejected, Verified, normalize_authority, verify_request
from gateway.runtime import Runtime
from gateway.services.members import Member


async def authenticate(request: Request, runtime: Runtime) -> Member:
    """The member a request acts for; 401 for a missing, wrong, stale or replayed signature."""
    body = await request.body()
    return await run_in_threadpool(_authenticate, request, body, runtime)


def _authenticate(request: Request, body: bytes, runtime: Runtime) -> Member:
    verified = verify(request, body, runtime, now=runtime.clock())
    member = runtime.directory().member(verified.keyid)
    if member is None:
        raise Forbidden("the signing key is not a member of an active organisation")
    _remember_nonce(runtime, verified)
    return member


def verify(request: Request, body: bytes, runtime: Runtime, *, now: float) -> Verified:
    """The signature check on the request as received (401 on failure); ``now`` is the gateway's clock."""
    settings = runtime.settings
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


def _remember_nonce(runtime: Runtime, verified: Verified) -> None:
    now = datetime.now(UTC)
    with runtime.sessions() as session:
        session.add(RequestNonce(address=verified.keyid, nonce=verified.nonce, seen_at=now))
        try:
            session.commit()
        except IntegrityError:
            raise Unauthenticated("replayed request: this nonce was used before") from None
        runtime.nonce_inserts += 1
        if runtime.nonce_inserts % 1000 == 0:
            horizon = now - timedelta(seconds=2 * runtime.settings.signature_max_age)
            session.execute(delete(RequestNonce).where(RequestNonce.seen_at < horizon))
            session.commit()

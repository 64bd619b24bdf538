"""Authenticating signed requests (see :mod:`gateway.request_signing`)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from gateway.errors import Forbidden, Unauthenticated
from gateway.models import RequestNonce
from gateway.request_signing import ADDRESS, NONCE, SIGNATURE, TIMESTAMP, recover_request
from gateway.runtime import Runtime
from gateway.services.members import Member
from ledger.types import to_address

_NONCE = re.compile(r"^[0-9a-fA-F]{16,64}$")


async def authenticate(request: Request, runtime: Runtime) -> Member:
    """The member a request acts for; 401 for a missing, wrong, stale or replayed signature."""
    body = await request.body()
    return await run_in_threadpool(_authenticate, request, body, runtime)


def _authenticate(request: Request, body: bytes, runtime: Runtime) -> Member:
    headers = request.headers
    missing = [h for h in (ADDRESS, TIMESTAMP, NONCE, SIGNATURE) if h not in headers]
    if missing:
        raise Unauthenticated(f"unsigned request: missing header {missing[0]}")
    try:
        claimed = to_address(headers[ADDRESS])
        timestamp = int(headers[TIMESTAMP])
        signature = bytes.fromhex(headers[SIGNATURE].removeprefix("0x"))
    except ValueError:
        raise Unauthenticated("malformed signature headers") from None
    nonce = headers[NONCE]
    if not _NONCE.match(nonce):
        raise Unauthenticated("the nonce must be 16-64 hex characters")
    max_age = runtime.settings.signature_max_age
    if abs(time.time() - timestamp) > max_age:
        raise Unauthenticated(f"the signature timestamp is more than {max_age}s from the gateway's clock")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        signer = recover_request(request.method, target, body, timestamp, nonce, signature)
    except ValueError:
        raise Unauthenticated("the request signature is malformed") from None
    if signer != claimed:
        raise Unauthenticated("the request signature does not match its address, method, path or body")
    _remember_nonce(runtime, claimed, nonce)
    member = runtime.directory().member(claimed)
    if member is None:
        raise Forbidden(f"{claimed} is not a member of an active organisation")
    return member


def _remember_nonce(runtime: Runtime, address: str, nonce: str) -> None:
    now = datetime.now(UTC)
    with runtime.sessions() as session:
        session.add(RequestNonce(address=address, nonce=nonce.lower(), seen_at=now))
        try:
            session.commit()
        except IntegrityError:
            raise Unauthenticated("replayed request: this nonce was used before") from None
        runtime.nonce_inserts += 1
        if runtime.nonce_inserts % 1000 == 0:
            horizon = now - timedelta(seconds=2 * runtime.settings.signature_max_age)
            session.execute(delete(RequestNonce).where(RequestNonce.seen_at < horizon))
            session.commit()

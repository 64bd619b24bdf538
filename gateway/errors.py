"""Gateway errors and their RFC 9457 problem details.

Every error a route raises on purpose is a :class:`GatewayError` carrying its HTTP
status, a stable problem ``type`` and a ``title``; one handler in :mod:`gateway.app`
renders them as ``application/problem+json``. Errors from ``ledger`` are mapped here too.

    GatewayError                  500  internal             anything unexpected (generic detail)
    ├── MalformedRequest          400  malformed-request    not UTF-8, not parseable
    ├── Unauthenticated           401  unauthenticated
    ├── Forbidden                 403  forbidden
    ├── NotFound                  404  not-found            unknown record, unknown route
    ├── MethodNotAllowed          405  method-not-allowed
    ├── Conflict                  409  conflict
    ├── Gone                      410  gone
    ├── PayloadTooLarge           413  payload-too-large
    ├── RefusedInput              422  refused-input        an edge rule (see gateway.api.edge), named in ``rule``
    ├── ValidationFailed          422  validation-failed
    ├── ServiceUnavailable        503  unavailable          with ``Retry-After``
    │   ├── DatabaseUnavailable   503  database-unavailable
    │   └── ChainUnavailable      503  chain-unavailable
    └── IntegrityFailure          500  integrity-failure    stored data contradicts a signed or on-chain fact

:func:`classify` is the one place where any exception becomes the problem a client sees:
third-party errors that mean "try again later" (the database or the chain node is down)
become 503s; everything else unexpected becomes a 500 that says nothing about its cause.
Messages never carry a submitted value: validation errors name the field and the rule.
"""

from __future__ import annotations

from typing import Any, ClassVar

import requests
from sqlalchemy import exc as sa

from ledger.errors import ChainUnreachableError, LedgerError, PayloadError, TransactionFailedError

PROBLEM_BASE = "https://gridledger.dev/problems/"


class GatewayError(Exception):
    status: ClassVar[int] = 500
    type_: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.type_,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class InternalError(GatewayError):
    """An unexpected failure: the detail is generic; the log has the request id and the cause."""


class MalformedRequest(GatewayError):
    status, type_, title = 400, "malformed-request", "Malformed request"


class Unauthenticated(GatewayError):
    status, type_, title = 401, "unauthenticated", "Signature missing or invalid"


class Forbidden(GatewayError):
    status, type_, title = 403, "forbidden", "Not allowed"


class NotFound(GatewayError):
    status, type_, title = 404, "not-found", "Not found"


class MethodNotAllowed(GatewayError):
    status, type_, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(GatewayError):
    status, type_, title = 409, "conflict", "Conflict"


class Gone(GatewayError):
    status, type_, title = 410, "gone", "Erased"


class PayloadTooLarge(GatewayError):
    status, type_, title = 413, "payload-too-large", "Payload too large"


class RefusedInput(GatewayError):
    status, type_, title = 422, "refused-input", "Input refused"


class ValidationFailed(GatewayError):
    status, type_, title = 422, "validation-failed", "Validation failed"


class ServiceUnavailable(GatewayError):
    status, type_, title = 503, "unavailable", "Service unavailable"
    retry_after: ClassVar[int] = 5  # seconds, sent as ``Retry-After``


class DatabaseUnavailable(ServiceUnavailable):
    type_, title = "database-unavailable", "Database unavailable"


class ChainUnavailable(ServiceUnavailable):
    type_, title = "chain-unavailable", "Chain node unavailable"


# SQLAlchemy errors that mean the database cannot be reached or is busy, not that the
# statement is wrong: connection refused or lost, pool exhausted, "database is locked".
_DATABASE_DOWN = (sa.OperationalError, sa.InterfaceError, sa.DisconnectionError, sa.TimeoutError)
_CHAIN_DOWN = (requests.ConnectionError, requests.Timeout)


class IntegrityFailure(GatewayError):
    """Stored data contradicts the signed entry or the chain it copies: refused and flagged.

    Not the client's fault and not retryable: the database was changed behind the
    gateway's back (or is corrupt). The detail names the record or grant, never a value.
    """

    status, type_, title = 500, "integrity-failure", "Stored data failed an integrity check"


def from_ledger(exc: LedgerError) -> GatewayError:
    """Map a ledger error to the problem a client should see."""
    if isinstance(exc, ChainUnreachableError):
        return ChainUnavailable("the chain node is unreachable; try again shortly")
    if isinstance(exc, TransactionFailedError):
        return Conflict(exc.message, error=exc.error_name)
    if isinstance(exc, PayloadError):  # a ValueError before it joined the tree: a bug here, not an outage
        return InternalError("an unexpected error occurred; the gateway logged it under this request's id")
    return ServiceUnavailable(exc.message)


def classify(exc: BaseException) -> GatewayError:
    """The problem a client sees for any exception a request raised."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, LedgerError):
        return from_ledger(exc)
    if isinstance(exc, _DATABASE_DOWN) or (isinstance(exc, sa.DBAPIError) and exc.connection_invalidated):
        return DatabaseUnavailable("the database is unreachable; try again shortly")
    if isinstance(exc, _CHAIN_DOWN):
        return ChainUnavailable("the chain node is unreachable; try again shortly")
    return InternalError("an unexpected error occurred; the gateway logged it under this request's id")

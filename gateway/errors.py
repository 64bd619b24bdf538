"""Gateway errors and their RFC 9457 problem details.

Every error a route raises on purpose is a :class:`GatewayError` carrying its HTTP
status, a stable problem ``type`` and a ``title``; one handler in :mod:`gateway.app`
renders them as ``application/problem+json``. Errors from ``ledger`` are mapped here too.

    GatewayError
    ├── Unauthenticated      401  unauthenticated
    ├── Forbidden            403  forbidden
    ├── NotFound             404  not-found
    ├── Conflict             409  conflict
    ├── Gone                 410  gone
    ├── PayloadTooLarge      413  payload-too-large
    ├── ValidationFailed     422  validation-failed
    ├── ServiceUnavailable   503  unavailable
    └── IntegrityFailure     500  integrity-failure  stored data contradicts a signed or on-chain fact
"""

from __future__ import annotations

from typing import Any, ClassVar

from ledger.errors import ChainUnreachableError, LedgerError, TransactionFailedError

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


class Unauthenticated(GatewayError):
    status, type_, title = 401, "unauthenticated", "Signature missing or invalid"


class Forbidden(GatewayError):
    status, type_, title = 403, "forbidden", "Not allowed"


class NotFound(GatewayError):
    status, type_, title = 404, "not-found", "Not found"


class Conflict(GatewayError):
    status, type_, title = 409, "conflict", "Conflict"


class Gone(GatewayError):
    status, type_, title = 410, "gone", "Erased"


class PayloadTooLarge(GatewayError):
    status, type_, title = 413, "payload-too-large", "Payload too large"


class ValidationFailed(GatewayError):
    status, type_, title = 422, "validation-failed", "Validation failed"


class ServiceUnavailable(GatewayError):
    status, type_, title = 503, "unavailable", "Service unavailable"


class IntegrityFailure(GatewayError):
    """Stored data contradicts the signed entry or the chain it copies: refused and flagged.

    Not the client's fault and not retryable: the database was changed behind the
    gateway's back (or is corrupt). The detail names the record or grant, never a value.
    """

    status, type_, title = 500, "integrity-failure", "Stored data failed an integrity check"


def from_ledger(exc: LedgerError) -> GatewayError:
    """Map a ledger error to the problem a client should see."""
    if isinstance(exc, ChainUnreachableError):
        return ServiceUnavailable("the chain node is unreachable; try again shortly")
    if isinstance(exc, TransactionFailedError):
        return Conflict(exc.message, error=exc.error_name)
    return ServiceUnavailable(exc.message)

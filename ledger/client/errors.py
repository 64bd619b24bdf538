"""What the SDK raises when the gateway answers a problem (RFC 9457), one class per ``type``.

    GatewayClientError (LedgerError)       any problem answer; ``status`` and ``problem`` hold it
    ├── MalformedRequestError               400 malformed-request
    ├── UnauthenticatedError                401 unauthenticated (signature missing, stale or not a member)
    ├── ForbiddenError                      403 forbidden
    ├── NotFoundError (LookupError)         404 not-found
    ├── ConflictError                       409 conflict (e.g. a receipt while the record is pending)
    ├── GoneError                           410 gone (erased)
    ├── MethodNotAllowedError               405 method-not-allowed
    ├── PayloadTooLargeError                413 payload-too-large
    ├── InvalidInputError (ValueError)      422
    │   ├── ValidationFailedError           validation-failed (a field broke a rule; ``path`` names it)
    │   └── RefusedInputError               refused-input (NUL, lone surrogates, too deep, …)
    ├── UnavailableError                    503 unavailable, database-unavailable, chain-unavailable
    └── ServerError                         500 and any other 5xx (integrity-failure included)

Callers catch the class they can act on; ``problem["type"]`` keeps the exact type URI.
"""

from __future__ import annotations

from typing import Any

from ledger.errors import LedgerError


class GatewayClientError(LedgerError):
    """The gateway answered with a problem (RFC 9457); ``problem`` holds it."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(str(problem.get("detail") or problem.get("title") or f"HTTP {status}"))
        self.status = status
        self.problem = problem

    @property
    def kind(self) -> str:
        """The last segment of the problem's ``type`` URI (``not-found``, ``validation-failed``, …)."""
        return str(self.problem.get("type", "")).rsplit("/", 1)[-1]


class MalformedRequestError(GatewayClientError):
    """400: the request could not be parsed."""


class UnauthenticatedError(GatewayClientError):
    """401: the signature is missing, stale or not a member's."""


class ForbiddenError(GatewayClientError):
    """403: the member may not do this."""


class NotFoundError(GatewayClientError, LookupError):
    """404: nothing is there (or nothing the member may know of)."""


class ConflictError(GatewayClientError):
    """409: the state does not allow it yet (a pending record's receipt) or any more."""


class GoneError(GatewayClientError):
    """410: the record was erased."""


class MethodNotAllowedError(GatewayClientError):
    """405: the path exists, the method does not."""


class PayloadTooLargeError(GatewayClientError):
    """413: the body or a payload is over the gateway's limit."""


class InvalidInputError(GatewayClientError, ValueError):
    """422: the input failed validation; ``problem["path"]`` names the field."""


class ValidationFailedError(InvalidInputError):
    """422 validation-failed: a field broke a rule."""


class RefusedInputError(InvalidInputError):
    """422 refused-input: the body holds what the gateway never parses (NUL, lone surrogates, …)."""


class UnavailableError(GatewayClientError):
    """503: the database or the chain is down for now; ``retry_after`` says when to try again."""

    @property
    def retry_after(self) -> float | None:
        value = self.problem.get("retry_after")
        return float(value) if isinstance(value, int | float) else None


class ServerError(GatewayClientError):
    """500 or another server error (an integrity failure among them)."""


_BY_STATUS: dict[int, type[GatewayClientError]] = {
    400: MalformedRequestError,
    401: UnauthenticatedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    410: GoneError,
    413: PayloadTooLargeError,
    422: InvalidInputError,
    503: UnavailableError,
}


_BY_TYPE: dict[str, type[GatewayClientError]] = {
    "validation-failed": ValidationFailedError,
    "refused-input": RefusedInputError,
}


def error_for(status: int, problem: dict[str, Any]) -> GatewayClientError:
    """The exception for a problem answer: by type where two share a status, else by status;
    any other 5xx a :class:`ServerError`."""
    kind = str(problem.get("type", "")).rsplit("/", 1)[-1]
    cls = _BY_TYPE.get(kind) or _BY_STATUS.get(status) or (ServerError if status >= 500 else GatewayClientError)
    return cls(status, problem)

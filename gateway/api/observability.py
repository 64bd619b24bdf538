"""Request ids, one structured log line per request, and the last word on any failure.

:class:`RequestContext` is the outermost middleware. It gives every request an id (the
client's ``X-Request-Id`` when it is a plain token, else a new one), echoes it on the
response, counts the request in :mod:`gateway.api.metrics`, and logs one JSON line:
request id, method, route template, status, duration. Never the path, the query or a
body: those hold record ids, subjects and payloads.

An exception that escapes the application ends here: it becomes a problem detail
(:func:`gateway.errors.classify`: 503 with ``Retry-After`` when the database or the
chain is down, else a generic 500) and is logged under the request id with its type and
stack frames, without its message, which may quote data (SQLAlchemy puts statement
parameters in its messages).
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.metrics import Metrics
from gateway.api.problems import send_problem
from gateway.errors import ChainUnavailable, ServiceUnavailable, classify

REQUEST_ID = "X-Request-Id"
CLIENT_CLOSED = 499  # nginx's convention for "the client closed the request": counted, never sent
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
access_log = logging.getLogger("gridledger.access")
error_log = logging.getLogger("gridledger.errors")

# LogRecord attributes that are not extra fields given by the caller
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = describe_exception(record.exc_info[1])
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for gateway processes (uvicorn applies it in every worker)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gridledger": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},  # logs paths and queries
        },
    }


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """An exception's types (with its causes) and stack frames, without any message."""
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(f"{type(current).__module__}.{type(current).__qualname__}")
        current = current.__cause__ or current.__context__
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__)]
    return {"types": chain, "frames": frames[-20:]}


def accepted_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = bytes(value).decode("latin-1")
            if _ACCEPTABLE_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def route_template(scope: Scope, routes: Sequence[BaseRoute] = ()) -> str:
    """The route's template, also for requests the edge refused before routing; a fixed
    label for anything unmatched, so that no label ever holds input."""
    path: object = getattr(scope.get("route"), "path", None)
    if not path:
        for route in routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                path = getattr(route, "path", None)
                break
    return str(path) if path else "unmatched"


class RequestContext:
    """Outermost middleware: request id, access log line, metrics, and the catch-all."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes  # the app's (live) route list, to name what the edge refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0
        header = (REQUEST_ID.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            problem = classify(exc)
            if isinstance(problem, ChainUnavailable):
                self.metrics.chain_error()
            level = logging.WARNING if isinstance(problem, ServiceUnavailable) else logging.ERROR
            error_log.log(
                level, "request failed: %s", problem.type_,
                extra={"request_id": request_id, "route": route_template(scope, self.routes),
                       "error": describe_exception(exc)},
            )  # fmt: skip
            if status:  # the answer had begun: nothing left to say but close
                raise
            await send_problem(problem, scope, send_with_id)
        finally:
            duration = time.perf_counter() - started
            route = route_template(scope, self.routes)
            status = status or CLIENT_CLOSED  # nothing was sent: the client left before its body was read
            self.metrics.observe(scope["method"], route, status, duration)
            access_log.info(
                "request", extra={
                    "request_id": request_id, "method": scope["method"], "route": route,
                    "status": status, "duration_ms": round(duration * 1000, 2),
                },
            )  # fmt: skip

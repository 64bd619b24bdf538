"""The edge: what every request must pass before anything parses it.

:class:`EdgeGuard` is a pure ASGI middleware in front of the application. It reads the
request body itself, counting bytes as they arrive (a chunked upload has no
``Content-Length`` to trust), stops at ``GRIDLEDGER_MAX_REQUEST_BYTES`` and answers 413;
then it scans the whole body, the path and the query before FastAPI sees them. A refusal
is a problem detail naming the rule, never the offending value.

Why scan before parsing: ``py_ecc`` (imported through eth-account and web3) raises the
interpreter's recursion limit to 100,000 at import, so ``json.loads`` of a body nested
100,000 deep overflowed the C stack and killed the whole process (SIGSEGV), before any
authentication. The depth is therefore bounded here, on the raw bytes, without recursion;
:func:`restore_recursion_limit` is the second line of defence.

Rules (``rule`` in the problem, status in brackets):

- ``body-size`` (413): at most ``max_request_bytes``, counted, not declared;
- ``utf-8`` (400): the body, path and query decode as UTF-8;
- ``nul`` (422): no NUL character, raw or as the JSON escape ``\\u0000``: PostgreSQL text
  cannot hold one (a NUL in a grant's purpose once made every later ``GET /v1/grants`` fail);
- ``lone-surrogate`` (422): every ``\\ud800``-``\\udfff`` escape is half of a valid pair
  (a lone one cannot be encoded as UTF-8, so it fails later, anywhere);
- ``json-depth`` (422): arrays and objects nest at most :data:`MAX_DEPTH` deep;
- ``non-finite-number`` (422): no ``NaN``, ``Infinity`` or ``-Infinity`` (not JSON, but
  Python's parser accepts them);
- ``number-range`` (422): a run of at most :data:`MAX_DIGITS` digits and an exponent of at
  most two digits, so that no number rounds to infinity (``1e400``) or costs quadratic
  time to convert (Python refuses integers of more than 4,300 digits with ``ValueError``).

The gateway speaks JSON only, so every non-empty body is scanned whatever its declared
content type.
"""

from __future__ import annotations

import re
import sys
from array import array
from dataclasses import dataclass
from itertools import accumulate
from typing import Any
from urllib.parse import unquote_to_bytes

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.problems import send_problem
from gateway.errors import GatewayError, MalformedRequest, PayloadTooLarge, RefusedInput
from gateway.settings import Settings

MAX_DEPTH = 64
MAX_DIGITS = 200
RECURSION_LIMIT = 1000
_INLINE_SCAN = 64 * 1024

# A JSON string, terminated or not; possessive, so an unterminated one costs linear time.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NON_FINITE = re.compile(rb"NaN|Infinity")
_TOO_MANY_DIGITS = re.compile(rb"[0-9]{%d}" % (MAX_DIGITS + 1))
_BIG_EXPONENT = re.compile(rb"[eE][+-]?[0-9]{3}")
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte except the brackets, for deletion
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # as signed bytes: +1, +1, -1, -1
# Escapes that matter, scanned left to right so that an escaped backslash (``\\``) keeps
# the parity right: a valid surrogate pair, a NUL, a lone surrogate, or a ``\\`` to skip.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_ESCAPES = re.compile(
    rb"(?P<pair>\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?P<nul>\\u0000)"
    rb"|(?P<lone>\\u[dD][89a-fA-F][0-9a-fA-F]{2})"
    rb"|\\\\"
)


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: a rule name and a sentence about the rule (no value)."""

    rule: str
    detail: str
    where: str
    status: int = 422

    def error(self) -> GatewayError:
        cls = MalformedRequest if self.status == 400 else RefusedInput
        return cls(f"{self.where}: {self.detail}", rule=self.rule, location=self.where)


def _text_refusal(raw: bytes, where: str) -> Refusal | None:
    """The NUL and UTF-8 rules for raw (already percent-decoded) bytes."""
    if b"\x00" in raw:
        return Refusal("nul", "contains a NUL character", where)
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                raw.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                return Refusal("utf-8", "is not valid UTF-8", where, status=400)
            return Refusal("lone-surrogate", "contains an unpaired UTF-16 surrogate", where)
    return None


def scan_target(scope: Scope) -> Refusal | None:
    """The NUL, surrogate and UTF-8 rules for the path and the query string."""
    raw_path = scope.get("raw_path")
    path = unquote_to_bytes(raw_path) if raw_path is not None else str(scope.get("path", "")).encode("utf-8", "replace")
    refusal = _text_refusal(path, "path")
    if refusal is None:
        query: bytes = scope.get("query_string", b"")
        refusal = _text_refusal(unquote_to_bytes(query.replace(b"+", b" ")), "query")
    return refusal


def scan_json(body: bytes) -> Refusal | None:
    """Every body rule but the size, on the raw bytes, in linear time and without recursion."""
    if not body:
        return None
    refusal = _text_refusal(body, "body")
    if refusal is not None:
        return refusal
    outside = _STRING.sub(b'""', body)  # what is left outside strings: structure, numbers, literals
    if _NON_FINITE.search(outside):
        return Refusal("non-finite-number", "NaN and Infinity are not JSON numbers", "body")
    if _TOO_MANY_DIGITS.search(outside) or _BIG_EXPONENT.search(outside):
        return Refusal(
            "number-range",
            f"a number has more than {MAX_DIGITS} digits in a row or an exponent of more than two digits",
            "body",
        )
    steps = array("b", outside.translate(_STEPS, _BRACKETS))  # +1 per opening, -1 per closing bracket
    if max(accumulate(steps), default=0) > MAX_DEPTH:
        return Refusal("json-depth", f"arrays and objects nest more than {MAX_DEPTH} deep", "body")
    if _SUSPECT_ESCAPE.search(body):
        for match in _ESCAPES.finditer(body):
            if match.group("nul"):
                return Refusal("nul", "contains a NUL character (\\u0000)", "body")
            if match.group("lone"):
                return Refusal("lone-surrogate", "contains an unpaired UTF-16 surrogate escape", "body")
    return None


class EdgeGuard:
    """Bound and scan every HTTP request before the application sees it."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings  # read per request: tests and operators may lower the limit live

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = scan_target(scope)
        if refusal is not None:
            await send_problem(refusal.error(), scope, send)
            return
        limit = self.settings.max_request_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_problem(
                PayloadTooLarge(f"the request body is {declared} bytes; the limit is {limit}"), scope, send
            )
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; nothing to answer
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await send_problem(PayloadTooLarge(f"the request body exceeds the limit of {limit} bytes"), scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # a large body is scanned off the event loop (about 50 ms per MB), which keeps serving others
        refusal = await anyio.to_thread.run_sync(scan_json, body) if len(body) > _INLINE_SCAN else scan_json(body)
        if refusal is not None:
            await send_problem(refusal.error(), scope, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body over once, then waits on the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: Any = await receive()
        return message  # type: ignore[no-any-return]

    return replay


def restore_recursion_limit(limit: int = RECURSION_LIMIT) -> int:
    """Put the recursion limit back to Python's default; return the limit found.

    ``py_ecc`` sets it to 100,000 at import. The C stack (8 MiB, threads included) runs out
    long before that, so deep recursion in C code (``json``, ``repr``, ``copy``) crashes the
    process instead of raising ``RecursionError``. Nothing the gateway runs recurses more
    than a few hundred frames (``py_ecc``'s own recursion is the 256 bits of a scalar), so
    Python's default is safe; the edge's depth bound is the first line of defence.
    """
    import py_ecc  # noqa: F401  (it resets the limit when first imported: import it first)

    found = sys.getrecursionlimit()
    if found > limit:
        sys.setrecursionlimit(limit)
    return found

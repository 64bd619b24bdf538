"""Webhook deliveries: the gateway signs each one, a receiver checks it (docs/spec/webhooks.md, §W).

A delivery is an HTTP ``POST`` whose body is one feed event (JSON, an object with the event's
``id``) and whose headers say who it is for and when it was sent, signed by the gateway's
operator key (EIP-191 ``personal_sign``, as log heads are, :mod:`ledger.log_heads`):

    GridLedger-Subscription: <subscription id, a lower-case UUID>
    GridLedger-Event-Id: <the event's id, the key to deduplicate on>
    GridLedger-Timestamp: <Unix seconds of this attempt, decimal>
    GridLedger-Signature: 0x<65 bytes r || s || v, lower-case hex>

over the text

    GridLedger webhook v1\\n{subscription}\\n{event id}\\n{timestamp}\\n0x{SHA-256(body), hex}

A receiver calls :func:`verify_delivery` with the raw body bytes, the headers and the address
it trusts for the gateway (``GET /v1/info`` → ``operator``, checked once on-chain), and gets the
event back, or a :class:`~ledger.errors.DeliveryRejected` naming the rule broken. Deliveries
are at least once: deduplicate on the event's ``id``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ledger import ijson
from ledger.eip712 import SigningKey, personal_digest, recover_raw, sign_digest
from ledger.errors import DeliveryRejected, DocumentError
from ledger.types import to_address

__all__ = [
    "EVENT_ID",
    "MAX_AGE",
    "SIGNATURE",
    "SUBSCRIPTION",
    "TIMESTAMP",
    "delivery_digest",
    "delivery_message",
    "sign_delivery",
    "verify_delivery",
]

SUBSCRIPTION = "GridLedger-Subscription"
EVENT_ID = "GridLedger-Event-Id"
TIMESTAMP = "GridLedger-Timestamp"
SIGNATURE = "GridLedger-Signature"
MAX_AGE = 300
"""Seconds a delivery's timestamp may lie from the receiver's clock, either way (§W-3)."""

_TAG = "GridLedger webhook v1"
_FORMS: dict[str, re.Pattern[str]] = {
    SUBSCRIPTION: re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    EVENT_ID: re.compile(r"[A-Za-z0-9._:-]{1,120}"),
    TIMESTAMP: re.compile(r"0|[1-9][0-9]{0,14}"),
    SIGNATURE: re.compile(r"0x[0-9a-f]{130}"),
}


def delivery_message(subscription: str, event_id: str, timestamp: int, body: bytes) -> bytes:
    """The text the gateway signs (§W-2)."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{_TAG}\n{subscription}\n{event_id}\n{timestamp}\n0x{digest}".encode()


def delivery_digest(subscription: str, event_id: str, timestamp: int, body: bytes) -> bytes:
    """The EIP-191 digest of :func:`delivery_message`."""
    return personal_digest(delivery_message(subscription, event_id, timestamp, body))


def sign_delivery(
    private_key: bytes | SigningKey, subscription: str, event_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The four headers of one delivery attempt (the gateway sends them with ``Content-Type: application/json``)."""
    for name, value in ((SUBSCRIPTION, subscription), (EVENT_ID, event_id), (TIMESTAMP, str(timestamp))):
        if not _FORMS[name].fullmatch(value):
            raise ValueError(f"{name}: not in its specified form")
    signature = sign_digest(private_key, delivery_digest(subscription, event_id, timestamp, body))
    return {
        SUBSCRIPTION: subscription,
        EVENT_ID: event_id,
        TIMESTAMP: str(timestamp),
        SIGNATURE: "0x" + signature.hex(),
    }


def _headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Our four headers, looked up case-insensitively; each exactly once and in its form."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = {name.lower(): name for name in _FORMS}
    found: dict[str, str] = {}
    for key, value in items:
        name = wanted.get(str(key).lower())
        if name is None:
            continue
        if name in found:
            raise DeliveryRejected("headers", f"{name} appears more than once")
        found[name] = str(value).strip()
    for name, form in _FORMS.items():
        if name not in found:
            raise DeliveryRejected("headers", f"{name} is missing")
        if not form.fullmatch(found[name]):
            raise DeliveryRejected("headers", f"{name} is not in its specified form")
    return found


def verify_delivery(
    body: bytes,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    gateway_address: str,
    *,
    subscription: str | None = None,
    max_age: int = MAX_AGE,
    now: float | None = None,
) -> dict[str, Any]:
    """The event a delivery carries, once it checks out (§W-3); :class:`DeliveryRejected` otherwise.

    ``body`` is the request body exactly as received (never re-serialised JSON); ``headers`` any
    mapping or list of pairs (names are matched case-insensitively; ``http.server``'s, Starlette's,
    Flask's and httpx's all work); ``gateway_address`` the operator address you trust for the
    gateway. Give ``subscription`` (your subscription's id) so a delivery meant for another
    subscription is refused; ``now`` is your clock, in Unix seconds.

    Checks, in order: the four headers are present once each and well formed (``headers``); the
    timestamp lies within ``max_age`` seconds of ``now`` (``timestamp``); the signature recovers to
    ``gateway_address`` (``signature``); the subscription is yours (``subscription``); the body is an
    I-JSON object whose ``id`` is the ``GridLedger-Event-Id`` (``body``). Nothing is parsed from the
    body before the signature checks out.
    """
    expected = bytes.fromhex(to_address(gateway_address)[2:])
    found = _headers(headers)
    timestamp = int(found[TIMESTAMP])
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > max_age:
        raise DeliveryRejected("timestamp", f"{TIMESTAMP} is more than {max_age} s from this receiver's clock")
    digest = delivery_digest(found[SUBSCRIPTION], found[EVENT_ID], timestamp, body)
    try:
        signer = recover_raw(digest, bytes.fromhex(found[SIGNATURE][2:]))
    except ValueError as exc:
        raise DeliveryRejected("signature", f"{SIGNATURE} is malformed: {exc}") from None
    if signer != expected:
        raise DeliveryRejected("signature", "the delivery is not signed by the gateway's key (or was changed)")
    if subscription is not None and found[SUBSCRIPTION] != subscription.lower():
        raise DeliveryRejected("subscription", "the delivery is for another subscription")
    try:
        event = ijson.loads(body, "the delivery's body")
    except DocumentError as exc:
        raise DeliveryRejected("body", exc.message) from None
    if not isinstance(event, dict) or event.get("id") != found[EVENT_ID]:
        raise DeliveryRejected("body", f"the body is not an event object whose id is the {EVENT_ID}")
    return event

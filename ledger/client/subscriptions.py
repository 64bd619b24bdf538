"""Webhook subscriptions through the SDK (docs/webhooks.md): register, list, delete, inspect, replay.

    with GatewayClient(url, admin) as client:
        sub = subscribe(client, "https://dept.example/gridledger-hook")
        trusted = gateway_address(client)          # pin it, after checking it on-chain
        ...
        for delivery in deliveries(client, sub["id"], state="parked"):
            replay(client, sub["id"], delivery["id"])

Every call is signed by the client's member, who must be an admin of its organisation.
The receiving end checks each delivery with :func:`ledger.webhooks.verify_delivery`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, TypedDict
from urllib.parse import urlencode

from ledger.client.gateway import GatewayClient
from ledger.types import Address, to_address

DeliveryState = Literal["pending", "delivered", "parked"]


class SubscriptionView(TypedDict):
    """A subscription as the gateway answers it."""

    id: str
    org: str
    url: str
    state: Literal["active", "suspended", "deleted"]
    created_by: str
    created_at: str
    after: str  # the feed cursor deliveries started after
    cursor: str  # the feed cursor queued up to
    deliveries: dict[str, int]  # counts by state


class DeliveryView(TypedDict):
    """One delivery: which event, its state and the last attempt's outcome."""

    id: int
    subscription: str
    event: dict[str, Any]  # id, position, kind
    state: DeliveryState
    attempts: int
    created_at: str
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status: int | None
    last_error: str | None
    delivered_at: str | None


class DeliveryPage(TypedDict):
    items: list[DeliveryView]
    next: str | None


def subscribe(client: GatewayClient, url: str, *, after: str | None = None) -> SubscriptionView:
    """Register ``url`` for the member's organisation; deliveries start after the feed cursor ``after``
    (from :meth:`GatewayClient.feed`), or from now. Registering the same URL again answers the existing one."""
    body: dict[str, Any] = {"url": url} if after is None else {"url": url, "after": after}
    result: SubscriptionView = client.request("POST", "/v1/subscriptions", body)
    return result


def subscriptions(client: GatewayClient) -> list[SubscriptionView]:
    """The organisation's subscriptions."""
    result: list[SubscriptionView] = client.request("GET", "/v1/subscriptions")
    return result


def subscription(client: GatewayClient, subscription_id: str) -> SubscriptionView:
    result: SubscriptionView = client.request("GET", f"/v1/subscriptions/{subscription_id}")
    return result


def unsubscribe(client: GatewayClient, subscription_id: str) -> SubscriptionView:
    """Delete a subscription: nothing more is sent to it."""
    result: SubscriptionView = client.request("DELETE", f"/v1/subscriptions/{subscription_id}")
    return result


def delivery_page(
    client: GatewayClient, subscription_id: str, *, state: DeliveryState | None = None, after: int = 0,
    limit: int | None = None,
) -> DeliveryPage:  # fmt: skip
    """One page of a subscription's deliveries, in queue order after the delivery id ``after``."""
    params = {"state": state, "after": after or None, "limit": limit}
    query = urlencode({k: v for k, v in params.items() if v is not None})
    result: DeliveryPage = client.request(
        "GET", f"/v1/subscriptions/{subscription_id}/deliveries" + (f"?{query}" if query else "")
    )
    return result


def deliveries(
    client: GatewayClient, subscription_id: str, *, state: DeliveryState | None = None
) -> Iterator[DeliveryView]:
    """Every delivery of the subscription (in ``state``), page by page."""
    page = delivery_page(client, subscription_id, state=state)
    while True:
        yield from page["items"]
        if not page["next"]:
            return
        page = client.request("GET", page["next"])


def replay(client: GatewayClient, subscription_id: str, delivery_id: int) -> DeliveryView:
    """Queue a parked (or delivered) delivery again; it is sent at once, with the same event id."""
    result: DeliveryView = client.request(
        "POST", f"/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}/replay"
    )
    return result


def gateway_address(client: GatewayClient) -> Address:
    """The operator address the gateway publishes (``GET /v1/info``): the key its deliveries are signed with.

    A hint, like any answer of the gateway: before pinning it, check on your own node that it is a
    member of the operator organisation with the anchorer role
    (``deployment.membership.membership_of(address)``).
    """
    return to_address(str(client.info()["operator"]))

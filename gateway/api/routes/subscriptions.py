"""Webhook subscriptions: an organisation's admin registers an endpoint; the gateway delivers the feed to it."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from gateway.api.deps import ContainerDep, CurrentMember
from gateway.api.schemas import MAX_INT63, SubscriptionCreate
from gateway.services import subscriptions as service

router = APIRouter(prefix="/v1", tags=["webhooks"])

DeliveryId = Annotated[int, Path(ge=1, le=MAX_INT63, description="the delivery's id")]


@router.post(
    "/subscriptions",
    status_code=201,
    responses={200: {"description": "the URL was registered already: the existing subscription"}},
)
def post_subscription(
    request: SubscriptionCreate, member: CurrentMember, container: ContainerDep, response: Response
) -> dict[str, Any]:
    """Register an endpoint for your organisation (admins): every feed event you may see is POSTed to it,
    signed by the gateway, retried until it answers 2xx. The same URL again answers the existing
    subscription with `200`."""
    result = service.create_subscription(container, member, request.url, request.after)
    response.headers["Location"] = f"/v1/subscriptions/{result.view['id']}"
    if not result.created:
        response.status_code = 200
    return result.view


@router.get("/subscriptions")
def get_subscriptions(member: CurrentMember, container: ContainerDep) -> list[dict[str, Any]]:
    """Your organisation's subscriptions, with their deliveries counted by state (admins)."""
    return service.list_subscriptions(container, member)


@router.get("/subscriptions/{subscription_id}")
def get_subscription(subscription_id: UUID, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """One subscription of your organisation (admins)."""
    return service.get_subscription(container, member, str(subscription_id))


@router.delete("/subscriptions/{subscription_id}")
def delete_subscription(subscription_id: UUID, member: CurrentMember, container: ContainerDep) -> dict[str, Any]:
    """Stop a subscription: nothing more is queued or sent to it."""
    return service.delete_subscription(container, member, str(subscription_id))


@router.get("/subscriptions/{subscription_id}/deliveries")
def get_deliveries(
    subscription_id: UUID,
    member: CurrentMember,
    container: ContainerDep,
    state: Annotated[Literal["pending", "delivered", "parked"] | None, Query(description="only this state")] = None,
    after: Annotated[int, Query(ge=0, le=MAX_INT63, description="the last delivery id of the previous page")] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT, description="page size (default 100)")] = 100,
) -> dict[str, Any]:
    """A page of the subscription's deliveries in queue order: state, attempts, last status and error, next
    attempt. `parked` ones gave up after `GRIDLEDGER_WEBHOOK_ATTEMPTS`; replay them once the endpoint is fixed."""
    return service.list_deliveries(container, member, str(subscription_id), state=state, after=after, limit=limit)


@router.post("/subscriptions/{subscription_id}/deliveries/{delivery_id}/replay")
def replay_delivery(
    subscription_id: UUID, delivery_id: DeliveryId, member: CurrentMember, container: ContainerDep
) -> dict[str, Any]:
    """Send a parked (or delivered) delivery again, due now, its attempts counted afresh; `409` while pending."""
    return service.replay_delivery(container, member, str(subscription_id), delivery_id)

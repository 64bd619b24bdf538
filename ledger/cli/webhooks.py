"""``gridledger webhooks add | list | remove | deliveries | replay | listen``: the feed, pushed.

An organisation's admin registers an endpoint (``add``), watches what reached it and what was
parked (``list``, ``deliveries``), sends a parked delivery again once the endpoint is fixed
(``replay``) and stops it (``remove``): docs/webhooks.md. ``listen`` is a small receiver for
a department's own machine: it verifies every delivery (docs/spec/webhooks.md §W-3) against
the gateway's operator key, checked on this machine's chain node first, answers ``2xx`` only
to verified ones, and keeps each event once (:mod:`ledger.cli.webhook_receiver`). Events carry
no payload values and nothing here prints one; a refused delivery's body is never printed at all.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Annotated, cast

import httpx
import typer

from ledger.chain.address_book import Deployment
from ledger.cli.common import (
    BookOpt,
    GatewayOpt,
    KeyOpt,
    PasswordFileOpt,
    RpcOpt,
    UserError,
    call,
    client,
    connect,
    gateway_url,
    say,
)
from ledger.cli.webhook_receiver import receive
from ledger.client.subscriptions import (
    DeliveryState,
    DeliveryView,
    SubscriptionView,
    deliveries,
    replay,
    subscribe,
    subscriptions,
    unsubscribe,
)
from ledger.timefmt import local_time_of
from ledger.types import Address, OrgKind, Role, to_address

STATES = ("delivered", "pending", "parked")

SubscriptionArg = Annotated[str, typer.Argument(help="the subscription's id (`gridledger webhooks list`)")]


def _subscription_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise UserError(f"{text!r} is not a subscription id: see `gridledger webhooks list`") from None


def _counts(view: SubscriptionView) -> str:
    counts = view.get("deliveries") or {}
    return ", ".join(f"{counts.get(s, 0)} {s}" for s in STATES)


# -- managing subscriptions ------------------------------------------------------------------------


def add_cmd(
    url: Annotated[str, typer.Argument(help="your endpoint: https://…, or http://127.0.0.1:PORT/… in development")],
    after: Annotated[
        str | None, typer.Option("--after", help="a feed cursor: deliver the events after it (default: from now)")
    ] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Have the gateway POST your organisation's feed events to URL, signed (admins only)."""
    if not url.startswith(("https://", "http://")):
        raise UserError(f"an endpoint URL starts with https:// (or http:// to this machine in development): {url!r}")
    with client(gateway, key, password_file) as gw:
        known = {s["id"] for s in call(subscriptions, gw)}
        sub: SubscriptionView = call(subscribe, gw, url, after=after)
    if sub["id"] in known:
        say(f"subscription {sub['id']} already sends {sub['org']}'s events to {sub['url']} ({sub['state']})")
        return
    start = f"after cursor {after}" if after else "from now on"
    say(f"subscription {sub['id']}: {sub['org']}'s events {start} are POSTed to {sub['url']}, signed by the gateway")


def list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="print the subscriptions as JSON")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Your organisation's webhook subscriptions, with their deliveries counted by state (admins only)."""
    with client(gateway, key, password_file) as gw:
        subs: list[SubscriptionView] = call(subscriptions, gw)
    if as_json:
        say(json.dumps(subs, indent=2))
        return
    for s in subs:
        say(f"{s['id']}  {s['state']:<9}  since {local_time_of(s['created_at'])}  {_counts(s)}  {s['url']}")
    if not subs:
        say("no webhook subscriptions: add one with `gridledger webhooks add URL`")
        return
    say(f"{len(subs)} subscriptions of {subs[0]['org']}")


def remove_cmd(
    subscription_id: SubscriptionArg,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Delete a subscription: nothing more is queued or sent to its endpoint (admins only)."""
    with client(gateway, key, password_file) as gw:
        gone: SubscriptionView = call(unsubscribe, gw, _subscription_id(subscription_id))
    say(f"subscription {gone['id']} deleted: nothing more is sent to {gone['url']}")


def _delivery_line(d: DeliveryView) -> str:
    if d["state"] == "delivered":
        when = f"delivered {local_time_of(d['delivered_at'])}"
    elif d["state"] == "pending":
        when = f"next attempt {local_time_of(d['next_attempt_at'])}"
    else:
        when = f"parked after {local_time_of(d['last_attempt_at'])}"
    last = ""
    if d["state"] != "delivered" and (d["last_status"] is not None or d["last_error"]):
        last = f"; last answer: {'HTTP ' + str(d['last_status']) if d['last_status'] is not None else d['last_error']}"
    return f"{d['id']:>7}  {d['state']:<9}  {d['event']['id']}  {d['attempts']} attempts, {when}{last}"


def deliveries_cmd(
    subscription_id: SubscriptionArg,
    state: Annotated[str | None, typer.Option("--state", help="only parked, pending or delivered ones")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the deliveries as JSON")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """A subscription's deliveries in queue order: which event, its state, attempts and last answer."""
    if state is not None and state not in STATES:
        raise UserError("--state must be parked, pending or delivered")
    sid, wanted = _subscription_id(subscription_id), cast("DeliveryState | None", state)  # checked just above
    with client(gateway, key, password_file) as gw:
        items: list[DeliveryView] = call(lambda: list(deliveries(gw, sid, state=wanted)))
    if as_json:
        say(json.dumps(items, indent=2))
        return
    for d in items:
        say(_delivery_line(d))
    counts = Counter[str](d["state"] for d in items)
    detail = ", ".join(f"{counts[s]} {s}" for s in STATES if counts[s])
    say(f"{len(items)} deliveries" + (f" ({detail})" if detail else ""))


def replay_cmd(
    subscription_id: SubscriptionArg,
    delivery_id: Annotated[int, typer.Argument(min=1, help="the delivery's id (`gridledger webhooks deliveries`)")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Send a parked (or delivered) delivery again, now, with the same event id (admins only)."""
    with client(gateway, key, password_file) as gw:
        again: DeliveryView = call(replay, gw, _subscription_id(subscription_id), delivery_id)
    say(f"delivery {again['id']} ({again['event']['id']}) queued again: it is sent at once, attempts from zero")


# -- the receiver ----------------------------------------------------------------------------------


def _published_operator(url: str) -> Address:
    """The operator address the gateway publishes (``GET /v1/info``): a hint, checked on-chain next."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/v1/info", timeout=10)
        response.raise_for_status()
        return to_address(str(response.json()["operator"]))
    except httpx.TransportError as exc:
        raise UserError(f"no gateway answers at {url} ({exc}): pass --gateway, or --gateway-address 0x…") from exc
    except (httpx.HTTPStatusError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{url}/v1/info names no operator address: pass --gateway-address 0x…") from exc


def _checked_operator(deployment: Deployment, address: Address) -> Address:
    """``address``, once this machine's chain node says it is an anchorer of the active operator organisation."""
    org, roles = deployment.membership.membership_of(address)
    info = deployment.membership.get_org(org) if org else None
    if info is None or info.kind != OrgKind.OPERATOR or not info.active or not roles & Role.ANCHORER:
        raise UserError(f"{address} is no anchorer of the consortium's operator on this chain: not trusting it")
    return address


def listen_cmd(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")],
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    out: Annotated[
        Path | None, typer.Option("--out", help="append each new event to this file, one JSON line (kept across runs)")
    ] = None,
    gateway_address: Annotated[
        str | None,
        typer.Option(
            "--gateway-address",
            help="the gateway's operator address (default: its /v1/info); trusted once the chain says it anchors",
        ),
    ] = None,
    subscription: Annotated[
        list[str] | None,
        typer.Option("--subscription", help="accept only this subscription's deliveries (repeatable)"),
    ] = None,
    gateway: GatewayOpt = None,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
) -> None:
    """Receive deliveries until Ctrl-C or SIGTERM: verify each, acknowledge only verified ones, keep each once."""
    mine = frozenset(_subscription_id(s) for s in subscription or ())
    published = to_address(gateway_address) if gateway_address else _published_operator(gateway_url(gateway))
    operator = _checked_operator(connect(rpc, address_book), published)
    received = receive(host, port, operator, mine, out)
    say(f"stopped: {received} new events received")


def register(app: typer.Typer) -> None:
    """Add the ``webhooks`` commands to ``app``."""
    webhooks_app = typer.Typer(help="Have the gateway push your feed to an endpoint; receive it.", no_args_is_help=True)
    webhooks_app.command("add")(add_cmd)
    webhooks_app.command("list")(list_cmd)
    webhooks_app.command("remove")(remove_cmd)
    webhooks_app.command("deliveries")(deliveries_cmd)
    webhooks_app.command("replay")(replay_cmd)
    webhooks_app.command("listen")(listen_cmd)
    app.add_typer(webhooks_app, name="webhooks")

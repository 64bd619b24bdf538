"""Webhook subscriptions (``/v1/subscriptions``) and the durable queue that feeds their deliveries.

An organisation's admin registers an endpoint for the organisation. Its events are those of the
change feed (:mod:`gateway.services.feed`) *as that admin sees them*: record events of the records
the admin reads whole or under its organisation's live grants, grant events of grants the
organisation holds or gives. The creator is looked up on-chain again before each round of
queueing; while they are no longer an admin of the organisation the subscription is
``suspended`` (nothing is queued or sent) and it becomes ``active`` again if they are.

Queueing (:func:`serve`, called by the webhook worker for each of :func:`live_subscriptions`):
for each active subscription, read the feed after its ``cursor`` and, in **one** transaction,
insert a ``deliveries`` row per event (the event's JSON, RFC 8785, kept as the body every
attempt sends) and move the cursor, guarded by the cursor it read: a crash leaves both or
neither, two replicas queueing the same page store it once (the unique ``(subscription_id,
event_seq)``, and the guard refuses the second cursor move). A position the feed has handed out
is never handed out again (:func:`gateway.services.feed.sequence`), so nothing after the cursor
can be missed and nothing before it is owed.

Who may do what: every call here needs an admin of the subscription's organisation; another
organisation's subscription is ``not-found`` (its existence is not told).
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.container import Container
from gateway.db.models import Delivery, Subscription
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.services import feed
from gateway.services.members import Member
from ledger.commitments import canonical
from ledger.types import Role

ACTIVE, SUSPENDED, DELETED = "active", "suspended", "deleted"
PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"
DELIVERY_STATES = (PENDING, DELIVERED, PARKED)
MAX_PER_ORG = 10
"""Subscriptions (active or suspended) one organisation may hold: each costs a feed read per round."""
MAX_URL = 2048
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
PAGE = 100
"""Events read from the feed per queueing transaction."""


@dataclass(frozen=True)
class Created:
    """A subscription's view, and whether this call created it (``False``: the same URL was already registered)."""

    view: dict[str, Any]
    created: bool


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 UTC with ``Z`` (SQLite hands back naive datetimes, always UTC here)."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


def _now(container: Container) -> datetime:
    return datetime.fromtimestamp(container.clock(), UTC)


# -- validation ----------------------------------------------------------------------------------


def check_url(url: str, *, production: bool) -> str:
    """The endpoint, if the gateway may post to it: ``https://host…``, or in development and tests
    also ``http://`` to a loopback host (``localhost``, ``127.0.0.0/8``, ``[::1]``). No user
    information (it would be stored and shown), no fragment. ``validation-failed`` otherwise."""

    def bad(rule: str) -> ValidationFailed:
        return ValidationFailed(f"url: {rule}", path="url")

    if len(url) > MAX_URL or not url.isascii() or any(c.isspace() or ord(c) < 0x20 for c in url):
        raise bad(f"must be at most {MAX_URL} printable ASCII characters")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port  # port: ValueError when out of range
    except ValueError:
        raise bad("must be an absolute https URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise bad("must be an absolute https URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise bad("must not carry user information (credentials)")
    if parts.fragment or url.endswith("#"):
        raise bad("must not carry a fragment")
    if port == 0:
        raise bad("must not name port 0")
    if parts.scheme == "http":
        if production:
            raise bad("must be https in production")
        if not _loopback(host):
            raise bad("must be https, or http to a loopback host (development only)")
    return url


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _admin(member: Member) -> None:
    if not member.has(Role.ADMIN):
        raise Forbidden(f"only an admin of {member.org} may manage its webhook subscriptions")


def _owned(session: Session, member: Member, subscription_id: str) -> Subscription:
    _admin(member)
    row = session.get(Subscription, subscription_id)
    if row is None or row.org != member.org or row.state == DELETED:
        raise NotFound(f"no such webhook subscription of {member.org}")
    return row


# -- views ---------------------------------------------------------------------------------------


def _counts(session: Session, ids: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {i: dict.fromkeys(DELIVERY_STATES, 0) for i in ids}
    if ids:
        rows = session.execute(
            select(Delivery.subscription_id, Delivery.state, func.count())
            .where(Delivery.subscription_id.in_(ids))
            .group_by(Delivery.subscription_id, Delivery.state)
        )
        for sid, state, count in rows:
            counts[sid][state] = int(count)
    return counts


def _view(container: Container, row: Subscription, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": row.id, "org": row.org, "url": row.url, "state": row.state, "created_by": row.created_by,
        "created_at": iso(row.created_at), "after": feed.encode_cursor(container, row.origin),
        "cursor": feed.encode_cursor(container, row.cursor), "deliveries": counts,
    }  # fmt: skip


def delivery_view(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id, "subscription": row.subscription_id,
        "event": {"id": row.event_id, "position": row.event_seq, "kind": row.event_id.split(":", 1)[0]},
        "state": row.state, "attempts": row.attempts, "created_at": iso(row.created_at),
        "next_attempt_at": iso(row.next_attempt_at) if row.state == PENDING else None,
        "last_attempt_at": iso(row.last_attempt_at), "last_status": row.last_status, "last_error": row.last_error,
        "delivered_at": iso(row.delivered_at),
    }  # fmt: skip


# -- managing ------------------------------------------------------------------------------------


def create_subscription(container: Container, member: Member, url: str, after: str | None = None) -> Created:
    """Register ``url`` for ``member``'s organisation; deliveries start after the feed cursor ``after``,
    or after the feed's current end. The same URL registered again answers the existing subscription.

    Requirements: ``member`` is an admin; the URL passes :func:`check_url`; the organisation holds
    fewer than :data:`MAX_PER_ORG` subscriptions; ``after`` is a cursor this gateway issued, not
    beyond the feed's end.
    """
    _admin(member)
    url = check_url(url, production=container.settings.env == "production")
    top = feed.refresh(container)
    origin = top if after is None else feed.decode_cursor(container, after)
    if origin > top:
        raise ValidationFailed("after: lies beyond the feed's end; read the feed and use its cursor", path="after")
    with container.sessions() as session:
        held = list(
            session.scalars(select(Subscription).where(Subscription.org == member.org, Subscription.state != DELETED))
        )
        same = next((row for row in held if row.url == url), None)
        if same is not None:
            return Created(_view(container, same, _counts(session, [same.id])[same.id]), created=False)
        if len(held) >= MAX_PER_ORG:
            raise Conflict(f"{member.org} holds {MAX_PER_ORG} webhook subscriptions already; delete one first")
        row = Subscription(
            id=str(uuid.uuid4()), org=member.org, url=url, created_by=member.address, created_at=_now(container),
            state=ACTIVE, origin=origin, cursor=origin,
        )  # fmt: skip
        session.add(row)
        session.commit()
        return Created(_view(container, row, dict.fromkeys(DELIVERY_STATES, 0)), created=True)


def list_subscriptions(container: Container, member: Member) -> list[dict[str, Any]]:
    """The organisation's subscriptions (not the deleted ones), oldest first."""
    _admin(member)
    with container.sessions() as session:
        rows = list(
            session.scalars(
                select(Subscription)
                .where(Subscription.org == member.org, Subscription.state != DELETED)
                .order_by(Subscription.created_at, Subscription.id)
            )
        )
        counts = _counts(session, [r.id for r in rows])
        return [_view(container, r, counts[r.id]) for r in rows]


def get_subscription(container: Container, member: Member, subscription_id: str) -> dict[str, Any]:
    with container.sessions() as session:
        row = _owned(session, member, subscription_id)
        return _view(container, row, _counts(session, [row.id])[row.id])


def delete_subscription(container: Container, member: Member, subscription_id: str) -> dict[str, Any]:
    """Stop the subscription: nothing more is queued or sent for it (deliveries already sent stay sent)."""
    with container.sessions() as session:
        row = _owned(session, member, subscription_id)
        row.state = DELETED
        session.commit()
        return _view(container, row, _counts(session, [row.id])[row.id])


def list_deliveries(
    container: Container, member: Member, subscription_id: str, *, state: str | None = None, after: int = 0,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:  # fmt: skip
    """One page of the subscription's deliveries in queue order (by id, after ``after``), in ``state`` or all."""
    if state is not None and state not in DELIVERY_STATES:
        raise ValidationFailed(f"state: must be one of {', '.join(DELIVERY_STATES)}", path="state")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit: must be from 1 to {MAX_LIMIT}", path="limit")
    with container.sessions() as session:
        _owned(session, member, subscription_id)
        query = select(Delivery).where(Delivery.subscription_id == subscription_id, Delivery.id > after)
        if state is not None:
            query = query.where(Delivery.state == state)
        rows = list(session.scalars(query.order_by(Delivery.id).limit(limit)))
    following = None
    if len(rows) == limit:
        following = f"/v1/subscriptions/{subscription_id}/deliveries?after={rows[-1].id}&limit={limit}"
        following += f"&state={state}" if state else ""
    return {"items": [delivery_view(r) for r in rows], "next": following}


def replay_delivery(container: Container, member: Member, subscription_id: str, delivery_id: int) -> dict[str, Any]:
    """Queue a parked (or delivered) delivery again: pending, due now, its attempts counted from zero.

    The same body goes again, under the same event id, so a receiver that has it already drops it.
    A delivery still pending is a ``conflict``: it is on its way.
    """
    with container.sessions() as session:
        _owned(session, member, subscription_id)
        row = session.get(Delivery, delivery_id)
        if row is None or row.subscription_id != subscription_id:
            raise NotFound("no such delivery of this subscription")
        if row.state == PENDING:
            raise Conflict("the delivery is pending already: it will be attempted again at its next_attempt_at")
        row.state, row.attempts, row.next_attempt_at = PENDING, 0, _now(container)
        row.lease_until, row.delivered_at = None, None
        session.commit()
        return delivery_view(row)


# -- queueing (the webhook worker) ---------------------------------------------------------------


def creator_as_admin(container: Container, org: str, created_by: str) -> Member | None:
    """The subscription's creator as the chain says now, when still an admin of ``org``; else ``None``."""
    creator = container.members.member(created_by)
    if creator is None or creator.org != org or not creator.has(Role.ADMIN):
        return None
    return creator


@dataclass(frozen=True)
class Live:
    """A subscription the worker serves this round (active, or suspended and perhaps resuming)."""

    id: str
    org: str
    created_by: str
    state: str


def live_subscriptions(container: Container) -> list[Live]:
    """The subscriptions to serve, oldest first; the feed brought up to date first when there are any.
    Raises a ``LedgerError`` when the chain cannot be read (the feed indexes grants from it)."""
    with container.sessions() as session:
        rows = session.execute(
            select(Subscription.id, Subscription.org, Subscription.created_by, Subscription.state)
            .where(Subscription.state.in_((ACTIVE, SUSPENDED)))
            .order_by(Subscription.created_at, Subscription.id)
        ).all()
    if rows:
        feed.refresh(container)
    return [Live(*row) for row in rows]


def serve(container: Container, sub: Live, now: datetime) -> int:
    """Suspend or resume ``sub`` as its creator's role says now, and queue its new events if active;
    how many deliveries were queued."""
    creator = creator_as_admin(container, sub.org, sub.created_by)
    wanted = ACTIVE if creator is not None else SUSPENDED
    if wanted != sub.state:
        with container.sessions() as session:
            session.execute(
                update(Subscription)
                .where(Subscription.id == sub.id, Subscription.state == sub.state)
                .values(state=wanted)
            )
            session.commit()
    return enqueue(container, creator, sub.id, now) if creator is not None else 0


def enqueue(container: Container, creator: Member, subscription_id: str, now: datetime, *, pages: int = 20) -> int:
    """Queue the subscription's events after its cursor, a feed page per transaction; how many were queued."""
    with container.sessions() as session:
        cursor = session.scalar(
            select(Subscription.cursor).where(Subscription.id == subscription_id, Subscription.state == ACTIVE)
        )
    if cursor is None:
        return 0
    queued = 0
    for _ in range(pages):
        page = feed.read_feed(container, creator, cursor, PAGE)
        if page.position <= cursor:
            break
        rows = [
            {"subscription_id": subscription_id, "event_seq": int(e["position"]), "event_id": str(e["id"]),
             "body": canonical(e), "created_at": now, "state": PENDING, "attempts": 0, "next_attempt_at": now}
            for e in page.events
        ]  # fmt: skip
        with container.sessions() as session:
            if rows:
                dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
                insert = dialect.insert(Delivery).on_conflict_do_nothing(
                    index_elements=["subscription_id", "event_seq"]
                )
                session.execute(insert, rows)
            moved = session.execute(
                update(Subscription)
                .where(Subscription.id == subscription_id, Subscription.cursor == cursor, Subscription.state == ACTIVE)
                .values(cursor=page.position)
            )
            if getattr(moved, "rowcount", 0) != 1:  # another replica queued this page, or it was deleted meanwhile
                session.rollback()
                break
            session.commit()
        queued += len(rows)
        cursor = page.position
    return queued

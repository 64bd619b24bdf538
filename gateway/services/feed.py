"""The change feed (``GET /v1/feed``): every event a member may see, in one stable total order.

Events are noted by whoever makes the fact true, in the same transaction (a commit, an
erasure, the anchoring worker, the grant indexer; :mod:`gateway.db.events`). Their
*position* is given afterwards by :func:`sequence`, one sequencer at a time (an advisory
lock on PostgreSQL, the database's single writer on SQLite), to the committed events that
have none, in insertion order. A reader therefore never sees position n without every
position before it, even when two replicas commit at once and their transactions finish
out of order: an id handed out by a sequence is not an order of commits, a position is.
Positions live in the database, so a cursor means the same on every replica and after a
restart, and reading again from an old cursor answers the same events again.

Who sees what follows the read rules (the listing's, :mod:`gateway.services.listing`):
record events of the records the member reads whole or under a live grant (confirmed
on-chain, once per page), and grant events of grants its organisation holds (admins and
verifiers) or gives (those who read the owner's records whole). An event carries facts,
never a payload: the record's signed metadata, the granted field names, and for an
anchoring its receipt, which the client verifies against the chain itself.

Grant expiry is not an action anyone takes on-chain: :func:`note_expiries` notes it when
the gateway's clock (the later of its own and the chain's) passes a grant's expiry.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text

from gateway.container import Container
from gateway.db.events import GRANT_EXPIRED, GRANT_KINDS, RECORD_ANCHORED, RECORD_KINDS, add_events, event_key
from gateway.db.models import Batch, FeedEvent, Grant, Record
from gateway.errors import ValidationFailed
from gateway.services.facts import LiveGrant, covering, flag, signed_entry
from gateway.services.listing import live_grants, readable_orgs
from gateway.services.members import Member
from gateway.services.records import GRANTEE_ROLES, build_receipt, can_read_whole

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_WAIT = 30
SEQUENCER_LOCK = 0x67726964_6C656467  # "gridledg": the advisory lock that makes one sequencer at a time
CURSOR_PREFIX = "feed1:"
MAX_CURSOR = 64


@dataclass(frozen=True)
class FeedPage:
    """Events after a position, and the cursor to read on from (the last position looked at)."""

    events: list[dict[str, Any]]
    position: int


def _utc(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


# -- positions -----------------------------------------------------------------------------------


def sequence(container: Container) -> int:
    """Give positions to the committed events that have none; return the highest position.

    The highest position so far is read inside the numbering statement itself, which holds the
    write lock (SQLite) or runs after the advisory lock was granted (PostgreSQL, a statement's
    own snapshot): two sequencers can never read the same top.
    """
    with container.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK})
        session.execute(
            text(
                "UPDATE feed_events SET seq = (SELECT coalesce(max(f.seq), 0) FROM feed_events AS f) + s.rn "
                "FROM (SELECT id AS eid, row_number() OVER (ORDER BY id) AS rn FROM feed_events "
                "WHERE seq IS NULL) AS s WHERE feed_events.id = s.eid"
            )
        )
        top = int(session.scalar(select(func.coalesce(func.max(FeedEvent.seq), 0))) or 0)
        session.commit()
    return top


def note_expiries(container: Container) -> None:
    """Note ``grant.expired`` for every unrevoked grant whose expiry has passed and is not noted yet."""
    now = container.now()
    with container.sessions() as session:
        expired = session.scalars(
            select(Grant).where(Grant.revoked_block.is_(None), Grant.expires_at <= now).order_by(Grant.id)
        ).all()
        if not expired:
            return
        noted = set(
            session.scalars(
                select(FeedEvent.grant_id).where(
                    FeedEvent.kind == GRANT_EXPIRED, FeedEvent.grant_id.in_([g.id for g in expired])
                )
            )
        )
        add_events(session, [
            {"key": event_key(GRANT_EXPIRED, g.id), "kind": GRANT_EXPIRED,
             "at": datetime.fromtimestamp(g.expires_at, UTC), "owner_org": g.owner_org,
             "grantee_org": g.grantee_org, "grant_id": g.id}
            for g in expired if g.id not in noted
        ])  # fmt: skip
        session.commit()


def refresh(container: Container) -> int:
    """Bring the feed up to date (grants indexed, expiries noted, positions given); the top position."""
    container.grant_index.sync()
    note_expiries(container)
    return sequence(container)


# -- reading -------------------------------------------------------------------------------------


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit: must be from 1 to {MAX_LIMIT}", path="limit")
    return limit


def read_feed(
    container: Container, member: Member, after: int, limit: int = DEFAULT_LIMIT, *, receipts: bool = True
) -> FeedPage:
    """Up to ``limit`` events ``member`` may see after position ``after``, oldest first (an anchoring
    with its receipt unless ``receipts`` is false: a reader that reads the records in bulk gets them there)."""
    limit = check_limit(limit)
    orgs = readable_orgs(container, member)
    grantee = member.has(GRANTEE_ROLES)
    grants = live_grants(container, member)
    seen: list[Any] = [FeedEvent.owner_org.in_(sorted(orgs))] if orgs else []
    if grantee:
        seen.append(FeedEvent.grantee_org == member.org)
    for g in grants:
        column = FeedEvent.record_id if g.scope_kind == "record" else FeedEvent.record_type
        seen.append(and_(FeedEvent.kind.in_(RECORD_KINDS), FeedEvent.owner_org == g.owner, column == g.scope))
    if not seen:
        return FeedPage([], max(after, _top(container)))
    with container.sessions() as session:
        # read before the page: every position up to it is committed, so a short page has seen them all
        top = int(session.scalar(select(func.coalesce(func.max(FeedEvent.seq), 0))) or 0)
        rows = session.scalars(
            select(FeedEvent)
            .where(FeedEvent.seq.is_not(None), FeedEvent.seq > after, FeedEvent.seq <= top, or_(*seen))
            .order_by(FeedEvent.seq)
            .limit(limit)
        ).all()
        records = _records(session, (r.record_id for r in rows if r.kind in RECORD_KINDS))
        batch_ids = sorted({bytes(r.batch_id) for r in records.values() if r.batch_id is not None and receipts})
        batches = {bytes(b.id): b for b in session.scalars(select(Batch).where(Batch.id.in_(batch_ids)))}
        grant_rows = _grants(session, (r.grant_id for r in rows if r.kind in GRANT_KINDS))
        events: list[dict[str, Any]] = []
        for row in rows:
            if row.kind in RECORD_KINDS:
                event = _record_event(container, session, member, grants, row, records, batches if receipts else None)
            else:
                event = _grant_event(member, orgs, row, grant_rows.get(row.grant_id or -1))
            if event is not None:
                events.append(event)
    # a full page ends at its last row; a short one has looked at everything up to ``top``: the cursor
    # moves past the events this reader may not see, so where it stands does not depend on them
    position = int(rows[-1].seq or after) if len(rows) == limit else max(after, top)
    return FeedPage(events, position)


def _top(container: Container) -> int:
    with container.sessions() as session:
        return int(session.scalar(select(func.coalesce(func.max(FeedEvent.seq), 0))) or 0)


def _records(session: Any, ids: Iterable[str | None]) -> dict[str, Record]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(wanted)))}


def _grants(session: Any, ids: Iterable[int | None]) -> dict[int, Grant]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {g.id: g for g in session.scalars(select(Grant).where(Grant.id.in_(wanted)))}


def _head(row: FeedEvent) -> dict[str, Any]:
    return {"id": row.key, "position": int(row.seq or 0), "kind": row.kind, "at": _utc(row.at)}


def _record_event(
    container: Container, session: Any, member: Member, grants: list[LiveGrant], row: FeedEvent,
    records: dict[str, Record], batches: dict[bytes, Batch] | None,
) -> dict[str, Any] | None:  # fmt: skip
    """The event as ``member`` may see it, or None; owner, type and version from the signed entry."""
    record = records.get(row.record_id or "")
    if record is None:
        raise flag(f"feed event {row.key}", "it names a record the gateway does not hold")
    entry = signed_entry(container, record)
    if entry.org != row.owner_org or entry.record_type != row.record_type:
        raise flag(f"feed event {row.key}", "its owner or type disagree with the record's signed entry")
    access: dict[str, Any]
    if can_read_whole(container, member, entry):
        access = {"kind": "whole"}
    else:
        grant = covering(grants, entry)
        if grant is None:
            return None
        access = {"kind": "grant", "grant": grant.id, "fields": sorted(grant.fields)}
    event = _head(row)
    event["record"] = {"id": entry.record_id, "owner": entry.org, "type": entry.record_type,
                       "version": entry.version, "supersedes": entry.supersedes}  # fmt: skip
    event["access"] = access
    if row.kind == RECORD_ANCHORED:
        event["block"] = row.block
        if batches is not None:
            event["receipt"] = _receipt(container, session, record, entry, row.block, batches)
    return event


def _receipt(
    container: Container, session: Any, record: Record, entry: Any, block: int | None, batches: dict[bytes, Batch]
) -> Any:
    """The receipt of the anchoring this event tells of, or None when the record was anchored again since."""
    if record.status != "anchored" or record.batch_id is None:
        return None
    batch = batches.get(bytes(record.batch_id))
    if batch is None or batch.block_number != block:
        return None
    return build_receipt(container, session, record, entry, batches).to_json()


def _grant_event(member: Member, orgs: set[str], row: FeedEvent, grant: Grant | None) -> dict[str, Any] | None:
    """A grant event for its grantee's admins and verifiers and for those who read the owner's records whole."""
    if not (row.owner_org in orgs or (row.grantee_org == member.org and member.has(GRANTEE_ROLES))):
        return None
    event = _head(row)
    event["grant"] = {"id": row.grant_id, "owner": row.owner_org, "grantee": row.grantee_org, "block": row.block}
    if grant is not None and (grant.owner_org, grant.grantee_org) == (row.owner_org, row.grantee_org):
        # (a chain rebuilt from an older state may give this id to another pair: then no details at all)
        event["grant"].update({
            "scope_kind": grant.scope_kind, "scope": grant.scope, "fields": list(grant.fields),
            "purpose_code": grant.purpose_code, "expires_at": _utc(datetime.fromtimestamp(grant.expires_at, UTC)),
        })  # fmt: skip
    return event


# -- cursors -------------------------------------------------------------------------------------


def _epoch(container: Container) -> str:
    """This database's feed: the access log's random id, made when the database was (a restored or
    rebuilt database has another, and its positions mean other events)."""
    return container.access_log.log_id[:4].hex()


def encode_cursor(container: Container, position: int) -> str:
    """Opaque to clients: base64url (no padding) of ``feed1:<epoch>:<position>``."""
    raw = f"{CURSOR_PREFIX}{_epoch(container)}:{position}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(container: Container, cursor: str | None) -> int:
    """The position a cursor carries (0 for none); ``validation-failed`` for one this database's feed did
    not issue — malformed, of another gateway or database, or beyond its end (checked by :func:`check_position`)."""
    if cursor is None:
        return 0
    bad = ValidationFailed("after: not a feed cursor this gateway issued; start again without one", path="after")
    if len(cursor) > MAX_CURSOR:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    epoch, _, digits = raw.removeprefix(CURSOR_PREFIX).partition(":")
    if not raw.startswith(CURSOR_PREFIX) or epoch != _epoch(container):
        raise bad
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18 or str(int(digits)) != digits:
        raise bad
    return int(digits)


def check_position(position: int, top: int) -> None:
    """A cursor beyond the feed's end was not issued here (a database restored from an older backup)."""
    if position > top:
        raise ValidationFailed("after: beyond this feed's end; start again without one", path="after")

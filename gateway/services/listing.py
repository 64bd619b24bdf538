"""Listing records (``GET /v1/records``): the records a member may read whole, a page at a time.

Who sees what follows the read path: whole records for the owner organisation's admins,
recorders and auditors and its supervising subdistrict's admins and auditors
(:func:`gateway.services.records.can_read_whole`); and for a grantee's admins and verifiers,
the records its live grants cover (``access: grant``), each item naming the granted fields
and the grant — the names only: values are read (and logged) one record at a time, with
their proofs. A grant is live when the chain says so: each candidate grant of the SQL index
is read back from ``AccessGrants`` (grantee, owner, scope, fields, revocation, expiry
against the gateway's clock and the chain's time), once per page; the index only proposes.

Trust rule: which rows are candidates comes from the SQL copy (``owner_org``, the
listing's index); every row returned is then checked against its committer-signed entry
(:func:`gateway.services.facts.signed_entry`), and owner, type, version and supersession
are answered from the entry. A row whose columns contradict its entry fails the page as
``integrity-failure``, exactly as a read of that record would. A row a DBA re-labelled
away from the caller's organisation is missed by the listing, not shown wrongly; the
integrity sweep (``gridledger audit integrity``) finds it.

Paging is keyset on the record id (the primary key): a cursor carries the last id served
and the filters, so pages never overlap or skip a row that existed when paging began,
however many rows are added meanwhile. The cursor is opaque to clients (base64url of a
small JSON object) and checked on the way in; it grants nothing, since every page is
filtered by the caller's own rights again.

A listing answers no payload, so it is not an access-log entry; a refused listing names
no record, and the log's rows each name one (like a read of an unknown id, it is not
logged, see docs/access.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select

from gateway.container import Container
from gateway.db.models import Batch, Record
from gateway.errors import Forbidden, ValidationFailed
from gateway.services import facts
from gateway.services.facts import LiveGrant, signed_entry
from gateway.services.grants import visible_orgs
from gateway.services.members import Member
from gateway.services.records import GRANTEE_ROLES, WHOLE_OWNER_ROLES, WHOLE_SUPERVISOR_ROLES, can_read_whole
from ledger.types import slug_to_bytes32

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
STATUSES = ("pending", "anchored", "erased")
CURSOR_VERSION = 1
MAX_CURSOR = 1024


@dataclass(frozen=True)
class ListingQuery:
    """What to list: filters, page size, and where the previous page ended (``after``, a record id)."""

    record_type: str | None = None
    owner: str | None = None
    status: str | None = None
    limit: int = DEFAULT_LIMIT
    after: str | None = None


@dataclass(frozen=True)
class ListedRecord:
    """One record version as listed: metadata from its signed entry, status and times from the gateway."""

    id: str
    owner: str
    type: str
    version: int
    supersedes: str | None
    status: str  # pending | anchored | erased
    committed_at: str
    anchored_at: str | None
    erased_at: str | None
    access: str = "whole"  # whole | grant
    fields: tuple[str, ...] | None = None  # the granted fields (access "grant"), None for a whole record
    grant: int | None = None
    block: int | None = None  # the anchoring block (a record anchored again after a reorganisation moves)


@dataclass(frozen=True)
class ListingPage:
    items: list[ListedRecord]
    next: ListingQuery | None  # the query of the next page, or None after the last


def _utc(moment: datetime | None) -> str | None:
    """One spelling of a time whatever the database hands back (SQLite drops the zone)."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


def _unix(seconds: int | None) -> str | None:
    return None if seconds is None else _utc(datetime.fromtimestamp(seconds, UTC))


def readable_orgs(container: Container, member: Member) -> set[str]:
    """The organisations whose records ``member`` reads whole: by ownership or by supervision."""
    orgs = set()
    for org in visible_orgs(container, member):
        roles = WHOLE_OWNER_ROLES if org == member.org else WHOLE_SUPERVISOR_ROLES
        if member.has(roles):
            orgs.add(org)
    return orgs


def check_query(query: ListingQuery) -> ListingQuery:
    """Refuse a query a client could only have built by hand (the API's schema checks the same)."""
    if not 1 <= query.limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit: must be from 1 to {MAX_LIMIT}", path="limit")
    if query.status is not None and query.status not in STATUSES:
        raise ValidationFailed(f"status: use one of {', '.join(STATUSES)}", path="status")
    for name, value in (("type", query.record_type), ("owner", query.owner)):
        if value is not None:
            try:
                slug_to_bytes32(value)
            except ValueError:
                raise ValidationFailed(f"{name}: not an id (1-32 of a-z 0-9 . _ -)", path=name) from None
    return query


def live_grants(container: Container, member: Member) -> list[LiveGrant]:
    """The grants ``member``'s organisation holds now, confirmed on-chain; none for a member who may not use them."""
    return facts.live_grants(container, member) if member.has(GRANTEE_ROLES) else []


def list_records(container: Container, member: Member, query: ListingQuery) -> ListingPage:
    """One page of the records ``member`` may read, whole or under a live grant, ordered by record id."""
    query = check_query(query)
    orgs = readable_orgs(container, member)
    grants = live_grants(container, member)
    if not orgs and not member.has(GRANTEE_ROLES):
        raise Forbidden(
            f"{member.address} may not list records: no ownership, supervision or grantee role in {member.org}"
        )
    if query.owner is not None:
        grants = [g for g in grants if g.owner == query.owner]
        if query.owner not in orgs and not grants:
            raise Forbidden(f"{member.org} may not list records of {query.owner}")
        orgs &= {query.owner}
    covered = [
        and_(Record.owner_org == g.owner, (Record.id if g.scope_kind == "record" else Record.record_type) == g.scope)
        for g in grants
    ]
    if not orgs and not covered:
        return ListingPage([], None)
    q = (
        select(Record, Batch.anchored_at, Batch.block_number)
        .outerjoin(Batch, Record.batch_id == Batch.id)
        .where(or_(Record.owner_org.in_(sorted(orgs)), *covered))
    )
    if query.record_type is not None:
        q = q.where(Record.record_type == query.record_type)
    if query.status == "erased":
        q = q.where(Record.erased_at.is_not(None))
    elif query.status is not None:
        q = q.where(Record.erased_at.is_(None), Record.status == query.status)
    if query.after is not None:
        q = q.where(Record.id > query.after)
    with container.sessions() as session:
        rows = session.execute(q.order_by(Record.id).limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    items: list[ListedRecord] = []
    for record, anchored_at, block in rows[: query.limit]:
        entry = signed_entry(container, record)  # IntegrityFailure when the columns contradict it
        whole = can_read_whole(container, member, entry)
        grant = None if whole else facts.covering(grants, entry)
        if not whole and grant is None:
            continue  # unreachable while the columns agree with the entry; never shown regardless
        items.append(
            ListedRecord(
                id=entry.record_id, owner=entry.org, type=entry.record_type, version=entry.version,
                supersedes=entry.supersedes,
                status="erased" if record.erased_at is not None else record.status,
                committed_at=_utc(record.created_at) or "", anchored_at=_unix(anchored_at),
                erased_at=_utc(record.erased_at),
                access="whole" if whole else "grant",
                fields=None if grant is None else tuple(sorted(grant.fields)),
                grant=None if grant is None else grant.id,
                block=block if record.status == "anchored" else None,
            )
        )  # fmt: skip
    last = rows[query.limit - 1][0].id if more else None
    return ListingPage(items, replace(query, after=last) if last else None)


# -- cursors -----------------------------------------------------------------------------------


def encode_cursor(query: ListingQuery) -> str:
    """The opaque cursor of ``query``: base64url (no padding) of its JSON."""
    doc = {"v": CURSOR_VERSION, "after": query.after, "type": query.record_type, "owner": query.owner,
           "status": query.status, "limit": query.limit}  # fmt: skip
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> ListingQuery:
    """The query a cursor carries; ``validation-failed`` for anything this gateway did not issue."""
    bad = ValidationFailed("cursor: not a cursor this gateway issued; start again without one", path="cursor")
    if len(cursor) > MAX_CURSOR:  # an issued one is ~200 characters; nothing deeper reaches the parser
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc: Any = json.loads(raw)
    except (ValueError, binascii.Error):
        raise bad from None
    if not isinstance(doc, dict) or set(doc) != {"v", "after", "type", "owner", "status", "limit"}:
        raise bad
    after, limit = doc["after"], doc["limit"]
    if doc["v"] != CURSOR_VERSION or not isinstance(after, str) or type(limit) is not int:
        raise bad
    try:
        if str(uuid.UUID(after)) != after:
            raise ValueError
        for name in ("type", "owner", "status"):
            if doc[name] is not None and not isinstance(doc[name], str):
                raise ValueError
        return check_query(ListingQuery(doc["type"], doc["owner"], doc["status"], limit, after))
    except (ValueError, ValidationFailed):
        raise bad from None


def resume(
    cursor: str | None, record_type: str | None, owner: str | None, status: str | None, limit: int | None
) -> ListingQuery:
    """The query of one request: its filters, or its cursor's, with which any filter given must agree.

    A page size given beside a cursor wins (a client may change it between pages); a filter
    that differs from the cursor's would silently mix two listings, so it is refused.
    """
    if cursor is None:
        return check_query(ListingQuery(record_type, owner, status, limit or DEFAULT_LIMIT))
    carried = decode_cursor(cursor)
    for name, mine, theirs in (
        ("type", record_type, carried.record_type),
        ("owner", owner, carried.owner),
        ("status", status, carried.status),
    ):
        if mine is not None and mine != theirs:
            raise ValidationFailed(f"{name}: differs from the cursor's; send the cursor alone", path=name)
    return check_query(replace(carried, limit=limit or carried.limit))

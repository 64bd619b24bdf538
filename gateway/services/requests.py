"""Residents' requests to correct or erase a record about them (PIPL art. 46-47), and the committee's inbox.

A resident files a request on a record about them; the owning committee's recorders and
admins see it (``GET /v1/requests``) and accept it — by a new version that supersedes the
record, or by erasing it — or refuse it with a reason. Every step is an access-log entry
about the resident, so it shows in their history and is covered by their completeness
proof. What the resident writes is sealed by the vault like a payload: it is personal.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from gateway.container import Container
from gateway.db.models import Record, ResidentRequest
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.services.facts import signed_entry
from gateway.services.members import Member
from gateway.services.records import erase_record, load_record, open_payload, subject_keys
from gateway.services.residents import ENROLLERS, RESIDENT_ORG, Resident

KINDS = ("correction", "erasure")
MAX_TEXT = 2000


def _view(container: Container, row: ResidentRequest, *, text: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id, "kind": row.kind, "record_id": row.record_id, "owner": row.owner_org, "status": row.status,
        "filed_at": row.filed_at.isoformat(), "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "reason": row.reason, "result_record_id": row.result_record_id,
    }  # fmt: skip
    if text and row.text is not None and row.wrapped_key is not None:
        out["text"] = json.loads(container.vault.open(row.id, row.text, row.wrapped_key))["text"]
    return out


def file_request(container: Container, resident: Resident, body: dict[str, Any]) -> dict[str, Any]:
    """File a request on a record about the resident; logged as the resident's act."""
    kind, record_id, text = body.get("kind"), body.get("record_id"), body.get("text")
    if kind not in KINDS:
        raise ValidationFailed("kind: use correction or erasure", path="kind")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        raise ValidationFailed(f"text: at most {MAX_TEXT} characters", path="text")
    if kind == "correction" and not (text or "").strip():
        raise ValidationFailed("text: say what is wrong and what it should say", path="text")
    try:
        record_id = str(uuid.UUID(str(record_id)))
    except ValueError:
        raise ValidationFailed("record_id: a record id (UUID)", path="record_id") from None
    request_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    with container.sessions() as session:
        record = session.get(Record, record_id)
        about = record is not None and resident.subject_key in _subjects(container, session, record)
        if record is None or not about:
            raise NotFound(f"no record {record_id} about you")  # never confirm a record about someone else
        if record.erased_at is not None:
            raise Conflict(f"record {record_id} is already erased")
        entry = signed_entry(container, record)
        sealed, wrapped = (
            container.vault.seal(request_id, json.dumps({"text": text}).encode()) if text else (None, None)
        )
        row = ResidentRequest(
            id=request_id, kind=kind, record_id=record_id, owner_org=entry.org, subject_key=resident.subject_key,
            filed_by=resident.address, filed_at=now, text=sealed, wrapped_key=wrapped, status="open",
        )  # fmt: skip
        session.add(row)
        logged = container.access_log.append(
            session, accessor=resident.address, accessor_org=RESIDENT_ORG, action="request", outcome="allowed",
            reason=f"{kind} requested", record_id=record_id, owner_org=entry.org,
            subject_keys=[resident.subject_key], grant_id=None, purpose="subject-request", fields=[],
        )  # fmt: skip
        session.commit()
        view = _view(container, row, text=True)
    container.access_log.saw(logged.idx + 1)
    return view


def _subjects(container: Container, session: Any, record: Record) -> list[str]:
    """Whom a record is about: from its sealed payload, or (erased) from the index."""
    if record.erased_at is None:
        return open_payload(container, session, record).subject_keys
    return subject_keys(session, record.id)


def my_requests(container: Container, resident: Resident) -> list[dict[str, Any]]:
    with container.sessions() as session:
        rows = session.scalars(
            select(ResidentRequest)
            .where(ResidentRequest.subject_key == resident.subject_key)
            .order_by(ResidentRequest.filed_at, ResidentRequest.id)
        ).all()
        return [_view(container, row, text=True) for row in rows]


def _require_handler(member: Member) -> None:
    if not member.has(ENROLLERS):
        raise Forbidden(f"{member.address} is neither a recorder nor an admin of {member.org}")


def inbox(container: Container, member: Member, status: str | None = None) -> list[dict[str, Any]]:
    """The requests on the member's organisation's records (a recorder's or admin's inbox)."""
    _require_handler(member)
    q = select(ResidentRequest).where(ResidentRequest.owner_org == member.org)
    if status is not None:
        if status not in ("open", "accepted", "refused"):
            raise ValidationFailed("status: use open, accepted or refused", path="status")
        q = q.where(ResidentRequest.status == status)
    with container.sessions() as session:
        rows = session.scalars(q.order_by(ResidentRequest.filed_at, ResidentRequest.id).limit(1000)).all()
        return [_view(container, row, text=True) for row in rows]


def decide(
    container: Container, member: Member, request_id: str, *, accept: bool, body: dict[str, Any]
) -> dict[str, Any]:
    """Accept (a correction by the new version named, an erasure by erasing) or refuse with a reason."""
    _require_handler(member)
    with container.sessions() as session:
        row = session.get(ResidentRequest, request_id)
        if row is None or row.owner_org != member.org:
            raise NotFound(f"no request {request_id[:36]} for {member.org}")
        if row.status != "open":
            raise Conflict(f"request {row.id} was already {row.status}")
        kind, record_id = row.kind, row.record_id
    reason = body.get("reason")
    result: str | None = None
    if not accept:
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
            raise ValidationFailed("reason: say why the request is refused (at most 500 characters)", path="reason")
    elif kind == "correction":
        result = _correction(container, record_id, body.get("record_id"))
        reason = "corrected by a new version"
    else:
        erase_record(container, member, record_id)  # admins only; logged there as the erasure
        reason = "erased"
    now = datetime.now(UTC)
    with container.sessions() as session:
        row = session.get(ResidentRequest, request_id, with_for_update=True)
        assert row is not None
        if row.status != "open":
            raise Conflict(f"request {row.id} was already {row.status}")
        row.status, row.decided_by, row.decided_at = ("accepted" if accept else "refused"), member.address, now
        row.reason, row.result_record_id = reason, result
        logged = container.access_log.append(
            session, accessor=member.address, accessor_org=member.org, action="decide",
            outcome="allowed" if accept else "refused", reason=f"{kind} {row.status}", record_id=record_id,
            owner_org=member.org, subject_keys=[row.subject_key], grant_id=None, purpose="subject-request", fields=[],
        )  # fmt: skip
        session.commit()
        view = _view(container, row, text=False)
    container.access_log.saw(logged.idx + 1)
    return view


def _correction(container: Container, record_id: str, new_id: Any) -> str:
    """The new version that corrects ``record_id``, as its signed entry says (it must supersede it)."""
    if not isinstance(new_id, str):
        raise ValidationFailed("record_id: the id of the new version that corrects the record", path="record_id")
    with container.sessions() as session:
        try:
            successor = load_record(session, new_id)
        except NotFound:
            raise ValidationFailed(f"record_id: no record {new_id[:36]}", path="record_id") from None
        entry = signed_entry(container, successor)
    if entry.supersedes != record_id:
        raise ValidationFailed(f"record_id: record {successor.id} does not supersede {record_id}", path="record_id")
    return successor.id

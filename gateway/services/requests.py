"""Residents' requests to correct or erase a record about them (PIPL art. 46-47), and the committee's inbox.

A resident files a request on a record about them; the owning committee's recorders and
admins see it (``GET /v1/requests``) and accept it — by a new version that supersedes the
record, or by erasing it — or refuse it with a reason. Every step is an access-log entry
about the resident, so it shows in their history and is covered by their completeness
proof. What the resident writes is sealed by the vault like a payload: it is personal.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from gateway.container import Container
from gateway.db.models import Record, ResidentRequest
from gateway.errors import Conflict, Forbidden, Gone, NotFound, ValidationFailed
from gateway.security.vault import VaultError
from gateway.services.facts import flag, signed_entry
from gateway.services.members import Member
from gateway.services.records import erase_record, load_record, open_payload, subject_keys
from gateway.services.residents import ENROLLERS, RESIDENT_ORG, Resident

KINDS = ("correction", "erasure")
CLAIM = timedelta(minutes=10)
"""How long a decision may hold a request before another decider may take it (a crashed one)."""
MAX_TEXT = 2000


def _view(container: Container, row: ResidentRequest, *, text: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id, "kind": row.kind, "record_id": row.record_id, "owner": row.owner_org, "status": row.status,
        "filed_at": row.filed_at.isoformat(), "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "reason": row.reason, "result_record_id": row.result_record_id,
    }  # fmt: skip
    if text and row.text is not None and row.wrapped_key is not None:
        try:
            opened = container.vault.open(_bound_to(row.id, row.subject_key, row.owner_org), row.text, row.wrapped_key)
        except VaultError:  # re-routed behind the gateway's back: shown without its text, reported
            flag(f"request {row.id}", "its text is sealed for another resident or organisation")
            out["text"], out["text_withheld"] = None, "sealed for another resident or organisation (reported)"
        else:
            out["text"] = json.loads(opened)["text"]
    return out


def _bound_to(request_id: str, subject_key: str, owner_org: str) -> str:
    """What a request's text is sealed to (associated data): a DBA who re-routes the row cannot open it."""
    return f"{request_id}:{subject_key}:{owner_org}"


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
        ours = record is not None and record.owner_org == resident.org
        about = ours and record is not None and resident.subject_key in _subjects(container, session, record)
        if record is None or not about:
            raise NotFound(f"no record {record_id} about you")  # never confirm a record about someone else
        if record.erased_at is not None:
            raise Conflict(f"record {record_id} is already erased")
        entry = signed_entry(container, record)
        bound = _bound_to(request_id, resident.subject_key, entry.org)
        sealed, wrapped = container.vault.seal(bound, json.dumps({"text": text}).encode()) if text else (None, None)
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
    reason = body.get("reason")
    if not accept and (not isinstance(reason, str) or not reason.strip() or len(reason) > 500):
        raise ValidationFailed("reason: say why the request is refused (at most 500 characters)", path="reason")
    kind, record_id = _claim(container, member, request_id)
    result: str | None = None
    try:
        if accept and kind == "correction":
            result = _correction(container, record_id, body.get("record_id"))
            reason = "corrected by a new version"
        elif accept:
            with contextlib.suppress(Gone):  # erased already (another request about it): the request is met
                erase_record(container, member, record_id)  # admins only; logged there as the erasure
            reason = "erased"
    except BaseException:
        _release(container, request_id)
        raise
    now = datetime.now(UTC)
    with container.sessions() as session:
        row = session.get(ResidentRequest, request_id)
        assert row is not None and row.status == "deciding"
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


def _claim(container: Container, member: Member, request_id: str) -> tuple[str, str]:
    """Take an open request for deciding (one decider at a time); (kind, record id)."""
    with container.sessions() as session:
        row = session.get(ResidentRequest, request_id)
        if row is None or row.owner_org != member.org:
            raise NotFound(f"no request {request_id[:36]} for {member.org}")
        now = datetime.now(UTC)
        stale = (ResidentRequest.status == "deciding") & (ResidentRequest.decided_at < now - CLAIM)
        taken = session.execute(
            update(ResidentRequest)
            .where(ResidentRequest.id == request_id, (ResidentRequest.status == "open") | stale)
            .values(status="deciding", decided_by=member.address, decided_at=now)
            .execution_options(synchronize_session=False)  # no Python comparison of SQLite's naive times
        )
        session.commit()
        if cast(CursorResult[Any], taken).rowcount != 1:
            session.refresh(row)
            raise Conflict(f"request {row.id} was already {row.status}")
        return row.kind, row.record_id


def _release(container: Container, request_id: str) -> None:
    """Give a claimed request back (its decision failed): it is open again."""
    with container.sessions() as session:
        session.execute(
            update(ResidentRequest)
            .where(ResidentRequest.id == request_id, ResidentRequest.status == "deciding")
            .values(status="open", decided_by=None, decided_at=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


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

"""Residents' keys: enrolment by a committee member, revocation, and who a resident's request acts for.

A resident is never a member: no resident account appears on-chain. A recorder or admin
of a residents' committee checks the resident's identity in person and signs an
enrolment (:mod:`ledger.enrolment`) binding the resident's address to the subject key of
their id number. The gateway acts for a resident's key only while that signature holds
and its signer is, on-chain, a recorder or admin of the committee (checked per request,
cached like members): a binding a database administrator inserts has no such signature.
Enrolment and revocation are access-log entries about the subject, so the resident sees
them in their own history.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway.container import Container
from gateway.db.models import ResidentKey
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.security.vault import VaultError
from gateway.services.members import Member
from gateway.services.subjects import normalise
from ledger.enrolment import Enrolment, enrolment_signer
from ledger.types import OrgKind, Role, to_address

ENROLLERS = Role.RECORDER | Role.ADMIN
RESIDENT_ORG = "resident"
"""The ``accessor_org`` of a resident's own acts in the access log (no organisation is a slug of this)."""
TTL = 5.0


@dataclass(frozen=True)
class Resident:
    """A resident's key, as its enrolment vouches for it."""

    address: str
    subject_key: str
    org: str
    enrolment_id: str


def require_enroller(member: Member) -> None:
    if member.kind is not OrgKind.COMMITTEE or not member.has(ENROLLERS):
        raise Forbidden(f"only a recorder or admin of a residents' committee may enrol residents, not {member.address}")


def enrol(container: Container, member: Member, body: dict[str, Any]) -> dict[str, Any]:
    """Bind a resident's key to the subject key of their id number, on the member's signed word."""
    require_enroller(member)
    book = container.deployment().book
    try:
        resident = str(to_address(str(body["resident"])))
        enrolment = Enrolment(
            id=str(uuid.UUID(str(body["id"]))), chain_id=book.chain_id, registry=str(to_address(book.registry)),
            org=member.org, resident=resident, id_number=str(body["id_number"]), at=int(body["at"]),
        )  # fmt: skip
        message = enrolment.message()
        signer = enrolment_signer(enrolment, bytes.fromhex(str(body["signature"]).removeprefix("0x")))
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed(
            "an enrolment needs id (a UUID), resident (an address), id_number, at (Unix seconds) and the "
            "member's signature over them (see ledger.enrolment)"
        ) from None
    if signer != bytes.fromhex(member.address[2:]):
        raise ValidationFailed("the enrolment is not signed by the member who sends it", path="signature")
    if abs(enrolment.at - container.clock()) > container.settings.signature_max_age:  # as signed requests are
        raise ValidationFailed("the enrolment's time is too far from now", path="at")
    if not container.record_types.is_subject_id(normalise(enrolment.id_number)):
        raise ValidationFailed("id_number: not an id any record type's subject field accepts (a typo?)",
                               path="id_number")  # fmt: skip
    raw = str(body["resident"])
    if not (raw[2:].islower() or raw[2:].isupper()) and raw != resident:
        raise ValidationFailed("resident: the address's mixed-case checksum (EIP-55) is wrong", path="resident")
    if container.members.member(resident) is not None:
        raise Conflict("that key belongs to a member: a resident enrols with a key of their own")
    subject = container.vault.subject_key(enrolment.id_number)
    statement, wrapped = container.vault.seal(enrolment.id, message)
    now = datetime.now(UTC)
    with container.sessions() as session:
        session.add(ResidentKey(
            address=resident, enrolment_id=enrolment.id, subject_key=subject, org=member.org,
            enrolled_by=member.address, enrolled_at=now, statement=statement, wrapped_key=wrapped,
            signature=bytes.fromhex(str(body["signature"]).removeprefix("0x")),
        ))  # fmt: skip
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raise Conflict(f"{resident} is already enrolled: a resident adds a new key, never re-uses one") from None
        entry = container.access_log.append(
            session, accessor=member.address, accessor_org=member.org, action="enrol", outcome="allowed",
            reason="identity checked in person", record_id=enrolment.id, owner_org=member.org,
            subject_keys=[subject], grant_id=None, purpose="enrolment", fields=[],
        )  # fmt: skip
        session.commit()
    container.access_log.saw(entry.idx + 1)
    return {"resident": resident, "enrolment": enrolment.id, "org": member.org, "enrolled_at": now.isoformat(),
            "log_index": entry.idx}  # fmt: skip


class ResidentDirectory:
    """Which enrolled resident a key is, checked against its signed enrolment (cached ``TTL`` seconds)."""

    def __init__(self, container: Container, ttl: float = TTL) -> None:
        self._container = container
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Resident | None]] = {}
        self._lock = threading.Lock()

    def forget(self, address: str) -> None:
        with self._lock:
            self._cache.pop(address, None)

    def resident(self, address: str) -> Resident | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(address)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        found = self._load(address)
        with self._lock:
            self._cache[address] = (now, found)
        return found

    def _load(self, address: str) -> Resident | None:
        container = self._container
        with container.sessions() as session:
            row = session.get(ResidentKey, address)
        if row is None or row.revoked_at is not None:
            return None
        try:
            message = container.vault.open(row.enrolment_id, row.statement, row.wrapped_key)
            enrolment = Enrolment.parse(message)
            signer = str(to_address("0x" + enrolment_signer(enrolment, bytes(row.signature)).hex()))
        except (VaultError, ValueError, UnicodeDecodeError):
            return None
        if (
            enrolment.resident.lower() != address.lower()
            or enrolment.org != row.org
            or enrolment.id != row.enrolment_id
            or container.vault.subject_key(enrolment.id_number) != row.subject_key
        ):
            return None  # a row that does not say what its signed statement says
        enroller = container.members.member(signer)
        if enroller is None or enroller.org != row.org or not enroller.has(ENROLLERS):
            return None
        return Resident(address, row.subject_key, row.org, row.enrolment_id)


def revoke_key(container: Container, address: str, *, by: Resident | Member) -> dict[str, Any]:
    """Revoke one resident key: by the resident (any of their keys) or a recorder/admin of its committee."""
    try:
        target = str(to_address(address))
    except ValueError:
        raise NotFound("no enrolled resident key at that address") from None
    with container.sessions() as session:
        row = session.get(ResidentKey, target)
        if row is None:
            raise NotFound("no enrolled resident key at that address")
        if isinstance(by, Resident):
            allowed, org = by.subject_key == row.subject_key, RESIDENT_ORG
        else:
            allowed, org = by.org == row.org and by.has(ENROLLERS), by.org
        if not allowed:
            raise NotFound("no enrolled resident key at that address")  # never confirm another's key exists
        if row.revoked_at is not None:
            raise Conflict(f"that key was revoked at {row.revoked_at.isoformat()}")
        now = datetime.now(UTC)
        session.execute(update(ResidentKey).where(ResidentKey.address == target).values(
            revoked_at=now, revoked_by=by.address))  # fmt: skip
        entry = container.access_log.append(
            session, accessor=by.address, accessor_org=org, action="unenrol", outcome="allowed",
            reason="key revoked", record_id=row.enrolment_id, owner_org=row.org, subject_keys=[row.subject_key],
            grant_id=None, purpose="enrolment", fields=[],
        )  # fmt: skip
        session.commit()
    container.access_log.saw(entry.idx + 1)
    container.residents.forget(target)
    return {"resident": target, "revoked_at": now.isoformat(), "log_index": entry.idx}


def keys_of(container: Container, resident: Resident) -> list[dict[str, Any]]:
    """The resident's keys (every key bound to their subject key), revoked ones included."""
    with container.sessions() as session:
        rows = session.scalars(
            select(ResidentKey).where(ResidentKey.subject_key == resident.subject_key).order_by(ResidentKey.enrolled_at)
        ).all()
    return [
        {"address": r.address, "org": r.org, "enrolled_at": r.enrolled_at.isoformat(), "enrolled_by": r.enrolled_by,
         "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None}
        for r in rows
    ]  # fmt: skip

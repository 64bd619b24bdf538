"""Audit: the access-log query, log proofs, and the integrity sweep."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from gateway.container import Container
from gateway.db.models import AccessLogEntry, SubjectIndex
from gateway.errors import Forbidden, ValidationFailed
from gateway.services.grants import visible_orgs
from gateway.services.integrity import sweep_batches, sweep_grants, sweep_log, sweep_records
from gateway.services.members import Member
from gateway.services.sealed_reads import annotate, openings, privy_rows, visible_clause
from gateway.services.subject_sweep import sweep_enrolments, sweep_subjects
from ledger.types import Role

AUDIT_ROLES = Role.ADMIN | Role.AUDITOR
TOTAL_CAP = 10_000


def require_auditor(member: Member) -> None:
    if not member.has(AUDIT_ROLES):
        raise Forbidden(f"{member.address} is neither an auditor nor an admin of {member.org}")


def query_access(
    container: Container,
    member: Member,
    *,
    record: str | None = None,
    subject: str | None = None,
    accessor_org: str | None = None,
    purpose: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sealed: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Access-log rows the member may see: of its (and its committees') records, or its own reads.

    A sealed read shows as its stub (with ``opens_at``), and with its content (``opened``) to the
    reading organisation and the supervising office, or to everyone once it has opened.
    """
    require_auditor(member)
    orgs = visible_orgs(container, member)
    if subject:
        # who read a person's records is asked only of records this member oversees: never
        # of another organisation's records, whose existence it would otherwise learn
        q = select(AccessLogEntry).where(AccessLogEntry.owner_org.in_(orgs))
    elif accessor_org and accessor_org != member.org:
        # another organisation's reads: only those of records this member oversees (a plain
        # predicate, so the (accessor_org, outcome, owner_org, idx) index serves it)
        q = select(AccessLogEntry).where(AccessLogEntry.owner_org.in_(orgs))
    elif accessor_org:
        q = select(AccessLogEntry)  # the member's own organisation's reads
    else:
        q = select(AccessLogEntry).where(
            or_(AccessLogEntry.owner_org.in_(orgs), AccessLogEntry.accessor_org == member.org)
        )
    if record:
        q = q.where(AccessLogEntry.record_id == record)
    if subject:
        key = container.vault.subject_key(subject)
        about = select(SubjectIndex.record_id).where(SubjectIndex.subject_key == key)
        q = q.where(AccessLogEntry.record_id.in_(about))
    if accessor_org:
        q = q.where(AccessLogEntry.accessor_org == accessor_org)
    if purpose:
        q = q.where(AccessLogEntry.purpose == purpose)
    if outcome:
        if outcome not in ("allowed", "refused"):
            raise ValidationFailed("outcome: use allowed or refused", path="outcome")
        q = q.where(AccessLogEntry.outcome == outcome)
    if since:
        q = q.where(AccessLogEntry.at >= since)
    if until:
        q = q.where(AccessLogEntry.at < until)
    if sealed:
        q = q.where(AccessLogEntry.seal_nonce.is_not(None))
    # a sealed read matches on its columns only for those privy to it, or once it has opened
    q = q.where(visible_clause(container, member, orgs))
    with container.sessions() as session:
        # counting every match of a broad filter at millions of rows is slow; count up to a cap
        capped = select(func.count()).select_from(q.limit(TOTAL_CAP + 1).subquery())
        total = session.scalar(capped) or 0
        rows = session.scalars(q.order_by(AccessLogEntry.idx.desc()).limit(limit).offset(offset)).all()
        seals = openings(container, session, rows, privy_rows(member, orgs, rows))
    return {
        "total": min(total, TOTAL_CAP),
        "total_capped": total > TOTAL_CAP,
        "limit": limit,
        "offset": offset,
        "entries": [{**annotate(json.loads(r.leaf), seals.get(r.idx)), "leaf": r.leaf.decode()} for r in rows],
    }


def log_head(container: Container) -> dict[str, Any]:
    """The log's current head as the operator key signed it, and where its anchored heads are.

    ``org`` is the anchoring organisation: anchored heads live on-chain under (org, log id),
    so an auditor reads them from the registry, never from this answer.
    """
    state = container.access_log.state()
    operator = container.operator().address
    org = container.operator_org()
    return {
        "log_id": "0x" + bytes(state.log_id).hex(),
        "org": org,
        "size": state.size,
        "root": "0x" + bytes(state.head_root or b"").hex(),
        "signature": "0x" + bytes(state.head_signature or b"").hex(),
        "signer": operator,
    }


def log_proof(container: Container, kind: str, a: int, b: int) -> list[str]:
    log = container.access_log
    size = log.size()
    try:
        if kind == "inclusion":
            if not 0 <= a < b <= size:
                raise IndexError
            proof = log.inclusion(a, b)
        else:
            if not 0 < a <= b <= size:
                raise IndexError
            proof = log.consistency(a, b)
    except IndexError:
        raise ValidationFailed(f"no such proof in a log of size {size}", path=kind) from None
    return ["0x" + p.hex() for p in proof]


# -- integrity sweep ---------------------------------------------------------------------------


def integrity_page(container: Container, member: Member, after: str | None, limit: int) -> dict[str, Any]:
    """One page of the integrity sweep over the records this auditor oversees.

    The first page (no ``after``) also sweeps what is not per record: batches against the
    chain, grants against the chain, and the access log against its signed and anchored heads.
    """
    require_auditor(member)
    page = sweep_records(container, visible_orgs(container, member), after, limit)
    if after is None:
        parts = (("batches", sweep_batches), ("grants", sweep_grants), ("access_log", sweep_log),
                 ("subjects", sweep_subjects), ("resident_keys", sweep_enrolments))  # fmt: skip
        for name, sweep in parts:
            part = sweep(container)
            page[name] = part
            page["mismatches"] += part["mismatches"]
    return page

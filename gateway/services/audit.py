"""Audit: the access-log query, log proofs, and the integrity sweep."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from gateway.errors import Forbidden, ValidationFailed
from gateway.models import AccessLogEntry, Batch, Payload, Record, SubjectIndex
from gateway.runtime import Runtime
from gateway.services.access_log import leaf_document
from gateway.services.grants import visible_orgs
from gateway.services.members import Member
from gateway.services.records import batch_tree, entry_domain
from gateway.vault import VaultError
from ledger import merkle
from ledger.commitments import canonical, commitment
from ledger.entries import Entry
from ledger.errors import LedgerError, VerificationError
from ledger.types import Role

AUDIT_ROLES = Role.ADMIN | Role.AUDITOR
LEAF_COLUMNS = ("idx", "at", "accessor", "accessor_org", "action", "outcome", "reason", "record_id", "owner_org",
                "subject_keys", "grant_id", "purpose", "fields", "leaf")  # fmt: skip
TOTAL_CAP = 10_000


def require_auditor(member: Member) -> None:
    if not member.has(AUDIT_ROLES):
        raise Forbidden(f"{member.address} is neither an auditor nor an admin of {member.org}")


def query_access(
    runtime: Runtime,
    member: Member,
    *,
    record: str | None = None,
    subject: str | None = None,
    accessor_org: str | None = None,
    purpose: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Access-log rows the member may see: of its (and its committees') records, or its own reads."""
    require_auditor(member)
    orgs = visible_orgs(runtime, member)
    if accessor_org and accessor_org != member.org:
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
        key = runtime.vault.subject_key(subject)
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
    with runtime.sessions() as session:
        # counting every match of a broad filter at millions of rows is slow; count up to a cap
        capped = select(func.count()).select_from(q.limit(TOTAL_CAP + 1).subquery())
        total = session.scalar(capped) or 0
        rows = session.scalars(q.order_by(AccessLogEntry.idx.desc()).limit(limit).offset(offset)).all()
    return {
        "total": min(total, TOTAL_CAP),
        "total_capped": total > TOTAL_CAP,
        "limit": limit,
        "offset": offset,
        "entries": [{**json.loads(r.leaf), "leaf": r.leaf.decode()} for r in rows],
    }


def log_head(runtime: Runtime) -> dict[str, Any]:
    log = runtime.log()
    size = log.size()
    return {"log_id": "0x" + log.log_id.hex(), "size": size, "root": "0x" + log.root(size).hex()}


def log_proof(runtime: Runtime, kind: str, a: int, b: int) -> list[str]:
    log = runtime.log()
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


def sweep_records(runtime: Runtime, member: Member, after: str | None, limit: int) -> dict[str, Any]:
    """Re-verify one page of stored records: decrypt, recompute, compare, prove inclusion."""
    require_auditor(member)
    orgs = visible_orgs(runtime, member)
    domain = entry_domain(runtime)
    problems: list[dict[str, str]] = []
    on_chain: dict[bytes, bytes | None] = {}
    with runtime.sessions() as session:
        base = select(Record).where(Record.owner_org.in_(orgs))
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        page = base.where(Record.id > after) if after else base
        records = session.scalars(page.order_by(Record.id).limit(limit)).all()
        for record in records:
            problems += _check_record(runtime, session, record, domain, on_chain)
    nxt = records[-1].id if len(records) == limit else None
    return {"total": total, "checked": len(records), "next": nxt, "mismatches": problems}


def _check_record(
    runtime: Runtime, session: Any, record: Record, domain: Any, on_chain: dict[bytes, bytes | None]
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def bad(problem: str) -> None:
        out.append({"kind": "record", "id": record.id, "problem": problem})

    try:
        entry = Entry.from_json(json.loads(record.entry))
    except (ValueError, VerificationError) as exc:
        bad(f"stored entry is unreadable: {exc}")
        return out
    if merkle.leaf_hash(canonical(entry.to_json())) != record.entry_leaf:
        bad("entry does not hash to its stored leaf")
    if entry.commitment != record.commitment:
        bad("entry commitment differs from the record's")
    try:
        if entry.signer(domain) != record.committer:
            bad("entry signature is not the committer's")
    except VerificationError as exc:
        bad(exc.message)
    if record.erased_at is None:
        stored = session.get(Payload, record.id)
        if stored is None:
            bad("payload row is missing")
        else:
            try:
                plain = json.loads(runtime.vault.open(record.id, stored.ciphertext, stored.wrapped_key))
                if commitment(plain["payload"], bytes.fromhex(plain["record_secret"][2:])) != record.commitment:
                    bad("payload does not match the commitment")
            except (VaultError, ValueError, KeyError) as exc:
                bad(f"payload does not decrypt: {exc}")
    if record.status == "anchored" and record.batch_id is not None:
        batch = session.get(Batch, record.batch_id)
        positions, tree = batch_tree(session, record.batch_id, cached=False)
        index = positions[record.id]
        if batch is None or len(tree[0]) != batch.size:
            bad("batch has lost entries (its size differs from the records stored for it)")
        else:
            try:
                proof = merkle.inclusion_proof(index, tree)
                merkle.verify_inclusion(index, batch.size, record.entry_leaf, proof, batch.root)
            except (merkle.ProofError, IndexError):
                bad("entry is not in its batch root")
            if batch.id not in on_chain:
                try:
                    on_chain[batch.id] = runtime.deployment().registry.get_batch(batch.id).root
                except LedgerError:
                    on_chain[batch.id] = None
            if on_chain[batch.id] != batch.root:
                bad("batch root differs from the one anchored on-chain")
    return out


def sweep_log(runtime: Runtime, member: Member) -> dict[str, Any]:
    """Re-verify the whole access log: contiguous, rows match their leaves, roots match anchored heads."""
    require_auditor(member)
    log = runtime.log()
    problems: list[dict[str, str]] = []
    size = log.size()
    hashes: list[bytes] = []  # from the rows as stored now, not from any cache
    columns = [getattr(AccessLogEntry, c) for c in LEAF_COLUMNS]
    with runtime.sessions() as session:
        rows = session.execute(select(*columns).order_by(AccessLogEntry.idx).execution_options(yield_per=20_000))
        for row in rows:  # plain tuples, not ORM objects: a million of them must stay fast
            if row.idx != len(hashes):
                problems.append(
                    {
                        "kind": "access_log",
                        "id": str(len(hashes)),
                        "problem": f"entries {len(hashes)}..{row.idx - 1} are missing",
                    }
                )
            hashes.append(merkle.leaf_hash(row.leaf))
            if canonical(leaf_document(row)) != row.leaf:
                problems.append(
                    {"kind": "access_log", "id": str(row.idx), "problem": "row differs from its logged leaf"}
                )
    if len(hashes) != size:
        problems.append(
            {
                "kind": "access_log",
                "id": str(len(hashes)),
                "problem": f"log should hold {size} entries, holds {len(hashes)}",
            }
        )
    registry = runtime.deployment().registry
    heads = [registry.log_head_at(log.log_id, i) for i in range(registry.log_head_count(log.log_id))]
    for head in heads:
        if head.tree_size > len(hashes) or merkle.root(hashes[: head.tree_size]) != head.root:
            problems.append(
                {
                    "kind": "access_log",
                    "id": str(head.tree_size),
                    "problem": f"log of size {head.tree_size} does not match its anchored root",
                }
            )
    return {"size": size, "anchored_heads": len(heads), "mismatches": problems}

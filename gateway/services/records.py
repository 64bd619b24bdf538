"""Committing and reading records.

Commit = validate everything first, then write record, encrypted payload and outbox row
in one transaction, then answer 202. A refused request writes nothing; an acknowledged
one is durable before the answer leaves.

The commit path is the gateway's hot loop (docs/decisions/0014-speed.md): the entry check
compares the recovered signer's 20 bytes with the member's (no EIP-55 spelling in
between), and on PostgreSQL the rows go in by binary ``COPY`` inside the same transaction
(one stream per table instead of an ORM ``executemany``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import String, any_, bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from gateway.container import Container
from gateway.db.events import RECORD_COMMITTED, RECORD_ERASED, RECORD_VERSIONED, add_events, event_key
from gateway.db.models import Batch, FeedEvent, OutboxItem, Payload, Record, SubjectIndex
from gateway.errors import Conflict, Forbidden, GatewayError, Gone, NotFound, PayloadTooLarge, ValidationFailed
from gateway.services.facts import LiveGrant, entry_domain, flag, live_grant, signed_entry
from gateway.services.members import Member
from gateway.services.record_types import Compiled
from gateway.services.sealed_reads import SealRequest, may_seal
from gateway.services.subjects import subject_values
from gateway.services.values import Accepted, RecordVersion
from ledger import merkle
from ledger.commitments import canonical, commitment, disclose
from ledger.eip712 import recover_raw
from ledger.entries import Entry, EntryDomain
from ledger.errors import PayloadError
from ledger.receipts import Receipt
from ledger.seals import rfc3339
from ledger.types import Role, to_address

log = logging.getLogger("gridledger.records")


@dataclass
class _Checked:
    item: RecordVersion
    entry: Entry
    secret: bytes
    fields: list[str]
    where: str
    version: Compiled


def _check(
    container: Container, member: Member, item: RecordVersion, where: str, domain: EntryDomain, signer_raw: bytes
) -> _Checked:
    limit = container.settings.max_payload_bytes
    try:
        size = len(canonical(item.payload))
    except PayloadError as exc:
        raise ValidationFailed(f"{where}payload: {exc}", path=f"{where}payload") from exc
    if size > limit:
        raise PayloadTooLarge(f"{where}payload is {size} bytes; the limit is {limit}", path=f"{where}payload")
    types = container.record_types
    if item.type not in types.names():
        known = ", ".join(types.names())
        raise ValidationFailed(f"{where}type: unknown record type {item.type!r} (known: {known})", path=f"{where}type")
    version = types.version(item.type, item.type_version)
    newest = types.latest_hash(item.type)
    if version is None:
        raise ValidationFailed(
            f"{where}type_version: {item.type_version[:18]}… is not a registered version of {item.type} held by this "
            f"gateway (the newest is {newest})", path=f"{where}type_version",
        )  # fmt: skip
    if item.type_version != newest:  # new records meet the standard as it stands, not a superseded one
        held = "" if newest and types.version(item.type, newest) else ", whose schema this gateway must first be given"
        raise ValidationFailed(
            f"{where}type_version: {item.type_version[:18]}… is superseded: commit against the newest version of "
            f"{item.type}, {newest}{held} (gridledger types register)", path=f"{where}type_version",
        )  # fmt: skip
    unnamed = sorted(set(item.payload) - set(version.version.schema["properties"]))
    if unnamed:  # whatever the schema's keywords admit, a field no label covers is never stored
        path = f"{where}payload"  # the object that holds them, as the schema's own additionalProperties error says
        raise ValidationFailed(f"{path}: field {', '.join(unnamed)} is not a field of this record type", path=path)
    errors = types.errors(version, item.payload)
    if errors:
        pointer, message = errors[0]
        path = f"{where}payload{pointer if pointer != '/' else ''}"
        raise ValidationFailed(f"{path}: {message}", path=path, errors=[{"path": p, "message": m} for p, m in errors])
    if (item.supersedes is None) != (item.version == 1):
        raise ValidationFailed(f"{where}version: a first version is 1 and supersedes nothing", path=f"{where}version")
    secret = item.record_secret
    try:
        value = commitment(item.payload, secret)
    except PayloadError as exc:
        raise ValidationFailed(f"{where}payload: {exc}", path=f"{where}payload") from exc
    entry = Entry(
        record_id=item.id,
        org=member.org,
        record_type=item.type,
        version=item.version,
        supersedes=item.supersedes,
        commitment=value,
        committer=to_address(member.address),
        signature=item.signature,
        type_version=version.version.version_hash,
    )
    try:  # the signer's 20 bytes against the member's: the same check as Entry.signer, without the spelling
        signer = recover_raw(entry.digest(domain), item.signature)
    except ValueError:
        signer = None
    if signer != signer_raw:
        raise ValidationFailed(
            f"{where}signature: the entry signature is not {member.address}'s over this record "
            "(id, organisation, type, version, supersedes, commitment, type version)",
            path=f"{where}signature",
        )
    return _Checked(item, entry, secret, sorted(item.payload), where, version)


def commit_records(
    container: Container, member: Member, items: Sequence[RecordVersion], *, batch: bool
) -> list[Accepted]:
    if not member.has(Role.RECORDER):
        raise Forbidden(f"{member.address} is not a recorder of {member.org}")
    domain = entry_domain(container)
    signer_raw = bytes.fromhex(member.address[2:])
    checked = [
        _check(container, member, item, f"records/{i}/" if batch else "", domain, signer_raw)
        for i, item in enumerate(items)
    ]
    ids = [c.entry.record_id for c in checked]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("records: the same record id appears twice in one batch", path="records")
    now = datetime.now(UTC)
    results: list[Accepted] = []
    rows: dict[str, list[tuple[Any, ...]]] = {
        "records": [], "payloads": [], "outbox": [], "subject_index": [], "feed_events": []
    }  # fmt: skip
    key_id = container.vault.key_id
    with container.sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        existing = {
            r.id: r
            for r in session.execute(
                select(Record.id, Record.entry, Record.status, Record.version).where(_among(Record.id, ids, postgres))
            )
        }
        in_batch = {c.entry.record_id: c for c in checked}
        for c in checked:
            entry_bytes = c.entry.canonical()
            record_id = c.entry.record_id
            found = existing.get(record_id)
            if found is not None:
                if found.entry != entry_bytes:
                    raise Conflict(
                        f"{c.where}id: record {found.id} already exists with other content",
                        path=f"{c.where}id", location=f"/v1/records/{found.id}",
                    )  # fmt: skip
                results.append(Accepted(id=found.id, status=found.status, version=found.version, duplicate=True))
                continue
            if c.entry.supersedes:
                _check_supersedes(container, session, member, c, in_batch)
            subjects = subject_keys_of(container, c.item.type, c.item.payload, c.version)
            ciphertext, wrapped = container.vault.seal(
                record_id, seal_plaintext(c.item.payload, c.item.record_secret, subjects)
            )
            rows["records"].append((
                record_id, member.org, c.item.type, c.item.version, c.entry.supersedes, member.address,
                c.entry.commitment, entry_bytes, merkle.leaf_hash(entry_bytes), "pending", now,
            ))  # fmt: skip
            rows["payloads"].append((record_id, ciphertext, wrapped, key_id))
            rows["outbox"].append((record_id, now))
            rows["subject_index"] += [(key, record_id) for key in subjects]
            kind = RECORD_VERSIONED if c.entry.supersedes else RECORD_COMMITTED
            rows["feed_events"].append((event_key(kind, record_id), kind, now, member.org, record_id, c.item.type))
            results.append(Accepted(id=record_id, status="pending", version=c.item.version))
        try:
            # bulk inserts (one stream per table); versions in order, so a superseded row precedes its successor
            _insert_rows(session, rows, postgres)
            session.commit()
        except (IntegrityError, psycopg.IntegrityError) as exc:
            session.rollback()
            log.warning("commit refused by the database: %s", getattr(exc, "orig", exc))
            raise Conflict("a record or its successor was written concurrently; retry") from exc
    container.wake.set()
    return results


def subject_keys_of(
    container: Container, record_type: str, payload: dict[str, Any], version: Compiled | None = None
) -> list[str]:
    """The keyed hashes of the subjects ``payload`` (of ``version``, when known) names in the fields its type marks."""
    values = subject_values(container.record_types.subject_paths(record_type, version), payload)
    return sorted({container.vault.subject_key(value) for value in values})


_COPY: tuple[tuple[type[Any], str, tuple[str, ...], tuple[str, ...]], ...] = (
    (Record, "records",
     ("id", "owner_org", "record_type", "version", "supersedes", "committer", "commitment", "entry", "entry_leaf",
      "status", "created_at"),
     ("varchar", "varchar", "varchar", "int4", "varchar", "varchar", "bytea", "bytea", "bytea", "varchar",
      "timestamptz")),
    (Payload, "payloads", ("record_id", "ciphertext", "wrapped_key", "key_id"),
     ("varchar", "bytea", "bytea", "varchar")),
    (OutboxItem, "outbox", ("record_id", "enqueued_at"), ("varchar", "timestamptz")),
    (SubjectIndex, "subject_index", ("subject_key", "record_id"), ("varchar", "varchar")),
    (FeedEvent, "feed_events", ("key", "kind", "at", "owner_org", "record_id", "record_type"),
     ("varchar", "varchar", "timestamptz", "varchar", "varchar", "varchar")),
)  # fmt: skip
"""Per table: model, table name, the columns a commit writes and their PostgreSQL types (for binary COPY)."""


def _insert_rows(session: Session, rows: dict[str, list[tuple[Any, ...]]], postgres: bool) -> None:
    """Insert the commit's rows in the session's transaction: binary COPY on PostgreSQL, executemany elsewhere."""
    if not postgres:
        for model, table, columns, _ in _COPY:
            if rows[table]:
                session.execute(insert(model), [dict(zip(columns, row, strict=True)) for row in rows[table]])
        return
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cursor:
        for _, table, columns, types in _COPY:
            if not rows[table]:
                continue
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(list(types))
                for row in rows[table]:
                    copy.write_row(row)


def _among(column: InstrumentedAttribute[str], values: list[str], postgres: bool) -> Any:
    """``column IN values``: one array parameter on PostgreSQL (not one parameter per value to parse)."""
    if postgres:
        return column == any_(bindparam("values", values, type_=ARRAY(String)))
    return column.in_(values)


def _check_supersedes(
    container: Container, session: Session, member: Member, c: _Checked, in_batch: dict[str, _Checked]
) -> None:
    target = str(c.entry.supersedes)
    where = f"{c.where}supersedes"
    previous = session.get(Record, target)
    if previous is None and target in in_batch:
        earlier = in_batch[target]
        prev_org, prev_type, prev_version = member.org, earlier.item.type, earlier.item.version
    elif previous is None:
        raise ValidationFailed(f"{where}: record {target} does not exist", path=where)
    else:
        if previous.erased_at is not None:
            raise Gone(f"{where}: record {target} was erased", path=where)
        taken = session.scalar(select(Record.id).where(Record.supersedes == target))
        if taken:
            raise Conflict(
                f"{where}: record {target} is already superseded by {taken}",
                path=where,
                location=f"/v1/records/{taken}",
            )
        facts = signed_entry(container, previous)  # owner, type and version as signed, not as stored
        prev_org, prev_type, prev_version = facts.org, facts.record_type, facts.version
    if prev_org != member.org:
        raise Forbidden(f"{where}: record {target} belongs to {prev_org}")
    if prev_type != c.item.type:
        raise ValidationFailed(f"{where}: record {target} is a {prev_type}, not a {c.item.type}", path=where)
    if c.item.version != prev_version + 1:
        raise ValidationFailed(
            f"{c.where}version: must be {prev_version + 1} to supersede version {prev_version}",
            path=f"{c.where}version",
        )


# -- reading -------------------------------------------------------------------------------


def load_record(session: Session, record_id: str) -> Record:
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(f"no record {record_id}")
    return record


WHOLE_OWNER_ROLES = Role.ADMIN | Role.RECORDER | Role.AUDITOR
WHOLE_SUPERVISOR_ROLES = Role.ADMIN | Role.AUDITOR
GRANTEE_ROLES = Role.ADMIN | Role.VERIFIER


def can_read_whole(container: Container, member: Member, entry: Entry) -> bool:
    """Owner (admin, recorder, auditor) and supervising subdistrict (admin, auditor) read whole records.

    The owner is the one in the signed entry, never the ``owner_org`` column.
    """
    if member.org == entry.org:
        return member.has(WHOLE_OWNER_ROLES)
    return member.has(WHOLE_SUPERVISOR_ROLES) and container.members.supervises(member, entry.org)


def require_reader(container: Container, member: Member, entry: Entry) -> None:
    if not can_read_whole(container, member, entry) and not (
        member.has(GRANTEE_ROLES) and live_grant(container, member, entry) is not None
    ):
        raise Forbidden(f"{member.org} may not read records of {entry.org}")


def subject_keys(session: Session, record_id: str) -> list[str]:
    """The subject-index rows of a record (a listing copy; :func:`open_payload` has the sealed ones)."""
    return sorted(session.scalars(select(SubjectIndex.subject_key).where(SubjectIndex.record_id == record_id)))


def version_chain(container: Container, session: Session, record: Record, entry: Entry) -> list[dict[str, Any]]:
    """Every version of the record, oldest first, each checked against its signed entry."""
    chain: list[tuple[Record, Entry]] = [(record, entry)]
    current = entry
    while current.supersedes:
        prev = session.get(Record, current.supersedes)
        if prev is None:
            break
        current = signed_entry(container, prev)
        chain.insert(0, (prev, current))
    row = record
    while True:
        nxt = session.scalar(select(Record).where(Record.supersedes == row.id))
        if nxt is None:
            break
        chain.append((nxt, signed_entry(container, nxt)))
        row = nxt
    return [
        {"id": e.record_id, "version": e.version, "status": r.status, "created_at": r.created_at.isoformat()}
        for r, e in chain
    ]


def describe(container: Container, session: Session, record: Record, entry: Entry) -> dict[str, Any]:
    """The record's metadata as its signed entry states it (status and time are the gateway's)."""
    versions = version_chain(container, session, record, entry)
    superseded_by = next((v["id"] for v in versions if v["version"] == entry.version + 1), None)
    return {
        "id": entry.record_id,
        "type": entry.record_type,
        "owner": entry.org,
        "version": entry.version,
        "supersedes": entry.supersedes,
        "superseded_by": superseded_by,
        "status": record.status,
        "committer": entry.committer,
        "created_at": record.created_at.isoformat(),
        "versions": versions,
    }


@dataclass(frozen=True)
class Sealed:
    """What the vault holds for one record: payload, record secret and subject keys."""

    payload: dict[str, Any]
    secret: bytes
    subject_keys: list[str]
    subjects_from: int = 0  # the log size when the subject keys were last derived (``gridledger subjects reindex``)


def seal_plaintext(payload: dict[str, Any], record_secret: bytes, subject_keys: list[str], since: int = 0) -> bytes:
    """The bytes sealed per record. Subject keys live here too, so the index can be checked."""
    sealed = {"payload": payload, "record_secret": "0x" + record_secret.hex(), "subject_keys": subject_keys}
    return canonical(sealed | ({"subjects_from": since} if since else {}))


def open_payload(container: Container, session: Session, record: Record) -> Sealed:
    if record.erased_at is not None:
        raise Gone(f"record {record.id} was erased at {record.erased_at.isoformat()} by {record.erased_by}")
    stored = session.get(Payload, record.id)
    if stored is None:
        raise Gone(f"the payload of record {record.id} is gone")
    return unseal(container, record.id, stored)


def unseal(container: Container, record_id: str, stored: Payload) -> Sealed:
    """Decrypt a stored payload row (AES-GCM under its data key; the record id is bound as associated data)."""
    plain = json.loads(container.vault.open(record_id, stored.ciphertext, stored.wrapped_key))
    secret = bytes.fromhex(plain["record_secret"][2:])
    return Sealed(plain["payload"], secret, list(plain.get("subject_keys", [])), int(plain.get("subjects_from", 0)))


def log_fields(
    member: Member, entry: Entry, subjects: list[str], outcome: str, reason: str, grant: LiveGrant | None,
    fields: list[str],
) -> dict[str, Any]:  # fmt: skip
    """The access-log entry of one read attempt."""
    return {
        "accessor": member.address, "accessor_org": member.org, "action": "read", "record_id": entry.record_id,
        "owner_org": entry.org, "subject_keys": subjects, "outcome": outcome, "reason": reason,
        "grant_id": grant.id if grant else None, "purpose": grant.purpose_code if grant else None, "fields": fields,
    }  # fmt: skip


def judge_read(
    member: Member, entry: Entry, record: Record, sealed: Sealed | None, whole: bool, grant: LiveGrant | None
) -> tuple[dict[str, Any], GatewayError | None, list[str]]:
    """What a read attempt is: its log entry, the error it answers (None when allowed), the fields it reveals."""
    subjects = sealed.subject_keys if sealed is not None else []
    if not whole and grant is None:
        refused = "no ownership, supervision or grant"
        return (log_fields(member, entry, subjects, "refused", refused, None, []),
                Forbidden(f"{member.org} may not read records of {entry.org}: {refused}"), [])  # fmt: skip
    if sealed is None:
        if record.erased_at is None:  # the payload row is gone though no erasure says so (or one is committing)
            return (log_fields(member, entry, subjects, "refused", "payload missing", grant, []),
                    Gone(f"the payload of record {record.id} is gone"), [])  # fmt: skip
        gone = Gone(f"record {record.id} was erased at {record.erased_at.isoformat()} by {record.erased_by}",
                    erased_at=record.erased_at.isoformat(), erased_by=record.erased_by)  # fmt: skip
        return log_fields(member, entry, subjects, "refused", "erased", grant, []), gone, []
    payload = sealed.payload
    fields = sorted(payload) if grant is None else sorted(set(grant.fields) & set(payload))
    reason = "owner or supervisor" if grant is None else "grant"
    return log_fields(member, entry, subjects, "allowed", reason, grant, fields), None, fields


def reveal(body: dict[str, Any], record: Record, sealed: Sealed, grant: LiveGrant | None, fields: list[str]) -> None:
    """Add the allowed fields, their disclosure and (under a grant) the grant to a read's answer."""
    body["payload"] = {name: sealed.payload[name] for name in fields}
    body["disclosure"] = disclose(record.id, sealed.payload, sealed.secret, fields).to_json()
    if grant is not None:
        body["access"] = {"grant": grant.id, "purpose_code": grant.purpose_code, "fields": fields}
        body.pop("versions", None)


def read_record(
    container: Container, member: Member, record_id: str, seal: SealRequest | None = None
) -> dict[str, Any]:
    """Read a record as ``member`` may: whole, or only a grant's fields; every attempt is logged.

    Who may read is decided from the signed entry (owner, type) and the chain (grants);
    which subjects the read concerns from the sealed payload when it is still there. A read
    under ``seal`` is judged the same way and logged sealed (gateway/services/sealed_reads.py),
    only for a member the chain names a sealed reader: anyone else's ask is refused in the open.
    """
    with container.sessions() as session:
        record = load_record(session, record_id)
        entry = signed_entry(container, record)
        sealed = open_payload(container, session, record) if record.erased_at is None else None
        if sealed is None:
            sealed_subjects = subject_keys(session, record.id)
        body = describe(container, session, record, entry)
    whole = can_read_whole(container, member, entry)
    grant = None if whole or not member.has(GRANTEE_ROLES) else live_grant(container, member, entry)
    logged, error, fields = judge_read(member, entry, record, sealed, whole, grant)
    if sealed is None:
        logged["subject_keys"] = sealed_subjects
    if seal is not None and not may_seal(member):
        refused = "sealed read without the sealed-reader role"
        logged |= {"outcome": "refused", "reason": refused, "fields": []}
        error = Forbidden(f"{member.address} may not read under seal: the chain names it no sealed reader")
    elif seal is not None:
        logged |= seal.columns()
    done = container.access_log.record(**logged)
    if error is not None:
        raise error
    assert sealed is not None
    reveal(body, record, sealed, grant, fields)
    if seal is not None:
        body["sealed"] = {"log_idx": done.idx, "sealed_until": rfc3339(seal.until), "legal_basis": seal.legal_basis}
    return body


def erase_record(container: Container, member: Member, record_id: str) -> dict[str, Any]:
    """Destroy the payload and record secret; the anchored entry stays. Logged, then anchored."""
    with container.sessions() as session:
        record = load_record(session, record_id)
        entry = signed_entry(container, record)
        # the subjects as sealed with the payload (the index is a copy a DBA could have thinned)
        subjects = open_payload(container, session, record).subject_keys if record.erased_at is None else []
        common = {
            "accessor": member.address, "accessor_org": member.org, "action": "erase", "record_id": record.id,
            "owner_org": entry.org, "subject_keys": subjects or subject_keys(session, record.id), "grant_id": None,
            "purpose": None, "fields": [],
        }  # fmt: skip
        if member.org != entry.org or not member.has(Role.ADMIN):
            container.access_log.record(**common, outcome="refused", reason="not an admin of the owner")
            raise Forbidden(f"only an admin of {entry.org} may erase its records")
        if record.erased_at is not None:
            raise Gone(f"record {record.id} was already erased at {record.erased_at.isoformat()} by {record.erased_by}")
        now = datetime.now(UTC)
        session.execute(delete(Payload).where(Payload.record_id == record.id))
        record.erased_at, record.erased_by = now, member.address
        logged = container.access_log.append(session, **common, outcome="allowed", reason="erasure by the owner")
        add_events(
            session,
            [
                {
                    "key": event_key(RECORD_ERASED, record.id),
                    "kind": RECORD_ERASED,
                    "at": now,
                    "owner_org": entry.org,
                    "record_id": record.id,
                    "record_type": entry.record_type,
                }
            ],
        )
        session.commit()
    container.access_log.saw(logged.idx + 1)
    container.request_log_anchor()
    return {"id": record_id, "erased_at": now.isoformat(), "erased_by": member.address, "status": record.status}


def batch_tree(
    container: Container, session: Session, batch_id: bytes, *, cached: bool = True
) -> tuple[dict[str, int], list[list[bytes]]]:
    """A batch's leaf positions and Merkle tree. Leaves are ordered by record id.

    Receipts use the container's cache (an anchored batch never changes); the integrity sweep
    asks for ``cached=False`` so that rows deleted behind the gateway's back are seen.
    """
    tree = container.batch_trees.get(batch_id) if cached else None
    if tree is None:
        rows = session.execute(
            select(Record.id, Record.entry_leaf).where(Record.batch_id == batch_id).order_by(Record.id)
        ).all()
        tree = ({r.id: i for i, r in enumerate(rows)}, merkle.levels([bytes(r.entry_leaf) for r in rows]))
        if cached:
            container.batch_trees.put(batch_id, tree)
    return tree


def build_receipt(
    container: Container, session: Session, record: Record, entry: Entry, batches: dict[bytes, Batch] | None = None
) -> Receipt:
    """The receipt of an anchored record (``batches``: its batch already loaded, for many receipts at once)."""
    if record.status != "anchored" or record.batch_id is None:
        raise Conflict(
            f"record {record.id} is not anchored yet (status {record.status}); try again shortly",
            status_now=record.status,
        )
    batch = batches.get(bytes(record.batch_id)) if batches is not None else session.get(Batch, record.batch_id)
    if batch is None or batch.tx_hash is None or batch.block_number is None or batch.status != "anchored":
        raise flag(f"record {record.id}", "it is marked anchored but its batch is not")
    positions, tree = batch_tree(container, session, batch.id)
    index = positions.get(record.id)
    if index is None or len(positions) != batch.size:
        raise flag(f"record {record.id}", "its batch's stored records do not match the batch")
    book = container.deployment().book
    return Receipt(
        entry=entry,
        leaf_index=index,
        tree_size=batch.size,
        proof=tuple(merkle.inclusion_proof(index, tree)),
        batch_id=batch.id,
        batch_root=batch.root,
        chain_id=book.chain_id,
        registry=to_address(book.registry),
        tx_hash=batch.tx_hash,
        block_number=batch.block_number,
        anchored_at=int(batch.anchored_at or 0),
    )


def read_receipt(container: Container, member: Member, record_id: str) -> dict[str, Any]:
    with container.sessions() as session:
        record = load_record(session, record_id)
        entry = signed_entry(container, record)
        require_reader(container, member, entry)
        return build_receipt(container, session, record, entry).to_json()

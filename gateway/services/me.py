"""What a resident sees: the records about them, and every access-log entry about them, with proofs.

A resident's key sees the records of the committee that enrolled it (a resident with
records at several committees enrols a key at each), found through the subject index but
shown only when the subject keys sealed with the payload name the resident (the index is a
copy a DBA could have padded). A resident reading their own record is logged like any read
(accessor org ``resident``).

The access listing carries what lets the resident check it without trusting us
(docs/spec/subject-map.md): each entry with an inclusion proof against the current signed
head, a consistency proof from the anchored size N to that head, and the subject-map
proof at N that says how many entries about them lie below N and what their chain is.
Entries about other organisations' records are listed as their leaf hash only. A sealed
read (docs/spec/access-log.md §L-5) is listed as its stub and the date it opens, and from
that date with its content, which the resident checks against the stub.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from gateway.container import Container
from gateway.db.models import AccessLogEntry, Grant, Record, SubjectEntry, SubjectIndex
from gateway.errors import ValidationFailed
from gateway.services.facts import signed_entry
from gateway.services.grants import purpose_text
from gateway.services.records import build_receipt, describe, open_payload, reveal
from gateway.services.residents import RESIDENT_ORG, Resident
from gateway.services.sealed_reads import openings
from ledger import merkle, seals
from ledger.types import role_names

MAX_RECORDS = 500


def my_records(container: Container, resident: Resident) -> dict[str, Any]:
    """Every record about the resident: whole payload, disclosure of every field, receipt when anchored."""
    out: list[dict[str, Any]] = []
    logged: list[dict[str, Any]] = []
    with container.sessions() as session:
        about = select(SubjectIndex.record_id).where(SubjectIndex.subject_key == resident.subject_key)
        records = session.scalars(
            select(Record)
            .where(Record.id.in_(about), Record.owner_org == resident.org)
            .order_by(Record.created_at, Record.id)
            .limit(MAX_RECORDS)
        ).all()
        for record in records:
            entry = signed_entry(container, record)
            if entry.org != resident.org:
                continue  # the owner column disagrees with the signed entry: show nothing
            body = describe(container, session, record, entry)
            if record.erased_at is not None:
                body["erased_at"] = record.erased_at.isoformat()
                out.append(body)
                continue
            sealed = open_payload(container, session, record)
            if resident.subject_key not in sealed.subject_keys:
                continue  # an index row the sealed payload does not back
            fields = sorted(sealed.payload)
            reveal(body, record, sealed, None, fields)
            if record.status == "anchored":
                body["receipt"] = build_receipt(container, session, record, entry).to_json()
            out.append(body)
            logged.append({
                "accessor": resident.address, "accessor_org": RESIDENT_ORG, "action": "read", "outcome": "allowed",
                "reason": "the data subject's own record", "record_id": record.id, "owner_org": entry.org,
                "subject_keys": sealed.subject_keys, "grant_id": None, "purpose": "subject-access", "fields": fields,
            })  # fmt: skip
    container.access_log.record_many(logged)
    return {"records": out, "truncated": len(records) == MAX_RECORDS}


def _shown(document: dict[str, Any], resident: Resident) -> bool:
    """Whether a key sees an entry about its subject in full: entries about its enrolling committee's
    records, its own acts, and every enrolment. Others are shown as their leaf hash only (they still
    count in the completeness proof): a key a rogue member enrols under someone's id number learns
    nothing of that person's records at other organisations."""
    return (
        document.get("owner_org") == resident.org
        or document.get("accessor") == resident.address
        or document.get("action") in ("enrol", "unenrol", seals.EXTEND_ACTION)
    )


def _operator_org(container: Container) -> str:
    """The anchoring organisation, from the member directory's cache (a hint: the resident checks it on-chain)."""
    member = container.members.member(container.operator().address)
    return member.org if member is not None else container.operator_org()


def _grants(container: Container, ids: set[int]) -> dict[int, dict[str, Any]]:
    """The grants entries were read under, with their purpose in words (shown when it hashes to the chain's)."""
    if not ids:
        return {}
    with container.sessions() as session:
        rows = session.scalars(select(Grant).where(Grant.id.in_(ids))).all()
        return {
            g.id: {"id": g.id, "grantor": g.grantor, "purpose_code": g.purpose_code,
                   "purpose": purpose_text(session, g), "expires_at": g.expires_at}
            for g in rows
        }  # fmt: skip


def my_access(container: Container, resident: Resident, map_size: int | None = None) -> dict[str, Any]:
    """Every access-log entry about the resident, with the proofs that the list is whole up to ``map_size``.

    ``map_size`` is the size of the subject map the resident read on-chain (the newest
    anchored one, by default the last anchored log size this gateway knows of).
    """
    log = container.access_log
    state = log.state()
    size = state.size
    anchored = int(state.anchored_size) if map_size is None else map_size
    if not 0 <= anchored <= size:
        raise ValidationFailed(f"map_size must lie between 0 and the log's size {size}", path="map_size")
    with container.sessions() as session:
        rows = session.scalars(
            select(AccessLogEntry)
            .join(SubjectEntry, SubjectEntry.idx == AccessLogEntry.idx)
            .where(SubjectEntry.subject_key == resident.subject_key, AccessLogEntry.idx < size)
            .order_by(AccessLogEntry.idx)
        ).all()
        sealed = openings(container, session, rows)  # a resident is privy to nothing before its date
    subject_map = container.subject_maps.at(anchored)
    documents = [json.loads(bytes(row.leaf)) for row in rows]
    contents = [sealed[row.idx].opened if row.idx in sealed else doc for row, doc in zip(rows, documents, strict=True)]
    grants = _grants(container, {c["grant_id"] for c in contents if c is not None and _shown(c, resident)} - {None})
    entries = []
    for row, document, content in zip(rows, documents, contents, strict=True):
        idx, leaf = row.idx, bytes(row.leaf)
        proof = ["0x" + p.hex() for p in log.inclusion(idx, size)]
        opening = sealed.get(idx)
        if opening is not None and (content is None or not _shown(content, resident)):
            # sealed and not yet open, or open but about another committee's record: the stub, when it
            # opens, and (once open) that it is open elsewhere — never a bare hash, so a resident's
            # check can tell a seal kept shut from one shown to the key of the record's committee
            entries.append({"idx": idx, "entry": document, "leaf": leaf.decode(), "proof": proof,
                            "opens_at": opening.until, **({"opened_elsewhere": True} if content else {})})  # fmt: skip
            continue
        if content is None or not _shown(content, resident):
            entries.append({"idx": idx, "redacted": True, "leaf_hash": "0x" + merkle.leaf_hash(leaf).hex(),
                            "proof": proof})  # fmt: skip
            continue
        accessor = container.members.member(content["accessor"]) if content["accessor_org"] != RESIDENT_ORG else None
        item = {
            "idx": idx, "entry": document, "leaf": leaf.decode(),
            "proof": proof,
            "accessor_roles": role_names(accessor.roles) if accessor is not None else [],
            "grant": grants.get(content["grant_id"]),
        }  # fmt: skip
        if opening is not None:
            item |= {"opens_at": opening.until, "opened": content}
        entries.append(item)
    head = {
        "log_id": "0x" + bytes(state.log_id).hex(), "org": _operator_org(container), "size": size,
        "root": "0x" + bytes(state.head_root or b"").hex(),
        "signature": "0x" + bytes(state.head_signature or b"").hex(), "signer": container.operator().address,
    }  # fmt: skip
    return {
        "subject_key": resident.subject_key,
        "head": head,
        "entries": entries,
        "map": {
            "size": anchored,
            "root": "0x" + subject_map.root.hex(),
            "proof": subject_map.prove(bytes.fromhex(resident.subject_key)),
            "consistency": ["0x" + p.hex() for p in log.consistency(anchored, size)] if 0 < anchored < size else [],
        },
    }

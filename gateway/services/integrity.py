"""The integrity sweep: every stored fact checked against what a DBA cannot forge.

A hostile database administrator can change, delete or insert any row. They cannot
forge a committer's entry signature, the operator key's signature over a log head, a
ciphertext under the master key, or the chain. So the sweep checks, class by class:

records   the stored entry is this record's and signed by its committer, who was a
          recorder of the owning organisation at the anchoring block; every column
          (owner, type, version, supersedes, committer, commitment, leaf) equals the
          entry; the status agrees with the batch and the outbox; the payload decrypts
          and matches the commitment; the subject index equals the subject keys sealed
          with the payload; an erasure has its logged erasure and left no payload;
batches   the rows of every batch hash to its root and match its size (a deleted record
          or a deleted lone record is found); an anchored batch's root, size, block and
          transaction are those on-chain; every batch this gateway's operator anchored
          on-chain has its row (a batch deleted with its records is found);
grants    every on-chain grant has its row, with the same owner, grantee, scope, fields,
          purpose, expiry and revocation, and no row lacks its on-chain grant;
log       rows are contiguous and equal their logged leaves; the rows hash to the head the
          operator key signed at the last append; the log is no shorter than any size
          this process saw or the chain anchored; the roots at every anchored size match.

What was verified against the chain is cached in the process (:class:`ChainScan`), never
in SQL, so the cost per sweep grows with the rows, not with the chain's history.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import LargeBinary, func, literal, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from web3.exceptions import TransactionNotFound

from gateway.container import Container
from gateway.db.models import (
    AccessLogEntry,
    Batch,
    Grant,
    GrantPurpose,
    LogState,
    OutboxItem,
    Payload,
    Record,
    SubjectIndex,
)
from gateway.security.vault import VaultError
from gateway.services.access_log import leaf_document
from gateway.services.facts import copy_problems, entry_domain, entry_problems, parse_entry
from gateway.services.records import open_payload, subject_keys_of
from ledger import merkle, seals
from ledger.commitments import canonical, commitment
from ledger.entries import Entry, EntryDomain
from ledger.errors import TransactionFailedError, VerificationError
from ledger.log_heads import head_signer
from ledger.purposes import purpose_hash
from ledger.reviews import reason_hash
from ledger.types import Role

LEAF_COLUMNS = ("idx", "at", "accessor", "accessor_org", "action", "outcome", "reason", "record_id", "owner_org",
                "subject_keys", "grant_id", "purpose", "fields", "leaf", "sealed_until", "legal_basis", "seal_nonce",
                "seal_of")  # fmt: skip
Problem = dict[str, str]


def _document(leaf: bytes) -> dict[str, Any]:
    """A leaf's document, or ``{}`` for one that is not a JSON object (the log's own sweep reports those)."""
    try:
        doc = json.loads(bytes(leaf))
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _problem(kind: str, ident: object, problem: str) -> Problem:
    return {"kind": kind, "id": str(ident), "problem": problem}


# -- records --------------------------------------------------------------------------------


class _RecordChecks:
    """Checks of one page of records, sharing chain lookups across the page."""

    def __init__(self, container: Container, session: Session, domain: EntryDomain) -> None:
        self.container, self.session, self.domain = container, session, domain
        self.batches: dict[bytes, Batch | None] = {}
        self.memberships: dict[tuple[str, int], tuple[str | None, Role]] = {}

    def batch(self, batch_id: bytes) -> Batch | None:
        if batch_id not in self.batches:
            self.batches[batch_id] = self.session.get(Batch, batch_id)
        return self.batches[batch_id]

    def membership(self, account: str, block: int) -> tuple[str | None, Role]:
        key = (account, block)
        if key not in self.memberships:
            self.memberships[key] = self.container.deployment().membership.membership_of(account, block=block)
        return self.memberships[key]

    def check(self, record: Record) -> list[Problem]:
        out: list[Problem] = []

        def bad(problem: str) -> None:
            out.append(_problem("record", record.id, problem))

        try:
            entry: Entry | None = parse_entry(record, self.domain)
        except VerificationError as exc:
            bad(f"entry is invalid: {exc.message}")
            entry = None
        if entry is not None:
            mismatched = entry_problems(record, entry)
            if mismatched:
                bad(f"columns disagree with the signed entry: {', '.join(mismatched)}")
        out += self._status(record, entry)
        out += self._payload(record)
        return out

    def _status(self, record: Record, entry: Entry | None) -> list[Problem]:
        problems: list[str] = []
        batch = self.batch(bytes(record.batch_id)) if record.batch_id is not None else None
        if record.batch_id is not None and batch is None:
            problems.append("its batch row is missing")
        if record.status == "anchored":
            if batch is None or batch.status != "anchored" or batch.block_number is None:
                problems.append("status says anchored but it is in no anchored batch")
            elif entry is not None:
                org, roles = self.membership(entry.committer, int(batch.block_number))
                if org != entry.org or not roles & Role.RECORDER:
                    problems.append("its committer was not a recorder of its organisation at the anchoring block")
        elif record.status == "pending":
            if batch is not None and batch.status == "anchored":
                problems.append("status says pending but its batch is anchored")
            queued = self.session.scalar(select(OutboxItem.id).where(OutboxItem.record_id == record.id))
            if queued is None and batch is None:
                problems.append("status says pending but it is not queued for anchoring")
        else:
            problems.append("unknown status")
        return [_problem("record", record.id, p) for p in problems]

    def _payload(self, record: Record) -> list[Problem]:
        problems: list[str] = []
        stored = self.session.get(Payload, record.id)
        indexed = sorted(
            self.session.scalars(select(SubjectIndex.subject_key).where(SubjectIndex.record_id == record.id))
        )
        if record.erased_at is not None:
            if stored is not None:
                problems.append("erased but its payload is still stored")
            logged = self.session.scalar(
                select(AccessLogEntry.leaf).where(
                    AccessLogEntry.record_id == record.id,
                    AccessLogEntry.action == "erase",
                    AccessLogEntry.outcome == "allowed",
                )
            )
            if logged is None:
                problems.append("erased without a logged erasure")
            elif sorted(json.loads(bytes(logged)).get("subject_keys") or []) != indexed:
                problems.append("subject index differs from the subject keys logged with its erasure")
        elif stored is None:
            problems.append("payload row is missing")
        else:
            try:
                sealed = open_payload(self.container, self.session, record)
            except (VaultError, ValueError, KeyError) as exc:
                problems.append(f"payload does not decrypt: {exc}")
            else:
                if commitment(sealed.payload, sealed.secret) != bytes(record.commitment):
                    problems.append("payload does not match the commitment")
                if sealed.subject_keys != indexed:
                    problems.append("subject index differs from the subject keys sealed with the payload")
                if sealed.subject_keys != subject_keys_of(self.container, record.record_type, sealed.payload):
                    problems.append("the subject keys sealed with the payload are not those of its subject fields")
                problems += self._logged_subjects(record, sealed.subject_keys, sealed.subjects_from)
        return [_problem("record", record.id, p) for p in problems]


    def _logged_subjects(self, record: Record, keys: list[str], since: int) -> list[str]:
        """Each logged read of the record (from ``since``, when its subjects were last derived) names its subjects."""
        leaves = self.session.scalars(
            select(AccessLogEntry.leaf).where(AccessLogEntry.record_id == record.id, AccessLogEntry.idx >= since)
        )
        docs = [doc for doc in map(_document, leaves)
                if doc.get("action") in ("read", seals.SEAL_ACTION) and sorted(doc.get("subject_keys") or []) != keys]
        if not docs:
            return []
        shown = [doc.get("idx") for doc in docs if not seals.is_stub(doc)][:5]  # a sealed read's position is not named
        return [f"{len(docs)} access-log entries (e.g. {shown}) name other subjects than the record's subject fields"]


def sweep_records(container: Container, orgs: set[str], after: str | None, limit: int) -> dict[str, Any]:
    """Re-verify one page of the records of ``orgs``."""
    problems: list[Problem] = []
    with container.sessions() as session:
        base = select(Record).where(Record.owner_org.in_(orgs))
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        page = base.where(Record.id > after) if after else base
        records = session.scalars(page.order_by(Record.id).limit(limit)).all()
        checks = _RecordChecks(container, session, entry_domain(container))
        for record in records:
            problems += checks.check(record)
    nxt = records[-1].id if len(records) == limit else None
    return {"total": total, "checked": len(records), "next": nxt, "mismatches": problems}


# -- batches --------------------------------------------------------------------------------


def sweep_batches(container: Container) -> dict[str, Any]:
    """Every batch row against its records and the chain; every on-chain batch of ours against its row."""
    problems: list[Problem] = []
    leaves: dict[bytes, list[bytes]] = defaultdict(list)
    with container.sessions() as session:
        batches = {bytes(b.id): b for b in session.scalars(select(Batch))}
        rows = session.execute(
            select(Record.batch_id, Record.entry_leaf)
            .where(Record.batch_id.is_not(None))
            .order_by(Record.batch_id, Record.id)
            .execution_options(yield_per=20_000)
        )
        for batch_id, leaf in rows:
            leaves[bytes(batch_id or b"")].append(bytes(leaf))
    for batch_id, batch in batches.items():
        mine = leaves.get(batch_id, [])
        if len(mine) != batch.size:
            problems.append(_problem("batch", "0x" + batch_id.hex(), f"holds {len(mine)} records, not {batch.size}"))
        elif merkle.root(mine) != bytes(batch.root):
            problems.append(_problem("batch", "0x" + batch_id.hex(), "its records do not hash to its root"))
    on_chain = _our_batches_on_chain(container)  # first: a rewound chain clears what was checked
    lease = timedelta(seconds=container.settings.batch_lease)
    now = datetime.now(UTC)
    for batch_id, batch in batches.items():
        ident = "0x" + batch_id.hex()
        if batch.status == "anchored":
            problems += _batch_on_chain(container, batch)
            continue
        until = _aware(batch.lease_until) if batch.lease_until is not None else None
        if until is not None and until > now + 2 * lease:
            problems.append(_problem("batch", ident, "its lease runs far beyond the batch lease: nobody would send it"))
        elif batch_id in on_chain and (until is None or until < now - lease):
            problems.append(_problem("batch", ident, "on-chain but recorded as unanchored, and nobody finishes it"))
    for batch_id in sorted(on_chain - set(batches)):
        problems.append(_problem("batch", "0x" + batch_id.hex(), "anchored on-chain by this gateway but missing here"))
    problems += _records_of_unknown_orgs(container)
    return {"batches": len(batches), "on_chain": len(on_chain), "mismatches": problems}


def _records_of_unknown_orgs(container: Container) -> list[Problem]:
    """Records filed under an organisation the chain does not know: no auditor's sweep would reach them."""
    known = set(container.deployment().membership.org_ids())
    with container.sessions() as session:
        stray = session.execute(select(Record.id).where(Record.owner_org.not_in(known)).order_by(Record.id)).scalars()
        return [_problem("record", rid, "filed under an organisation the chain does not know") for rid in stray]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _batch_on_chain(container: Container, batch: Batch) -> list[Problem]:
    ident = "0x" + bytes(batch.id).hex()
    scan = container.chain_scan
    tx_hash = bytes(batch.tx_hash) if batch.tx_hash is not None else b""
    # every stored fact compared is in the key: change any of them and the chain is asked again
    key = (bytes(batch.id), bytes(batch.root), batch.size, tx_hash, int(batch.block_number or -1),
           int(batch.anchored_at or -1))  # fmt: skip
    if scan.checked_txs.get(key):
        return []
    try:
        info = container.deployment().registry.get_batch(bytes(batch.id))
    except TransactionFailedError as exc:
        if exc.error_name == "RegistryUnknownBatch":
            return [_problem("batch", ident, "recorded as anchored but not on-chain")]
        raise
    problems = []
    if info.root != bytes(batch.root) or info.size != batch.size:
        problems.append("root or size differs from the one on-chain")
    if info.block_number != batch.block_number or info.anchored_at != batch.anchored_at:
        problems.append("block or time differs from the chain's")
    chain = container.chain
    try:
        receipt = chain.transaction_receipt(tx_hash)
    except (TransactionNotFound, ValueError):
        receipt = None
    if receipt is None or int(receipt["blockNumber"]) != info.block_number or receipt["status"] != 1:
        problems.append("its transaction is not the one that anchored it")
    elif not any(
        str(log["address"]) == str(container.deployment().registry.address)
        and bytes(log["topics"][1]) == bytes(batch.id)
        for log in receipt["logs"]
    ):
        problems.append("its transaction anchored another batch")
    if not problems:
        scan.checked_txs.put(key, True)
    return [_problem("batch", ident, p) for p in problems]


def _our_batches_on_chain(container: Container) -> set[bytes]:
    """Ids of batches this gateway's operator anchored, from the registry's events (scanned incrementally)."""
    deployment, scan, chain = container.deployment(), container.chain_scan, container.chain
    operator = container.operator().address
    head = chain.block_number()
    with scan.lock:
        if scan.scanned_to >= 0 and (
            scan.scanned_to > head or _block_hash(container, scan.scanned_to) != scan.scanned_hash
        ):
            scan.reset()  # the chain was rewound or replaced: scan again
        start = deployment.book.deployment_block if scan.scanned_to < 0 else scan.scanned_to + 1
        if start <= head:
            for log in deployment.registry.logs("BatchAnchored", start, head):
                if str(log["args"]["anchorer"]) == str(operator):
                    scan.batch_ids.add(bytes(log["args"]["batchId"]))
            scan.scanned_to, scan.scanned_hash = head, _block_hash(container, head)
        return set(scan.batch_ids)


def _block_hash(container: Container, block: int) -> bytes:
    return container.chain.block_hash(block)


# -- grants ---------------------------------------------------------------------------------


def sweep_grants(container: Container) -> dict[str, Any]:
    """Every on-chain grant against its SQL copy, and every copy against the chain."""
    container.grant_index.sync()
    grants = container.deployment().grants
    count = grants.grant_count()
    problems: list[Problem] = []
    with container.sessions() as session:
        rows = {g.id: g for g in session.scalars(select(Grant))}
    for grant_id in range(1, count + 1):
        info = grants.get_grant(grant_id)
        row = rows.pop(grant_id, None)
        if row is None:
            problems.append(_problem("grant", grant_id, "on-chain but missing here"))
            continue
        mismatched = copy_problems(row, info)
        if bool(info.revoked_at) != (row.revoked_block is not None):
            mismatched.append("revoked_block")
        if row.review != info.review:
            mismatched.append("review")
        if mismatched:
            problems.append(_problem("grant", grant_id, f"columns disagree with the chain: {', '.join(mismatched)}"))
    for grant_id in sorted(rows):
        problems.append(_problem("grant", grant_id, "no such grant on-chain"))
    with container.sessions() as session:
        for kept in session.scalars(select(GrantPurpose)):  # purposes, and reviewers' reasons (ledger/reviews.py)
            salt, hashed = bytes(kept.salt), bytes(kept.purpose_hash)
            if hashed not in (purpose_hash(salt, kept.text), reason_hash(salt, kept.text)):
                ident = "0x" + bytes(kept.purpose_hash).hex()
                problems.append(_problem("grant", ident, "purpose or reason text does not hash to what is on-chain"))
    return {"grants": count, "mismatches": problems}


# -- the access log ---------------------------------------------------------------------------


def sweep_log(container: Container) -> dict[str, Any]:
    """Re-verify the whole access log against its signed head, its anchored heads and this process's memory."""
    log = container.access_log
    problems: list[Problem] = []

    def bad(ident: object, problem: str) -> None:
        problems.append(_problem("access_log", ident, problem))

    # what this process saw, then the head, then only the rows that head covers: reads go on
    # appending while the sweep runs, and must neither look like a truncation nor a gap
    high_water = log.high_water
    with container.sessions() as session:
        state = session.get(LogState, 1)
        assert state is not None
    covered = AccessLogEntry.idx < state.size
    heads = _anchored_heads(container)
    head_at = {h.tree_size: h for h in heads}
    frontier = merkle.Frontier()
    postgres = container.engine.dialect.name == "postgresql"
    with ThreadPoolExecutor(1) as pool, container.sessions() as session:
        # on PostgreSQL the database compares rows with leaves (in another connection, meanwhile)
        # and hashes the leaves, so only 32 bytes a row cross the wire
        unlike = pool.submit(_rows_unlike_leaves, container, state.size) if postgres else None
        if postgres:
            for idx, leaf_hash in _leaf_hashes_in_chunks(session, state.size):
                if idx != frontier.size:
                    bad(frontier.size, f"entries {frontier.size}..{idx - 1} are missing")
                    break
                frontier.push(leaf_hash)
                head = head_at.get(frontier.size)
                if head is not None and frontier.root() != bytes(head.root):
                    bad(frontier.size, f"log of size {frontier.size} does not match its anchored root")
        else:
            query = select(*[getattr(AccessLogEntry, c) for c in LEAF_COLUMNS])
            rows = session.execute(
                query.where(covered).order_by(AccessLogEntry.idx).execution_options(yield_per=50_000)
            )
            try:
                for row in rows:  # plain tuples, not ORM objects: a million of them must stay fast
                    if row.idx != frontier.size:
                        bad(frontier.size, f"entries {frontier.size}..{row.idx - 1} are missing")
                        break
                    leaf = bytes(row.leaf)
                    frontier.push(merkle.leaf_hash(leaf))
                    if canonical(leaf_document(row)) != leaf:
                        bad(row.idx, "row differs from its logged leaf")
                    head = head_at.get(frontier.size)
                    if head is not None and frontier.root() != bytes(head.root):
                        bad(frontier.size, f"log of size {frontier.size} does not match its anchored root")
            finally:
                rows.close()
        if unlike is not None:
            differing = unlike.result()
            for idx in differing if differing is not None else _unlike_in_python(session, state.size):
                bad(idx, "row differs from its logged leaf")
    size = frontier.size
    if size != state.size:
        bad(size, f"log should hold {state.size} entries, holds {size}")
    try:
        signer = head_signer(log.log_id, state.size, bytes(state.head_root or b""), bytes(state.head_signature or b""))
    except ValueError:
        signer = None
    if state.size == 0 and state.head_signature is None:
        pass  # the empty log: nothing to vouch for until the first append signs a head
    elif signer is None or str(signer) != str(container.operator().address):
        bad(state.size, "its head is not signed by the operator key")
    elif state.head_root is None or (size == state.size and frontier.root() != bytes(state.head_root)):
        bad(state.size, "its entries do not hash to the signed head")
    if state.size < high_water:
        bad(state.size, f"the log was truncated: this gateway saw {high_water} entries")
    for head in heads:
        if head.tree_size > size:
            bad(head.tree_size, f"log of size {head.tree_size} was anchored but only {size} entries are stored")
    return {"size": size, "anchored_heads": len(heads), "mismatches": problems}


# The row's leaf document spelt out as RFC 8785 text, in SQL: keys in order, strings through
# to_json (quotes, backslashes and control characters escaped, so a value cannot run into
# the next key), integers as digits. A JSON list column is closed up (SQLAlchemy writes
# `["a", "b"]`) only when it is a list of plain strings, with no quote, backslash or comma
# inside any of them: only there is every `", "` a separator. Any other spelling stays as
# stored. So equal bytes prove the row equals its leaf (each segment parses to the row's own
# value); unequal bytes only make the row a candidate, which Python re-checks exactly. This is
# ~2.5x faster than building and parsing jsonb for every row.
_PLAIN_LIST = r"""'^\[("[^"\\,]*"(, "[^"\\,]*")*)?\]$'"""


def _list_text(column: str) -> str:
    return (
        f"coalesce(CASE WHEN {column}::text ~ {_PLAIN_LIST} THEN replace({column}::text, '\", \"', '\",\"') "
        f"ELSE {column}::text END, 'null')"
    )


_ROW_AS_LEAF_TEXT = """convert_to(
    '{"accessor":' || coalesce(to_json(accessor)::text, 'null')
    || ',"accessor_org":' || coalesce(to_json(accessor_org)::text, 'null')
    || ',"action":' || coalesce(to_json(action)::text, 'null')
    || ',"at":' || coalesce('"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '"', 'null')
    || ',"fields":' || FIELDS_TEXT
    || ',"grant_id":' || coalesce(grant_id::text, 'null')
    || ',"idx":' || idx::text
    || ',"outcome":' || coalesce(to_json(outcome)::text, 'null')
    || ',"owner_org":' || coalesce(to_json(owner_org)::text, 'null')
    || ',"purpose":' || coalesce(to_json(purpose)::text, 'null')
    || ',"reason":' || coalesce(to_json(reason)::text, 'null')
    || ',"record_id":' || coalesce(to_json(record_id)::text, 'null')
    || ',"subject_keys":' || SUBJECT_KEYS_TEXT
    || '}', 'UTF8')"""
_ROW_AS_LEAF_TEXT = _ROW_AS_LEAF_TEXT.replace("FIELDS_TEXT", _list_text("fields"))
_ROW_AS_LEAF_TEXT = _ROW_AS_LEAF_TEXT.replace("SUBJECT_KEYS_TEXT", _list_text("subject_keys"))
_LEAF_HASH = func.sha256(literal(merkle.LEAF_PREFIX, LargeBinary).op("||")(AccessLogEntry.leaf))
"""RFC 6962 leaf hash computed by PostgreSQL (``sha256`` since PostgreSQL 11)."""

_UNLIKE_CANDIDATES = text(
    f"SELECT idx FROM access_log WHERE idx < :size AND ({_ROW_AS_LEAF_TEXT} IS DISTINCT FROM leaf"  # noqa: S608
    " OR sealed_until IS NOT NULL OR legal_basis IS NOT NULL OR seal_nonce IS NOT NULL OR seal_of IS NOT NULL)"
)
"""Rows whose ordinary spelling differs from their leaf, and every row with a seal column set (sealed reads
and extensions are spelt otherwise, and a seal column set on an ordinary row must be caught): few, so
each is re-checked exactly in Python."""


HASH_CHUNK = 50_000


def _leaf_hashes_in_chunks(session: Session, size: int) -> Iterator[tuple[int, bytes]]:
    """``(idx, leaf hash)`` of the first ``size`` log rows, in order, hashed by PostgreSQL.

    A whole chunk of hashes comes back as one ``bytea`` (``string_agg``), so a million rows
    cost a few dozen round trips instead of a million row objects; a chunk whose count or
    bounds show a gap is read row by row, so the caller sees exactly where the gap is.
    """
    for lo in range(0, size, HASH_CHUNK):
        hi = min(lo + HASH_CHUNK, size)
        where = (AccessLogEntry.idx >= lo) & (AccessLogEntry.idx < hi)
        count, first, last, joined = session.execute(
            select(
                func.count(),
                func.min(AccessLogEntry.idx),
                func.max(AccessLogEntry.idx),
                func.string_agg(_LEAF_HASH, aggregate_order_by(literal(b"", LargeBinary), AccessLogEntry.idx)),
            ).where(where)
        ).one()
        if count == hi - lo and first == lo and last == hi - 1 and joined is not None and len(joined) == 32 * count:
            blob = bytes(joined)
            for i in range(count):
                yield lo + i, blob[32 * i : 32 * i + 32]
            continue
        rows = session.execute(select(AccessLogEntry.idx, _LEAF_HASH).where(where).order_by(AccessLogEntry.idx))
        yield from ((int(idx), bytes(leaf_hash)) for idx, leaf_hash in rows)
        if count < hi - lo:
            return  # the caller has seen the gap; nothing after it is covered


def _rows_unlike_leaves(container: Container, size: int) -> list[int] | None:
    """On PostgreSQL, the rows whose columns differ from their logged leaf, found by the database.

    Re-canonicalising a million rows in Python costs ~35 s; PostgreSQL spells each row as its
    leaf's canonical text and compares bytes in a few seconds, on its own connection while
    the caller hashes the tree. The few rows whose text differs are re-checked here exactly.
    ``None`` when the query fails: the caller then checks row by row in Python.
    """
    with container.sessions() as session:
        try:
            candidates = [int(i) for i in session.scalars(_UNLIKE_CANDIDATES, {"size": size})]
        except DBAPIError:
            return None
        step = 10_000  # bounded IN lists, however many candidates a systematic difference makes
        return [i for lo in range(0, len(candidates), step) for i in _unlike_in_python(
            session, size, only=candidates[lo : lo + step])]  # fmt: skip


def _unlike_in_python(session: Session, size: int, *, only: list[int] | None = None) -> list[int]:
    """Rows (of the first ``size``, or just ``only``) whose columns differ from their leaf, checked exactly."""
    columns = [getattr(AccessLogEntry, c) for c in LEAF_COLUMNS]
    query = select(*columns).where(AccessLogEntry.idx < size).order_by(AccessLogEntry.idx)
    if only is not None:
        query = query.where(AccessLogEntry.idx.in_(only))
    rows = session.execute(query.execution_options(yield_per=20_000))
    try:
        return [row.idx for row in rows if canonical(leaf_document(row)) != bytes(row.leaf)]
    finally:
        rows.close()


def _anchored_heads(container: Container) -> list[Any]:
    """The log's anchored heads: fetched once each, then cached in the process."""
    registry, scan, log = container.deployment().registry, container.chain_scan, container.access_log
    org = container.operator_org()
    with scan.lock:
        count = registry.log_head_count(org, log.log_id)
        if count < len(scan.heads):
            scan.heads.clear()  # the chain was rewound
        while len(scan.heads) < count:
            scan.heads.append(registry.log_head_at(org, log.log_id, len(scan.heads)))
        return list(scan.heads)

"""The access log: every read, refused read and erasure, as an RFC 6962 append-only tree.

Leaf ``i`` is the JCS canonical JSON of row ``i`` (stored verbatim in ``access_log.leaf``).
Appends are serialised by one atomic ``UPDATE log_state SET size = size + 1 … RETURNING``
(the row lock is held to commit), so several gateway replicas on one PostgreSQL share one
gapless log. In the same transaction the append extends the tree's right edge
(``log_state.peaks``) and stores the new root with the operator key's signature over
(log id, size, root): the un-anchored tail is bound by a signature a database
administrator cannot produce (:mod:`ledger.log_heads`), and each process remembers the
largest size it has seen, so a truncation is caught by the integrity sweep.

The log's heads are anchored on-chain under the log id (namespaced by the anchoring
organisation) by the worker; ``gridledger audit verify`` checks that the served log is
consistent with every anchored head, i.e. that nothing was changed, removed or re-ordered.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.db.models import AccessLogEntry, LogState, SubjectEntry
from gateway.errors import IntegrityFailure
from ledger import merkle, seals, subject_map
from ledger.commitments import canonical

HeadSigner = Callable[[bytes, int, bytes], bytes]
"""Signs a head (log id, size, root) with the operator key; returns 65 bytes."""
HeadCheck = Callable[[bytes, int, bytes, bytes], bool]
"""Whether a signature over a head (log id, size, root) is the operator key's."""


class LogTampered(IntegrityFailure):
    """The log's stored head is not what the operator key signed: appending would vouch for a forgery."""

    def __init__(self, detail: str) -> None:
        logging.getLogger("gridledger.integrity").warning("integrity: %s", detail)
        super().__init__(detail)


def _utc(moment: datetime) -> str:
    """One spelling of a time, whatever the database hands back (SQLite drops the zone)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seal_date(moment: datetime | None) -> str:
    """A seal's date as logged; empty where a row lost it (its document then differs from its leaf)."""
    return "" if moment is None else _utc(moment)


def entry_document(entry: AccessLogEntry | Any) -> dict[str, Any]:
    """The whole document of a row: for a sealed read the opened document (ledger/seals.py), which its leaf hides."""
    document = {
        "idx": entry.idx,
        "at": _utc(entry.at),
        "accessor": entry.accessor,
        "accessor_org": entry.accessor_org,
        "action": entry.action,
        "outcome": entry.outcome,
        "reason": entry.reason,
        "record_id": entry.record_id,
        "owner_org": entry.owner_org,
        "subject_keys": entry.subject_keys,
        "grant_id": entry.grant_id,
        "purpose": entry.purpose,
        "fields": entry.fields,
    }
    if entry.action == seals.EXTEND_ACTION:
        document |= {"sealed_idx": entry.seal_of, "sealed_until": _seal_date(entry.sealed_until)}
    nonce = getattr(entry, "seal_nonce", None)  # plain rows of the ordinary columns carry no seal
    if nonce is not None:
        document = seals.opened_document(document, legal_basis=entry.legal_basis or "",
                                         sealed_until=_seal_date(entry.sealed_until), nonce=bytes(nonce))  # fmt: skip
    return document


def leaf_document(entry: AccessLogEntry | Any) -> dict[str, Any]:
    """The logged document of a row (an ORM object or a plain row with the same columns): a sealed read's stub."""
    document = entry_document(entry)
    return seals.stub(document) if getattr(entry, "seal_nonce", None) is not None else document


class AccessLog:
    def __init__(self, sessions: sessionmaker[Session], signer: HeadSigner, vouched: HeadCheck) -> None:
        self.sessions = sessions
        self.signer = signer
        self.vouched = vouched
        self._hashes: list[bytes] = []  # leaf hashes read so far, in order
        self._tree: list[list[bytes]] = [[]]  # the last tree built (of the largest size asked)
        self._lock = threading.Lock()
        self.high_water = 0  # the largest committed size this process has seen
        self.log_id = self._ensure()

    def _ensure(self) -> bytes:
        """The log id, creating the log on first start (and signing a head for a log from before 0007)."""
        with self.sessions() as session:
            state = session.get(LogState, 1)
            if state is None:  # the empty log needs no signature: the first append signs its head
                fresh = LogState(id=1, log_id=secrets.token_bytes(32), size=0, anchored_size=0, peaks=b"")
                fresh.head_root = merkle.EMPTY_ROOT
                session.add(fresh)
                try:
                    session.commit()
                except IntegrityError:  # another gateway process created it at the same moment: use theirs
                    session.rollback()
                state = session.get(LogState, 1, populate_existing=True)
                assert state is not None
            elif state.peaks is None:  # a log written before heads were signed: rebuild its edge once
                frontier = merkle.Frontier()
                rows = session.scalars(select(AccessLogEntry.leaf).order_by(AccessLogEntry.idx))
                for leaf in rows:
                    frontier.push(merkle.leaf_hash(bytes(leaf)))
                state.peaks, state.head_root = frontier.to_bytes(), frontier.root()
                state.head_signature = self.signer(state.log_id, frontier.size, frontier.root())
                session.commit()
            self.high_water = state.size
            return bytes(state.log_id)

    def append(self, session: Session, **fields: Any) -> AccessLogEntry:
        """Append one entry inside the caller's transaction (committed with it); call :meth:`saw` after."""
        return self.append_many(session, [fields])[0]

    def append_many(self, session: Session, entries: list[dict[str, Any]]) -> list[AccessLogEntry]:
        """Append entries in order inside the caller's transaction, under one new signed head.

        The same tree as appending them one by one (each a leaf, in order); only the last
        head is signed and stored, since no one could have seen the heads in between.
        """
        if not entries:
            return []
        size = session.execute(
            update(LogState).where(LogState.id == 1).values(size=LogState.size + len(entries)).returning(LogState.size)
        ).scalar_one()
        start = size - len(entries)
        peaks, head_root, signature = session.execute(
            select(LogState.peaks, LogState.head_root, LogState.head_signature).where(LogState.id == 1)
        ).one()
        frontier = self._vouched_frontier(start, peaks, head_root, signature)
        at = datetime.now(UTC).replace(microsecond=0)
        rows = []
        for offset, fields in enumerate(entries):
            entry = AccessLogEntry(idx=start + offset, at=at, leaf=b"", **fields)
            entry.leaf = canonical(leaf_document(entry))
            frontier.push(merkle.leaf_hash(entry.leaf))
            rows.append(entry)
        root = frontier.root()
        self._chain_subjects(session, rows)
        session.execute(
            update(LogState)
            .where(LogState.id == 1)
            .values(peaks=frontier.to_bytes(), head_root=root, head_signature=self.signer(self.log_id, size, root))
        )
        session.add_all(rows)
        return rows

    @staticmethod
    def _chain_subjects(session: Session, rows: list[AccessLogEntry]) -> None:
        """Extend each named subject's chain (docs/spec/subject-map.md §S-1) in the append's transaction.

        The log's row lock, taken by the append, orders these writes as the entries are ordered.
        """
        keys = sorted({key for row in rows for key in row.subject_keys})
        if not keys:
            return
        latest = (
            select(SubjectEntry.subject_key, func.max(SubjectEntry.idx).label("idx"))
            .where(SubjectEntry.subject_key.in_(keys))
            .group_by(SubjectEntry.subject_key)
            .subquery()
        )
        heads = {
            key: (n, bytes(acc))
            for key, n, acc in session.execute(
                select(SubjectEntry.subject_key, SubjectEntry.n, SubjectEntry.acc).join(
                    latest, (SubjectEntry.subject_key == latest.c.subject_key) & (SubjectEntry.idx == latest.c.idx)
                )
            )
        }
        links = []
        for row in rows:
            leaf = merkle.leaf_hash(row.leaf)
            for key in sorted(set(row.subject_keys)):
                n, acc = heads.get(key, (0, subject_map.ZERO_ACC))
                heads[key] = (n + 1, subject_map.chain_step(acc, row.idx, leaf))
                links.append({"subject_key": key, "idx": row.idx, "n": n + 1, "acc": heads[key][1]})
        session.execute(insert(SubjectEntry), links)

    def record_many(self, entries: list[dict[str, Any]]) -> None:
        """Append entries in one transaction; durable when this returns."""
        if not entries:
            return
        with self.sessions() as session:
            rows = self.append_many(session, entries)
            session.commit()
        self.saw(rows[-1].idx + 1)

    def _vouched_frontier(
        self, size: int, peaks: bytes | None, root: bytes | None, signature: bytes | None
    ) -> merkle.Frontier:
        """The stored right edge, only if it is the tree the operator key last signed.

        Otherwise a DBA could rewrite the newest rows, recompute the edge, and have the next
        honest append sign (and the worker anchor) the forged tree.
        """
        try:
            frontier = merkle.Frontier.from_bytes(size, bytes(peaks or b""))
        except ValueError:
            frontier = None
        if size == 0 and frontier is not None and signature is None:
            return frontier  # the empty log: nothing was signed yet
        if (
            frontier is None
            or root is None
            or frontier.root() != bytes(root)
            or not self.vouched(self.log_id, size, bytes(root), bytes(signature or b""))
        ):
            raise LogTampered(f"the access log's stored head at size {size} is not the one the operator key signed")
        return frontier

    def saw(self, size: int) -> None:
        """Remember that the log reached ``size`` (committed): a later, smaller log was truncated."""
        with self._lock:
            self.high_water = max(self.high_water, size)

    def record(self, **fields: Any) -> AccessLogEntry:
        """Append one entry in its own transaction; durable when this returns."""
        with self.sessions() as session:
            entry = self.append(session, **fields)
            session.commit()
        self.saw(entry.idx + 1)
        return entry

    def state(self) -> LogState:
        with self.sessions() as session:
            state = session.get(LogState, 1)
            assert state is not None
            self.saw(state.size)
            return state

    def size(self) -> int:
        return self.state().size

    def leaf_hashes(self, size: int) -> list[bytes]:
        """Hashes of leaves ``0 .. size-1``, read incrementally and cached."""
        with self._lock:
            if len(self._hashes) < size:
                with self.sessions() as session:
                    rows = session.scalars(
                        select(AccessLogEntry.leaf)
                        .where(AccessLogEntry.idx >= len(self._hashes), AccessLogEntry.idx < size)
                        .order_by(AccessLogEntry.idx)
                    ).all()
                self._hashes.extend(merkle.leaf_hash(bytes(leaf)) for leaf in rows)
            return self._hashes[:size]

    def tree(self, size: int) -> list[list[bytes]]:
        """A tree of at least ``size`` leaves: proofs for every older size come out of it.

        Rebuilt only when a larger size is asked for, so a run of proofs (an auditor checking
        every anchored head and every visible entry) costs one build, not one per proof.
        """
        with self._lock:
            if len(self._tree[0]) >= size:
                return self._tree
        hashes = self.leaf_hashes(size)
        if len(hashes) < size:
            raise IndexError(f"the log holds {len(hashes)} entries, not {size}")
        tree = merkle.levels(hashes)
        with self._lock:
            if len(tree[0]) > len(self._tree[0]):
                self._tree = tree
            return self._tree

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else merkle.range_root(self.tree(size), 0, size)

    def inclusion(self, idx: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof_in(idx, size, self.tree(size))

    def consistency(self, first: int, second: int) -> list[bytes]:
        return merkle.consistency_proof_in(first, second, self.tree(second))

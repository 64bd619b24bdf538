"""The access log: every read, refused read and erasure, as an RFC 6962 append-only tree.

Leaf ``i`` is the JCS canonical JSON of row ``i`` (stored verbatim in ``access_log.leaf``).
Appends are serialised by one atomic ``UPDATE log_state SET size = size + 1 … RETURNING``,
so several gateway replicas on one PostgreSQL share one gapless log. The log's heads
(size, root) are anchored on-chain under the log id by the worker, on a schedule and on
demand; ``gridledger audit verify`` checks that the served log is consistent with every
anchored head, i.e. that nothing was changed, removed or re-ordered.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.models import AccessLogEntry, LogState
from ledger import merkle
from ledger.commitments import canonical


def ensure_log(sessions: sessionmaker[Session]) -> bytes:
    """The log id, creating the log on first start."""
    with sessions() as session:
        state = session.get(LogState, 1)
        if state is None:
            session.add(LogState(id=1, log_id=secrets.token_bytes(32), size=0, anchored_size=0))
            try:
                session.commit()
            except IntegrityError:  # another gateway process created it at the same moment: use theirs
                session.rollback()
            state = session.get(LogState, 1, populate_existing=True)
            assert state is not None
        return state.log_id


def _utc(moment: datetime) -> str:
    """One spelling of a time, whatever the database hands back (SQLite drops the zone)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def leaf_document(entry: AccessLogEntry | Any) -> dict[str, Any]:
    """The logged document of a row (an ORM object or a plain row with the same columns)."""
    return {
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


class AccessLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.log_id = ensure_log(sessions)
        self._hashes: list[bytes] = []  # leaf hashes read so far, in order
        self._tree: tuple[int, list[list[bytes]]] = (0, [[]])  # the last tree built, by size
        self._lock = threading.Lock()

    def append(self, session: Session, **fields: Any) -> AccessLogEntry:
        """Append one entry inside the caller's transaction (committed with it)."""
        size = session.execute(
            update(LogState).where(LogState.id == 1).values(size=LogState.size + 1).returning(LogState.size)
        ).scalar_one()
        entry = AccessLogEntry(idx=size - 1, at=datetime.now(UTC).replace(microsecond=0), leaf=b"", **fields)
        entry.leaf = canonical(leaf_document(entry))
        session.add(entry)
        return entry

    def record(self, **fields: Any) -> AccessLogEntry:
        """Append one entry in its own transaction; durable when this returns."""
        with self.sessions() as session:
            entry = self.append(session, **fields)
            session.commit()
            return entry

    def size(self) -> int:
        with self.sessions() as session:
            state = session.get(LogState, 1)
            return state.size if state else 0

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
                self._hashes.extend(merkle.leaf_hash(leaf) for leaf in rows)
            return self._hashes[:size]

    def tree(self, size: int) -> list[list[bytes]]:
        """The tree of the first ``size`` leaves; the last one built is kept, because proofs
        come in runs at one size (an auditor checks every visible entry against one head)."""
        hashes = self.leaf_hashes(size)
        with self._lock:
            if self._tree[0] != size:
                self._tree = (size, merkle.levels(hashes))
            return self._tree[1]

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else self.tree(size)[-1][0]

    def inclusion(self, idx: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(idx, self.tree(size))

    def consistency(self, first: int, second: int) -> list[bytes]:
        return merkle.consistency_proof(first, self.leaf_hashes(second))

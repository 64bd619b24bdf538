"""The anchoring worker: outbox → batches → one transaction per batch → receipts.

Crash safety, step by step:

1. In one database transaction, claim up to ``batch_max_size`` unbatched outbox rows
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same row;
   a guarded ``UPDATE … WHERE batch_id IS NULL`` everywhere), compute the root, and write
   the batch row (status ``sending``, with a lease) before anything reaches the chain.
2. Send ``anchor(batchId, root, size)``; ``batchId = SHA-256("gridledger-batch-v1" ||
   root)``, so the chain itself recognises a batch sent twice (``RegistryBatchExists``).
3. Mark the batch ``anchored`` and its records ``anchored``; delete their outbox rows.

A worker that dies between 1 and 3 leaves a ``sending`` batch whose lease
(``GRIDLEDGER_BATCH_LEASE``, 60 s) expires; any
worker then asks the chain whether the root is anchored (finalise, finding the
transaction through its event) or not (send again). A chain outage only delays.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from gateway.models import Batch, LogState, OutboxItem, Record
from gateway.runtime import Runtime
from ledger import merkle
from ledger.errors import ChainError, LedgerError, TransactionFailedError

log_ = logging.getLogger("gridledger.anchoring")
LOG_WINDOW = 1000  # blocks per eth_getLogs call (Besu's default limit)


def batch_id_for(root: bytes) -> bytes:
    return hashlib.sha256(b"gridledger-batch-v1" + root).digest()


class AnchoringWorker:
    def __init__(self, runtime: Runtime, account: LocalAccount, *, poll: float = 0.2) -> None:
        self.runtime = runtime
        self.account = account
        self.poll = poll
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridledger-anchoring", daemon=True)
        self.backoff = 0.0
        self.lease = timedelta(seconds=runtime.settings.batch_lease)
        self._last_log_anchor = time.monotonic()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self.runtime.wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
                self.backoff = 0.0
            except LedgerError as exc:
                self.backoff = min(5.0, max(0.2, self.backoff * 2))
                log_.warning("anchoring paused %.1fs: %s", self.backoff, exc.message)
                worked = False
            except Exception:
                self.backoff = min(5.0, max(0.2, self.backoff * 2))
                log_.exception("anchoring failed; retrying in %.1fs", self.backoff)
                worked = False
            if not worked:
                self.runtime.wake.wait(self.backoff or self.poll)
                self.runtime.wake.clear()

    def run_once(self) -> bool:
        """Recover one stale batch, or anchor one new batch; say whether anything was done."""
        return self.recover_one() or self.anchor_one() or self.anchor_log_head()

    # -- new batches ---------------------------------------------------------------------

    def _due(self, count: int, oldest: datetime | None) -> bool:
        settings = self.runtime.settings
        if count == 0 or oldest is None:
            return False
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - oldest).total_seconds()
        return count >= settings.batch_max_size or age >= settings.batch_max_age

    def anchor_one(self) -> bool:
        runtime, settings = self.runtime, self.runtime.settings
        with runtime.sessions() as session:
            count, oldest = session.execute(
                select(func.count(OutboxItem.id), func.min(OutboxItem.enqueued_at)).where(OutboxItem.batch_id.is_(None))
            ).one()
            if not self._due(count, oldest):
                return False
            rows = session.execute(
                select(OutboxItem.id, OutboxItem.record_id, Record.entry_leaf)
                .join(Record, Record.id == OutboxItem.record_id)
                .where(OutboxItem.batch_id.is_(None))
                .order_by(OutboxItem.id)
                .limit(settings.batch_max_size)
                .with_for_update(skip_locked=True, of=OutboxItem)
            ).all()
            if not rows:
                return False
            rows = sorted(rows, key=lambda r: r.record_id)  # leaves in record-id order: positions need no storing
            root = merkle.root([r.entry_leaf for r in rows])
            batch_id = batch_id_for(root)
            now = datetime.now(UTC)
            batch = Batch(
                id=batch_id, root=root, size=len(rows), status="sending", created_at=now, attempts=0,
                from_block=runtime.chain.block_number(), lease_owner=self.name, lease_until=now + self.lease,
            )  # fmt: skip
            session.add(batch)
            try:
                session.flush()
            except IntegrityError:  # another worker claimed the same rows (SQLite has no row locks)
                session.rollback()
                return True
            claimed = cast(
                CursorResult[Any],
                session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id.in_([r.id for r in rows]), OutboxItem.batch_id.is_(None))
                    .values(batch_id=batch_id)
                    .execution_options(synchronize_session=False)
                ),
            )
            if claimed.rowcount != len(rows):  # another worker got some of them first
                session.rollback()
                return True
            session.execute(
                update(Record)
                .where(Record.id.in_([r.record_id for r in rows]))
                .values(batch_id=batch_id)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        self.send(batch)
        return True

    # -- sending and finishing ----------------------------------------------------------------

    def send(self, batch: Batch) -> None:
        registry = self.runtime.deployment().registry
        with self.runtime.sessions() as session:
            session.execute(update(Batch).where(Batch.id == batch.id).values(attempts=Batch.attempts + 1))
            session.commit()
        try:
            receipt = self.runtime.chain.transact(
                self.account, registry.anchor_function(batch.id, batch.root, batch.size)
            )
        except TransactionFailedError as exc:
            if exc.error_name in ("RegistryBatchExists", "RegistryDuplicateRoot"):
                self.finish_from_chain(batch)
                return
            self._release(batch)
            raise
        except ChainError:
            self._release(batch)
            raise
        block = int(receipt["blockNumber"])
        self.finish(batch.id, bytes(receipt["transactionHash"]), block, self._timestamp(block))

    def _timestamp(self, block: int) -> int:
        chain = self.runtime.chain
        return int(chain.rpc(lambda: chain.w3.eth.get_block(block)["timestamp"], "eth_getBlockByNumber"))

    def _release(self, batch: Batch) -> None:
        with self.runtime.sessions() as session:
            session.execute(update(Batch).where(Batch.id == batch.id).values(lease_owner=None, lease_until=None))
            session.commit()

    def finish(self, batch_id: bytes, tx_hash: bytes, block: int, anchored_at: int) -> None:
        with self.runtime.sessions() as session:
            session.execute(
                update(Batch)
                .where(Batch.id == batch_id)
                .values(status="anchored", tx_hash=tx_hash, block_number=block, anchored_at=anchored_at,
                        lease_owner=None, lease_until=None)
            )  # fmt: skip
            session.execute(
                update(Record)
                .where(Record.batch_id == batch_id)
                .values(status="anchored")
                .execution_options(synchronize_session=False)
            )
            session.execute(delete(OutboxItem).where(OutboxItem.batch_id == batch_id))
            session.commit()
        log_.info("anchored batch 0x%s in block %d", batch_id.hex()[:12], block)

    def finish_from_chain(self, batch: Batch) -> None:
        """The batch is on-chain already (sent before a crash): find its transaction and finish."""
        deployment = self.runtime.deployment()
        info = deployment.registry.get_batch(batch.id)
        if info.root != batch.root:
            raise ChainError(f"batch 0x{batch.id.hex()} is anchored with another root")
        event = deployment.registry.contract.events.BatchAnchored()
        start = min(batch.from_block, info.block_number)
        tx_hash = b""
        for lo in range(start, info.block_number + 1, LOG_WINDOW):
            hi = min(lo + LOG_WINDOW - 1, info.block_number)
            logs = event.get_logs(from_block=lo, to_block=hi, argument_filters={"batchId": batch.id})
            if logs:
                tx_hash = bytes(logs[0]["transactionHash"])
                break
        self.finish(batch.id, tx_hash, info.block_number, info.anchored_at)

    # -- access-log heads ----------------------------------------------------------------

    def anchor_log_head(self) -> bool:
        """Anchor the access log's head when it grew and is due (interval elapsed or requested)."""
        runtime = self.runtime
        requested = runtime.log_anchor_requested.is_set()
        due = requested or time.monotonic() - self._last_log_anchor >= runtime.settings.log_anchor_interval
        if not due:
            return False
        with runtime.sessions() as session:
            state = session.get(LogState, 1)
            size, anchored = (state.size, state.anchored_size) if state else (0, 0)
        runtime.log_anchor_requested.clear()
        self._last_log_anchor = time.monotonic()
        if size <= anchored:
            return False
        log, registry = runtime.log(), runtime.deployment().registry
        try:
            registry.anchor_log_head(self.account, log.log_id, size, log.root(size))
        except TransactionFailedError as exc:
            if exc.error_name != "RegistryLogNotGrowing":  # another replica anchored this size already
                raise
            head = registry.latest_log_head(log.log_id)
            size = head.tree_size if head else anchored
        with runtime.sessions() as session:
            session.execute(
                update(LogState).where(LogState.id == 1, LogState.anchored_size < size).values(anchored_size=size)
            )
            session.commit()
        log_.info("anchored access-log head at size %d", size)
        return True

    # -- recovery -------------------------------------------------------------------------

    def recover_one(self) -> bool:
        now = datetime.now(UTC)
        with self.runtime.sessions() as session:
            batch = session.scalar(
                select(Batch)
                .where(Batch.status == "sending", (Batch.lease_until.is_(None)) | (Batch.lease_until < now))
                .order_by(Batch.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if batch is None:
                return False
            taken = cast(CursorResult[Any], session.execute(
                update(Batch)
                .where(Batch.id == batch.id, Batch.status == "sending",
                       (Batch.lease_until.is_(None)) | (Batch.lease_until < now))
                .values(lease_owner=self.name, lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            ))  # fmt: skip
            session.commit()
            if taken.rowcount != 1:
                return True
        registry = self.runtime.deployment().registry
        if registry.batch_id_of(batch.root) == batch.id:
            self.finish_from_chain(batch)
        else:
            self.send(batch)
        return True

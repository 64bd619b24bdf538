"""The anchoring worker: outbox → batches → one transaction per batch → receipts.

Crash safety, step by step:

1. In one database transaction, claim up to ``batch_max_size`` outbox rows
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same row;
   a guarded ``DELETE … WHERE batch_id IS NULL`` that must remove every one everywhere),
   compute the root, write the batch row (status ``sending``, with a lease) and point the
   records at it before anything reaches the chain. From then on ``records.batch_id`` is
   the batch's queue: a release puts the outbox rows back.
2. Send ``anchor(batchId, root, size)``; ``batchId = SHA-256("gridledger-batch-v1" ||
   root)``, so the chain itself recognises a batch sent twice (``RegistryBatchExists``).
3. Mark the batch ``anchored`` and its records ``anchored``.

A worker that dies between 1 and 3 leaves a ``sending`` batch whose lease
(``GRIDLEDGER_BATCH_LEASE``, 60 s) expires; any
worker then asks the chain whether the root is anchored (finalise, finding the
transaction through its event) or not (send again). A chain outage only delays.

Anchors are reconciled: every ``reconcile_interval`` seconds the worker re-reads, from the
chain, the batches anchored in the last ``reconcile_depth`` blocks (and any recorded in a
block the chain no longer has). A batch the chain lost — a node restored from an older
state, a reorg on a non-final chain — goes back to ``sending`` and its records to
``pending`` (receipts stop being served), and it is anchored again under the same id; a
batch found in another block is re-recorded from the chain. A root that another anchorer
put on-chain first under another id is adopted when the sizes agree (same root, same
entries), and otherwise the batch is shrunk by one entry until its root is new.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from eth_account.signers.local import LocalAccount
from sqlalchemy import BigInteger, CursorResult, String, any_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from web3.exceptions import TransactionNotFound

from gateway.db.events import add_anchored_events
from gateway.db.models import Batch, LogState, OutboxItem, Record
from gateway.errors import IntegrityFailure
from gateway.services.subject_sweep import VerifiedChains
from ledger import merkle
from ledger.errors import ChainError, LedgerError, TransactionFailedError
from ledger.log_heads import head_signer
from ledger.receipts import batch_id_for
from ledger.subject_map import map_log_id

if TYPE_CHECKING:  # the container builds the workers; they never import it at run time
    from gateway.container import Container

log_ = logging.getLogger("gridledger.anchoring")


def _move_rows(session: Session, old: bytes, new: bytes | None) -> None:
    """Point a batch's records at another batch, or at none: back in the queue, with their outbox rows again."""
    if new is None:  # a claim deleted the outbox rows; put back those missing (rows claimed by older code remain)
        queued = select(OutboxItem.id).where(OutboxItem.record_id == Record.id).exists()
        waiting = select(Record.id, Record.created_at).where(Record.batch_id == old, ~queued)
        session.execute(insert(OutboxItem).from_select(["record_id", "enqueued_at"], waiting))
    for model in (Record, OutboxItem):
        session.execute(
            update(model).where(model.batch_id == old).values(batch_id=new).execution_options(synchronize_session=False)
        )


def _among(column: Any, values: list[Any], postgres: bool) -> Any:
    """``column IN values``: on PostgreSQL one array parameter, not a thousand to send and parse."""
    if postgres:
        kind = BigInteger() if isinstance(values[0], int) else String()
        return column == any_(bindparam("values", values, type_=ARRAY(kind)))
    return column.in_(values)


def _name_os_thread(name: str) -> None:
    """Name the calling OS thread (Linux ``prctl(PR_SET_NAME)``), so ``top -H`` and /proc tell its CPU apart."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)


class AnchoringWorker:
    def __init__(self, container: Container, account: LocalAccount, *, poll: float = 0.2) -> None:
        self.container = container
        self.account = account
        self.poll = poll
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridledger-anchoring", daemon=True)
        self.backoff = 0.0
        self.lease = timedelta(seconds=container.settings.batch_lease)
        self._last_log_anchor = time.monotonic()
        self._last_reconcile = 0.0
        self.reanchored = 0  # batches the chain lost and this worker sent again (for metrics)
        self.chain_errors = 0  # rounds the chain refused or did not answer (for metrics)
        # the subject map is owed at the last anchored log size (re-sent once after a restart)
        with container.sessions() as session:
            state = session.get(LogState, 1)
            self._map_due = state.anchored_size if state is not None else 0
        self._map_anchored = 0
        self._chains = VerifiedChains()
        self.map_refused = 0  # the last size whose map subject_log could not be verified for

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self.container.wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        _name_os_thread("gl-anchoring")
        while not self._stop.is_set():
            try:
                worked = self.run_once()
                self.backoff = 0.0
            except LedgerError as exc:
                self.chain_errors += 1
                self.backoff = min(5.0, max(0.2, self.backoff * 2))
                log_.warning("anchoring paused %.1fs: %s", self.backoff, exc.message)
                worked = False
            except Exception:
                self.backoff = min(5.0, max(0.2, self.backoff * 2))
                log_.exception("anchoring failed; retrying in %.1fs", self.backoff)
                worked = False
            if not worked:
                self.container.wake.wait(self.backoff or self.poll)
                self.container.wake.clear()

    def run_once(self) -> bool:
        """Reconcile when due, recover one stale batch, or anchor one new batch; say whether anything was done."""
        return (
            self.reconcile() or self.recover_one() or self.anchor_one() or self.anchor_log_head()
            or self.anchor_subject_map()
        )

    # -- new batches ---------------------------------------------------------------------

    def _due(self, count: int, oldest: datetime | None) -> bool:
        settings = self.container.settings
        if count == 0 or oldest is None:
            return False
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - oldest).total_seconds()
        return count >= settings.batch_max_size or age >= settings.batch_max_age

    def anchor_one(self) -> bool:
        container, settings = self.container, self.container.settings
        with container.sessions() as session:
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
            rows, root, batch_id = self._unclaimed_root(rows)
            if not rows:
                return False
            now = datetime.now(UTC)
            batch = Batch(
                id=batch_id, root=root, size=len(rows), status="sending", created_at=now, attempts=0,
                from_block=container.chain.block_number(), lease_owner=self.name, lease_until=now + self.lease,
            )  # fmt: skip
            session.add(batch)
            try:
                session.flush()
            except IntegrityError:  # another worker claimed the same rows (SQLite has no row locks)
                session.rollback()
                return True
            # the claim: the records point at the batch, and their outbox rows go (records.batch_id is the
            # queue from here on: recovery, release and finishing all find the rows through it)
            postgres = session.get_bind().dialect.name == "postgresql"
            claimed = cast(
                CursorResult[Any],
                session.execute(
                    delete(OutboxItem)
                    .where(_among(OutboxItem.id, [r.id for r in rows], postgres), OutboxItem.batch_id.is_(None))
                    .execution_options(synchronize_session=False)
                ),
            )
            if claimed.rowcount != len(rows):  # another worker got some of them first
                session.rollback()
                return True
            session.execute(
                update(Record)
                .where(_among(Record.id, [r.record_id for r in rows], postgres))
                .values(batch_id=batch_id)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        self.send(batch)
        return True

    def _unclaimed_root(self, rows: list[Any]) -> tuple[list[Any], bytes, bytes]:
        """The rows, root and batch id to anchor: adopt a root already on-chain, or shrink until it is new.

        The registry refuses a root anchored before under any id. If another anchorer
        front-ran ours with the same size, the chain's batch *is* ours (same root, same
        entries) and is adopted; with another size it cannot be, so one entry waits for
        the next batch and the root changes.
        """
        registry = self.container.deployment().registry
        while rows:
            root = merkle.root([bytes(r.entry_leaf) for r in rows])
            ours = batch_id_for(root)
            taken = registry.batch_id_of(root)
            if taken is None or taken == ours:
                return rows, root, ours
            if registry.get_batch(taken).size == len(rows):
                log_.warning("root 0x%s was anchored first by another anchorer: adopting its batch", root.hex()[:12])
                return rows, root, taken
            rows = rows[:-1]
        return [], b"", b""

    # -- sending and finishing ----------------------------------------------------------------

    def send(self, batch: Batch) -> None:
        registry = self.container.deployment().registry
        with self.container.sessions() as session:
            session.execute(update(Batch).where(Batch.id == batch.id).values(attempts=Batch.attempts + 1))
            session.commit()
        try:
            receipt = self.container.chain.transact(
                self.account, registry.anchor_function(batch.id, batch.root, batch.size)
            )
        except TransactionFailedError as exc:
            if exc.error_name == "RegistryBatchExists":
                self.finish_from_chain(batch)
                return
            if exc.error_name == "RegistryDuplicateRoot":  # front-run between our check and our send
                self._adopt_or_release(batch)
                return
            self._release(batch)
            raise
        except ChainError:
            self._release(batch)
            raise
        block = int(receipt["blockNumber"])
        try:  # mined: a chain error from here on must not leave the batch leased until the lease runs out
            self.finish(batch.id, bytes(receipt["transactionHash"]), block, self._timestamp(block))
        except ChainError:
            self._release(batch)  # recovery finds the root on-chain and finishes from there
            raise

    def _adopt_or_release(self, batch: Batch) -> None:
        """Another anchorer put our root on-chain first: adopt its batch, or give the rows back."""
        registry = self.container.deployment().registry
        taken = registry.batch_id_of(batch.root)
        with self.container.sessions() as session:
            if taken is not None and registry.get_batch(taken).size == batch.size:
                session.add(
                    Batch(
                        id=taken, root=b"\0" * 32, size=batch.size, status="sending", created_at=batch.created_at,
                        from_block=batch.from_block, lease_owner=self.name, lease_until=batch.lease_until, attempts=0,
                    )
                )  # fmt: skip
                session.flush()
                _move_rows(session, batch.id, taken)
                session.execute(delete(Batch).where(Batch.id == batch.id))
                session.flush()
                session.execute(update(Batch).where(Batch.id == taken).values(root=batch.root))
                session.commit()
                adopted = session.get(Batch, taken)
            else:  # cannot be ours: release the rows, the next batch has another composition
                _move_rows(session, batch.id, None)
                session.execute(delete(Batch).where(Batch.id == batch.id))
                session.commit()
                adopted = None
        if adopted is not None:
            self.finish_from_chain(adopted)

    def _timestamp(self, block: int) -> int:
        return self.container.chain.block_time(block)

    def _release(self, batch: Batch) -> None:
        with self.container.sessions() as session:
            session.execute(update(Batch).where(Batch.id == batch.id).values(lease_owner=None, lease_until=None))
            session.commit()

    def finish(self, batch_id: bytes, tx_hash: bytes, block: int, anchored_at: int) -> None:
        with self.container.sessions() as session:
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
            session.execute(delete(OutboxItem).where(OutboxItem.batch_id == batch_id))  # rows claimed by older code
            add_anchored_events(session, batch_id, block, datetime.fromtimestamp(anchored_at, UTC))
            session.commit()
        log_.info("anchored batch 0x%s in block %d", batch_id.hex()[:12], block)

    def finish_from_chain(self, batch: Batch) -> None:
        """The batch is on-chain already (sent before a crash, or re-mined): record where, and finish."""
        info = self.container.deployment().registry.get_batch(batch.id)
        if info.root != batch.root:
            raise ChainError(f"batch 0x{batch.id.hex()} is anchored with another root")
        confirmations = self.container.chain.confirmations
        if confirmations and self.container.chain.block_number() < info.block_number + confirmations:
            raise ChainError(f"batch 0x{batch.id.hex()} awaits {confirmations} confirmations")
        self.finish(batch.id, self._anchoring_tx(batch.id, info.block_number), info.block_number, info.anchored_at)

    def _anchoring_tx(self, batch_id: bytes, block: int) -> bytes:
        """The hash of the transaction that anchored ``batch_id`` in ``block`` (from its event)."""
        logs = self.container.deployment().registry.logs(
            "BatchAnchored", block, block, argument_filters={"batchId": batch_id}
        )
        if not logs:
            raise ChainError(f"no BatchAnchored event for batch 0x{batch_id.hex()} in block {block}")
        return bytes(logs[0]["transactionHash"])

    # -- reconciliation ------------------------------------------------------------------

    def reconcile(self, *, force: bool = False) -> bool:
        """Re-check recent anchors against the chain; re-anchor what it lost. Say whether anything changed."""
        settings = self.container.settings
        if not force and time.monotonic() - self._last_reconcile < settings.reconcile_interval:
            return False
        self._last_reconcile = time.monotonic()
        chain, registry = self.container.chain, self.container.deployment().registry
        head = chain.block_number()
        with self.container.sessions() as session:
            recent = session.scalars(
                select(Batch).where(
                    Batch.status == "anchored", Batch.block_number >= max(0, head - settings.reconcile_depth)
                )
            ).all()
        if not recent:
            return False
        # one eth_getLogs over the window answers for every batch still where it was recorded (an event
        # there means its transaction succeeded in that block); only the others cost a call each
        window = max(0, head - settings.reconcile_depth)
        seen = {
            bytes(e["args"]["batchId"]): (int(e["blockNumber"]), bytes(e["transactionHash"]))
            for e in registry.logs("BatchAnchored", window, head)
        }
        changed = False
        for batch in recent:
            if batch.tx_hash is not None and seen.get(bytes(batch.id)) == (batch.block_number, bytes(batch.tx_hash)):
                continue
            try:
                info = registry.get_batch(batch.id)
            except TransactionFailedError as exc:
                if exc.error_name != "RegistryUnknownBatch":
                    raise
                self._lost(batch, head)
                changed = True
                continue
            if info.block_number != batch.block_number or not self._tx_in_block(batch, info.block_number):
                log_.warning("batch 0x%s is in block %d now: re-recording", batch.id.hex()[:12], info.block_number)
                self.finish_from_chain(batch)
                changed = True
        return changed

    def _tx_in_block(self, batch: Batch, block: int) -> bool:
        chain = self.container.chain
        if batch.tx_hash is None:
            return False
        try:
            receipt = chain.transaction_receipt(batch.tx_hash)
        except TransactionNotFound:
            return False
        return int(receipt["blockNumber"]) == block and receipt["status"] == 1

    def _lost(self, batch: Batch, head: int) -> None:
        """The chain no longer holds this batch: un-anchor its records and send it again."""
        log_.warning(
            "batch 0x%s (block %s) is gone from the chain (head %d): anchoring it again",
            batch.id.hex()[:12], batch.block_number, head,
        )  # fmt: skip
        with self.container.sessions() as session:
            session.execute(
                update(Batch).where(Batch.id == batch.id, Batch.status == "anchored")
                .values(status="sending", tx_hash=None, block_number=None, anchored_at=None, lease_owner=None,
                        lease_until=None, from_block=max(0, head - 1))
            )  # fmt: skip
            session.execute(
                update(Record).where(Record.batch_id == batch.id).values(status="pending")
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            session.commit()
        self.reanchored += 1

    # -- access-log heads ----------------------------------------------------------------

    def anchor_log_head(self) -> bool:
        """Anchor the access log's head when it grew and is due (interval elapsed or requested)."""
        container = self.container
        requested = container.log_anchor_requested.is_set()
        due = requested or time.monotonic() - self._last_log_anchor >= container.settings.log_anchor_interval
        if not due:
            return False
        with container.sessions() as session:
            state = session.get(LogState, 1)
            assert state is not None
            size, anchored, root, signature = state.size, state.anchored_size, state.head_root, state.head_signature
        container.log_anchor_requested.clear()
        self._last_log_anchor = time.monotonic()
        if size <= anchored or root is None or signature is None:
            return False
        log, registry = container.access_log, container.deployment().registry
        try:  # the head the operator key signed at append time, never a root a DBA could have written
            signer = head_signer(log.log_id, size, bytes(root), bytes(signature))
        except ValueError:
            signer = None
        if signer is None or str(signer) != str(self.account.address):
            raise ChainError("the stored access-log head is not signed by the operator key: not anchoring it")
        try:
            registry.anchor_log_head(self.account, log.log_id, size, bytes(root))
        except TransactionFailedError as exc:
            if exc.error_name != "RegistryLogNotGrowing":  # another replica anchored this size already
                raise
            size = int(str(exc.error_args[-2])) if len(exc.error_args) >= 2 else anchored
        with container.sessions() as session:
            session.execute(
                update(LogState).where(LogState.id == 1, LogState.anchored_size < size).values(anchored_size=size)
            )
            session.commit()
        log_.info("anchored access-log head at size %d", size)
        self._map_due = max(self._map_due, size)
        self.anchor_subject_map()
        return True

    def anchor_subject_map(self) -> bool:
        """Anchor the subject map at the last anchored log size (docs/spec/subject-map.md §S-4).

        Beside the log head, under its own log id: a resident proves their listing complete up
        to that size. A failure leaves it due; the next pass (or the next log head) retries.
        """
        size = self._map_due
        if size <= self._map_anchored:
            return False
        container = self.container
        log, registry = container.access_log, container.deployment().registry
        map_id = map_log_id(log.log_id)
        if size <= self.map_refused:
            return False  # refused at this size already (logged then): wait for the next log head
        anchored = registry.latest_log_head(container.operator_org(), map_id)
        try:
            with container.sessions() as session:  # from the log's leaves, never from subject_log alone
                built = self._chains.advance(session, size, anchored)
        except IntegrityFailure:  # logged by flag(); batches and log heads go on being anchored
            self.map_refused = size
            return False
        container.subject_maps.put(size, built)
        try:
            registry.anchor_log_head(self.account, map_id, size, built.root)
        except TransactionFailedError as exc:
            if exc.error_name != "RegistryLogNotGrowing":  # another replica anchored this size already
                raise
        self._map_anchored = size
        log_.info("anchored subject map at size %d", size)
        return True

    # -- recovery -------------------------------------------------------------------------

    def recover_one(self) -> bool:
        now = datetime.now(UTC)
        with self.container.sessions() as session:
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
        registry = self.container.deployment().registry
        if registry.batch_id_of(batch.root) == batch.id:
            self.finish_from_chain(batch)
        else:
            self.send(batch)
        return True

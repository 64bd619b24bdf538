"""What a running gateway holds: settings, database, vault, chain client, deployment, worker.

Built in the app's lifespan (never at import) and closed when it ends; tests build their
own through :func:`gateway.app.create_app`'s arguments.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.caches import BoundedCache, ChainScan
from gateway.db import make_engine, migrate, session_factory
from gateway.services.access_log import AccessLog
from gateway.services.members import MemberDirectory
from gateway.services.record_types import RecordTypes, register_builtin
from gateway.settings import Settings
from gateway.vault import Vault
from ledger.chain import ChainClient
from ledger.deploy import Deployment, read_address_book
from ledger.entries import Entry
from ledger.errors import AddressBookError, LedgerError
from ledger.log_heads import head_signer, sign_head

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from gateway.services.anchoring import AnchoringWorker
    from gateway.services.indexer import GrantIndexer


@dataclass
class Runtime:
    settings: Settings
    chain: ChainClient
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault
    record_types: RecordTypes
    wake: threading.Event = field(default_factory=threading.Event)
    log_anchor_requested: threading.Event = field(default_factory=threading.Event)
    nonce_inserts: int = 0
    worker: AnchoringWorker | None = None
    _deployment: Deployment | None = None
    _directory: MemberDirectory | None = None
    _indexer: GrantIndexer | None = None
    _operator: LocalAccount | None = None
    access_log: AccessLog = field(init=False)
    clock: Callable[[], float] = time.time
    verified_entries: BoundedCache[tuple[str, bytes], Entry] = field(default_factory=lambda: BoundedCache(100_000))
    chain_scan: ChainScan = field(default_factory=ChainScan)
    batch_trees: BoundedCache[bytes, tuple[dict[str, int], list[list[bytes]]]] = field(
        default_factory=lambda: BoundedCache(64)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, *, clock: Callable[[], float] = time.time) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        sessions = session_factory(engine)
        register_builtin(sessions)
        chain = ChainClient(settings.resolved_rpc_url, confirmations=settings.confirmations)
        runtime = cls(
            settings=settings,
            chain=chain,
            engine=engine,
            sessions=sessions,
            vault=Vault.from_settings(settings),
            record_types=RecordTypes(sessions),
            clock=clock,
        )
        runtime.access_log = AccessLog(sessions, runtime.sign_log_head, runtime.operator_signed_head)
        return runtime

    def sign_log_head(self, log_id: bytes, size: int, root: bytes) -> bytes:
        """The operator key's signature over an access-log head (see :mod:`ledger.log_heads`)."""
        return sign_head(bytes(self.operator().key), log_id, size, root)

    def now(self) -> int:
        """The time against which expiries are judged: the later of the chain's and ours.

        A chain that mines only on demand reports the time of its last block, which may be
        long past; a gateway whose clock runs slow would honour an expired grant. Taking
        the later of the two means neither a stale chain nor a slow clock extends a grant.
        """
        ours = int(self.clock())
        try:
            chain = self.chain.rpc(lambda: self.chain.w3.eth.get_block("latest")["timestamp"], "eth_getBlockByNumber")
        except LedgerError:
            return ours
        return max(ours, int(chain))

    def deployment(self) -> Deployment:
        """The deployment named by the address book, connected on first use.

        Raises a :class:`LedgerError` when the book is missing or names another chain.
        """
        with self._lock:
            if self._deployment is None:
                book = read_address_book(self.settings.resolved_address_book)
                self._deployment = Deployment.connect(self.chain, book)
            return self._deployment

    def try_deployment(self) -> tuple[Deployment | None, str | None]:
        try:
            return self.deployment(), None
        except LedgerError as exc:
            return None, exc.message

    def directory(self) -> MemberDirectory:
        deployment = self.deployment()
        with self._lock:
            if self._directory is None:
                self._directory = MemberDirectory(deployment.membership)
            return self._directory

    def indexer(self) -> GrantIndexer:
        from gateway.services.indexer import GrantIndexer

        with self._lock:
            if self._indexer is None:
                self._indexer = GrantIndexer(self)
            return self._indexer

    def operator(self) -> LocalAccount:
        """The gateway's own account (anchors batches and log heads, relays signed calls)."""
        from gateway.keyring import operator_account

        with self._lock:
            if self._operator is None:
                self._operator = operator_account(self.settings)
            return self._operator

    def operator_signed_head(self, log_id: bytes, size: int, root: bytes, signature: bytes) -> bool:
        """Whether ``signature`` over the head (log id, size, root) is this gateway's operator key's."""
        try:
            signer = head_signer(log_id, size, root, signature)
        except ValueError:
            return False
        return str(signer) == str(self.operator().address)

    def operator_org(self) -> str:
        """The organisation the operator key anchors for: its log heads live on-chain under it."""
        org, _ = self.deployment().membership.membership_of(self.operator().address)
        if org is None:
            raise AddressBookError("the gateway's operator key belongs to no organisation: add it as an anchorer")
        return str(org)

    def request_log_anchor(self) -> None:
        """Ask the worker to anchor the access log's head now (after an erasure, or on demand)."""
        self.log_anchor_requested.set()
        self.wake.set()

    def start_worker(self) -> None:
        from gateway.services.anchoring import AnchoringWorker

        self.worker = AnchoringWorker(self, self.operator())
        self.worker.start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.engine.dispose()

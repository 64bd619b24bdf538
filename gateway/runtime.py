"""What a running gateway holds: settings, database, vault, chain client, deployment, worker.

Built in the app's lifespan (never at import) and closed when it ends; tests build their
own through :func:`gateway.app.create_app`'s arguments.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.db import make_engine, migrate, session_factory
from gateway.services.members import MemberDirectory
from gateway.services.record_types import RecordTypes, register_builtin
from gateway.settings import Settings
from gateway.vault import Vault
from ledger.chain import ChainClient
from ledger.deploy import Deployment, read_address_book
from ledger.errors import LedgerError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from gateway.services.access_log import AccessLog
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
    access_log: AccessLog | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
        sessions = session_factory(engine)
        register_builtin(sessions)
        chain = ChainClient(settings.resolved_rpc_url, confirmations=settings.confirmations)
        from gateway.services.access_log import AccessLog

        return cls(
            settings=settings,
            chain=chain,
            engine=engine,
            sessions=sessions,
            vault=Vault.from_settings(settings),
            record_types=RecordTypes(sessions),
            access_log=AccessLog(sessions),
        )

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

    def request_log_anchor(self) -> None:
        """Ask the worker to anchor the access log's head now (after an erasure, or on demand)."""
        self.log_anchor_requested.set()
        self.wake.set()

    def log(self) -> AccessLog:
        assert self.access_log is not None
        return self.access_log

    def start_worker(self) -> None:
        from gateway.services.anchoring import AnchoringWorker

        self.worker = AnchoringWorker(self, self.operator())
        self.worker.start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.engine.dispose()

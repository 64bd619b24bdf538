"""What a running gateway holds: settings, database, vault, chain client, deployment, clocks.

The container is infrastructure only: it imports no service and no worker. The
composition root (:func:`gateway.assembly.build_container`) builds it and fills its
service slots; the app's lifespan (:func:`gateway.app.create_app`) starts the anchoring
worker beside it. Nothing is built at import; tests build their own through
:func:`gateway.app.create_app`'s arguments.
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
from gateway.security.vault import Vault
from gateway.settings import Settings
from ledger.chain.address_book import Deployment, read_address_book
from ledger.chain.client import ChainClient
from ledger.entries import Entry
from ledger.errors import AddressBookError, LedgerError
from ledger.log_heads import head_signer, sign_head

if TYPE_CHECKING:  # the slots' types; the composition root fills them
    from eth_account.signers.local import LocalAccount

    from gateway.services.access_log import AccessLog
    from gateway.services.grant_index import GrantIndex
    from gateway.services.members import MemberDirectory
    from gateway.services.record_types import RecordTypes
    from gateway.services.residents import ResidentDirectory
    from gateway.services.subject_maps import SubjectMaps
    from gateway.workers.anchoring import AnchoringWorker


@dataclass(eq=False)
class Container:
    settings: Settings
    chain: ChainClient
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault
    operator_account: Callable[[], LocalAccount]
    clock: Callable[[], float] = time.time
    wake: threading.Event = field(default_factory=threading.Event)
    log_anchor_requested: threading.Event = field(default_factory=threading.Event)
    nonce_inserts: int = 0
    feed_waiters: int = 0  # long-polls of GET /v1/feed being held (on the event loop: no lock needed)
    verified_entries: BoundedCache[tuple[str, bytes], Entry] = field(default_factory=lambda: BoundedCache(100_000))
    chain_scan: ChainScan = field(default_factory=ChainScan)
    batch_trees: BoundedCache[bytes, tuple[dict[str, int], list[list[bytes]]]] = field(
        default_factory=lambda: BoundedCache(64)
    )
    # service slots, filled once by gateway.assembly.build_container
    access_log: AccessLog = field(init=False)
    record_types: RecordTypes = field(init=False)
    members: MemberDirectory = field(init=False)
    residents: ResidentDirectory = field(init=False)
    subject_maps: SubjectMaps = field(init=False)
    grant_index: GrantIndex = field(init=False)
    # set by the app's lifespan when this process anchors
    worker: AnchoringWorker | None = None
    _deployment: Deployment | None = None
    _operator: LocalAccount | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
            chain = self.chain.latest_block_time()
        except LedgerError:
            return ours
        return max(ours, chain)

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

    def operator(self) -> LocalAccount:
        """The gateway's own account (anchors batches and log heads, relays signed calls)."""
        with self._lock:
            if self._operator is None:
                self._operator = self.operator_account()
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

    def close(self) -> None:
        """Dispose of the database engine (the lifespan stops the worker first)."""
        self.engine.dispose()

"""What a running gateway holds: settings, the chain client and the deployment.

Built in the app's lifespan (never at import), closed when it ends; tests build their own
through :func:`gateway.app.create_app`'s arguments.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from gateway.settings import Settings
from ledger.chain import ChainClient
from ledger.deploy import Deployment, read_address_book
from ledger.errors import LedgerError


@dataclass
class Runtime:
    settings: Settings
    chain: ChainClient
    _deployment: Deployment | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        chain = ChainClient(settings.resolved_rpc_url, confirmations=settings.confirmations)
        return cls(settings=settings, chain=chain)

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

    def close(self) -> None:
        """Release resources (more arrive with the database and workers)."""

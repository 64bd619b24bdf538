"""``gridledger up``: local chain, deployment, gateway, in that order."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

import uvicorn

from gateway.api.observability import logging_config
from gateway.app import create_app
from gateway.security.files import private_dir
from gateway.security.operator_key import operator_account
from gateway.settings import Settings
from ledger.chain.address_book import write_address_book
from ledger.chain.client import ChainClient
from ledger.errors import AddressBookError
from ledger.ops.deploy import deploy
from ledger.ops.localchain import LocalChain

OPERATOR_ORG = "operator"
# JSON lines on stderr from every worker (uvicorn applies the config in each process); its
# own access log is off: it prints paths and query strings, which hold ids and subjects.
LOGGING: dict[str, Any] = {"log_config": logging_config(), "log_level": "warning", "access_log": False}


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve_up(settings: Settings, *, demo: bool = False) -> None:
    """Run until interrupted; stop the local chain again if this call started it.

    uvicorn re-raises SIGTERM after its graceful shutdown; a Python handler turns it into
    ``SystemExit`` so that the ``finally`` below still stops the chain it started.
    """
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    private_dir(settings.data_dir)
    local = LocalChain(settings.data_dir, chain_id=settings.chain_id) if settings.rpc_url is None else None
    started = False
    if local is not None:
        started = not local.status().running
        status = local.start(port=settings.chain_port, block_time=settings.block_time)
        print(status.describe(), flush=True)
        settings = settings.model_copy(update={"rpc_url": status.rpc_url})
    try:
        book_path = settings.resolved_address_book
        if not book_path.exists():
            if local is None:
                raise AddressBookError(
                    f"no address book at {book_path}: deploy with `gridledger deploy --rpc {settings.rpc_url}`"
                )
            operator = operator_account(settings, create=True)
            chain = ChainClient(str(settings.rpc_url))
            deployment = deploy(chain, operator, operator_org=OPERATOR_ORG)
            write_address_book(book_path, deployment.book)
            print(
                f"deployed contracts at block {deployment.book.deployment_block}; address book {book_path}", flush=True
            )
        if demo:
            from gateway.ops.demo import seed_demo

            seed_demo(settings)
        print(f"gateway on http://{settings.host}:{settings.port} (the portal at /, OpenAPI at /docs)", flush=True)
        if settings.workers > 1:
            # separate processes share nothing but the database: each runs its own anchoring
            # worker, and leases plus SKIP LOCKED keep them from anchoring an entry twice. Each
            # reads its settings from the same environment; a local chain it finds through the
            # data directory's anvil.port, as this process did, so nothing is passed by mutating
            # os.environ.
            uvicorn.run(
                "gateway.app:create_app", factory=True, workers=settings.workers,
                host=settings.host, port=settings.port, **LOGGING,
            )  # fmt: skip
        else:
            uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **LOGGING)
    finally:
        if started and local is not None:
            local.stop()
            print("local chain stopped", flush=True)

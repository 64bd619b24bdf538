"""Gateway fixtures: a real app on a real chain, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import uvicorn
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.container import Container
from gateway.settings import Settings
from ledger.chain.address_book import Deployment, write_address_book
from ledger.client.gateway import GatewayClient
from ledger.keys import create_keystore
from ledger.types import Role
from tests.conftest import Consortium, chain_snapshot

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextlib.contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """A new, empty database of ``kind``; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'gateway-{secrets.token_hex(4)}.db'}"
        return
    if not _pg_available():
        print(
            "\n*** PostgreSQL on 127.0.0.1:5432 is not answering: PostgreSQL gateway tests SKIPPED ***", file=sys.stderr
        )
        pytest.skip("PostgreSQL server not reachable on 127.0.0.1:5432")
    name = f"gridledger_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database per test module, on each backend."""
    with fresh_database(database_kind, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def module_chain_snapshot(deployment: Deployment) -> Iterator[None]:
    """Chain changes made by a module are undone when it ends."""
    with chain_snapshot(deployment.chain):
        yield


@pytest.fixture(scope="module")
def org(deployment: Deployment, admin: LocalAccount, module_chain_snapshot: None) -> Consortium:
    """The demo-like consortium, registered once per module."""
    return Consortium(deployment, admin)


def gateway_settings(
    data_dir: Path, database_url: str, deployment: Deployment, admin: LocalAccount, **extra: object
) -> Settings:
    """Test settings; signed requests are addressed to TestClient's ``http://testserver``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    book = data_dir / "addressbook.json"
    if not book.exists():
        write_address_book(book, deployment.book)
    key = data_dir / "operator.json"
    if not key.exists():
        # every gateway has its own operator key, as in production: the integrity sweep
        # tells this gateway's batches on-chain by their anchorer
        operator = create_keystore(key, "operator-password", iterations=2)
        deployment.membership.add_member(admin, operator.address, "operator", Role.ADMIN | Role.ANCHORER)
    values: dict[str, object] = {
        "env": "test", "data_dir": data_dir, "database_url": database_url, "rpc_url": deployment.chain.rpc_url,
        "address_book": book, "operator_key": key, "operator_key_password": "operator-password",
        "batch_max_age": 0.05, "authorities": "testserver", **extra,
    }  # fmt: skip
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Gateway:
    http: TestClient
    container: Container
    org: Consortium

    def client(self, account: LocalAccount) -> GatewayClient:
        """A client that signs by the gateway's clock, wherever a test moved it (wall time by default)."""
        return GatewayClient("http://testserver", account, http=self.http, clock=lambda: self.container.clock())

    def follow_chain(self) -> None:
        """Set the gateway's clock to the chain's when earlier tests moved the chain ahead (it never goes back
        within a module), so signed requests and relay deadlines agree with the chain."""
        offset = max(0.0, self.container.now() - time.time())
        self.container.clock = lambda: time.time() + offset

    def move_clocks(self, to: int) -> None:
        """Move the chain's clock and the gateway's to ``to`` (Unix seconds) for the rest of the module."""
        provider = self.container.chain.w3.provider
        provider.make_request("evm_setNextBlockTimestamp", [to])  # type: ignore[arg-type]
        provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        offset = to - time.time()
        self.container.clock = lambda: time.time() + offset


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    deployment: Deployment,
    admin: LocalAccount,
    org: Consortium,
) -> Iterator[Gateway]:
    settings = gateway_settings(tmp_path_factory.mktemp("gw"), database_url, deployment, admin)
    with TestClient(create_app(settings)) as http:
        yield Gateway(http, http.app.state.container, org)  # type: ignore[attr-defined]


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """A real uvicorn gateway in a thread on ``settings``' port; its URL, then stopped and joined."""
    port = int(str(settings.authorities).split(":")[-1])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "the gateway did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)

"""Shared fixtures: one real anvil per session, a snapshot per test, fresh accounts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.chain.client import ChainClient
from ledger.errors import TransactionFailedError
from ledger.ops.deploy import deploy
from ledger.ops.localchain import LocalChain, free_port
from ledger.types import OrgKind, Role


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real anvil process on a free port, stopped by pid at the end of the session."""
    chain = LocalChain(tmp_path_factory.mktemp("anvil"))
    status = chain.start(port=free_port())
    assert status.rpc_url
    try:
        yield status.rpc_url
    finally:
        chain.stop()


@pytest.fixture(scope="session")
def chain(anvil: str) -> ChainClient:
    return ChainClient(anvil)


@pytest.fixture(scope="session")
def admin() -> LocalAccount:
    """The consortium admin (deployer)."""
    return Account.create()


@pytest.fixture(scope="session")
def deployment(chain: ChainClient, admin: LocalAccount) -> Deployment:
    return deploy(chain, admin, operator_org="operator")


@contextlib.contextmanager
def chain_snapshot(chain: ChainClient) -> Iterator[None]:
    """Undo every chain change made inside the block (anvil ``evm_snapshot``/``evm_revert``)."""
    snap = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    try:
        yield
    finally:
        chain.w3.provider.make_request("evm_revert", [snap])  # type: ignore[arg-type]
        chain.reset_nonces()


@pytest.fixture
def snapshot(chain: ChainClient) -> Iterator[None]:
    """Revert the chain to its state before the test."""
    with chain_snapshot(chain):
        yield


def new_account() -> LocalAccount:
    account: LocalAccount = Account.create()
    return account


@contextlib.contextmanager
def reverts(name: str, *args: object) -> Iterator[None]:
    """Assert that the block raises the contract's custom error ``name`` with ``args``."""
    with pytest.raises(TransactionFailedError) as info:
        yield
    assert info.value.error_name == name, info.value.message
    if args:
        assert info.value.error_args == args, info.value.message


def b32(slug: str) -> bytes:
    return slug.encode().ljust(32, b"\0")


class Consortium:
    """A small consortium on top of a deployment: one subdistrict with two committees, a department."""

    def __init__(self, deployment: Deployment, admin: LocalAccount) -> None:
        m = deployment.membership
        self.deployment = deployment
        self.admin = admin
        self.sd_admin, self.c1_admin, self.c1_recorder = new_account(), new_account(), new_account()
        self.c2_admin, self.dept_admin, self.dept_verifier = new_account(), new_account(), new_account()
        self.other_sd_admin = new_account()
        m.register_org(admin, "sd-east", OrgKind.SUBDISTRICT, "East Subdistrict Office")
        m.register_org(admin, "sd-west", OrgKind.SUBDISTRICT, "West Subdistrict Office")
        m.register_org(admin, "civil-affairs", OrgKind.DEPARTMENT, "Civil Affairs Bureau")
        m.add_member(admin, self.sd_admin.address, "sd-east", Role.ADMIN | Role.AUDITOR)
        m.add_member(admin, self.other_sd_admin.address, "sd-west", Role.ADMIN)
        m.add_member(admin, self.dept_admin.address, "civil-affairs", Role.ADMIN)
        m.add_member(admin, self.dept_verifier.address, "civil-affairs", Role.VERIFIER)
        m.register_org(self.sd_admin, "rc-sunshine", OrgKind.COMMITTEE, "Sunshine Residents' Committee", "sd-east")
        m.register_org(self.sd_admin, "rc-harmony", OrgKind.COMMITTEE, "Harmony Residents' Committee", "sd-east")
        m.add_member(self.sd_admin, self.c1_admin.address, "rc-sunshine", Role.ADMIN)
        m.add_member(self.c1_admin, self.c1_recorder.address, "rc-sunshine", Role.RECORDER)
        m.add_member(self.sd_admin, self.c2_admin.address, "rc-harmony", Role.ADMIN | Role.RECORDER)


@pytest.fixture
def consortium(deployment: Deployment, admin: LocalAccount, snapshot: None) -> Consortium:
    return Consortium(deployment, admin)


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"

"""Fault-case fixtures: a private chain per test, gateway processes and PostgreSQL clusters stopped by pid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.processes import GatewayProcess, Shared
from tests.faults.stack import Stack
from tests.pgcluster import PostgresCluster


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path)
    try:
        yield s
    finally:
        s.close()


class Launcher:
    """Starts ``gridledger up`` processes that share one address book, operator key and master key."""

    def __init__(self, directory: Path, stack: Stack) -> None:
        self.directory = directory
        self.stack = stack
        self.shared = Shared(directory / "shared", stack)
        self.started: list[GatewayProcess] = []

    def __call__(
        self, name: str, database_url: str | None, *, share_master_key: bool = False, **settings: object
    ) -> GatewayProcess:
        gateway = GatewayProcess(
            self.directory / name, self.stack, self.shared, database_url, share_master_key=share_master_key, **settings
        )
        self.started.append(gateway)
        gateway.start()
        return gateway

    def stop_all(self) -> None:
        for gateway in self.started:
            gateway.stop()


@pytest.fixture
def launch(tmp_path: Path, stack: Stack) -> Iterator[Launcher]:
    launcher = Launcher(tmp_path, stack)
    try:
        yield launcher
    finally:
        launcher.stop_all()


@pytest.fixture
def pg_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of the test's own (request it before ``launch``, so gateways stop first)."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()

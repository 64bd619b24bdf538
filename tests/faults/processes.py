"""Real processes a fault case starts, kills and restarts, each by its own pid.

- :class:`GatewayProcess`: ``gridledger up`` in a subprocess with its own data directory.
(The throwaway PostgreSQL cluster the restart case uses is :mod:`tests.pgcluster`.)
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ledger.chain.address_book import write_address_book
from ledger.keys import create_keystore
from ledger.ops.localchain import free_port
from tests.faults.stack import ScenarioError, Stack
from tests.owned import OwnedProcess, tail

OPERATOR_PASSWORD = "operator-password"


class Shared:
    """What gateway replicas share: the address book, the operator keystore and the master key."""

    def __init__(self, directory: Path, stack: Stack) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.address_book = directory / "addressbook.json"
        write_address_book(self.address_book, stack.deployment.book)
        self.operator_key = directory / "operator.json"
        create_keystore(self.operator_key, OPERATOR_PASSWORD, private_key=bytes(stack.admin.key), iterations=2)
        self.master_key = base64.b64encode(secrets.token_bytes(32)).decode()


class GatewayProcess(OwnedProcess):
    """``gridledger up`` against a given chain and database, as a subprocess with its own data directory.

    With ``share_master_key`` false the gateway makes ``DATA_DIR/master.key`` itself on first
    start (the default path), and a restart must find it again.
    """

    def __init__(
        self,
        data_dir: Path,
        stack: Stack,
        shared: Shared,
        database_url: str | None,
        *,
        share_master_key: bool = False,
        **settings: object,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.port = free_port()
        self.log_file = data_dir / "gateway.log"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLEDGER_")}
        values: dict[str, object] = {
            "ENV": "test", "DATA_DIR": data_dir, "RPC_URL": stack.url, "PORT": self.port,
            "ADDRESS_BOOK": shared.address_book, "OPERATOR_KEY": shared.operator_key,
            "OPERATOR_KEY_PASSWORD": OPERATOR_PASSWORD, "BATCH_MAX_SIZE": 64, "BATCH_MAX_AGE": 0.2,
            "BATCH_LEASE": 3,
            **({"DATABASE_URL": database_url} if database_url else {}),
            **({"MASTER_KEY": shared.master_key} if share_master_key else {}),
            **{k.upper(): v for k, v in settings.items()},
        }  # fmt: skip
        self.env = {**inherited, **{f"GRIDLEDGER_{k}": str(v) for k, v in values.items()}}
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 120) -> None:
        """Start and wait until ``/readyz`` answers 200 (a busy machine may take a while to import)."""
        log = self.open_log()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from ledger.cli.app import main; main()", "up"],
            env=self.env, cwd=self.data_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reaped()
                raise ScenarioError(f"gateway exited at start:\n{tail(self.log_file)}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        raise ScenarioError(f"gateway not ready within {timeout:.0f}s:\n{tail(self.log_file)}")

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM and wait (SIGKILL after ``timeout``: a worker stuck on the chain would hold shutdown for 30 s)."""
        self.signal_and_wait(signal.SIGTERM, timeout)

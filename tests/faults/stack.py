"""A private chain for one fault case: anvil with 1-second blocks, a deployment, and the members a case needs.

Each case gets its own chain (never the session's shared anvil), because cases stop it, kill it
and roll its state file back.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.chain.client import ChainClient
from ledger.ops.deploy import deploy
from ledger.ops.localchain import LocalChain, free_port
from ledger.types import OrgKind, Role

COMMITTEE = "rc-sunshine"
SUBDISTRICT = "sd-east"


class ScenarioError(RuntimeError):
    """The fault could not be staged as the case describes (not a finding about the gateway).

    Cases expected to fail (``xfail(raises=AssertionError)``) must not hide a broken scenario,
    so staging problems raise this instead of ``AssertionError``.
    """


def wait_until(condition: Callable[[], object], what: str, timeout: float, poll: float = 0.1) -> None:
    """Poll ``condition()`` until it is true; raise :class:`ScenarioError` naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise ScenarioError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(poll)


# Chain outages in the loss cases last at least this long: past the chain client's retry window
# (about 1.4 s), so an anchoring transaction in flight fails and is sent again, and past its
# 5-second nonce cache, so the new transaction takes its nonce from the restarted node. A
# quicker restart stalls anchoring for the 60-second receipt timeout (a latency bug, not a
# loss: see test_anchoring_resumes_soon_after_a_quick_chain_restart).
MIN_OUTAGE = 6.0


def hold_outage(since: float, at_least: float = MIN_OUTAGE) -> None:
    """Keep a fault in place until it has lasted ``at_least`` seconds (staging; nothing is asserted on time)."""
    time.sleep(max(0.0, at_least - (time.monotonic() - since)))


class Stack:
    """A private chain (1-second blocks) with a deployment, a committee recorder and its subdistrict's auditor."""

    def __init__(self, directory: Path) -> None:
        self.chain = LocalChain(directory / "chain-home")
        self.port = free_port()
        self.chain.start(port=self.port)  # automine while setting up, 1-second blocks after
        self.admin: LocalAccount = Account.create()
        self.recorder: LocalAccount = Account.create()
        self.auditor: LocalAccount = Account.create()
        self.deployment: Deployment = deploy(ChainClient(self.url), self.admin, operator_org="operator")
        m = self.deployment.membership
        m.register_org(self.admin, SUBDISTRICT, OrgKind.SUBDISTRICT, "East")
        m.add_member(self.admin, self.auditor.address, SUBDISTRICT, Role.AUDITOR)
        m.register_org(self.admin, COMMITTEE, OrgKind.COMMITTEE, "Sunshine", SUBDISTRICT)
        m.add_member(self.admin, self.recorder.address, COMMITTEE, Role.RECORDER)
        self.deployment.chain.w3.provider.make_request("evm_setIntervalMining", [1])  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.chain.state_file

    def restart_chain(self) -> None:
        """Start anvil again on the same port from its state file, with 1-second blocks.

        The gateway knows the chain by URL, so it must be the same port; right after a kill the
        port can stay taken for a while (sockets of the dead process still closing), so wait.
        """
        wait_until(lambda: free_port(self.port) == self.port, f"port {self.port} to be free again", 120, poll=0.2)
        status = self.chain.start(port=self.port, block_time=1)
        if status.port != self.port:
            raise ScenarioError(f"anvil came back on port {status.port}, not {self.port}")

    def stop_chain(self) -> None:
        """SIGTERM anvil (it dumps its state on the way out) and wait for it to exit."""
        if not self.chain.stop():
            raise ScenarioError("anvil was not running")

    def kill_chain(self) -> None:
        """SIGKILL anvil by its pid: whatever it had not dumped yet is gone."""
        pid = self.chain.status().pid
        if pid is None:
            raise ScenarioError("anvil was not running")
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not self.chain.status().running, "the killed anvil to exit", 15)  # status() reaps it

    def pool_pending(self) -> int:
        """How many transactions anvil holds that are sent but not mined (``txpool_status``)."""
        reply = self.deployment.chain.w3.provider.make_request("txpool_status", [])  # type: ignore[arg-type]
        return int(reply["result"]["pending"], 16)

    def saved_block(self) -> int | None:
        """The newest block in anvil's state file, or None while the file is missing or half written."""
        try:
            return int(json.loads(self.state_file.read_bytes())["best_block_number"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def close(self) -> None:
        self.chain.stop()

"""A client that keeps committing while a fault happens, and remembers what each request got back.

A record is *acknowledged* only when its request got a 2xx answer. A request that got an
error or no answer at all is *unanswered*: its records may or may not be stored, and the
accounting checks that each is stored at most once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx
from eth_account.signers.local import LocalAccount

from ledger.client.gateway import GatewayClient, GatewayClientError
from tests.faults.stack import ScenarioError

HOUSEHOLD = {"address": "9-9-909", "head": "Chen Jie"}


class Burst:
    """``threads`` loops committing households to ``targets`` in turn: one record, or four in every fourth request."""

    def __init__(
        self, recorder: LocalAccount, targets: list[str], *, threads: int = 2, pace: float = 0.05, timeout: float = 30
    ) -> None:
        self.recorder = recorder
        # seconds between one thread's requests: at most ~70 records/s, near what 64-record batches
        # in 1-second blocks anchor, so a backlog drains soon after the fault
        self.pace = pace
        self.timeout = timeout
        self.clients: dict[str, GatewayClient] = {}
        self._targets = list(targets)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(threads)]
        self.attempted: list[str] = []
        self.acknowledged: list[str] = []
        self.unanswered: list[str] = []
        self.errors: Counter[str] = Counter()
        self._sent = 0
        for url in targets:
            self._client(url)

    def _client(self, url: str) -> GatewayClient:
        with self._lock:
            client = self.clients.get(url)
            if client is None:
                client = self.clients[url] = GatewayClient(url, self.recorder, timeout=self.timeout)
        client.info(), client.me()  # cached now, so preparing a record needs no network later
        return client

    # -- control ---------------------------------------------------------------------------

    def start(self) -> Burst:
        for thread in self._threads:
            thread.start()
        return self

    def retarget(self, targets: list[str]) -> None:
        """Send the following requests to ``targets`` only (a client failing over to a survivor)."""
        for url in targets:
            self._client(url)
        with self._lock:
            self._targets = list(targets)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 30)
        if any(t.is_alive() for t in self._threads):
            raise ScenarioError("a burst thread did not finish its last request")

    def close(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            for thread in self._threads:
                if thread.ident is not None:
                    thread.join(self.timeout + 30)
        for client in self.clients.values():
            client.close()

    def counts(self) -> tuple[int, int]:
        """(acknowledged, unanswered) so far."""
        with self._lock:
            return len(self.acknowledged), len(self.unanswered)

    def wait_acknowledged(self, more: int, what: str, timeout: float = 90) -> None:
        """Wait until ``more`` further records are acknowledged."""
        target = self.counts()[0] + more
        self._wait(lambda: self.counts()[0] >= target, f"{more} more acknowledged records ({what})", timeout)

    def wait_unanswered(self, more: int, what: str, timeout: float = 90) -> None:
        """Wait until ``more`` further records went unanswered (the client has met the fault)."""
        target = self.counts()[1] + more
        self._wait(lambda: self.counts()[1] >= target, f"{more} more failed requests ({what})", timeout)

    def _wait(self, condition: Any, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise ScenarioError(f"timed out waiting for {what}; errors so far: {dict(self.errors)}")
            if not any(t.is_alive() for t in self._threads):
                raise ScenarioError(f"the burst stopped before {what}")
            time.sleep(0.05)

    # -- the client loop ---------------------------------------------------------------------

    def _loop(self, worker: int) -> None:
        n = 0
        while not self._stop.is_set():
            with self._lock:
                targets, self._sent = self._targets, self._sent + 1
                url = targets[self._sent % len(targets)]
            client = self.clients[url]
            n += 1
            size = 4 if n % 4 == 0 else 1
            bodies = [
                client.prepare("household", {**HOUSEHOLD, "members": 1 + (worker + n + i) % 9}) for i in range(size)
            ]
            ids = [b["id"] for b in bodies]
            with self._lock:
                self.attempted += ids
            try:
                if size == 1:
                    client.request("POST", "/v1/records", bodies[0])
                else:
                    client.request("POST", "/v1/records:batch", {"records": bodies})
            except GatewayClientError as exc:
                self._failed(ids, str(exc.status))
            except httpx.HTTPError as exc:
                self._failed(ids, type(exc).__name__)
            except Exception as exc:  # anything else is still "no acknowledgement", never a crashed thread
                self._failed(ids, f"client:{type(exc).__name__}")
            else:
                with self._lock:
                    self.acknowledged += ids
            self._stop.wait(self.pace)

    def _failed(self, ids: list[str], kind: str) -> None:
        with self._lock:
            self.unanswered += ids
            self.errors[kind] += 1

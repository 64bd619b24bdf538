"""Sharing benchmarks (issue 11), run by scripts/tools/bench.py against a gateway it started.

- **feed**: one client reads a department's whole change feed from the start, 500 events a
  page: events/s;
- **sync**: ``gridledger sync`` (``ledger.sync.sync_once``) of every granted record into an
  empty mirror, each read through ``POST /v1/records:read`` and verified against the chain
  with the department's own address book: records/s, verification included;
- **webhooks**: a department subscribes a receiver in this process; records are committed
  one request at a time and the receiver notes when each record's events arrive: commit →
  delivery of its ``record.committed`` and of its ``record.anchored`` event (p50/p99).
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import create_engine, select

from gateway.db.models import Record
from ledger.chain.address_book import Deployment
from ledger.chain.client import ChainClient
from ledger.client.gateway import GatewayClient
from ledger.client.subscriptions import subscribe
from ledger.sync import Mirror, sync_once
from ledger.types import OrgKind, Role

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = {"address": "Sunshine Road 3-2-501", "head": "Li Wei", "members": 3, "phone": "138 0000 0000"}
REQUEST = 500
THREADS = 4


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class Parties:
    """A committee admin who grants, and a department (civil-affairs) admin and verifier."""

    def __init__(self, stack: Any) -> None:
        self.committee: LocalAccount = Account.create()
        self.dept_admin: LocalAccount = Account.create()
        self.dept: LocalAccount = Account.create()
        m = stack.deployment.membership
        if m.get_org("civil-affairs") is None:
            m.register_org(stack.admin, "civil-affairs", OrgKind.DEPARTMENT, "Civil affairs")
        m.add_member(stack.admin, self.committee.address, "rc-sunshine", Role.ADMIN)
        m.add_member(stack.admin, self.dept_admin.address, "civil-affairs", Role.ADMIN)
        m.add_member(stack.admin, self.dept.address, "civil-affairs", Role.VERIFIER)


def commit_all(url: str, recorder: LocalAccount, n: int) -> list[str]:
    """Commit ``n`` households (pre-signed, 500 a request, 4 in flight) and wait until all are anchored."""
    client = GatewayClient(url, recorder)
    bodies = [client.prepare("household", {**PAYLOAD, "members": 1 + i % 9}) for i in range(n)]
    chunks = [bodies[i : i + REQUEST] for i in range(0, n, REQUEST)]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(client.commit_prepared, chunks))
    for chunk in chunks:
        client.wait_anchored(chunk[-1]["id"], timeout=600)
        client.wait_anchored(chunk[0]["id"], timeout=600)
    client.close()
    return [b["id"] for b in bodies]


def bench_feed_and_sync(stack: Any, url: str, n: int) -> dict[str, Any]:
    parties = Parties(stack)
    committee = GatewayClient(url, parties.committee)
    committee.grant("rc-sunshine", "civil-affairs", ["head", "members"], "census", int(time.time()) + 86_400,
                    record_type="household")  # fmt: skip
    t = time.perf_counter()
    commit_all(url, stack.recorder, n)
    committed_s = time.perf_counter() - t
    dept = GatewayClient(url, parties.dept, timeout=600)
    t, events, cursor = time.perf_counter(), 0, None
    while True:
        page = dept.feed(cursor, limit=500)
        if not page["events"]:
            break
        events += len(page["events"])
        cursor = page["cursor"]
    feed_s = time.perf_counter() - t
    deployment = Deployment.connect(ChainClient(stack.url), stack.deployment.book)
    # not /tmp: on this host creating a file there costs ~1 ms (0.07 ms on the project's disk)
    with tempfile.TemporaryDirectory(dir=ROOT, prefix=".bench-mirror-") as tmp:
        mirror = Mirror.open(Path(tmp) / "mirror", url, "civil-affairs")
        cpu, t = time.process_time(), time.perf_counter()
        result = sync_once(dept, deployment, mirror)
        sync_s, sync_cpu = time.perf_counter() - t, time.process_time() - cpu
    if result.failed or result.added < n:
        raise RuntimeError(f"sync: {result.summary()}; {result.failed[:3]}")
    dept.close()
    committee.close()
    return {
        "records": n, "commit_to_anchored_s": round(committed_s, 1),
        "feed_events": events, "feed_events_per_s": round(events / feed_s, 1),
        "sync_records": result.added, "sync_s": round(sync_s, 1), "sync_records_per_s": round(result.added / sync_s, 1),
        "sync_client_cpu_us_per_record": round(sync_cpu * 1e6 / result.added, 1),
    }  # fmt: skip


def sharing_lines(r: dict[str, Any]) -> list[str]:
    """The report's section."""
    lines = [
        "## Sharing: feed, sync and webhooks", "",
        f"A department (civil-affairs) holds a grant of two fields of every household of one committee; "
        f"{r['records']:,} households are committed and anchored, then:", "",
        "| | |", "|---|---:|",
        f"| feed: events read by one client, from the start, 500 a page | {r['feed_events']:,} events, "
        f"**{r['feed_events_per_s']:,.0f} events/s** |",
        f"| `gridledger sync` into an empty mirror, every record read and verified against the chain | "
        f"{r['sync_records']:,} records in {r['sync_s']} s, **{r['sync_records_per_s']:,.0f} records/s** |",
        f"| sync client CPU per record (reading, verifying, writing the file) | "
        f"{r['sync_client_cpu_us_per_record']} µs |",
    ]  # fmt: skip
    hooks = r.get("webhooks")
    if hooks:
        lines += [
            f"| webhooks: commit → delivery of `record.committed`, p50 / p99 ({hooks['records']} records, "
            f"one request each) | {hooks['committed_p50_ms']} / {hooks['committed_p99_ms']} ms |",
            f"| webhooks: commit → delivery of `record.anchored` (includes waiting for the batch), p50 / p99 | "
            f"{hooks['anchored_p50_ms']} / {hooks['anchored_p99_ms']} ms |",
            f"| webhooks: anchoring noted → delivered, p50 / p99 | {hooks['after_anchor_p50_ms']} / "
            f"{hooks['after_anchor_p99_ms']} ms |",
        ]
    return [*lines, ""]


def sharing_targets(r: dict[str, Any] | None) -> list[tuple[str, str, bool]]:
    """Issue 11's targets, when the run measured them."""
    if not r:
        return []
    found = [(f"sync ≥ 2,000 verified records/s ({r['records']:,} granted records, empty mirror)",
              f"{r['sync_records_per_s']:,.0f} records/s", r["sync_records_per_s"] >= 2000)]  # fmt: skip
    hooks = r.get("webhooks")
    if hooks:
        found.append(("webhook p50 under 1 s after anchoring", f"{hooks['after_anchor_p50_ms']} ms",
                      hooks["after_anchor_p50_ms"] < 1000))  # fmt: skip
    return found


class Receiver:
    """A webhook receiver in this process: notes when each event id first arrives, answers 204."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.events: dict[str, dict[str, Any]] = {}
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.perf_counter()
                event = json.loads(body)
                with lock:
                    outer.first.setdefault(event["id"], now)
                    outer.events.setdefault(event["id"], event)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def bench_webhooks(stack: Any, url: str, db_url: str, n: int) -> dict[str, Any]:
    """A committee admin subscribes; ``n`` records are committed one request at a time, a few per
    second; the receiver notes each record's events, a watcher (10 ms) when the database marks it anchored."""
    parties = Parties(stack)
    receiver = Receiver()
    admin = GatewayClient(url, parties.committee)
    subscribe(admin, receiver.url)
    recorder = GatewayClient(url, stack.recorder)
    engine = create_engine(db_url)
    committed: dict[str, float] = {}
    anchored: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            with engine.connect() as conn:
                ids = [i for i in list(committed) if i not in anchored]  # a copy: the sender adds as we read
                if ids:
                    rows = conn.execute(select(Record.id).where(Record.id.in_(ids), Record.status == "anchored"))
                    now = time.perf_counter()
                    for (record_id,) in rows:
                        anchored.setdefault(record_id, now)
            time.sleep(0.01)

    def arrived(record_id: str) -> float | None:
        seen = list(receiver.first.items())  # a copy: the receiver's thread adds as we read
        return next((t for k, t in seen if k.startswith(f"record.anchored:{record_id}:")), None)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for i in range(n):
            body = recorder.prepare("household", {**PAYLOAD, "members": 1 + i % 9})
            recorder.commit_prepared([body])
            committed[body["id"]] = time.perf_counter()
            time.sleep(0.05)
        deadline = time.monotonic() + 300
        while any(arrived(r) is None for r in list(committed)) or len(anchored) < n:
            if time.monotonic() > deadline:
                raise RuntimeError("webhook deliveries did not all arrive")
            time.sleep(0.05)
    finally:
        done.set()
        watcher.join()
        receiver.close()
        engine.dispose()
    to_committed = [(receiver.first[f"record.committed:{r}"] - t) * 1000 for r, t in committed.items()]
    to_anchored = [((arrived(r) or 0) - t) * 1000 for r, t in committed.items()]
    after = [((arrived(r) or 0) - anchored[r]) * 1000 for r in committed]
    admin.close()
    recorder.close()
    return {"webhooks": {
        "records": n,
        "committed_p50_ms": round(pct(to_committed, 50), 1), "committed_p99_ms": round(pct(to_committed, 99), 1),
        "anchored_p50_ms": round(pct(to_anchored, 50), 1), "anchored_p99_ms": round(pct(to_anchored, 99), 1),
        "after_anchor_p50_ms": round(pct(after, 50), 1), "after_anchor_p99_ms": round(pct(after, 99), 1),
    }}  # fmt: skip

"""Measure the audit paths at scale: the access-log integrity sweep, and ``audit verify``.

    .venv/bin/python scripts/tools/measure_audit.py sweep --entries 1000000 --heads 120
    .venv/bin/python scripts/tools/measure_audit.py verify --heads 111

``sweep`` fills a PostgreSQL access log (COPY, as ``scripts/bench`` does), signs its head,
anchors ``--heads`` heads, and times two sweeps (wall and this process's CPU; the second
shows what the in-process cache saves). ``verify`` grows a live gateway's log by five reads
per head, anchors ``--heads`` heads, and times ``audit verify`` cold and then with its cache.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bench
from eth_account import Account
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.assembly import build_container
from gateway.services.integrity import sweep_log
from gateway.settings import Settings
from ledger import merkle
from ledger.client.access_log import verify_access_log
from ledger.client.gateway import GatewayClient
from ledger.types import Role


def measure_sweep(stack: bench.Stack, home: Path, entries: int, heads: int) -> None:
    with bench.database("postgresql", home) as url:
        settings = Settings(env="test", data_dir=home / "audit", database_url=url, rpc_url=stack.url,
                            address_book=stack.book, anchoring=False, operator_key=stack.key,
                            operator_key_password=bench.BENCH_PASSWORD)  # type: ignore[arg-type]  # fmt: skip
        container = build_container(settings)
        bench.fill_log(url, 0, entries, [f"00000000-0000-4000-8000-{i:012d}" for i in range(20_000)])
        bench.sign_filled_log(container)
        log, frontier, step = container.access_log, merkle.Frontier(), max(1, entries // heads)
        for i, leaf_hash in enumerate(log.leaf_hashes(entries), 1):
            frontier.push(leaf_hash)
            if i % step == 0 and i // step <= heads:
                stack.deployment.registry.anchor_log_head(stack.admin, log.log_id, i, frontier.root())
        for label in ("first sweep", "second sweep"):
            cpu, wall = time.process_time(), time.perf_counter()
            out = sweep_log(container)
            print(f"{label}: {out['size']} entries, {out['anchored_heads']} anchored heads, "
                  f"{len(out['mismatches'])} mismatches, {time.perf_counter() - wall:.2f} s wall, "
                  f"{time.process_time() - cpu:.2f} s CPU in the gateway process", flush=True)  # fmt: skip
        container.close()


def measure_verify(stack: bench.Stack, home: Path, heads: int) -> None:
    auditor = Account.create()
    stack.deployment.membership.add_member(stack.admin, auditor.address, "sd-east", Role.ADMIN | Role.AUDITOR)
    settings = Settings(env="test", data_dir=home / "gw", database_url=f"sqlite:///{home}/gw.db", rpc_url=stack.url,
                        address_book=stack.book, operator_key=stack.key, operator_key_password=bench.BENCH_PASSWORD,
                        authorities="testserver", batch_max_age=0.05, log_anchor_interval=3600)  # type: ignore[arg-type]  # fmt: skip
    with TestClient(create_app(settings)) as http:
        container = http.app.state.container  # type: ignore[attr-defined]
        recorder = GatewayClient("http://testserver", stack.recorder, http=http)
        record = recorder.commit("household", {"address": "1-1-101", "head": "Measure", "members": 1})["id"]
        registry, log = container.deployment().registry, container.access_log
        for _ in range(heads):
            for _ in range(5):
                recorder.get(record)
            state = log.state()
            registry.anchor_log_head(stack.admin, log.log_id, state.size, bytes(state.head_root))
        office = GatewayClient("http://testserver", auditor, http=http)
        for label in ("cold", "cached"):
            wall = time.perf_counter()
            verdict = verify_access_log(office, container.deployment(), home / "audit-cache")
            print(f"audit verify ({label}): valid={verdict.valid}, {verdict.anchored_heads} anchored heads, "
                  f"{verdict.heads_checked} pairs and {verdict.entries_checked} entries newly proven, "
                  f"{time.perf_counter() - wall:.2f} s", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["sweep", "verify"])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--heads", type=int, default=120)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gridledger-measure-"))
    stack = bench.Stack(home)
    try:
        if args.what == "sweep":
            measure_sweep(stack, home, args.entries, args.heads)
        else:
            measure_verify(stack, home, args.heads)
    finally:
        stack.chain.stop()


if __name__ == "__main__":
    main()

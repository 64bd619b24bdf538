"""Bench: a resident's access history with its completeness proof, at a large log (issue 12).

Fills the access log behind the gateway's back (COPY) with ``entries`` reads spread over
``subjects`` subject keys, each with its subject chain row; signs and anchors the head and
the subject map at that size; then times ``my_access`` at the service for residents chosen
at random, and the resident's client-side check of each answer (inclusion of every entry,
consistency, and the map proof over the listed entries). Run by ``./scripts/bench``
(wired in bench.py); figures are medians and percentiles of one run.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from gateway.assembly import build_container
from gateway.services.me import my_access
from gateway.services.residents import Resident
from gateway.settings import Settings
from ledger import merkle
from ledger.commitments import canonical
from ledger.subject_map import ZERO_ACC, chain_step, check_complete, map_log_id


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _fill(url: str, entries: int, keys: list[str]) -> None:
    """``entries`` reads, entry i about subject i mod len(keys), with their subject-chain rows."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    heads: dict[str, tuple[int, bytes]] = {}
    raw = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw) as conn, conn.cursor() as cur:
        cols = ("idx, at, accessor, accessor_org, action, outcome, reason, record_id, owner_org, subject_keys, "
                "grant_id, purpose, fields, leaf")  # fmt: skip
        chains = []
        with cur.copy(f"COPY access_log ({cols}) FROM STDIN") as copy:
            for i in range(entries):
                key = keys[i % len(keys)]
                doc = {"idx": i, "at": (base + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "accessor": "0x" + "ab" * 20, "accessor_org": "civil-affairs", "action": "read",
                       "outcome": "allowed", "reason": "grant", "record_id": f"00000000-0000-4000-8000-{i:012d}",
                       "owner_org": "rc-sunshine", "subject_keys": [key], "grant_id": i % 50,
                       "purpose": "general", "fields": ["head", "members"]}  # fmt: skip
                leaf = canonical(doc)
                n, acc = heads.get(key, (0, ZERO_ACC))
                heads[key] = (n + 1, chain_step(acc, i, merkle.leaf_hash(leaf)))
                chains.append((key, i, n + 1, heads[key][1]))
                copy.write_row((i, base + timedelta(seconds=i), doc["accessor"], doc["accessor_org"], "read",
                                "allowed", "grant", doc["record_id"], "rc-sunshine", json.dumps([key]), i % 50,
                                "general", json.dumps(doc["fields"]), leaf))  # fmt: skip
        with cur.copy("COPY subject_log (subject_key, idx, n, acc) FROM STDIN") as copy:
            for row in chains:
                copy.write_row(row)
        cur.execute("UPDATE log_state SET size = %s", (entries,))
        cur.execute("ANALYZE access_log")
        cur.execute("ANALYZE subject_log")
        conn.commit()


def _client_check(answer: dict[str, Any], map_root: bytes, anchored_root: bytes) -> None:
    """What ``verify_my_access`` does with an answer once the chain reads are made."""
    head = answer["head"]
    size, root = int(head["size"]), bytes.fromhex(head["root"][2:])
    for item in answer["entries"]:
        proof = [bytes.fromhex(p[2:]) for p in item["proof"]]
        merkle.verify_inclusion(item["idx"], size, merkle.leaf_hash(item["leaf"].encode()), proof, root)
    n = answer["map"]["size"]
    if n < size:
        consistency = [bytes.fromhex(p[2:]) for p in answer["map"]["consistency"]]
        merkle.verify_consistency(n, size, anchored_root, root, consistency)
    below = [(e["idx"], e["leaf"].encode()) for e in answer["entries"] if e["idx"] < n]
    check_complete(bytes.fromhex(answer["subject_key"]), below, answer["map"]["proof"], map_root)


def bench_residents(
    stack: Any, home: Path, database: Callable[[str, Path], AbstractContextManager[str]], password: str,
    entries: int, subjects: int, samples: int = 200,
) -> dict[str, Any]:  # fmt: skip
    rng = random.Random(12)
    keys = [f"{rng.getrandbits(256):064x}" for _ in range(subjects)]
    with database("postgresql", home) as url:
        settings = Settings(env="test", data_dir=home / "residents", database_url=url, rpc_url=stack.url,
                            address_book=stack.book, anchoring=False, operator_key=stack.key,
                            operator_key_password=password)  # fmt: skip
        container = build_container(settings)
        try:
            t = time.perf_counter()
            _fill(url, entries, keys)
            fill_s = time.perf_counter() - t
            from bench import sign_filled_log  # beside this file; imported late (bench imports this module)

            root = sign_filled_log(container)
            log = container.access_log
            t = time.perf_counter()
            subject_map = container.subject_maps.at(entries)
            map_s = time.perf_counter() - t
            registry = stack.deployment.registry
            registry.anchor_log_head(stack.admin, log.log_id, entries, root)
            registry.anchor_log_head(stack.admin, map_log_id(log.log_id), entries, subject_map.root)
            my_access(container, Resident("0x" + "cd" * 20, keys[0], "rc-sunshine", "warm-up"), entries)  # the tree
            service, client, sizes = [], [], []
            for k in range(samples):
                resident = Resident("0x" + "cd" * 20, keys[rng.randrange(subjects)], "rc-sunshine", str(k))
                t = time.perf_counter()
                answer = my_access(container, resident, entries)
                service.append(time.perf_counter() - t)
                body = json.dumps(answer).encode()
                sizes.append((len(body), len(json.dumps(answer["map"]["proof"]))))
                t = time.perf_counter()
                _client_check(json.loads(body), subject_map.root, root)
                client.append(time.perf_counter() - t)
        finally:
            container.close()
    per = entries // subjects
    return {
        "entries": entries, "subjects": subjects, "entries_per_subject": per, "fill_s": round(fill_s, 1),
        "map_build_s": round(map_s, 2),
        "service_p50_ms": round(_pct(service, 50) * 1000, 2), "service_p95_ms": round(_pct(service, 95) * 1000, 2),
        "answer_bytes_median": int(_pct([float(s[0]) for s in sizes], 50)),
        "map_proof_bytes_median": int(_pct([float(s[1]) for s in sizes], 50)),
        "client_check_p50_ms": round(_pct(client, 50) * 1000, 2),
        "client_check_p95_ms": round(_pct(client, 95) * 1000, 2),
    }  # fmt: skip


def residents_lines(r: dict[str, Any]) -> list[str]:
    """The report's section."""
    return [
        "## Residents: access history with its completeness proof", "",
        f"An access log of {r['entries']:,} entries about {r['subjects']:,} residents ({r['entries_per_subject']} "
        f"each), its head and subject map anchored at that size; `my_access` for random residents:", "",
        "| | |", "|---|---:|",
        f"| service time (`GET /v1/me/access` without HTTP), p50 / p95 | {r['service_p50_ms']} / "
        f"**{r['service_p95_ms']} ms** |",
        f"| answer size (entries, inclusion proofs, map proof), median | {r['answer_bytes_median']:,} bytes |",
        f"| of which the subject-map proof | {r['map_proof_bytes_median']:,} bytes |",
        f"| resident's check (inclusion of each entry, consistency, map proof), p50 / p95 | "
        f"{r['client_check_p50_ms']} / {r['client_check_p95_ms']} ms |",
        f"| subject map built from `subject_log` (once per anchored size) | {r['map_build_s']} s |",
    ]  # fmt: skip


def residents_targets(r: dict[str, Any] | None) -> list[tuple[str, str, bool]]:
    """Issue 12's target, when the run measured it."""
    if not r:
        return []
    return [(f"resident's access list with proof p95 < 50 ms at {r['entries']:,} entries / {r['subjects']:,} "
             "subjects", f"{r['service_p95_ms']} ms", r["service_p95_ms"] < 50)]  # fmt: skip

"""One pass of ``gridledger sync``: make the mirror equal to what the organisation may read now, verified.

The gateway's listing (``GET /v1/records``) says which records the organisation may read —
whole, or some fields under a live grant — and with which facts (version, status, granted
fields, grant). One pass:

1. drops every mirrored record the listing no longer offers or shows erased (a revoked or
   expired grant, an erasure): the department keeps only what it may keep;
2. for every anchored record whose facts differ from the mirror's copy (new, or its granted
   fields changed), reads it (a logged read, as any), fetches its receipt, and verifies both
   with :func:`ledger.verify.verify_texts` against the department's *own* address book and
   node — a record that does not verify is reported and not written;
3. rewrites the index.

A record id names one immutable version, so equal facts mean an equal copy: a pass with
nothing new reads nothing (and logs nothing). Pending records wait for their anchor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ledger.chain.address_book import Deployment
from ledger.chain.view import DeploymentChain
from ledger.client.errors import GatewayClientError
from ledger.client.gateway import GatewayClient
from ledger.export.layout import NoProgress, Progress
from ledger.sync.mirror import Mirror, facts
from ledger.verify import verify_texts

GONE = (403, 404, 410)  # revoked, expired or erased between the listing and the read


@dataclass
class SyncResult:
    """What one pass did."""

    listed: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    waiting: int = 0
    failed: list[str] = field(default_factory=list)
    held: int = 0

    def plus(self, other: SyncResult) -> SyncResult:
        """Two passes (over two gateways) as one."""
        return SyncResult(self.listed + other.listed, self.added + other.added, self.updated + other.updated,
                          self.removed + other.removed, self.waiting + other.waiting, self.failed + other.failed,
                          self.held + other.held)  # fmt: skip

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        parts = [f"{self.added} new", f"{self.updated} updated", f"{self.removed} removed"]
        if self.waiting:
            parts.append(f"{self.waiting} waiting to be anchored")
        if self.failed:
            parts.append(f"{len(self.failed)} failed verification and were not written")
        return f"synced: {', '.join(parts)}; the mirror holds {self.held} verified records"


def sync_once(
    client: GatewayClient, deployment: Deployment, mirror: Mirror, progress: Progress | None = None
) -> SyncResult:
    """Bring ``mirror`` up to date with what ``client``'s organisation may read now."""
    bar = progress or NoProgress()
    bar.stage("listing", None)
    items: dict[str, dict[str, Any]] = {str(item["id"]): dict(item) for item in client.iter_records()}
    result = SyncResult(listed=len(items), waiting=sum(i["status"] == "pending" for i in items.values()))
    for record_id in sorted(mirror.held):
        item = items.get(record_id)
        if item is None or item["status"] == "erased":
            mirror.drop(record_id)
            result.removed += 1
    todo = [i for rid, i in items.items() if i["status"] == "anchored" and mirror.held.get(rid) != facts(i)]
    bar.stage("verifying", len(todo))
    chain = DeploymentChain(deployment)
    for item in sorted(todo, key=lambda i: str(i["id"])):
        record_id = str(item["id"])
        try:
            record = client.get(record_id)
            receipt = client.receipt(record_id)
        except GatewayClientError as exc:
            if exc.status not in GONE:
                raise
            if record_id in mirror.held:  # it went between the listing and the read
                mirror.drop(record_id)
                result.removed += 1
            bar.advance()
            continue
        disclosure = record["disclosure"]
        verdict = verify_texts(json.dumps(receipt), json.dumps(disclosure, ensure_ascii=False), deployment.book,
                               lambda: chain)  # fmt: skip
        if not verdict.valid or verdict.record_id != record_id:
            result.failed.append(f"record {record_id}: {verdict.problems[0] if verdict.problems else 'another record'}")
        else:
            if record_id in mirror.held:
                result.updated += 1
            else:
                result.added += 1
            mirror.put(item, disclosure, receipt)
        bar.advance()
    mirror.write_index()
    result.held = len(mirror.held)
    return result

"""One pass of ``gridledger sync``: follow the feed and keep the mirror equal to what the organisation may read.

The gateway's change feed (``GET /v1/feed``, docs/feed.md) tells, in order, what changed
among the records the organisation may read and the grants it holds. One pass reads it
from the mirror's cursor to its end, a page at a time, and for each page:

1. re-reads every mirrored record the page says was erased, and drops it when the gateway
   answers so (410): the event alone, a database row, never deletes a department's copy;
2. reads (``POST /v1/records:read``, each read logged as any; the next 200 while this 200
   are verified) every record the page says was anchored and the mirror does not hold as
   the event describes it, and verifies it with its receipt against the department's *own*
   address book and node (:func:`ledger.verify.verify_documents`): a record that does not
   verify is reported and not written;
3. when a grant was given, revoked or expired, reconciles the mirror with the listing
   (``GET /v1/records``): what is no longer offered is dropped, what became readable (a
   record older than the grant) or readable otherwise (more fields) is read and verified;
4. every 20 pages and at the end, writes the index with the cursor — after the files are on
   disk, so a killed pass resumes at most 20 pages back and finds those records held.

A record id names one immutable version, so equal facts mean an equal copy: a pass with
nothing new reads one empty feed page, reads no record and logs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ledger.chain.address_book import Deployment
from ledger.chain.view import DeploymentChain
from ledger.client.gateway import GatewayClient
from ledger.export.layout import NoProgress, Progress
from ledger.sync.mirror import Mirror, facts
from ledger.verify import verify_documents

GONE = (403, 404, 410)  # revoked, expired or erased between the event and the read
FEED_PAGE = 500
READ_PAGE = 200
GRANT_KINDS = ("grant.given", "grant.revoked", "grant.expired")
INDEX_EVERY = 20  # feed pages between rewrites of the index


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
    events: int = 0

    def plus(self, other: SyncResult) -> SyncResult:
        """Two passes (over two gateways) as one."""
        return SyncResult(self.listed + other.listed, self.added + other.added, self.updated + other.updated,
                          self.removed + other.removed, self.waiting + other.waiting, self.failed + other.failed,
                          self.held + other.held, self.events + other.events)  # fmt: skip

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


def event_facts(event: dict[str, Any]) -> dict[str, Any]:
    """The listing facts of an anchored record as its feed event states them (see :func:`mirror.facts`)."""
    record, access = event["record"], event["access"]
    grant = access.get("kind") == "grant"
    return facts({**record, "status": "anchored", "access": "grant" if grant else "whole",
                  "fields": sorted(access["fields"]) if grant else None, "grant": access.get("grant"),
                  "block": event.get("block")})  # fmt: skip


class _Pass:
    """The state of one pass: the mirror, the verifier's chain view (shared, so one batch is read once)."""

    def __init__(self, client: GatewayClient, deployment: Deployment, mirror: Mirror, bar: Progress) -> None:
        self.client, self.deployment, self.mirror, self.bar = client, deployment, mirror, bar
        self.chain = DeploymentChain(deployment)
        self.result = SyncResult()

    def drop(self, record_id: str) -> None:
        if record_id in self.mirror.held:
            self.mirror.drop(record_id)
            self.result.removed += 1

    def fetch(self, wanted: Iterable[tuple[str, dict[str, Any]]], recheck: frozenset[str] = frozenset()) -> None:
        """Read (with receipts), verify and keep each (id, facts) the mirror does not hold as they say, and
        those in ``recheck`` whatever they say (a read that answers 403, 404 or 410 drops it)."""
        todo = [w for w in wanted if w[0] in recheck or self.mirror.held.get(w[0]) != w[1]]
        chunks = [todo[i : i + READ_PAGE] for i in range(0, len(todo), READ_PAGE)]
        if not chunks:
            return
        # the next chunk is read while this one is verified and written: the gateway and we overlap
        with ThreadPoolExecutor(1) as reader:
            ahead = reader.submit(self.client.read_many, [rid for rid, _ in chunks[0]])
            for n, chunk in enumerate(chunks):
                answers = {a["id"]: a for a in ahead.result()}
                if n + 1 < len(chunks):
                    ahead = reader.submit(self.client.read_many, [rid for rid, _ in chunks[n + 1]])
                for record_id, item_facts in chunk:
                    self._keep(record_id, item_facts, answers[record_id])
                    self.bar.advance()

    def _keep(self, record_id: str, item_facts: dict[str, Any], answer: dict[str, Any]) -> None:
        problem = answer.get("problem")
        if problem is not None:
            if problem.get("status") not in GONE:
                self.result.failed.append(f"record {record_id}: {problem.get('title', 'unreadable')}")
            self.drop(record_id)  # it went between the event and the read
            return
        disclosure = answer["record"]["disclosure"]
        receipt = answer.get("receipt")
        if receipt is None:  # not anchored (any longer): its anchoring will be another event
            return
        verdict = verify_documents(receipt, disclosure, self.deployment.book, self.chain)
        if not verdict.valid or verdict.record_id != record_id:
            reason = verdict.problems[0] if verdict.problems else "another record"
            self.result.failed.append(f"record {record_id}: {reason}")
            return
        if record_id in self.mirror.held:
            self.result.updated += 1
        else:
            self.result.added += 1
        kept = {**item_facts, "block": receipt["anchor"]["block_number"]}  # the anchoring this copy proves
        self.mirror.put({"id": record_id, **kept}, disclosure, receipt)

    def reconcile(self) -> None:
        """Make the mirror equal to the listing (after a grant changed what may be read)."""
        items = {str(item["id"]): dict(item) for item in self.client.iter_records()}
        self.result.listed = len(items)
        for record_id in sorted(self.mirror.held):
            item = items.get(record_id)
            if item is None or item["status"] == "erased":
                self.drop(record_id)
        self.fetch((rid, facts(i)) for rid, i in sorted(items.items()) if i["status"] == "anchored")

    def follow(self) -> None:
        """Read the feed from the mirror's cursor to its end, page by page.

        The index (with the cursor) is written every ``INDEX_EVERY`` pages and at the end, not after
        each page: it names every record, and rewriting it per page made a first sync quadratic. A
        pass killed in between re-reads at most those pages, and finds their records held.
        """
        pending: set[str] = set()
        pages = 0
        while True:
            page = self.client.feed(self.mirror.cursor, limit=FEED_PAGE, receipts=False)
            events = page["events"]
            if not events:
                if page["cursor"] != self.mirror.cursor or pages:  # moved: past others' events, or pages read
                    self.mirror.cursor = page["cursor"]
                    self.mirror.write_index()
                break
            self.result.events += len(events)
            anchored: dict[str, dict[str, Any]] = {}
            erased: dict[str, dict[str, Any]] = {}
            regrant = False
            for event in events:
                kind = event["kind"]
                record_id = event.get("record", {}).get("id")
                if kind in ("record.committed", "record.versioned"):
                    pending.add(record_id)
                elif kind == "record.anchored":
                    pending.discard(record_id)
                    anchored[record_id] = event_facts(event)
                elif kind == "record.erased":  # a notification: the gateway's 410 is what drops the copy
                    pending.discard(record_id)
                    anchored.pop(record_id, None)
                    if record_id in self.mirror.held:
                        erased[record_id] = self.mirror.held[record_id]
                elif kind in GRANT_KINDS:
                    regrant = True
            self.bar.stage("verifying", None)
            self.fetch([*anchored.items(), *erased.items()], recheck=frozenset(erased))
            if regrant:
                self.reconcile()
            self.mirror.cursor = page["cursor"]
            pages += 1
            if pages % INDEX_EVERY == 0:
                self.mirror.write_index()
        self.result.waiting = len(pending - set(self.mirror.held))


def sync_once(
    client: GatewayClient, deployment: Deployment, mirror: Mirror, progress: Progress | None = None
) -> SyncResult:
    """Bring ``mirror`` up to date with what ``client``'s organisation may read now."""
    run = _Pass(client, deployment, mirror, progress or NoProgress())
    run.bar.stage("reading the feed", None)
    run.follow()
    if not mirror.indexed:
        mirror.write_index()  # an empty mirror is still a mirror: the next run knows whose
    run.result.held = len(mirror.held)
    return run.result

"""What a fault case counts and checks once the system has recovered.

From the client's side: acknowledged records (2xx) and unanswered ones. From the database
and the chain: stored, anchored exactly once, lost. *Anchored exactly once* means: the
record's entry is in exactly one batch (the rows of that batch hash, in record-id order,
to the batch's root), that batch is on-chain under its id with the same root and size,
and no batch appears on-chain twice or without the records that make it up. *Lost* is an
acknowledged record that is not anchored exactly once (not stored, never anchored, or
"anchored" in a batch the chain does not hold): it must be 0.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from eth_account.signers.local import LocalAccount
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from gateway.db.models import Batch, OutboxItem, Record
from ledger import merkle
from ledger.chain.address_book import Deployment
from ledger.client.gateway import GatewayClient
from ledger.commitments import Disclosure
from ledger.receipts import Receipt
from ledger.verify import verify


@dataclass(frozen=True)
class Tally:
    acknowledged: int
    unanswered: int
    stored: int
    stored_unanswered: int
    anchored_once: int
    batches: int
    lost: int

    def __str__(self) -> str:
        return (
            f"acknowledged {self.acknowledged}, unanswered {self.unanswered} (stored anyway {self.stored_unanswered}), "
            f"stored {self.stored}, anchored exactly once {self.anchored_once} in {self.batches} batches, "
            f"lost {self.lost}"
        )


def _problems(
    deployment: Deployment, engine: Engine, attempted: set[str], acknowledged: set[str]
) -> tuple[list[str], Tally]:
    """Everything still wrong, and the counts as they stand."""
    with Session(engine) as s:
        rows = s.execute(select(Record.id, Record.status, Record.batch_id, Record.entry_leaf)).all()
        outbox = s.scalar(select(func.count()).select_from(OutboxItem)) or 0
        batches = {b.id: b for b in s.scalars(select(Batch))}
    stored = {r.id for r in rows}
    problems: list[str] = []
    if acknowledged - stored:
        problems.append(f"{len(acknowledged - stored)} acknowledged records are not stored")
    if stored - attempted:
        problems.append(f"{len(stored - attempted)} stored records were never sent")
    pending = [r.id for r in rows if r.status != "anchored" or r.batch_id is None]
    if pending:
        problems.append(f"{len(pending)} stored records are not anchored")
    if outbox:
        problems.append(f"{outbox} entries are still in the outbox")
    groups: dict[bytes, list[tuple[str, bytes]]] = defaultdict(list)
    for r in rows:
        if r.status == "anchored" and r.batch_id is not None:
            groups[r.batch_id].append((r.id, r.entry_leaf))
    registry = deployment.registry
    events = registry.contract.events.BatchAnchored().get_logs(from_block=0)
    on_chain = Counter(bytes(e["args"]["batchId"]) for e in events)
    if any(n > 1 for n in on_chain.values()):
        problems.append(f"{sum(n > 1 for n in on_chain.values())} batches anchored twice")
    strays = set(on_chain) - set(groups)
    if strays:
        problems.append(f"{len(strays)} batches on-chain are not the batch of any anchored record")
    anchored_once: set[str] = set()
    for batch_id, members in groups.items():
        members.sort()
        root = merkle.root([leaf for _, leaf in members])
        row = batches.get(batch_id)
        where = f"batch 0x{batch_id.hex()[:12]} ({len(members)} records)"
        if row is None or row.status != "anchored" or row.root != root or row.size != len(members):
            problems.append(f"{where}: the database's batch row disagrees with its records")
        elif batch_id not in on_chain or registry.batch_id_of(root) != batch_id:
            problems.append(f"{where}: not on-chain (block {row.block_number}); its receipts point at nothing")
        else:
            info = registry.get_batch(batch_id)
            if info.root != root or info.size != len(members):
                problems.append(f"{where}: on-chain root or size differs")
            else:
                anchored_once.update(record_id for record_id, _ in members)
    lost = acknowledged - anchored_once  # not stored, never anchored, or anchored where the chain has nothing
    tally = Tally(
        acknowledged=len(acknowledged), unanswered=len(attempted - acknowledged), stored=len(stored),
        stored_unanswered=len(stored - acknowledged), anchored_once=len(anchored_once), batches=len(groups),
        lost=len(lost),
    )  # fmt: skip
    return problems, tally


def settle(
    deployment: Deployment,
    database_url: str,
    attempted: Iterable[str],
    acknowledged: Iterable[str],
    *,
    timeout: float = 120,
) -> Tally:
    """Wait until every stored record is anchored exactly once and nothing acknowledged is lost; count.

    Records whose requests went unanswered count when stored (they are anchored like any
    other); each is stored at most once because the record id is the table's key and each
    entry is in exactly one batch.
    """
    attempted_ids, acknowledged_ids = set(attempted), set(acknowledged)
    assert acknowledged_ids <= attempted_ids
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            problems, tally = _problems(deployment, engine, attempted_ids, acknowledged_ids)
            if not problems or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        engine.dispose()
    assert not problems, f"after {timeout:.0f}s: {'; '.join(problems)} [{tally}]"
    assert tally.lost == 0 and tally.anchored_once == tally.stored >= tally.acknowledged
    return tally


def integrity_sweep(url: str, auditor: LocalAccount, page: int = 500) -> tuple[int, list[dict[str, str]]]:
    """Run ``GET /v1/audit/integrity`` page by page as ``auditor``; return (records checked, mismatches)."""
    checked, mismatches, after = 0, [], None
    with GatewayClient(url, auditor) as client:
        while True:
            query = urlencode({"limit": page, **({"after": after} if after else {})})
            result = client.request("GET", f"/v1/audit/integrity?{query}")
            checked += result["checked"]
            mismatches += result["mismatches"]
            after = result["next"]
            if after is None:
                assert checked == result["total"], f"the sweep checked {checked} of {result['total']} records"
                return checked, mismatches


def verify_receipts(url: str, recorder: LocalAccount, deployment: Deployment, ids: list[str], sample: int = 8) -> int:
    """Verify a spread of receipts offline against the chain (``ledger.verify``); return how many."""
    step = max(1, len(ids) // sample)
    chosen = sorted(ids)[::step][:sample]
    w3 = deployment.chain.w3
    with GatewayClient(url, recorder) as client:
        for record_id in chosen:
            receipt = Receipt.from_json(client.receipt(record_id))
            disclosure = Disclosure.from_json(client.get(record_id)["disclosure"])
            verdict = verify(receipt, disclosure, deployment)
            assert verdict.valid, f"receipt of {record_id}: {verdict.problems}"
            mined = w3.eth.get_transaction_receipt(receipt.tx_hash)  # type: ignore[arg-type]
            assert mined["blockNumber"] == receipt.block_number, f"receipt of {record_id} names another block"
    return len(chosen)


class Peek:
    """Read-only looks into a gateway's database while it runs, to time a fault."""

    def __init__(self, database_url: str) -> None:
        self.engine: Engine = create_engine(database_url, pool_pre_ping=True)

    def batches(self) -> list[Batch]:
        with Session(self.engine) as s:
            return list(s.scalars(select(Batch)))

    def sending(self, owner_pid: int | None = None) -> list[Batch]:
        """Batches claimed and not yet finished (by the worker of ``owner_pid``, if given)."""
        return [
            b
            for b in self.batches()
            if b.status == "sending" and (owner_pid is None or f":{owner_pid}:" in (b.lease_owner or ""))
        ]

    def anchored_blocks(self) -> list[int]:
        return [b.block_number for b in self.batches() if b.status == "anchored" and b.block_number is not None]

    def unfinished(self) -> int:
        with Session(self.engine) as s:
            return len(s.scalars(select(Record.id).where(Record.status != "anchored")).all())

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Peek:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The auditors' half of residents' completeness proofs (docs/spec/subject-map.md §S-7).

A resident can check that their listing matches the anchored subject map, not that the
map was built from the log. This sweep rebuilds every subject's chain from the log's own
leaves, compares it with ``subject_log`` (from which listings are served: a row deleted
there hides an entry from a resident), and rebuilds the map at every anchored size to
compare its root with the one on-chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from gateway.container import Container
from gateway.db.models import AccessLogEntry, LogState, SubjectEntry
from ledger import merkle
from ledger.subject_map import ZERO_ACC, MapLeaf, SubjectMap, chain_step, map_log_id

MAX_REPORTED = 100


def _expected(session: Any, size: int) -> Iterator[tuple[int, str, bytes]]:
    """(idx, subject key, leaf hash) for every subject every entry below ``size`` names, in (idx, key) order."""
    rows = session.execute(
        select(AccessLogEntry.idx, AccessLogEntry.leaf)
        .where(AccessLogEntry.idx < size)
        .order_by(AccessLogEntry.idx)
        .execution_options(yield_per=20_000)
    )
    for idx, leaf in rows:
        try:
            keys = json.loads(bytes(leaf)).get("subject_keys") or []
        except (ValueError, AttributeError):
            continue  # not a document: the log's own sweep reports it
        leaf_hash = merkle.leaf_hash(bytes(leaf))
        for key in sorted({str(k) for k in keys}):
            yield idx, key, leaf_hash


def sweep_subjects(container: Container) -> dict[str, Any]:
    """Chains from the log against ``subject_log``; maps from the log against every anchored map root."""
    log = container.access_log
    registry, org = container.deployment().registry, container.operator_org()
    map_id = map_log_id(log.log_id)
    anchored = {
        h.tree_size: bytes(h.root)
        for h in (registry.log_head_at(org, map_id, i) for i in range(registry.log_head_count(org, map_id)))
    }
    problems: list[dict[str, str]] = []

    def bad(ident: object, problem: str) -> None:
        if len(problems) < MAX_REPORTED:
            problems.append({"kind": "subject_log", "id": str(ident), "problem": problem})

    chains: dict[str, tuple[int, bytes]] = {}

    def check_map(at: int) -> None:
        root = anchored.get(at)
        if root is None:
            return
        if SubjectMap(MapLeaf(bytes.fromhex(k), n, a) for k, (n, a) in chains.items()).root != root:
            bad(at, f"the subject map anchored at log size {at} is not the one the log's entries make")

    with container.sessions() as session:
        state = session.get(LogState, 1)
        size = state.size if state is not None else 0
        stored = session.execute(
            select(SubjectEntry.idx, SubjectEntry.subject_key, SubjectEntry.n, SubjectEntry.acc)
            .where(SubjectEntry.idx < size)
            .order_by(SubjectEntry.idx, SubjectEntry.subject_key)
            .execution_options(yield_per=20_000)
        )
        kept = next(stored, None)
        checked_up_to = 0
        for idx, key, leaf_hash in _expected(session, size):
            while checked_up_to < idx:  # the maps at sizes up to this entry are complete now
                checked_up_to += 1
                check_map(checked_up_to)
            n, acc = chains.get(key, (0, ZERO_ACC))
            chains[key] = (n + 1, chain_step(acc, idx, leaf_hash))
            while kept is not None and (kept.idx, kept.subject_key) < (idx, key):
                bad(kept.idx, "a subject_log row names an entry that does not name that subject")
                kept = next(stored, None)
            if kept is None or (kept.idx, kept.subject_key) != (idx, key):
                bad(idx, "an entry about a subject is missing from subject_log (hidden from that resident)")
            else:
                if (kept.n, bytes(kept.acc)) != chains[key]:
                    bad(idx, "a subject_log row's chain differs from the one the log's entries make")
                kept = next(stored, None)
        while kept is not None:
            bad(kept.idx, "a subject_log row names an entry that does not name that subject")
            kept = next(stored, None)
        while checked_up_to < size:
            checked_up_to += 1
            check_map(checked_up_to)
    return {"checked": size, "maps_checked": len([s for s in anchored if s <= size]), "mismatches": problems}

"""Subject chains rebuilt from the log's own leaves: for the map the worker anchors, and for auditors.

A resident can check that their listing matches the anchored subject map, not that the
map was built from the log (docs/spec/subject-map.md §S-7). So the map is never anchored
from ``subject_log`` (a table a DBA can edit) alone: :class:`VerifiedChains` starts from the
last anchored map (rebuilt from ``subject_log`` and accepted only if its root is the one
on-chain), extends every chain from the leaves appended since, and compares each
``subject_log`` row on the way; a row missing or altered stops the anchoring. The sweep
(``sweep_subjects``) does the same from the start of the log and compares the map at the
newest anchored size with the root on-chain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.container import Container
from gateway.db.models import AccessLogEntry, LogState, ResidentKey, SubjectEntry
from gateway.services.facts import flag
from ledger import merkle
from ledger.subject_map import ZERO_ACC, MapLeaf, SubjectMap, chain_step, map_log_id

MAX_REPORTED = 100
Chains = dict[str, tuple[int, bytes]]


def _named(session: Session, start: int, end: int) -> Iterator[tuple[int, str, bytes]]:
    """(idx, subject key, leaf hash) for every subject each entry in [start, end) names, in (idx, key) order."""
    rows = session.execute(
        select(AccessLogEntry.idx, AccessLogEntry.leaf)
        .where(AccessLogEntry.idx >= start, AccessLogEntry.idx < end)
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


def replay(session: Session, chains: Chains, start: int, end: int, bad: Callable[[int, str], None]) -> None:
    """Extend ``chains`` by the leaves in [start, end), comparing ``subject_log``'s rows there on the way."""
    stored = session.execute(
        select(SubjectEntry.idx, SubjectEntry.subject_key, SubjectEntry.n, SubjectEntry.acc)
        .where(SubjectEntry.idx >= start, SubjectEntry.idx < end)
        .order_by(SubjectEntry.idx, SubjectEntry.subject_key)
        .execution_options(yield_per=20_000)
    )
    kept = next(stored, None)
    for idx, key, leaf_hash in _named(session, start, end):
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


def stored_chains(session: Session, size: int) -> Chains:
    """Each subject's chain below ``size`` as ``subject_log`` states it (its newest row)."""
    latest = (
        select(SubjectEntry.subject_key, func.max(SubjectEntry.idx).label("idx"))
        .where(SubjectEntry.idx < size)
        .group_by(SubjectEntry.subject_key)
        .subquery()
    )
    rows = session.execute(
        select(SubjectEntry.subject_key, SubjectEntry.n, SubjectEntry.acc).join(
            latest, (SubjectEntry.subject_key == latest.c.subject_key) & (SubjectEntry.idx == latest.c.idx)
        )
    )
    return {key: (int(n), bytes(acc)) for key, n, acc in rows}


def map_of(chains: Chains) -> SubjectMap:
    return SubjectMap(MapLeaf(bytes.fromhex(key), n, acc) for key, (n, acc) in chains.items())


class VerifiedChains:
    """The chains at the last anchored map size, verified; extended from the log before each anchoring."""

    def __init__(self) -> None:
        self.size = -1  # unknown until the first anchoring of this process
        self.chains: Chains = {}

    def advance(self, session: Session, size: int, anchored: Any) -> SubjectMap:
        """The map at ``size``, from the verified state and the leaves since; ``IntegrityFailure`` if
        ``subject_log`` disagrees with the log (the map is then not anchored)."""
        if self.size < 0 or self.size > size:
            start = anchored.tree_size if anchored is not None else 0
            chains = stored_chains(session, start)
            if start and map_of(chains).root != bytes(anchored.root):
                raise flag("subject_log", f"its chains below {start} do not make the subject map anchored there")
            self.size, self.chains = start, chains
        problems: list[str] = []
        extended = dict(self.chains)
        replay(session, extended, self.size, size, lambda idx, why: problems.append(f"entry {idx}: {why}"))
        if problems:
            raise flag("subject_log", "; ".join(problems[:5]) + ": not anchoring the subject map")
        self.size, self.chains = size, extended
        return map_of(extended)


def sweep_subjects(container: Container) -> dict[str, Any]:
    """Chains from the log against ``subject_log``; the map at the newest anchored size against its root."""
    log = container.access_log
    registry, org = container.deployment().registry, container.operator_org()
    anchored = registry.latest_log_head(org, map_log_id(log.log_id))
    problems: list[dict[str, str]] = []

    def bad(ident: object, problem: str) -> None:
        if len(problems) < MAX_REPORTED:
            problems.append({"kind": "subject_log", "id": str(ident), "problem": problem})

    chains: Chains = {}
    with container.sessions() as session:
        state = session.get(LogState, 1)
        size = state.size if state is not None else 0
        at = anchored.tree_size if anchored is not None and anchored.tree_size <= size else None
        replay(session, chains, 0, at or 0, bad)
        if anchored is not None and at is not None and map_of(chains).root != bytes(anchored.root):
            bad(at, f"the subject map anchored at log size {at} is not the one the log's entries make")
        replay(session, chains, at or 0, size, bad)
    return {"checked": size, "maps_checked": int(at is not None), "mismatches": problems}



def sweep_enrolments(container: Container) -> dict[str, Any]:
    """Each resident key against the log: enrolled by an ``enrol`` entry that says so, and revoked
    wherever an ``unenrol`` entry says it was (a DBA who clears a revocation revives a lost key)."""
    problems: list[dict[str, str]] = []
    with container.sessions() as session:
        logged: dict[str, dict[str, Any]] = {}
        acts = select(AccessLogEntry.leaf).where(AccessLogEntry.action.in_(("enrol", "unenrol")))
        for leaf in session.scalars(acts):
            try:
                doc = json.loads(bytes(leaf))
            except ValueError:
                continue
            logged.setdefault(str(doc.get("record_id")), {})[str(doc.get("action"))] = doc
        keys = session.scalars(select(ResidentKey)).all()
        for key in keys:
            entries = logged.get(key.enrolment_id, {})
            enrolled = entries.get("enrol") or {}
            said = (enrolled.get("subject_keys"), enrolled.get("owner_org"), enrolled.get("accessor"))
            if said != ([key.subject_key], key.org, key.enrolled_by):
                problems.append({"kind": "resident_key", "id": key.address,
                                 "problem": "no logged enrolment says this key was enrolled so"})  # fmt: skip
            if "unenrol" in entries and key.revoked_at is None:
                problems.append({"kind": "resident_key", "id": key.address,
                                 "problem": "revoked in the log, yet acting: its revocation was cleared"})  # fmt: skip
    return {"checked": len(keys), "mismatches": problems[:MAX_REPORTED]}

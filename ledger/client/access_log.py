"""``gridledger audit verify``: prove the served access log is append-only against the chain.

Trust rule: the anchored heads come from the registry on the auditor's own node, read
under (anchoring organisation, log id); the gateway only serves proofs and its signed
current head. The check passes when every consecutive pair of anchored heads is
consistent, the gateway's current head is signed by an anchorer of that organisation and
extends the newest anchored head, and every entry the auditor can see is included in it.

What was verified is remembered in a small cache file (the number of anchored heads
already proven consistent, the last head proven, and the entries already proven
included), so a later run proves only what is new: its cost follows what changed, not
the log's history. The cache only skips work; deleting it re-proves everything.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import merkle, seals
from ledger.chain.address_book import Deployment
from ledger.chain.contracts import LogHeadInfo
from ledger.client.gateway import GatewayClient
from ledger.errors import ProofError
from ledger.log_heads import head_signer
from ledger.types import Role


@dataclass
class LogVerdict:
    size: int = 0
    anchored_heads: int = 0
    anchored_size: int = 0
    entries_checked: int = 0
    heads_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.valid:
            return "INVALID access log: " + "; ".join(self.problems)
        return (
            f"access log verified: {self.anchored_heads} anchored heads consistent (up to size {self.anchored_size}, "
            f"{self.heads_checked} newly proven), current size {self.size}, {self.entries_checked} visible entries "
            "newly proven included"
        )


@dataclass
class VerifiedCache:
    """What an earlier run proved about one log (see the module docstring)."""

    path: Path | None
    heads: int = 0  # anchored heads 0..heads-1 are pairwise consistent
    size: int = 0  # the last head proven (anchored or current): size and root
    root: str = ""
    entries_below: int = 0  # every visible entry with idx below this was proven included

    @classmethod
    def load(cls, path: Path | None) -> VerifiedCache:
        if path is None or not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text())
            return cls(path, int(data["heads"]), int(data["size"]), str(data["root"]), int(data["entries_below"]))
        except (ValueError, KeyError, TypeError):
            return cls(path)  # unreadable: prove everything again

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"heads": self.heads, "size": self.size, "root": self.root,
                                   "entries_below": self.entries_below}))  # fmt: skip
        os.replace(tmp, self.path)


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v[2:]) for v in values]


def _consistent(client: GatewayClient, old: tuple[int, bytes], new: tuple[int, bytes]) -> str | None:
    """``None`` when the log at ``old`` is a prefix of the log at ``new``, else the reason."""
    if old[0] == new[0]:
        return None if old[1] == new[1] else f"two different roots at size {old[0]}"
    proof = client.request("GET", f"/v1/audit/log/consistency?first={old[0]}&second={new[0]}")
    try:
        merkle.verify_consistency(old[0], new[0], old[1], new[1], _hex(proof["proof"]))
    except ProofError as exc:
        return exc.message
    return None


def signed_by_anchorer(
    deployment: Deployment, org: str, log_id: bytes, size: int, root: bytes, signature: bytes
) -> bool:
    """Whether a signed log head's signer is, on the caller's own node, an anchorer of ``org`` (§L-2)."""
    try:
        signer_org, roles = deployment.membership.membership_of(head_signer(log_id, size, root, signature))
    except ValueError:
        return False
    return signer_org == org and bool(roles & Role.ANCHORER)


def verify_access_log(client: GatewayClient, deployment: Deployment, cache_dir: Path | None = None) -> LogVerdict:
    verdict = LogVerdict()
    head = client.request("GET", "/v1/audit/log/head")
    log_id, org = bytes.fromhex(head["log_id"][2:]), str(head["org"])
    size, root = int(head["size"]), bytes.fromhex(head["root"][2:])
    verdict.size = size
    cache = VerifiedCache.load(cache_dir / f"{head['log_id']}.json" if cache_dir else None)
    if not signed_by_anchorer(deployment, org, log_id, size, root, bytes.fromhex(head["signature"][2:])):
        verdict.problems.append(f"the current head is not signed by an anchorer of {org}")
    registry = deployment.registry
    count = registry.log_head_count(org, log_id)
    start = max(0, min(cache.heads, count) - 1)
    heads: list[LogHeadInfo] = [registry.log_head_at(org, log_id, i) for i in range(start, count)]
    verdict.anchored_heads = count
    for older, newer in itertools.pairwise(heads):
        problem = _consistent(client, (older.tree_size, older.root), (newer.tree_size, newer.root))
        verdict.heads_checked += 1
        if problem:
            pair = f"{older.tree_size} and {newer.tree_size}"
            verdict.problems.append(f"anchored heads {pair} are inconsistent: {problem}")
    if heads:
        last = heads[-1]
        verdict.anchored_size = last.tree_size
        if last.tree_size > size:
            verdict.problems.append(f"the gateway serves {size} entries but {last.tree_size} were anchored")
        else:
            problem = _consistent(client, (last.tree_size, last.root), (size, root))
            if problem:
                verdict.problems.append(f"the served log does not extend the anchored head: {problem}")
    if cache.size and cache.size <= size:
        problem = _consistent(client, (cache.size, bytes.fromhex(cache.root[2:])), (size, root))
        if problem:
            verdict.problems.append(f"the served log does not extend the head verified earlier: {problem}")
    elif cache.size > size:
        verdict.problems.append(f"the log shrank: {cache.size} entries were verified earlier, {size} are served")
    _check_entries(client, verdict, size, root, cache.entries_below)
    if verdict.valid:
        cache.heads, cache.size, cache.root, cache.entries_below = count, size, "0x" + root.hex(), size
        cache.save()
    return verdict


def _check_entries(client: GatewayClient, verdict: LogVerdict, size: int, root: bytes, below: int) -> None:
    """Every visible entry at or above ``below`` (newest first) is included in the current head, and every
    sealed read shown whole matches its seal."""
    offset = 0
    while size:
        page: dict[str, Any] = client.request("GET", f"/v1/audit/access?limit=1000&offset={offset}")
        entries = page["entries"]
        for entry in entries:
            if "opened" in entry:  # a sealed read shown whole: it must be what was sealed (§L-5)
                stub = json.loads(entry["leaf"])
                mismatch = seals.check_opening(stub, entry["opened"])
                verdict.problems += [f"sealed entry {entry['idx']}: {p}" for p in mismatch]
            if entry["idx"] >= size or entry["idx"] < below:
                continue
            proof = client.request("GET", f"/v1/audit/log/inclusion?idx={entry['idx']}&size={size}")
            leaf = merkle.leaf_hash(entry["leaf"].encode())
            try:
                merkle.verify_inclusion(entry["idx"], size, leaf, _hex(proof["proof"]), root)
                verdict.entries_checked += 1
            except ProofError as exc:
                verdict.problems.append(f"entry {entry['idx']} is not in the log: {exc.message}")
        offset += len(entries)
        if not entries or entries[-1]["idx"] < below or (offset >= page["total"] and not page["total_capped"]):
            break

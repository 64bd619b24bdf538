"""``gridledger audit verify``: prove the served access log is append-only against the chain.

Trust rule: the anchored heads come from the registry on the auditor's own node; the
gateway only serves proofs. The check passes when every consecutive pair of anchored
heads is consistent, the gateway's current head extends the newest anchored one, and
every entry the auditor can see is included in the current head.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from gateway.sdk import GatewayClient
from ledger import merkle
from ledger.deploy import Deployment


@dataclass
class LogVerdict:
    valid: bool = True
    size: int = 0
    anchored_heads: int = 0
    anchored_size: int = 0
    entries_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.valid:
            return "INVALID access log: " + "; ".join(self.problems)
        return (
            f"access log verified: {self.anchored_heads} anchored heads consistent (up to size {self.anchored_size}), "
            f"current size {self.size}, {self.entries_checked} visible entries included"
        )


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v[2:]) for v in values]


def verify_access_log(client: GatewayClient, deployment: Deployment) -> LogVerdict:
    verdict = LogVerdict()
    head = client.request("GET", "/v1/audit/log/head")
    log_id, size, root = bytes.fromhex(head["log_id"][2:]), int(head["size"]), bytes.fromhex(head["root"][2:])
    verdict.size = size
    registry = deployment.registry
    heads = [registry.log_head_at(log_id, i) for i in range(registry.log_head_count(log_id))]
    verdict.anchored_heads = len(heads)
    for older, newer in itertools.pairwise(heads):
        proof = client.request("GET", f"/v1/audit/log/consistency?first={older.tree_size}&second={newer.tree_size}")
        try:
            merkle.verify_consistency(older.tree_size, newer.tree_size, older.root, newer.root, _hex(proof["proof"]))
        except merkle.ProofError as exc:
            verdict.problems.append(
                f"anchored heads {older.tree_size} and {newer.tree_size} are inconsistent: {exc.message}"
            )
    if heads:
        last = heads[-1]
        verdict.anchored_size = last.tree_size
        if last.tree_size > size:
            verdict.problems.append(f"the gateway serves {size} entries but {last.tree_size} were anchored")
        else:
            proof = client.request("GET", f"/v1/audit/log/consistency?first={last.tree_size}&second={size}")
            try:
                merkle.verify_consistency(last.tree_size, size, last.root, root, _hex(proof["proof"]))
            except merkle.ProofError as exc:
                verdict.problems.append(f"the served log does not extend the anchored head: {exc.message}")
    offset = 0
    while size:
        page = client.request("GET", f"/v1/audit/access?limit=1000&offset={offset}")
        for entry in page["entries"]:
            if entry["idx"] >= size:
                continue
            proof = client.request("GET", f"/v1/audit/log/inclusion?idx={entry['idx']}&size={size}")
            leaf = merkle.leaf_hash(entry["leaf"].encode())
            try:
                merkle.verify_inclusion(entry["idx"], size, leaf, _hex(proof["proof"]), root)
                verdict.entries_checked += 1
            except merkle.ProofError as exc:
                verdict.problems.append(f"entry {entry['idx']} is not in the log: {exc.message}")
        offset += len(page["entries"])
        if not page["entries"] or (offset >= page["total"] and not page["total_capped"]):
            break
    verdict.valid = not verdict.problems
    return verdict

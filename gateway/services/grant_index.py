"""Follows ``AccessGrants`` events into the ``grants`` table (for listing and queries).

Pages ``eth_getLogs`` in windows of at most 1,000 blocks (Besu's default limit), resumes
from the last indexed block after a restart, and copes with a rewound or restarted chain:
when the stored block's hash no longer matches the chain (or the chain is shorter), the
copy is rebuilt from the deployment block. Allow/deny decisions never read this copy;
they ask the contract.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from gateway.db.events import GRANT_GIVEN, GRANT_REVOKED, add_events, event_key
from gateway.db.models import Grant, IndexerState
from ledger.chain.address_book import Deployment
from ledger.chain.client import LOG_WINDOW
from ledger.types import bytes32_to_slug

if TYPE_CHECKING:  # the container builds the workers; they never import it at run time
    from gateway.container import Container

WINDOW = LOG_WINDOW
NAME = "grants"


class GrantIndex:
    def __init__(self, container: Container) -> None:
        self.container = container
        self._lock = threading.Lock()

    def sync(self) -> int:
        """Index up to the chain head; return the block indexed to."""
        with self._lock:
            deployment = self.container.deployment()
            chain = deployment.chain
            head = chain.block_number()
            with self.container.sessions() as session:
                state = session.get(IndexerState, NAME)
                start = deployment.book.deployment_block
                if state is not None:
                    if state.block > head or self._hash(deployment, state.block) != state.block_hash:
                        session.execute(delete(Grant))  # the chain was rewound or replaced: rebuild
                        session.delete(state)
                        session.commit()
                        state = None
                    else:
                        start = state.block + 1
                for lo in range(start, head + 1, WINDOW):
                    hi = min(lo + WINDOW - 1, head)
                    self._apply(session, deployment, lo, hi)
                    block_hash = self._hash(deployment, hi)
                    if state is None:
                        state = IndexerState(name=NAME, block=hi, block_hash=block_hash)
                        session.add(state)
                    else:
                        state.block, state.block_hash = hi, block_hash
                    session.commit()
            return head

    @staticmethod
    def _hash(deployment: Deployment, block: int) -> bytes:
        return deployment.chain.block_hash(block)

    @staticmethod
    def _apply(session: Session, deployment: Deployment, lo: int, hi: int) -> None:
        created = deployment.grants.logs("GrantCreated", lo, hi)
        revoked = deployment.grants.logs("GrantRevoked", lo, hi)
        proposed = {int(log["args"]["grantId"]): log for log in deployment.grants.logs("GrantProposed", lo, hi)}
        decided = [*deployment.grants.logs("GrantApproved", lo, hi), *deployment.grants.logs("GrantRefused", lo, hi)]
        times: dict[int, datetime] = {}

        def at(log: Any) -> datetime:  # the block's time: when the grant changed, as the chain says
            block = int(log["blockNumber"])
            if block not in times:
                times[block] = datetime.fromtimestamp(deployment.chain.block_time(block), UTC)
            return times[block]

        events: list[dict[str, Any]] = []
        for log in created:
            args = log["args"]
            kind = "record" if args["scopeKind"] == 0 else "type"
            scope = _scope_text(kind, bytes(args["scope"]))
            session.merge(
                Grant(
                    id=int(args["grantId"]), owner_org=bytes32_to_slug(args["ownerOrg"]),
                    grantee_org=bytes32_to_slug(args["granteeOrg"]), scope_kind=kind, scope=scope,
                    fields=list(args["fields"]), purpose_code=bytes32_to_slug(args["purposeCode"]),
                    purpose_hash=bytes(args["purposeHash"]), expires_at=int(args["expiresAt"]),
                    grantor=args["grantor"], granted_block=int(log["blockNumber"]), revoked_block=None, revoked_by=None,
                    **_proposal(proposed.get(int(args["grantId"]))),
                )
            )  # fmt: skip
            if int(args["grantId"]) in proposed:
                continue  # told when a reviewer approves it: until then it gives nothing
            events.append({"key": event_key(GRANT_GIVEN, int(args["grantId"])), "kind": GRANT_GIVEN, "at": at(log),
                           "owner_org": bytes32_to_slug(args["ownerOrg"]),
                           "grantee_org": bytes32_to_slug(args["granteeOrg"]), "grant_id": int(args["grantId"]),
                           "block": int(log["blockNumber"])})  # fmt: skip
        session.flush()
        for log in sorted(decided, key=lambda entry: (int(entry["blockNumber"]), int(entry["logIndex"]))):
            grant = session.get(Grant, int(log["args"]["grantId"]))
            if grant is None:
                continue
            approved = log["event"] == "GrantApproved"
            grant.review, grant.reviewer = ("approved" if approved else "refused"), log["args"]["reviewer"]
            grant.reviewed_block, grant.review_reason_hash = int(log["blockNumber"]), bytes(log["args"]["reasonHash"])
            if approved:
                events.append({"key": event_key(GRANT_GIVEN, grant.id), "kind": GRANT_GIVEN, "at": at(log),
                               "owner_org": grant.owner_org, "grantee_org": grant.grantee_org, "grant_id": grant.id,
                               "block": int(log["blockNumber"])})  # fmt: skip
        for log in revoked:
            grant = session.get(Grant, int(log["args"]["grantId"]))
            if grant is not None:
                grant.revoked_block = int(log["blockNumber"])
                grant.revoked_by = log["args"]["revoker"]
                if grant.review not in ("none", "approved"):
                    continue  # a proposal (or a refused one) was never told as given: nothing to take back
                events.append({"key": event_key(GRANT_REVOKED, grant.id), "kind": GRANT_REVOKED, "at": at(log),
                               "owner_org": grant.owner_org, "grantee_org": grant.grantee_org, "grant_id": grant.id,
                               "block": int(log["blockNumber"])})  # fmt: skip
        add_events(session, events)


def _proposal(log: Any) -> dict[str, Any]:
    """The review columns of a grant created proposed (``log``: its GrantProposed event), or of one that needed none."""
    if log is None:
        return {"review": "none", "review_deadline": None}
    return {"review": "proposed", "review_deadline": int(log["args"]["reviewDeadline"])}


def _scope_text(kind: str, raw: bytes) -> str:
    return bytes32_to_slug(raw) if kind == "type" else str(uuid.UUID(bytes=raw[:16]))

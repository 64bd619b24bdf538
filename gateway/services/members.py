"""Who a signed request acts for, as the chain says: organisation, kind, parent, roles.

Lookups are cached for a few seconds (``TTL``): a removed member loses access at most
that long after the removal is mined. While the chain is unreachable the last answer is
kept, so recorders can go on committing (their records wait in the outbox; verification
later checks the committer's role at the anchoring block, so nothing is trusted blindly).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ledger.chain.contracts import MembershipClient, OrgInfo
from ledger.errors import ChainUnreachableError
from ledger.types import OrgKind, Role

TTL = 5.0
T = TypeVar("T")


@dataclass(frozen=True)
class Member:
    address: str
    org: str
    kind: OrgKind
    parent: str | None
    roles: Role

    def has(self, role: Role) -> bool:
        return bool(self.roles & role)


class MemberDirectory:
    def __init__(self, membership: Callable[[], MembershipClient], ttl: float = TTL) -> None:
        self._membership = membership  # the deployment is connected on first use, not at start
        self.ttl = ttl
        self._members: dict[str, tuple[float, Member | None]] = {}
        self._orgs: dict[str, tuple[float, OrgInfo | None]] = {}
        self._lock = threading.Lock()

    @property
    def membership(self) -> MembershipClient:
        """The Membership contract's client (raises a ``LedgerError`` while no deployment is known)."""
        return self._membership()

    def _cached(self, table: dict[str, tuple[float, T]], key: str, fetch: Callable[[], T]) -> T:
        """``fetch()`` at most once per TTL per key; the last answer while the chain is unreachable."""
        now = time.monotonic()
        with self._lock:
            cached = table.get(key)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        try:
            value = fetch()
        except ChainUnreachableError:
            if cached:  # keep serving during a chain outage with what the chain said last
                return cached[1]
            raise
        with self._lock:
            table[key] = (now, value)
        return value

    def member(self, address: str) -> Member | None:
        def fetch() -> Member | None:
            org_id, roles = self.membership.membership_of(address)
            info = self.org(org_id) if org_id else None
            return Member(address, info.org_id, info.kind, info.parent, roles) if info and info.active else None

        return self._cached(self._members, address, fetch)

    def org(self, org_id: str) -> OrgInfo | None:
        return self._cached(self._orgs, org_id, lambda: self.membership.get_org(org_id))

    def supervises(self, member: Member, owner_org: str) -> bool:
        """Whether ``member``'s organisation is the subdistrict supervising ``owner_org``."""
        if member.kind is not OrgKind.SUBDISTRICT:
            return False
        info = self.org(owner_org)
        return info is not None and info.parent == member.org

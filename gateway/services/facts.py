"""What authorization decisions rest on: a record's signed entry and the chain's grants.

Trust rule: the ``records`` columns (owner, type, version, supersedes, committer) and the
``grants`` table are copies kept for listing and queries. A database administrator can
change them; they cannot forge a committer's EIP-712 signature or rewrite the chain. So
a decision

- reads the record's stored entry, checks that it is the entry of *this* record id and
  that its signature recovers to its committer, and takes owner, type, version and
  supersession from it (the columns must agree with it, or the request is refused);
- takes a grant's owner, grantee, scope, fields, purpose code and hash and expiry from
  ``AccessGrants.getGrant`` and asks ``isAllowed``; the SQL row only names candidates.

Any disagreement between a copy and the fact it copies is refused and flagged (logged on
``gridledger.integrity`` and counted): it means someone changed the database behind the
gateway's back. Expiry is judged against :meth:`Container.now` (the later of the chain's
and the gateway's clock).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select

from gateway.container import Container
from gateway.db.models import Grant, Record
from gateway.errors import IntegrityFailure
from gateway.services.members import Member
from ledger import merkle
from ledger.chain.contracts import GrantInfo
from ledger.entries import Entry, EntryDomain
from ledger.errors import VerificationError
from ledger.types import record_id_to_bytes32, slug_to_bytes32, to_address

integrity_log = logging.getLogger("gridledger.integrity")


def entry_domain(container: Container) -> EntryDomain:
    """The EIP-712 domain entries are signed in: this deployment's chain and registry."""
    book = container.deployment().book
    return EntryDomain(book.chain_id, to_address(book.registry))


def flag(what: str, problem: str) -> IntegrityFailure:
    """Log a suspected tampering and return the error that refuses the request."""
    integrity_log.warning("integrity: %s: %s", what, problem)
    return IntegrityFailure(f"{what}: {problem}; the stored copy contradicts a signed or on-chain fact")


def entry_problems(record: Record, entry: Entry) -> list[str]:
    """Which columns of ``record`` disagree with its signed ``entry`` (names only, never values)."""
    checks = (
        ("owner_org", record.owner_org, entry.org),
        ("record_type", record.record_type, entry.record_type),
        ("version", record.version, entry.version),
        ("supersedes", record.supersedes, entry.supersedes),
        ("committer", record.committer, entry.committer),
        ("commitment", bytes(record.commitment), entry.commitment),
        ("entry_leaf", bytes(record.entry_leaf), merkle.leaf_hash(bytes(record.entry))),
    )
    return [name for name, column, fact in checks if column != fact]


def parse_entry(record: Record, domain: EntryDomain) -> Entry:
    """The record's stored entry, checked to belong to it and to carry its committer's signature.

    Raises :class:`VerificationError` naming what is wrong.
    """
    try:
        entry = Entry.from_json(json.loads(bytes(record.entry)))
    except ValueError as exc:
        raise VerificationError("its stored entry is unreadable") from exc
    if entry.record_id != record.id:
        raise VerificationError("its stored entry belongs to another record")
    if entry.signer(domain) != entry.committer:
        raise VerificationError("its entry is not signed by its committer")
    return entry


def signed_entry(container: Container, record: Record) -> Entry:
    """The verified entry of ``record``; :class:`IntegrityFailure` when the row was tampered with."""
    key = (record.id, hashlib.sha256(bytes(record.entry)).digest())
    cache = container.verified_entries
    entry = cache.get(key)
    if entry is None:
        try:
            entry = parse_entry(record, entry_domain(container))
        except VerificationError as exc:
            raise flag(f"record {record.id}", exc.message) from exc
        cache.put(key, entry)
    problems = entry_problems(record, entry)
    if problems:
        raise flag(f"record {record.id}", f"columns {', '.join(problems)} disagree with its signed entry")
    return entry


@dataclass(frozen=True)
class LiveGrant:
    """A grant as the chain holds it, found live for one read."""

    id: int
    owner: str
    grantee: str
    scope_kind: str  # record | type
    scope: str
    fields: tuple[str, ...]
    purpose_code: str
    expires_at: int

    def covers(self, entry: Entry) -> bool:
        """Whether this grant's owner and scope (as the chain holds them) cover ``entry``'s record."""
        return self.owner == entry.org and self.scope == (
            entry.record_id if self.scope_kind == "record" else entry.record_type
        )


def copy_problems(row: Grant, info: GrantInfo) -> list[str]:
    """Immutable grant facts on which the SQL copy disagrees with the chain (revocation may lag)."""
    try:  # a copy a DBA mangled (NULLs, a scope that is no id) simply disagrees
        expected_scope = record_id_to_bytes32(row.scope) if row.scope_kind == "record" else slug_to_bytes32(row.scope)
    except (TypeError, ValueError, AttributeError):
        expected_scope = b""
    checks = (
        ("owner_org", row.owner_org, info.owner_org),
        ("grantee_org", row.grantee_org, info.grantee_org),
        ("scope_kind", row.scope_kind, "record" if info.scope_kind == 0 else "type"),
        ("scope", expected_scope, bytes(info.scope)),
        ("fields", list(row.fields or []), list(info.fields)),
        ("purpose_code", row.purpose_code, info.purpose_code),
        ("purpose_hash", bytes(row.purpose_hash or b""), bytes(info.purpose_hash)),
        ("expires_at", row.expires_at, info.expires_at),
    )
    return [name for name, copy, fact in checks if copy != fact]


def grant_candidates(container: Container, member: Member, entry: Entry) -> list[Grant]:
    """SQL rows that may cover this read: only a hint, every one is checked on the chain."""
    with container.sessions() as session:
        return list(
            session.scalars(
                select(Grant).where(
                    Grant.grantee_org == member.org,
                    Grant.owner_org == entry.org,
                    Grant.revoked_block.is_(None),
                    or_(
                        (Grant.scope_kind == "record") & (Grant.scope == entry.record_id),
                        (Grant.scope_kind == "type") & (Grant.scope == entry.record_type),
                    ),
                )
            )
        )


def _confirmed(container: Container, member: Member, rows: Sequence[Grant]) -> list[LiveGrant]:
    """The rows whose grants the chain says are live for ``member`` now, as the chain holds them.

    Per grant: ``getGrant`` (its columns must agree, or the read is refused and flagged), not
    revoked, not expired by :meth:`Container.now`, and ``isAllowed`` for its own scope (which
    also asks that the grantee organisation is active).
    """
    grants, now, live = container.deployment().grants, container.now(), []
    for row in rows:
        info = grants.get_grant(row.id)
        problems = copy_problems(row, info)
        if problems:
            raise flag(f"grant {row.id}", f"columns {', '.join(problems)} disagree with the chain")
        if info.grantee_org != member.org or info.revoked_at or info.expires_at <= now:
            continue
        record_id = bytes(info.scope) if info.scope_kind == 0 else bytes(32)
        record_type = row.scope if row.scope_kind == "type" else "record"
        if not grants.is_allowed(row.id, member.org, info.owner_org, record_id, record_type):
            continue
        live.append(LiveGrant(
            id=row.id, owner=info.owner_org, grantee=info.grantee_org, scope_kind=row.scope_kind, scope=row.scope,
            fields=tuple(info.fields), purpose_code=info.purpose_code, expires_at=info.expires_at,
        ))  # fmt: skip
    return live


def live_grants(container: Container, member: Member) -> list[LiveGrant]:
    """Every grant ``member``'s organisation holds now, each confirmed on-chain (the index only proposes).

    One page of a listing, the feed or a bulk read asks once per grant, not once per record.
    """
    container.grant_index.sync()
    with container.sessions() as session:
        rows = list(session.scalars(
            select(Grant).where(Grant.grantee_org == member.org, Grant.revoked_block.is_(None)).order_by(Grant.id)
        ))  # fmt: skip
    return _confirmed(container, member, rows)


def covering(grants: Sequence[LiveGrant], entry: Entry) -> LiveGrant | None:
    """The live grant with the most fields that covers ``entry`` (by its signed owner, id and type)."""
    return max((g for g in grants if g.covers(entry)), key=lambda g: (len(g.fields), -g.id), default=None)


def live_grant(container: Container, member: Member, entry: Entry) -> LiveGrant | None:
    """The grant (with the most fields) under which ``member`` may read this entry's record now: the
    index's candidates for this record, confirmed on-chain, then matched against the signed entry."""
    found = grant_candidates(container, member, entry)
    if not found:
        container.grant_index.sync()
        found = grant_candidates(container, member, entry)
    return covering(_confirmed(container, member, found), entry) if found else None

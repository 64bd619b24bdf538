"""Sealed reads at the gateway: asking for one, extending one, and who may see one before it opens.

The construction is in :mod:`ledger.seals` and docs/spec/access-log.md §L-5. Here:

- **who may seal**: a member holding the on-chain sealed-reader role (bit 32), which only
  the consortium admin hands out and only to members of departments; anyone else asking
  for a sealed read is refused, and that refusal is logged in the open;
- **who sees a sealed entry before it opens**: the organisation that read, and the
  subdistrict office that supervises the record's owner (it reviews and may extend the
  seal). Everyone else, the data subject and the owning committee included, sees the stub,
  and an audit query that filters on what the stub hides never matches it;
- **when it opens**: when the gateway's time (:meth:`Container.now`) reaches its date, or
  the latest date an office's ``extend`` entry set. Every decision reads the dates from the
  leaves (bound to signed, anchored heads), and the opened document is shown only when it
  hashes to its stub's seal, so a DBA who edits a column neither opens a seal early nor
  changes what it says.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import LargeBinary, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from gateway.container import Container
from gateway.db.models import AccessLogEntry
from gateway.errors import Conflict, Forbidden, GatewayError, NotFound, ValidationFailed
from gateway.services.access_log import entry_document
from gateway.services.members import Member
from ledger import seals
from ledger.types import OrgKind, Role

OFFICE_ROLES = Role.ADMIN | Role.AUDITOR


@dataclass(frozen=True)
class SealRequest:
    """A department's ask to read under seal: until when, on which legal basis."""

    until: datetime
    legal_basis: str

    def columns(self) -> dict[str, Any]:
        """The access-log columns that make the read's entry sealed (a fresh nonce each time)."""
        return {"sealed_until": self.until, "legal_basis": self.legal_basis, "seal_nonce": seals.new_nonce()}


def _now(container: Container) -> datetime:
    return datetime.fromtimestamp(container.now(), UTC)


def _until(container: Container, text: str, path: str) -> datetime:
    """A seal date to the second (as logged), after the gateway's now and at most two years past the wall
    clock that stamps entries (so a verifier can bound it by the entry's own ``at``)."""
    try:
        until = seals.parse_time(text).replace(microsecond=0)
        seals.check_until(until, _now(container))
        seals.check_until(until, datetime.now(UTC))
    except ValueError as exc:
        raise ValidationFailed(f"{path}: {exc}", path=path) from None
    return until


def seal_request(container: Container, until: str | None, legal_basis: str | None) -> SealRequest | None:
    """The seal a read asks for (both parameters, or neither); 422 in words for a bad date or basis."""
    if until is None and legal_basis is None:
        return None
    if until is None or legal_basis is None:
        missing = "sealed_until" if until is None else "legal_basis"
        raise ValidationFailed(f"{missing}: a sealed read names both sealed_until and legal_basis", path=missing)
    if legal_basis not in seals.LEGAL_BASES:
        known = ", ".join(sorted(seals.LEGAL_BASES))
        raise ValidationFailed(f"legal_basis: not a legal basis for a sealed read (known: {known})", path="legal_basis")
    return SealRequest(_until(container, until, "sealed_until"), legal_basis)


def may_seal(member: Member) -> bool:
    """Whether the chain lets ``member`` read under seal (its role, as the member directory read it)."""
    return member.kind is OrgKind.DEPARTMENT and member.has(Role.SEALED_READER)


# -- who sees a sealed entry, and when it opens -------------------------------------------------


def _office(member: Member) -> bool:
    return member.kind is OrgKind.SUBDISTRICT and member.has(OFFICE_ROLES)


def privy_clause(member: Member, overseen: set[str]) -> ColumnElement[bool]:
    """SQL: the rows whose sealed content ``member`` may see before the date (see the module docstring).

    ``overseen``: the organisations whose records the member oversees (``visible_orgs``).
    """
    mine = AccessLogEntry.accessor_org == member.org
    return or_(mine, AccessLogEntry.owner_org.in_(overseen)) if _office(member) else mine


def privy_rows(member: Member, overseen: set[str], rows: Iterable[AccessLogEntry]) -> set[int]:
    """The positions among ``rows`` whose sealed content ``member`` may see before the date (:func:`privy_clause`)."""
    office = _office(member)
    return {r.idx for r in rows if r.accessor_org == member.org or (office and r.owner_org in overseen)}


def open_clause(now: datetime) -> ColumnElement[bool]:
    """SQL: the sealed rows whose seal has opened at ``now`` (no extension reaches past it)."""
    extension = aliased(AccessLogEntry)
    extended = exists(select(extension.idx).where(extension.seal_of == AccessLogEntry.idx,
                                                  extension.sealed_until > now))  # fmt: skip
    return and_(AccessLogEntry.sealed_until <= now, ~extended)


STUB_PREFIX = b'{"action":"sealed",'
"""How every stub leaf begins (JCS sorts ``action`` first; an ordinary entry begins with ``accessor``)."""


def stub_clause() -> ColumnElement[bool]:
    """SQL: the rows whose *leaf* is a stub (the seal columns a DBA can set do not make a row sealed)."""
    return func.substr(AccessLogEntry.leaf, 1, len(STUB_PREFIX)) == literal(STUB_PREFIX, LargeBinary)


def visible_clause(container: Container, member: Member, overseen: set[str]) -> ColumnElement[bool]:
    """SQL: the rows ``member`` may match on their columns: ordinary ones, opened ones, and its privy ones.

    Whether a row is sealed is read from its leaf, which the signed head binds: a DBA cannot hide
    an ordinary read by marking it sealed. When it opens and who is privy are read from the
    columns, which a DBA could move — but a DBA already holds the log in the clear, so this
    decides only what members see sooner, never what a sealed entry says (:func:`openings`).
    """
    return or_(~stub_clause(), privy_clause(member, overseen), open_clause(_now(container)))


def extensions(session: Session, idxs: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The ``extend`` entries about each of ``idxs``, as their leaves say (the column only finds them)."""
    wanted = sorted(set(idxs))
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in wanted}
    if not wanted:
        return found
    rows = session.scalars(select(AccessLogEntry.leaf).where(AccessLogEntry.seal_of.in_(wanted)))
    for leaf in rows:
        document = json.loads(bytes(leaf))
        if document.get("sealed_idx") in found:
            found[document["sealed_idx"]].append(document)
    return found


@dataclass(frozen=True)
class Opening:
    """What may be said of one sealed entry now: when it opens, and its content if it has or if the viewer is privy."""

    until: str
    opened: dict[str, Any] | None


def openings(
    container: Container, session: Session, rows: Iterable[AccessLogEntry], privy: Collection[int] = ()
) -> dict[int, Opening]:
    """For each sealed row among ``rows``: its effective date and, when open (or ``idx`` in ``privy``), its content.

    The content is shown only when it hashes to the stub in the leaf; otherwise it is withheld
    (the integrity sweep reports the row).
    """
    sealed = [(row, stub) for row in rows if bytes(row.leaf).startswith(STUB_PREFIX)
              for stub in [json.loads(bytes(row.leaf))] if seals.is_stub(stub) and "sealed_until" in stub]  # fmt: skip
    found = extensions(session, (row.idx for row, _ in sealed))
    now = seals.rfc3339(_now(container))
    out: dict[int, Opening] = {}
    for row, stub in sealed:
        until = seals.effective_until(stub, found[row.idx])
        opened = entry_document(row)
        shown = (until <= now or row.idx in privy) and not seals.check_opening(stub, opened)
        out[row.idx] = Opening(until, opened if shown else None)
    return out


def annotate(document: Mapping[str, Any], opening: Opening | None) -> dict[str, Any]:
    """A leaf document as an answer shows it: a stub gains its effective date and, when shown, its content."""
    if opening is None:
        return dict(document)
    extra: dict[str, Any] = {"opens_at": opening.until}
    if opening.opened is not None:
        extra["opened"] = opening.opened
    return {**document, **extra}


# -- extending a seal ----------------------------------------------------------------------------


def extend_seal(container: Container, member: Member, idx: int, until_text: str) -> dict[str, Any]:
    """Postpone the opening of sealed entry ``idx``, as an admin or auditor of the office that supervises
    its record's owner; logged as an ``extend`` entry about the same subjects.

    The entry is appended first, holding the log's lock, and the seal is judged again in that
    transaction: an extension racing the opening date (or another extension) cannot re-close a
    seal that has opened. An entry that does not match its seal is answered as absent: to an
    office, tampering is the integrity sweep's to report, not this answer's.
    """
    if member.kind is not OrgKind.SUBDISTRICT or not member.has(OFFICE_ROLES):
        raise Forbidden("only an admin or auditor of a subdistrict office extends a seal")
    hidden = NotFound(f"no sealed entry {idx} of a record your office supervises")
    until = _until(container, until_text, "sealed_until")
    log = container.access_log
    with container.sessions() as session:
        row = session.get(AccessLogEntry, idx)
        opening = openings(container, session, [row], privy={idx}).get(idx) if row is not None else None
        owner = opening.opened["owner_org"] if opening is not None and opening.opened is not None else None
        if owner is None or not (owner == member.org or container.members.supervises(member, owner)):
            raise hidden
        subjects = list(opening.opened["subject_keys"]) if opening and opening.opened else []
        entry = log.append(
            session, accessor=member.address, accessor_org=member.org, action=seals.EXTEND_ACTION,
            outcome="allowed", reason="seal extended", record_id=str(uuid.uuid4()), owner_org=None,
            subject_keys=subjects, grant_id=None, purpose=None, fields=[], sealed_until=until, seal_of=idx,
        )  # fmt: skip
        session.flush()
        assert row is not None
        before = [d for d in extensions(session, [idx])[idx] if d.get("idx") != entry.idx]  # all but ours
        current = seals.effective_until(json.loads(bytes(row.leaf)), before)
        now = seals.rfc3339(_now(container))
        refusal: GatewayError | None = None
        if current <= now:
            refusal = Conflict(f"sealed entry {idx} opened at {current}: an open seal cannot be closed again")
        elif seals.rfc3339(until) <= current:
            refusal = ValidationFailed(f"sealed_until: an extension must reach past {current}", path="sealed_until")
        if refusal is not None:
            session.rollback()
            raise refusal
        session.commit()
    log.saw(entry.idx + 1)
    return {"idx": entry.idx, "sealed_idx": idx, "sealed_until": seals.rfc3339(until)}

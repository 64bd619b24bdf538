"""Grants: given and revoked on-chain by an owner's (or supervisor's) admin, relayed here.

The gateway checks a grant request fully before it touches the chain (organisations,
fields, expiry, the admin's authority and EIP-712 signature), then relays it with the
admin's signature: the contract, not the gateway, records who granted. Reads under a
grant ask ``AccessGrants.isAllowed`` every time, so a revocation or an expiry stops
reads from the next block on. A grant naming a field that a registered type version labels
sensitive is created *proposed* by the contract and gives nothing until the supervising
office's privacy reviewer approves it (gateway/services/grant_reviews.py); its purpose code
must be one the consortium registered (gateway/services/purposes.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.container import Container
from gateway.db.models import Grant, GrantPurpose, Record
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.services.facts import signed_entry
from gateway.services.members import Member
from gateway.services.records import open_payload
from gateway.services.relaying import relay, signer_of
from gateway.services.values import GrantRequest, RelayedSignature
from ledger.chain.contracts import GrantsClient
from ledger.eip712 import GRANTS_DOMAIN, relay_typed_data
from ledger.purposes import purpose_hash
from ledger.reviews import reason_hash
from ledger.types import Role, record_id_to_bytes32, slug_to_bytes32


def visible_orgs(container: Container, member: Member) -> set[str]:
    """The organisations whose records ``member`` oversees: its own, and a subdistrict's committees."""
    orgs = {member.org}
    if member.kind.name == "SUBDISTRICT":
        directory = container.members
        for org_id in directory.membership.org_ids():
            info = directory.org(org_id)
            if info is not None and info.parent == member.org:
                orgs.add(org_id)
    return orgs


def _record_fields(container: Container, owner: str, record_id: str) -> set[str]:
    """The field names of ``owner``'s record, from its signed entry and sealed payload (never a column)."""
    with container.sessions() as session:
        record = session.get(Record, record_id)
        if record is None or signed_entry(container, record).org != owner:
            raise ValidationFailed(f"record: {owner} has no record {record_id}", path="record")
        if record.erased_at is not None:
            raise ValidationFailed(f"record: record {record_id} was erased", path="record")
        return set(open_payload(container, session, record).payload)


def _require_grant_admin(container: Container, member: Member, owner: str) -> None:
    if not member.has(Role.ADMIN) or not (member.org == owner or container.members.supervises(member, owner)):
        raise Forbidden(f"only an admin of {owner} or of its supervising subdistrict may grant or revoke its records")


def create_grant(container: Container, member: Member, request: GrantRequest) -> dict[str, Any]:
    _require_grant_admin(container, member, request.owner)
    directory = container.members
    grantee = directory.org(request.grantee)
    if grantee is None or not grantee.active:
        raise ValidationFailed(f"grantee: unknown organisation {request.grantee!r}", path="grantee")
    if request.grantee == request.owner:
        raise ValidationFailed("grantee: an organisation cannot grant to itself", path="grantee")
    if (request.record is None) == (request.type is None):
        raise ValidationFailed("scope: give exactly one of record or type", path="record")
    if request.record is not None:
        known = _record_fields(container, request.owner, str(request.record))
        scope_kind, scope = 0, record_id_to_bytes32(str(request.record))
    else:
        assert request.type is not None
        fields = container.record_types.fields(request.type)
        if fields is None:
            raise ValidationFailed(f"type: unknown record type {request.type!r}", path="type")
        known, scope_kind, scope = fields, 1, slug_to_bytes32(request.type)
    unknown = sorted(set(request.fields) - known)
    if unknown:
        raise ValidationFailed(f"fields: not fields of this record or type: {', '.join(unknown)}", path="fields")
    if request.expires_at <= container.now():
        raise ValidationFailed("expires_at: the expiry is in the past", path="expires_at")
    deployment = container.deployment()
    if not deployment.record_types.is_purpose(request.purpose_code):
        raise ValidationFailed(
            f"purpose_code: {request.purpose_code} is not a purpose the consortium registered (see GET /v1/purposes)",
            path="purpose_code",
        )
    salt = request.purpose_salt
    hashed = purpose_hash(salt, request.purpose)
    call_request = GrantsClient.request(
        request.owner,
        request.grantee,
        scope_kind,
        scope,
        list(request.fields),
        request.purpose_code,
        hashed,
        request.expires_at,
    )
    message = GrantsClient.message(call_request)
    document = relay_typed_data(
        "Grant", message, domain=GRANTS_DOMAIN, chain_id=deployment.book.chain_id, contract=deployment.book.grants,
        signer=member.address, nonce=request.relay.nonce, deadline=request.relay.deadline,
    )  # fmt: skip
    if signer_of(document, request.relay.signature) != member.address:
        raise ValidationFailed(
            "signature: not the requesting admin's EIP-712 signature over this grant", path="signature"
        )
    call = deployment.grants.grant_by_sig(call_request, member.address, request.relay)
    with container.sessions() as session:  # the text first: a grant on-chain must never lack its purpose here
        session.merge(GrantPurpose(purpose_hash=hashed, text=request.purpose, salt=salt))
        session.commit()
    receipt = relay(container, call)
    (event,) = deployment.grants.events(receipt, "GrantCreated")
    grant_id = int(event["grantId"])
    container.grant_index.sync()
    return _view(container, grant_id)


def revoke_grant(container: Container, member: Member, grant_id: int, request: RelayedSignature) -> dict[str, Any]:
    container.grant_index.sync()
    _load(container, grant_id)  # 404 for a grant the indexer never saw
    deployment = container.deployment()
    on_chain = deployment.grants.get_grant(grant_id)  # owner and revocation as the chain says, not the copy
    _require_grant_admin(container, member, on_chain.owner_org)
    if on_chain.revoked_at:
        raise Conflict(f"grant {grant_id} was already revoked")
    document = relay_typed_data(
        "Revoke", {"grantId": grant_id}, domain=GRANTS_DOMAIN, chain_id=deployment.book.chain_id,
        contract=deployment.book.grants, signer=member.address, nonce=request.nonce, deadline=request.deadline,
    )  # fmt: skip
    if signer_of(document, request.signature) != member.address:
        raise ValidationFailed(
            "signature: not the requesting admin's EIP-712 signature over this revocation", path="signature"
        )
    call = deployment.grants.revoke_by_sig(grant_id, member.address, request)
    relay(container, call)
    container.grant_index.sync()
    return _view(container, grant_id)


def _view(container: Container, grant_id: int) -> dict[str, Any]:
    grant = _load(container, grant_id)
    with container.sessions() as session:
        return grant_view(grant, container.now(), purpose_text(session, grant), review_reason(session, grant))


def _load(container: Container, grant_id: int) -> Grant:
    with container.sessions() as session:
        grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"no grant {grant_id}")
    return grant


def purpose_text(session: Session, grant: Grant) -> str | None:
    """The grant's free-text purpose, if kept here and it hashes to what the chain holds."""
    kept = session.get(GrantPurpose, bytes(grant.purpose_hash))
    if kept is None or purpose_hash(bytes(kept.salt), kept.text) != bytes(grant.purpose_hash):
        return None
    return kept.text


def grant_state(grant: Grant, now: int) -> str:
    """``revoked``, ``refused``, ``expired``, ``proposal-expired``, ``proposed`` or ``active``, as the copy says."""
    if grant.revoked_block is not None:
        return "revoked"
    if grant.review == "refused":
        return "refused"
    if grant.expires_at <= now:
        return "expired"
    if grant.review == "proposed":
        return "proposal-expired" if (grant.review_deadline or 0) <= now else "proposed"
    return "active"


def grant_view(grant: Grant, now: int, text: str | None, reason: str | None = None) -> dict[str, Any]:
    state = grant_state(grant, now)
    review = None if grant.review == "none" else {
        "state": grant.review, "deadline": grant.review_deadline, "reviewer": grant.reviewer,
        "reviewed_block": grant.reviewed_block, "reason": reason,
    }  # fmt: skip
    return {
        "id": grant.id, "owner": grant.owner_org, "grantee": grant.grantee_org,
        "record": grant.scope if grant.scope_kind == "record" else None,
        "type": grant.scope if grant.scope_kind == "type" else None,
        "fields": grant.fields, "purpose_code": grant.purpose_code, "purpose": text,
        "purpose_hash": "0x" + bytes(grant.purpose_hash).hex(), "expires_at": grant.expires_at,
        "grantor": grant.grantor,
        "granted_block": grant.granted_block, "revoked_block": grant.revoked_block, "revoked_by": grant.revoked_by,
        "state": state, "review": review,
    }  # fmt: skip


def list_grants(container: Container, member: Member, state: str | None = None) -> list[dict[str, Any]]:
    """Grants given by the member's organisation (or its committees) and grants it received; ``state``
    keeps only those in that state (``proposed``: the proposals a reviewer of the office decides)."""
    container.grant_index.sync()
    orgs = visible_orgs(container, member)
    with container.sessions() as session:
        rows = session.scalars(
            select(Grant).where(or_(Grant.owner_org.in_(orgs), Grant.grantee_org == member.org)).order_by(Grant.id)
        ).all()
        now = container.now()
        return [
            grant_view(g, now, purpose_text(session, g), review_reason(session, g)) for g in rows
            if state is None or grant_state(g, now) == state
        ]  # fmt: skip


def review_reason(session: Session, grant: Grant) -> str | None:
    """A review's reason in words, if kept here and it hashes to what the chain holds."""
    if grant.review_reason_hash is None:
        return None
    kept = session.get(GrantPurpose, bytes(grant.review_reason_hash))
    if kept is None or reason_hash(bytes(kept.salt), kept.text) != bytes(grant.review_reason_hash):
        return None
    return kept.text

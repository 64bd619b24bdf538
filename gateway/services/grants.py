"""Grants: given and revoked on-chain by an owner's (or supervisor's) admin, relayed here.

The gateway checks a grant request fully before it touches the chain (organisations,
fields, expiry, the admin's authority and EIP-712 signature), then relays it with the
admin's signature: the contract, not the gateway, records who granted. Reads under a
grant ask ``AccessGrants.isAllowed`` every time, so a revocation or an expiry stops
reads from the next block on.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.container import Container
from gateway.db.models import Grant, GrantPurpose, Record
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.services.facts import signed_entry
from gateway.services.members import Member
from gateway.services.records import open_payload
from gateway.services.values import GrantRequest, RelayedSignature
from ledger.chain.contracts import GrantsClient
from ledger.eip712 import GRANTS_DOMAIN, relay_typed_data
from ledger.errors import TransactionFailedError
from ledger.purposes import purpose_hash
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


def _recover(document: dict[str, Any], signature: bytes) -> str | None:
    try:
        return str(Account.recover_message(encode_typed_data(full_message=document), signature=signature))
    except Exception:
        return None


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
    if _recover(document, request.relay.signature) != member.address:
        raise ValidationFailed(
            "signature: not the requesting admin's EIP-712 signature over this grant", path="signature"
        )
    call = deployment.grants.grant_by_sig(call_request, member.address, request.relay)
    with container.sessions() as session:  # the text first: a grant on-chain must never lack its purpose here
        session.merge(GrantPurpose(purpose_hash=hashed, text=request.purpose, salt=salt))
        session.commit()
    receipt = _relay(container, call)
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
    if _recover(document, request.signature) != member.address:
        raise ValidationFailed(
            "signature: not the requesting admin's EIP-712 signature over this revocation", path="signature"
        )
    call = deployment.grants.revoke_by_sig(grant_id, member.address, request)
    _relay(container, call)
    container.grant_index.sync()
    return _view(container, grant_id)


def _relay(container: Container, call: Any) -> Any:
    try:
        return container.chain.transact(container.operator(), call)
    except TransactionFailedError as exc:
        if exc.error_name == "InvalidAccountNonce":
            raise Conflict("the signature's nonce was already used: sign again with the current nonce") from exc
        if exc.error_name == "RelayExpiredSignature":
            raise ValidationFailed("deadline: the signature's deadline has passed", path="deadline") from exc
        if exc.error_name == "RelayInvalidSignature":
            raise ValidationFailed("signature: the chain did not accept the signature", path="signature") from exc
        if exc.error_name in ("GrantsInvalidFields", "GrantsInvalidField"):
            raise ValidationFailed("fields: 1 to 64 field names of at most 64 bytes each", path="fields") from exc
        if exc.error_name == "GrantsInvalidPurpose":
            raise ValidationFailed("purpose_code: give a purpose code", path="purpose_code") from exc
        raise


def _view(container: Container, grant_id: int) -> dict[str, Any]:
    grant = _load(container, grant_id)
    with container.sessions() as session:
        return grant_view(grant, container.now(), purpose_text(session, grant))


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


def grant_view(grant: Grant, now: int, text: str | None) -> dict[str, Any]:
    state = "revoked" if grant.revoked_block is not None else ("expired" if grant.expires_at <= now else "active")
    return {
        "id": grant.id, "owner": grant.owner_org, "grantee": grant.grantee_org,
        "record": grant.scope if grant.scope_kind == "record" else None,
        "type": grant.scope if grant.scope_kind == "type" else None,
        "fields": grant.fields, "purpose_code": grant.purpose_code, "purpose": text,
        "purpose_hash": "0x" + bytes(grant.purpose_hash).hex(), "expires_at": grant.expires_at,
        "grantor": grant.grantor,
        "granted_block": grant.granted_block, "revoked_block": grant.revoked_block, "revoked_by": grant.revoked_by,
        "state": state,
    }  # fmt: skip


def list_grants(container: Container, member: Member) -> list[dict[str, Any]]:
    container.grant_index.sync()
    orgs = visible_orgs(container, member)
    with container.sessions() as session:
        rows = session.scalars(
            select(Grant).where(or_(Grant.owner_org.in_(orgs), Grant.grantee_org == member.org)).order_by(Grant.id)
        ).all()
        now = container.now()
        return [grant_view(g, now, purpose_text(session, g)) for g in rows]

"""Two-person review: a grant of sensitive fields takes effect only when the supervising office's
privacy reviewer approves it.

``AccessGrants`` creates a grant naming any field that a registered type version labels
``sensitive`` as *proposed*; ``isAllowed`` answers no until a member holding the privacy-
reviewer role in the office that supervises the owner (the owner itself when it is an
office) approves it, and a proposal left undecided past its review window can no longer be
approved. The reviewer signs the decision (EIP-712 ``ReviewGrant``) and the gateway relays
it, as it relays grants. Everything that decides is on-chain; the checks here only turn
the chain's refusals into clear problems before spending a transaction, and keep the
reason's words (ledger/reviews.py) off-chain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from gateway.container import Container
from gateway.db.models import Grant, GrantPurpose
from gateway.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gateway.services.grants import grant_view, purpose_text, review_reason
from gateway.services.members import Member
from gateway.services.relaying import relay, signer_of
from gateway.services.values import RelayedSignature
from ledger.eip712 import GRANTS_DOMAIN, relay_typed_data
from ledger.reviews import REASON_MAX, reason_hash
from ledger.types import OrgKind, Role


def reviewer_org(container: Container, owner: str) -> str:
    """The office whose privacy reviewer decides a grant of ``owner``'s records (the contract's rule)."""
    info = container.members.org(owner)
    if info is not None and info.kind is OrgKind.COMMITTEE and info.parent:
        return info.parent
    return owner


def review_grant(
    container: Container, member: Member, grant_id: int, *, approved: bool, reason: str | None, salt: bytes | None,
    relayed: RelayedSignature,
) -> dict[str, Any]:  # fmt: skip
    """Approve or refuse proposed grant ``grant_id`` as ``member`` signed it; see the module docstring."""
    container.grant_index.sync()
    deployment = container.deployment()
    if grant_id <= 0 or grant_id > deployment.grants.grant_count():
        raise NotFound(f"no grant {grant_id}")
    info = deployment.grants.get_grant(grant_id)  # the chain's state, not the copy's
    office = reviewer_org(container, info.owner_org)
    if not member.has(Role.PRIVACY_REVIEWER) or member.org != office:
        raise Forbidden(f"only a privacy reviewer of {office} reviews grants of {info.owner_org}'s records")
    if str(info.grantor) == member.address:
        raise Forbidden("the grantor cannot review its own grant: a second person must")
    if info.review != "proposed":
        raise Conflict(f"grant {grant_id} is not awaiting review (its review is {info.review})")
    if info.revoked_at:
        raise Conflict(f"grant {grant_id} was revoked")
    if info.review_deadline <= container.now():
        raise Conflict(f"grant {grant_id}'s proposal expired undecided: the grantor must grant again")
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise ValidationFailed(f"reason: at most {REASON_MAX} characters", path="reason")
    if not approved and not text:
        raise ValidationFailed("reason: a refusal says why", path="reason")
    if text and salt is None:
        raise ValidationFailed("reason_salt: a reason comes with its 32-byte salt", path="reason_salt")
    hashed = reason_hash(salt, text) if text and salt is not None else bytes(32)
    message = deployment.grants.review_message(grant_id, approved, hashed)
    document = relay_typed_data(
        "ReviewGrant", message, domain=GRANTS_DOMAIN, chain_id=deployment.book.chain_id,
        contract=deployment.book.grants, signer=member.address, nonce=relayed.nonce, deadline=relayed.deadline,
    )  # fmt: skip
    if signer_of(document, relayed.signature) != member.address:
        raise ValidationFailed("signature: not your EIP-712 signature over this review", path="signature")
    kept = bool(text) and salt is not None
    if kept and salt is not None:
        with container.sessions() as session:  # the words first: a decision on-chain never lacks its reason here
            session.merge(GrantPurpose(purpose_hash=hashed, text=text, salt=salt))
            session.commit()
    try:
        relay(container, deployment.grants.review_by_sig(grant_id, approved, hashed, member.address, relayed))
    except Exception:
        if kept:  # the chain refused: words no decision refers to must not linger (they may name a person)
            with container.sessions() as session:
                session.execute(delete(GrantPurpose).where(GrantPurpose.purpose_hash == hashed))
                session.commit()
        raise
    container.grant_index.sync()
    with container.sessions() as session:
        grant = session.get(Grant, grant_id)
        if grant is None:
            raise NotFound(f"no grant {grant_id}")
        return grant_view(grant, container.now(), purpose_text(session, grant), review_reason(session, grant))

"""Relaying a member's EIP-712-signed call to the chain, and what the chain's refusals mean in words.

Members hold no gas: the gateway's operator key sends their signed calls (grants, reviews,
type registrations). The contract re-checks the signature and every rule, so a refusal here
is the chain's; it is answered as the problem a client can act on, never as a 500.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

from gateway.container import Container
from gateway.errors import Conflict, Forbidden, GatewayError, ValidationFailed
from ledger.errors import TransactionFailedError

_REFUSALS: dict[str, tuple[type[GatewayError], str, str | None]] = {
    "InvalidAccountNonce": (Conflict, "the signature's nonce was already used: sign again with the current nonce",
                            None),
    "RelayExpiredSignature": (ValidationFailed, "deadline: the signature's deadline has passed", "deadline"),
    "RelayInvalidSignature": (ValidationFailed, "signature: the chain did not accept the signature", "signature"),
    "GrantsInvalidFields": (ValidationFailed, "fields: 1 to 64 field names of at most 64 bytes each", "fields"),
    "GrantsInvalidField": (ValidationFailed, "fields: 1 to 64 field names of at most 64 bytes each", "fields"),
    "GrantsInvalidPurpose": (ValidationFailed, "purpose_code: not a purpose code the consortium registered "
                             "(see GET /v1/purposes)", "purpose_code"),
    "GrantsNotProposed": (Conflict, "the grant is not awaiting review (already decided, or it needed none)", None),
    "GrantsProposalExpired": (Conflict, "the proposal expired before it was decided: the grantor must grant again",
                              None),
    "GrantsNotReviewer": (Forbidden, "only a privacy reviewer of the supervising office reviews this grant", None),
    "GrantsSelfReview": (Forbidden, "the grantor cannot review its own grant: a second person must", None),
    "GrantsInvalidReason": (ValidationFailed, "reason: a refusal gives its reason", "reason"),
    "GrantsAlreadyRevoked": (Conflict, "the grant was revoked", None),
    "TypesUnauthorized": (Forbidden, "only the standards body registers record types and purposes", None),
    "TypesVersionTaken": (Conflict, "this version is already registered", None),
    "TypesNotLatest": (Conflict, "supersedes: not the newest version of this type", "supersedes"),
    "TypesNameTaken": (Conflict, "the type name is taken by another version line", None),
    "TypesInvalidName": (ValidationFailed, "name: not a type name (a slug)", "name"),
    "TypesInvalidField": (ValidationFailed, "schema: a sensitive field's name is too long", "schema"),
    "TypesPurposeTaken": (Conflict, "this purpose code is already registered", None),
    "TypesInvalidPurpose": (ValidationFailed, "code: not a purpose code (a slug)", "code"),
}


def relay(container: Container, call: Any) -> Any:
    """Send ``call`` with the operator key; the chain's refusal as a problem (unknown ones propagate)."""
    try:
        return container.chain.transact(container.operator(), call)
    except TransactionFailedError as exc:
        known = _REFUSALS.get(exc.error_name or "")
        if known is None:
            raise
        kind, detail, path = known
        raise (kind(detail, path=path) if path else kind(detail)) from exc


def signer_of(document: dict[str, Any], signature: bytes) -> str | None:
    """Who signed an EIP-712 ``document`` (checked against the requesting member before relaying), or None."""
    try:
        return str(Account.recover_message(encode_typed_data(full_message=document), signature=signature))
    except Exception:
        return None

"""Purpose codes: the consortium's list of why records may be shared, registered on-chain.

A grant's purpose is structured: a code from this list (so audits group reads by purpose)
beside the free text kept off-chain (ledger/purposes.py). ``AccessGrants`` refuses a grant
whose code is not registered in ``RecordTypes``; the standards body adds codes.
"""

from __future__ import annotations

from typing import Any

from gateway.container import Container
from gateway.errors import Conflict, Forbidden, ValidationFailed
from gateway.services.members import Member
from gateway.services.relaying import relay, signer_of
from gateway.services.values import RelayedSignature
from ledger.eip712 import TYPES_DOMAIN, relay_typed_data
from ledger.purposes import PURPOSE_CODES
from ledger.types import Role


def list_purposes(container: Container) -> list[dict[str, Any]]:
    """Every registered code, with the shipped description where the code is one of ours."""
    codes = container.deployment().record_types.purpose_codes()
    return [{"code": code, "description": PURPOSE_CODES.get(code)} for code in sorted(codes)]


def register_purpose(container: Container, member: Member, code: str, relayed: RelayedSignature) -> dict[str, Any]:
    """Register ``code`` as the standards body's ``member`` signed it."""
    if not member.has(Role.STANDARDS):
        raise Forbidden(f"{member.address} does not hold the standards role: only the standards body adds purposes")
    deployment = container.deployment()
    chain = deployment.record_types
    if chain.is_purpose(code):
        raise Conflict(f"purpose code {code} is already registered")
    document = relay_typed_data(
        "RegisterPurpose", {"code": code.encode("ascii").ljust(32, b"\0")}, domain=TYPES_DOMAIN,
        chain_id=deployment.book.chain_id, contract=deployment.book.record_types, signer=member.address,
        nonce=relayed.nonce, deadline=relayed.deadline,
    )  # fmt: skip
    if signer_of(document, relayed.signature) != member.address:
        raise ValidationFailed("signature: not your EIP-712 signature over this purpose code", path="signature")
    relay(container, chain.register_purpose_by_sig(code, member.address, relayed))
    return {"code": code, "description": PURPOSE_CODES.get(code)}

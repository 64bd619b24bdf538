"""Verification and public deployment facts: no signature needed, nothing personal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.api.deps import ContainerDep
from gateway.api.schemas import Info, VerifyRequest
from gateway.errors import ValidationFailed
from ledger.commitments import Disclosure
from ledger.errors import VerificationError
from ledger.receipts import Receipt
from ledger.verify import verify

router = APIRouter(prefix="/v1", tags=["verify"])


@router.post("/verify")
def verify_record(request: VerifyRequest, container: ContainerDep) -> dict[str, Any]:
    """Check a receipt (and a record or some of its fields) against this gateway's chain.

    The verdict says whether it is valid, which fields were proven, who committed it for
    which organisation, and in which block. Departments can run the same check without
    any gateway: `gridledger verify`.
    """
    try:
        receipt = Receipt.from_json(request.receipt)
        disclosure = Disclosure.from_json(request.disclosure) if request.disclosure is not None else None
    except VerificationError as exc:
        raise ValidationFailed(exc.message) from exc
    return verify(receipt, disclosure, container.deployment()).to_json()


@router.get("/info", response_model=Info)
def info(container: ContainerDep) -> Info:
    """Chain id, contract addresses and record types: what an SDK needs to sign entries; and the
    operator address that signs this gateway's log heads and webhook deliveries (check it on-chain:
    a member of the operator organisation with the anchorer role)."""
    book = container.deployment().book
    return Info(
        chain_id=book.chain_id,
        registry=book.registry,
        membership=book.membership,
        grants=book.grants,
        type_registry=book.record_types,
        deployment_block=book.deployment_block,
        record_types=container.record_types.names(),
        operator=str(container.operator().address),
    )


@router.get("/address-book")
def address_book(container: ContainerDep) -> dict[str, Any]:
    """The deployment's address book (gridledger-address-book/1) as this gateway holds it: a convenience for
    the portal's verify-by-drop. A verifier who trusts nothing the gateway says loads its own copy instead."""
    return container.deployment().book.to_json()

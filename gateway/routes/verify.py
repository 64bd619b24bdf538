"""Verification and public deployment facts: no signature needed, nothing personal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.deps import RuntimeDep
from gateway.errors import ValidationFailed
from gateway.schemas import Info, VerifyRequest
from ledger.commitments import Disclosure
from ledger.errors import VerificationError
from ledger.receipts import Receipt
from ledger.verify import verify

router = APIRouter(prefix="/v1", tags=["verify"])


@router.post("/verify")
def verify_record(request: VerifyRequest, runtime: RuntimeDep) -> dict[str, Any]:
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
    return verify(receipt, disclosure, runtime.deployment()).to_json()


@router.get("/info", response_model=Info)
def info(runtime: RuntimeDep) -> Info:
    """Chain id, contract addresses and record types: what an SDK needs to sign entries."""
    book = runtime.deployment().book
    return Info(
        chain_id=book.chain_id,
        registry=book.registry,
        membership=book.membership,
        grants=book.grants,
        deployment_block=book.deployment_block,
        record_types=runtime.record_types.names(),
    )

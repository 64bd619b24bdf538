"""Small builders shared by the contract tests: chain time and grant requests."""

from __future__ import annotations

from typing import Any

from ledger.chain import ChainClient
from ledger.contracts import GrantsClient
from ledger.purposes import purpose_hash
from tests.conftest import b32

SALT = bytes(range(32))
PURPOSE_TEXT = "subsidy review for the household at No. 3"


def chain_now(chain: ChainClient) -> int:
    """The latest block's timestamp: the clock the contracts judge by (never the wall clock)."""
    return int(chain.w3.eth.get_block("latest")["timestamp"])


def type_grant(
    chain: ChainClient,
    owner: str = "rc-sunshine",
    grantee: str = "civil-affairs",
    *,
    record_type: str = "household",
    fields: list[str] | None = None,
    purpose_code: str = "subsidy-review",
    purpose_text: str = PURPOSE_TEXT,
    expires_at: int | None = None,
) -> tuple[Any, ...]:
    """A record-type grant request, expiring an hour after the chain's latest block unless told."""
    return GrantsClient.request(
        owner,
        grantee,
        1,
        b32(record_type),
        ["name", "address"] if fields is None else fields,
        purpose_code,
        purpose_hash(SALT, purpose_text),
        chain_now(chain) + 3600 if expires_at is None else expires_at,
    )


def with_field(request: tuple[Any, ...], index: int, value: Any) -> tuple[Any, ...]:
    """``request`` with one tuple member replaced (to send what the typed builder refuses)."""
    return tuple(value if i == index else v for i, v in enumerate(request))

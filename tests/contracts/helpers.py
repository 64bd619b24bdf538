"""Small builders shared by the contract tests: chain time and grant requests."""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError

from ledger.chain.client import ChainClient, decode_revert
from ledger.chain.contracts import GrantsClient
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


def raw_call(chain: ChainClient, sender: str, to: str, signature: str, types: list[str], values: list[Any]) -> str:
    """``eth_call`` ``signature`` with ``values`` ABI-encoded as ``types``; the custom error as ``Name(args)``, or "".

    For what web3 refuses to encode: ``string`` and ``bytes`` share one ABI encoding, so a
    ``bytes`` value sent where the contract takes a ``string`` delivers any bytes at all
    (not UTF-8, a NUL, half a character), as a hostile member sending straight to the chain could.
    """
    data = keccak(text=signature)[:4] + encode(types, values)
    try:
        chain.w3.eth.call({"from": sender, "to": to, "data": data})  # type: ignore[typeddict-item]
    except ContractLogicError as exc:
        decoded = decode_revert(exc.data if isinstance(exc.data, str) else None)
        assert decoded is not None, f"reverted without one of our errors: {exc}"
        return str(decoded)
    return ""

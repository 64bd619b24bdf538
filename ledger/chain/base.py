"""What every typed contract client shares: the bound contract, calls, sends, nonces, logs, events."""

from __future__ import annotations

from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from web3.logs import DISCARD
from web3.types import TxReceipt

from ledger.chain.client import ChainClient, paged_logs
from ledger.types import to_address

ZERO32 = b"\0" * 32


class Relayed(Protocol):
    """A member's EIP-712 signature with the nonce and deadline it covers."""

    @property
    def nonce(self) -> int: ...
    @property
    def deadline(self) -> int: ...
    @property
    def signature(self) -> bytes: ...


class ContractClient:
    """One of our contracts at one address, through one chain client."""

    name = ""

    def __init__(self, chain: ChainClient, address: str) -> None:
        self.chain = chain
        self.address = to_address(address)
        self.contract = chain.contract(self.name, self.address)

    def _call(self, fn: str, *args: Any, block: int | str = "latest") -> Any:
        return self.chain.call(getattr(self.contract.functions, fn)(*args), block)

    def _send(self, sender: LocalAccount, fn: str, *args: Any) -> TxReceipt:
        return self.chain.transact(sender, getattr(self.contract.functions, fn)(*args))

    def nonce(self, account: str) -> int:
        """The next EIP-712 nonce of ``account`` for calls relayed to this contract."""
        return int(self._call("nonces", to_address(account)))

    def logs(self, event: str, start: int, end: int, *, argument_filters: dict[str, Any] | None = None) -> list[Any]:
        """Every ``event`` log of this contract in blocks ``start..end``, through the one pager."""
        bound = getattr(self.contract.events, event)()
        return paged_logs(self.chain, bound, start, end, argument_filters=argument_filters)

    def events(self, receipt: TxReceipt, event: str) -> list[dict[str, Any]]:
        """The decoded ``event`` logs of this contract in ``receipt``."""
        logs = getattr(self.contract.events, event)().process_receipt(receipt, errors=DISCARD)
        return [dict(log["args"]) for log in logs if log["address"] == self.address]


def hash32(value: bytes, what: str) -> bytes:
    """``value`` as ``bytes``, after checking it is 32 of them."""
    if len(value) != 32:
        raise ValueError(f"a {what} is 32 bytes, not {len(value)}")
    return bytes(value)

"""A small, careful chain client: local signing, safe nonces, fees, retries, confirmations.

Why not plain ``contract.functions.f().transact()``: that needs an unlocked node account,
which a consortium node never has. Here every transaction is signed locally with
eth-account and sent raw. Nonces come from the node's *pending* count, guarded by a
per-sender lock and a local high-water mark, and are re-synced on "nonce too low"
(anvil loses its nonce cache on restart: foundry #10122, #9053). Fees are EIP-1559 where
the chain has a base fee, and a plain gas price (often 0 on Besu consortia) where not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from eth_abi.abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from web3 import Web3
from web3.exceptions import (
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import TxParams, TxReceipt, Wei

from ledger.chain.artifacts import CONTRACT_NAMES, load_artifact
from ledger.errors import ChainError, ChainUnreachableError, TransactionDroppedError, TransactionFailedError

T = TypeVar("T")

_TRANSIENT = (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError)
_NONCE_TOO_LOW = ("nonce too low", "nonce is too low", "oldnonce", "replacement transaction underpriced")


@dataclass(frozen=True)
class DecodedError:
    """A Solidity custom error decoded from revert data."""

    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        shown = ", ".join(_show(a) for a in self.args)
        return f"{self.name}({shown})"


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        text = value.rstrip(b"\0")
        if text and all(32 <= c < 127 for c in text):
            return repr(text.decode())
        return "0x" + value.hex()
    return repr(value)


def _error_table() -> dict[bytes, tuple[str, list[str]]]:
    table: dict[bytes, tuple[str, list[str]]] = {}
    for name in CONTRACT_NAMES:
        for item in load_artifact(name).abi:
            if item.get("type") == "error":
                types = [_abi_type(i) for i in item["inputs"]]
                selector = keccak(text=f"{item['name']}({','.join(types)})")[:4]
                table[selector] = (item["name"], types)
    return table


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return str(item["type"])


def decode_revert(data: str | bytes | None) -> DecodedError | None:
    """Decode revert data into one of our contracts' custom errors, or ``None``."""
    if data is None:
        return None
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
    if len(raw) < 4:
        return None
    entry = _error_table().get(raw[:4])
    if entry is None:
        return None
    name, types = entry
    values = abi_decode(types, raw[4:])
    return DecodedError(
        name, tuple(Web3.to_checksum_address(v) if t == "address" else v for t, v in zip(types, values, strict=True))
    )


def _revert_data(exc: BaseException) -> str | None:
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str):
        return data
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict):
        err = response.get("error") or {}
        inner = err.get("data") if isinstance(err, dict) else None
        if isinstance(inner, str):
            return inner
    return None


class ChainClient:
    """Connects to one node by RPC URL and sends locally signed transactions."""

    def __init__(
        self,
        rpc_url: str,
        *,
        confirmations: int = 0,
        retries: int = 3,
        backoff: float = 0.2,
        timeout: float = 10.0,
        receipt_timeout: float = 60.0,
        poll_interval: float = 0.05,
    ) -> None:
        self.rpc_url = rpc_url
        self.confirmations = confirmations
        self.retries = retries
        self.backoff = backoff
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        provider = Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
        self.w3 = Web3(provider)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._next_nonce: dict[str, tuple[int, float]] = {}  # sender -> (next nonce, when set)
        self._chain_id: int | None = None

    # -- reads ---------------------------------------------------------------------------

    def rpc(self, fn: Callable[[], T], what: str = "the chain") -> T:
        """Run ``fn`` with bounded retries on transient transport errors."""
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except _TRANSIENT as exc:
                self._next_nonce.clear()  # the node may come back without our recent sends
                if attempt == self.retries:
                    raise ChainUnreachableError(
                        f"no chain node answers at {self.rpc_url} ({what}): start one with "
                        "`gridledger chain start` or pass --rpc"
                    ) from exc
                time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.rpc(lambda: self.w3.eth.chain_id, "eth_chainId"))
        return self._chain_id

    def block_number(self) -> int:
        return int(self.rpc(lambda: self.w3.eth.block_number, "eth_blockNumber"))

    def latest_block_time(self) -> int:
        """The timestamp of the newest block (a chain that mines on demand reports an old one)."""
        return int(self.rpc(lambda: self.w3.eth.get_block("latest")["timestamp"], "eth_getBlockByNumber"))

    def block_time(self, block: int) -> int:
        """The timestamp of block ``block``."""
        return int(self.rpc(lambda: self.w3.eth.get_block(block)["timestamp"], "eth_getBlockByNumber"))

    def block_hash(self, block: int) -> bytes:
        """The hash of block ``block`` (a follower compares it to notice a rewound chain)."""
        return bytes(self.rpc(lambda: self.w3.eth.get_block(block)["hash"], "eth_getBlockByNumber"))

    def transaction_receipt(self, tx_hash: bytes) -> TxReceipt:
        """The receipt of a mined transaction (raises when the node does not know it)."""
        return self.rpc(lambda: self.w3.eth.get_transaction_receipt(tx_hash), "eth_getTransactionReceipt")  # type: ignore[arg-type]

    def is_reachable(self) -> bool:
        try:
            self.rpc(lambda: self.w3.eth.chain_id)
        except ChainUnreachableError:
            return False
        return True

    def code_at(self, address: str) -> bytes:
        """The runtime code at ``address`` (empty when nothing is deployed there)."""
        checksummed = Web3.to_checksum_address(address)

        def get_code() -> bytes:
            return bytes(self.w3.eth.get_code(checksummed))

        return self.rpc(get_code, "eth_getCode")

    def contract(self, name: str, address: str) -> Any:
        """A web3 contract object for one of our artifacts at ``address``."""
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_artifact(name).abi)

    def call(self, fn: Any, block: int | str = "latest") -> Any:
        """``eth_call`` a bound contract function, decoding custom errors."""
        try:
            return self.rpc(lambda: fn.call(block_identifier=block), "eth_call")
        except (ContractLogicError, Web3RPCError) as exc:
            raise self._failed(exc) from exc

    # -- writes --------------------------------------------------------------------------

    def fee_fields(self) -> dict[str, int]:
        """EIP-1559 fee fields, or a legacy gas price on chains without a base fee."""
        block = self.rpc(lambda: self.w3.eth.get_block("latest"), "eth_getBlockByNumber")
        base = block.get("baseFeePerGas")
        if base is None:
            return {"gasPrice": int(self.rpc(lambda: self.w3.eth.gas_price, "eth_gasPrice"))}
        if base == 0 and int(self.rpc(lambda: self.w3.eth.gas_price, "eth_gasPrice")) == 0:
            return {"maxFeePerGas": 0, "maxPriorityFeePerGas": 0}  # a gas-free consortium chain
        try:
            tip = int(self.rpc(lambda: self.w3.eth.max_priority_fee, "eth_maxPriorityFeePerGas"))
        except Web3RPCError:
            tip = 0 if base == 0 else Web3.to_wei(1, "gwei")
        return {"maxFeePerGas": 2 * int(base) + tip, "maxPriorityFeePerGas": tip}

    def send(self, account: LocalAccount, fn: Any, *, gas: int | None = None) -> bytes:
        """Sign and send a bound contract call from ``account``; return the tx hash.

        Gas is estimated first, so a call that would revert fails here with its custom
        error decoded, and never costs a transaction.
        """
        sender = account.address
        built: Any = fn.build_transaction({"from": sender, "chainId": self.chain_id, "value": 0, "gas": 1})
        built.update(self.fee_fields())
        if gas is None:
            probe: TxParams = {"from": sender, "data": built["data"], "value": Wei(0)}
            if built.get("to"):
                probe["to"] = built["to"]
            try:
                estimate = self.rpc(lambda: self.w3.eth.estimate_gas(probe, "pending"), "eth_estimateGas")
            except (ContractLogicError, Web3RPCError) as exc:
                raise self._failed(exc) from exc
            gas = int(estimate * 1.2) + 10_000
        built["gas"] = gas
        return self._send_with_nonce(account, built)

    def _lock(self, address: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(address, threading.Lock())

    def _send_with_nonce(self, account: LocalAccount, tx: Any) -> bytes:
        sender = account.address
        with self._lock(sender):
            for attempt in range(self.retries + 1):
                pending = int(self.rpc(lambda: self.w3.eth.get_transaction_count(sender, "pending"), "nonce"))
                nonce = self._choose_nonce(sender, pending)
                raw = bytes(account.sign_transaction({**tx, "nonce": nonce}).raw_transaction)
                try:
                    tx_hash = self._send_raw(raw)
                except Web3RPCError as exc:
                    text = str(exc).lower()
                    if any(marker in text for marker in _NONCE_TOO_LOW) and attempt < self.retries:
                        self._next_nonce.pop(sender, None)  # stale cache: trust the node again
                        continue
                    raise self._failed(exc) from exc
                self._next_nonce[sender] = (nonce + 1, time.monotonic())
                return bytes(tx_hash)
        raise ChainError(f"could not find a usable nonce for {sender}")

    def _send_raw(self, raw: bytes) -> bytes:
        def send() -> bytes:
            return bytes(self.w3.eth.send_raw_transaction(raw))

        return self.rpc(send, "eth_sendRawTransaction")

    NONCE_CACHE_SECONDS = 5.0

    def _choose_nonce(self, sender: str, pending: int) -> int:
        """The node's pending count, unless our own very recent sends are ahead of it.

        A cached nonce is trusted only for a few seconds: after a chain restart or a
        rewind (``evm_revert``) the node is right and an old cache would leave a gap.
        """
        cached = self._next_nonce.get(sender)
        if cached and cached[0] > pending and time.monotonic() - cached[1] < self.NONCE_CACHE_SECONDS:
            return cached[0]
        return pending

    def reset_nonces(self) -> None:
        """Forget cached nonces (after the chain was rewound or restarted)."""
        self._next_nonce.clear()

    DROPPED_AFTER = 3.0
    """Seconds a transaction may be unknown to the node (neither mined nor pending) before it counts as dropped."""

    def wait(self, tx_hash: bytes, *, timeout: float | None = None) -> TxReceipt:
        """Wait for a receipt and ``confirmations`` blocks on top; raise on revert.

        A node that restarts loses its pending pool: a transaction it no longer knows at
        all is reported as dropped (:class:`TransactionDroppedError`) after
        ``DROPPED_AFTER`` seconds instead of being waited for until the timeout, and the
        cached nonces are forgotten, so the caller can send it again at once.
        """
        deadline = time.monotonic() + (timeout or self.receipt_timeout)
        unknown_since: float | None = None
        receipt: TxReceipt | None = None
        while receipt is None:
            try:
                receipt = self.rpc(lambda: self.w3.eth.get_transaction_receipt(tx_hash), "receipt")  # type: ignore[arg-type]
            except (TransactionNotFound, TimeExhausted):
                now = time.monotonic()
                if self._known(tx_hash):
                    unknown_since = None
                elif unknown_since is None:
                    unknown_since = now
                elif now - unknown_since > self.DROPPED_AFTER:
                    self.reset_nonces()
                    raise TransactionDroppedError(
                        f"transaction 0x{tx_hash.hex()} was dropped by the node (restarted?): send it again"
                    ) from None
                if now > deadline:
                    raise ChainError(f"transaction 0x{tx_hash.hex()} not mined in time") from None
                time.sleep(self.poll_interval)
        if receipt["status"] != 1:
            raise TransactionFailedError(f"transaction 0x{tx_hash.hex()} reverted in block {receipt['blockNumber']}")
        target = receipt["blockNumber"] + self.confirmations
        while self.confirmations and self.block_number() < target:
            if time.monotonic() > deadline:
                raise ChainError(f"transaction 0x{tx_hash.hex()} lacks {self.confirmations} confirmations")
            time.sleep(self.poll_interval)
        return receipt

    def _known(self, tx_hash: bytes) -> bool:
        """Whether the node knows the transaction (pending or mined)."""
        try:
            self.rpc(lambda: self.w3.eth.get_transaction(tx_hash), "eth_getTransactionByHash")  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        return True

    def transact(self, account: LocalAccount, fn: Any, *, gas: int | None = None) -> TxReceipt:
        """Send and wait: the usual path for one state change."""
        return self.wait(self.send(account, fn, gas=gas))

    def deploy(self, account: LocalAccount, name: str, *args: Any) -> tuple[str, TxReceipt]:
        """Deploy one of our artifacts; return its address and the receipt."""
        artifact = load_artifact(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.transact(account, factory.constructor(*args))
        address = receipt["contractAddress"]
        if address is None:
            raise ChainError(f"deploying {name} produced no contract address")
        return str(address), receipt

    @staticmethod
    def _failed(exc: BaseException) -> ChainError:
        decoded = decode_revert(_revert_data(exc))
        if decoded is not None:
            return TransactionFailedError(f"the contract refused: {decoded}", decoded.name, decoded.args)
        message = getattr(exc, "message", None) or str(exc)
        return TransactionFailedError(f"the chain refused the transaction: {message}")


LOG_WINDOW = 1000
"""Blocks per ``eth_getLogs`` call: Besu's default ``--rpc-max-logs-range``."""


def paged_logs(
    chain: ChainClient,
    event: Any,
    start: int,
    end: int,
    *,
    argument_filters: dict[str, Any] | None = None,
    window: int = LOG_WINDOW,
) -> list[Any]:
    """Every log of a bound contract ``event`` in blocks ``start..end``, fetched in windows.

    The one pager for every follower of the chain (indexer, anchoring, integrity sweep), so
    none of them asks a node for more blocks at once than Besu allows.
    """
    found: list[Any] = []
    for lo in range(max(0, start), end + 1, window):
        hi = min(lo + window - 1, end)

        def fetch(lo: int = lo, hi: int = hi) -> list[Any]:
            return list(event.get_logs(from_block=lo, to_block=hi, argument_filters=argument_filters))

        found += chain.rpc(fetch, "eth_getLogs")
    return found

"""The typed client of ``RecordTypes``: record-type versions and purpose codes, the consortium's standards.

A version is named by its 32-byte hash (:attr:`ledger.type_versions.TypeVersion.version_hash`);
its document stays off-chain. See ``contracts/interfaces/IRecordTypes.sol`` for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from web3.types import TxReceipt

from ledger.chain.base import ZERO32, ContractClient, Relayed, hash32
from ledger.errors import TransactionFailedError
from ledger.types import Address, bytes32_to_slug, slug_to_bytes32, to_address


@dataclass(frozen=True)
class TypeVersionInfo:
    """A record-type version as registered in ``RecordTypes`` (its document stays off-chain)."""

    name: str
    index: int
    registered_at: int
    registrant: Address
    sensitive_fields: tuple[str, ...]


class RecordTypesClient(ContractClient):
    """Record-type versions and purpose codes: the consortium's standards (``RecordTypes``).

    A version is named by its 32-byte hash (:attr:`ledger.type_versions.TypeVersion.version_hash`);
    ``supersedes`` is ``None`` to start a new name's line.
    """

    name = "RecordTypes"

    def register_version(
        self,
        sender: LocalAccount,
        name: str,
        version_hash: bytes,
        supersedes: bytes | None,
        sensitive_fields: list[str],
    ) -> TxReceipt:
        args = self._version_args(name, version_hash, supersedes, sensitive_fields)
        return self._send(sender, "registerVersion", *args)

    def register_version_function(
        self, name: str, version_hash: bytes, supersedes: bytes | None, sensitive_fields: list[str]
    ) -> Any:
        """The bound ``registerVersion`` call, for callers that send and wait separately."""
        return self.contract.functions.registerVersion(
            *self._version_args(name, version_hash, supersedes, sensitive_fields)
        )

    @staticmethod
    def register_version_message(
        name: str, version_hash: bytes, supersedes: bytes | None, sensitive_fields: list[str]
    ) -> dict[str, Any]:
        """The EIP-712 ``RegisterVersion`` message (without signer, nonce, deadline).

        The struct carries ``sensitiveFields`` as one ``bytes32``: the EIP-712 hash of the
        ``string[]`` (Keccak-256 of the concatenated Keccak-256 of each name), as the contract
        computes it.
        """
        b_name, b_hash, b_supersedes, fields = RecordTypesClient._version_args(
            name, version_hash, supersedes, sensitive_fields
        )
        return {
            "name": b_name,
            "versionHash": b_hash,
            "supersedes": b_supersedes,
            "sensitiveFields": keccak(b"".join(keccak(text=field) for field in fields)),
        }

    def register_version_by_sig(
        self,
        name: str,
        version_hash: bytes,
        supersedes: bytes | None,
        sensitive_fields: list[str],
        signer: str,
        relay: Relayed,
    ) -> Any:
        """The ``registerVersionBySig`` call a gateway relays for ``signer`` (send it with ``ChainClient.transact``)."""
        args = self._version_args(name, version_hash, supersedes, sensitive_fields)
        return self.contract.functions.registerVersionBySig(
            *args, to_address(signer), relay.nonce, relay.deadline, relay.signature
        )

    def register_purpose(self, sender: LocalAccount, code: str) -> TxReceipt:
        return self._send(sender, "registerPurpose", slug_to_bytes32(code))

    def register_purpose_function(self, code: str) -> Any:
        """The bound ``registerPurpose`` call, for callers that send and wait separately."""
        return self.contract.functions.registerPurpose(slug_to_bytes32(code))

    @staticmethod
    def register_purpose_message(code: str) -> dict[str, Any]:
        """The EIP-712 ``RegisterPurpose`` message (without signer, nonce, deadline)."""
        return {"code": slug_to_bytes32(code)}

    def register_purpose_by_sig(self, code: str, signer: str, relay: Relayed) -> Any:
        """The ``registerPurposeBySig`` call a gateway relays for ``signer``."""
        return self.contract.functions.registerPurposeBySig(
            slug_to_bytes32(code), to_address(signer), relay.nonce, relay.deadline, relay.signature
        )

    def type_names(self) -> list[str]:
        """Every type name with at least one version, in the order their lines started."""
        return [bytes32_to_slug(n) for n in self._call("typeNames")]

    def versions(self, name: str) -> list[bytes]:
        """The version hashes of ``name``, oldest first (empty for an unknown name)."""
        b_name = slug_to_bytes32(name)
        count = int(self._call("versionCount", b_name))
        return [bytes(self._call("versionAt", b_name, i)) for i in range(count)]

    def latest_version(self, name: str) -> bytes | None:
        """The newest version hash of ``name``, or ``None``."""
        latest = bytes(self._call("latestVersion", slug_to_bytes32(name)))
        return None if latest == ZERO32 else latest

    def version_info(self, version_hash: bytes) -> TypeVersionInfo | None:
        """The registered version ``version_hash``, or ``None`` when it is not registered."""
        try:
            name, index, at, registrant, fields = self._call("versionInfo", hash32(version_hash, "version hash"))
        except TransactionFailedError as exc:
            if exc.error_name == "TypesUnknownVersion":
                return None
            raise
        return TypeVersionInfo(bytes32_to_slug(name), int(index), int(at), to_address(registrant), tuple(fields))

    def is_registered(self, version_hash: bytes) -> bool:
        return bool(self._call("isRegistered", hash32(version_hash, "version hash")))

    def is_sensitive(self, field: str) -> bool:
        """Whether any registered version labels a field called ``field`` sensitive (consortium-wide)."""
        return bool(self._call("isSensitive", field))

    def is_purpose(self, code: str) -> bool:
        return bool(self._call("isPurpose", slug_to_bytes32(code)))

    def purpose_codes(self) -> list[str]:
        """Every registered purpose code, in registration order."""
        return [bytes32_to_slug(c) for c in self._call("purposeCodes")]

    @staticmethod
    def _version_args(
        name: str, version_hash: bytes, supersedes: bytes | None, sensitive_fields: list[str]
    ) -> tuple[bytes, bytes, bytes, list[str]]:
        b_supersedes = ZERO32 if supersedes is None else hash32(supersedes, "supersedes")
        return slug_to_bytes32(name), hash32(version_hash, "version hash"), b_supersedes, list(sensitive_fields)

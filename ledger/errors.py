"""Errors raised by ``ledger``.

Every error carries a one-line, user-facing ``message`` (what is wrong and, where there
is one, the command that fixes it); the technical cause is chained with ``raise … from``.

    LedgerError
    ├── ToolchainError            npm solc / node / anvil missing or failing
    ├── ArtifactError             compiled artifacts missing or out of date
    ├── KeystoreError (ValueError) keystore unreadable or wrong password
    ├── ChainError                talking to the chain
    │   ├── ChainUnreachableError (ConnectionError)
    │   ├── ChainMismatchError    chain id differs from the address book
    │   ├── TransactionDroppedError  the node forgot a sent transaction (restart): send again
    │   └── TransactionFailedError (reverted, with the custom error decoded)
    ├── AddressBookError          address book missing, unreadable or would be overwritten
    └── VerificationError         a proof, signature or commitment does not check out
"""

from __future__ import annotations


class LedgerError(Exception):
    """Root of every error ``ledger`` raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ToolchainError(LedgerError):
    """A build or chain tool (node, npm solc, anvil) is missing or failed."""


class ArtifactError(LedgerError):
    """Compiled contract artifacts are missing or disagree with the sources."""


class KeystoreError(LedgerError, ValueError):
    """A keystore could not be read or decrypted."""


class ChainError(LedgerError):
    """Talking to the chain failed."""


class ChainUnreachableError(ChainError, ConnectionError):
    """No chain node answered at the RPC URL."""


class ChainMismatchError(ChainError):
    """The node's chain id differs from the one the address book was written for."""


class TransactionDroppedError(ChainError):
    """The node no longer knows a transaction we sent (it restarted and lost its pool)."""


class TransactionFailedError(ChainError):
    """A transaction reverted; ``error_name`` and ``error_args`` hold the decoded custom error."""

    def __init__(self, message: str, error_name: str | None = None, error_args: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.error_name = error_name
        self.error_args = error_args


class AddressBookError(LedgerError):
    """The address book is missing, unreadable, or would be overwritten."""


class VerificationError(LedgerError):
    """A commitment, proof or signature does not verify."""

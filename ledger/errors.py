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
    ├── PayloadError (ValueError) a payload that cannot be committed (not an object, not canonical JSON)
    └── VerificationError         a proof, signature or commitment does not check out
        ├── ProofError            a Merkle proof is malformed or leads to another root
        ├── DocumentError         a receipt, disclosure or entry is not in its specified form
        └── DeliveryRejected      a webhook delivery whose headers, age, signature or body do not check out

Every :class:`VerificationError` may carry ``check``: the code of the check it failed, as
docs/spec/verification.md numbers them (``json``, ``schema``, ``signature``, …).

The SDK's errors (the gateway answered a problem) are :class:`ledger.client.errors.GatewayClientError`
and its subclasses, one per problem ``type``.
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
    """A commitment, proof or signature does not verify; ``check`` names the spec check (§V) it failed."""

    def __init__(self, message: str, check: str = "") -> None:
        super().__init__(message)
        self.check = check


class PayloadError(LedgerError, ValueError):
    """The payload cannot be committed (not an object, empty, or not canonicalisable)."""


class ProofError(VerificationError):
    """A proof is malformed or does not lead to the expected root."""

    def __init__(self, message: str, expected: bytes | None = None, computed: bytes | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.computed = computed


class DocumentError(VerificationError):
    """A document is not I-JSON (``json``), of an unknown format (``format``) or out of its schema (``schema``).

    Raised while reading, before anything is hashed: a verifier never re-spells a value
    (docs/spec/primitives.md §P-3), so a document that is not in its canonical form is refused.
    """

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message, check)


class DeliveryRejected(VerificationError):
    """A webhook delivery that must not be acted on (docs/spec/webhooks.md §W-3); ``check`` names the rule:
    ``headers``, ``timestamp``, ``signature``, ``subscription`` or ``body``. Answer it with a 4xx."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message, check)
